"""The sheet 救助人次."""

from __future__ import annotations

import pandas as pd

from pipeline.workbook.cells import TOTAL, Sheet
from pipeline.workbook.context import ChartData, Context


def fill(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    spec = [
        ("救助类型", "aid_type", "text"),
        ("目标人数", "target_persons", "sum"),
        ("实际人数", "persons", "count"),
        ("人次", "person_times", "sum"),
        ("户数", "households", "count"),
        ("建档人数", "filed_persons", "count"),
        ("非建档人数", "non_filed_persons", "count"),
        ("救助金额", "amount_fen", "money"),
        ("目标人次", "target_times", "sum"),
        ("人数完成率(%)", "completion_pct", "percent"),
        ("等级", "grade", "text"),
    ]
    width = len(spec)
    row = sheet.title_block(f"{context.period_text}救助人次统计表", width, context)
    header_first = row
    row = sheet.header(row, [(None, label) for label, _, _ in spec])
    header_last = row - 1
    first = row
    table = figures.headcounts
    for item in table.to_dict("records"):
        for col, (_, column, kind) in enumerate(spec):
            value = item[column]
            if kind == "money":
                sheet.money(row, col, value)
            elif kind in ("sum", "count"):
                sheet.count(row, col, value)
            elif kind == "percent":
                sheet.decimal(row, col, value, f.percent)
            else:
                sheet.text(row, col, value, f.text)
        row += 1
    everything = figures.usage_totals[figures.usage_totals["scope"] == "all"].iloc[0]
    for col, (_, column, kind) in enumerate(spec):
        cells = [(r, col) for r in range(first, row)]
        if kind == "money":
            sheet.total(row, col, cells, int(table[column].fillna(0).sum()))
        elif kind == "sum":
            sheet.total(row, col, cells, int(table[column].fillna(0).sum()), fen=False)
        elif column == "persons":
            sheet.count(row, col, everything["year_persons"], f.total_count)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    row += 1
    sheet.text(
        row,
        0,
        "注：本年累计至期末。合计人数为去重人数；户数、建档人数按救助类型分别去重，不合计。",
        f.note,
        fit=False,
    )
    row = _worker_files(sheet, figures.worker_files, row + 2)
    if len(table):  # 目标人数 (B) beside 实际人数 (C) per 救助类型
        last = first + len(table) - 1
        context.charts["completion"] = ChartData(sheet.name, header_last, first, last, (1, 2))
    sheet.signatures(row + 1, width)
    sheet.finish((header_first, header_last), width)


def _worker_files(sheet: Sheet, files: pd.DataFrame, row: int) -> int:
    """Worker files per status and category; each 合计 a SUM, a shortfall shown as 未注明."""
    f = sheet.formats
    sheet.text(row, 0, "困难职工档案（在档为期末数，脱困、注销为本年数）", f.heading, fit=False)
    row = sheet.header(row + 1, [(None, h) for h in ("档案状态", "类别", "档案数")])
    status_totals = []
    for status, group in files[files["status"] != TOTAL].groupby("status", sort=False):
        first = row
        parts = group[group["category"] != TOTAL]
        for item in parts.to_dict("records"):
            sheet.text(row, 0, status, f.text)
            sheet.text(row, 1, item["category"], f.text)
            sheet.count(row, 2, item["files"])
            row += 1
        total = int(group.loc[group["category"] == TOTAL, "files"].sum())
        missing = total - int(parts["files"].sum())
        if missing:
            sheet.text(row, 0, status, f.text)
            sheet.text(row, 1, "未注明", f.text)
            sheet.count(row, 2, missing)
            row += 1
        sheet.text(row, 0, status, f.total_text)
        sheet.text(row, 1, TOTAL, f.total_text)
        sheet.total(row, 2, [(r, 2) for r in range(first, row)], total, fen=False)
        status_totals.append(row)
        row += 1
    grand = int(files.loc[(files["status"] == TOTAL), "files"].sum())
    other = grand - sum(sheet.exact[r, 2] for r in status_totals)
    if other:
        sheet.text(row, 0, "其他状态", f.text)
        sheet.text(row, 1, "本年注销或脱困以外", f.text)
        sheet.count(row, 2, other)
        status_totals.append(row)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, TOTAL, f.total_text)
    sheet.total(row, 2, [(r, 2) for r in status_totals], grand, fen=False)
    return row + 1
