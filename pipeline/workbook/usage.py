"""The sheet 资金使用."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.workbook.cells import SUBTOTAL, TOTAL, Sheet, row_header_last
from pipeline.workbook.context import ChartData, Context
from schemas.inputs import AID_TYPES

USAGE_MEASURES = (("amount_fen", "金额"), ("person_times", "人次"), ("persons", "人数"))
WINDOWS = (("month", "本月"), ("year", "本年累计"))


def fill(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    columns: list[tuple[str | None, str]] = [(None, "资金来源"), (None, "救助类型")]
    columns += [(label, measure) for _, label in WINDOWS for _, measure in USAGE_MEASURES]
    columns.append((WINDOWS[-1][1], "金额（万元）"))
    width = len(columns)
    row = sheet.title_block(f"{context.period_text}帮扶资金使用情况表", width, context)
    header_first = row
    row = sheet.header(row, columns)
    totals = figures.usage_totals
    per_source = totals[totals["scope"] == "source"].set_index("source")
    everything = totals[totals["scope"] == "all"].iloc[0]
    subtotals = []
    for source, rows in figures.fund_usage.groupby("source", sort=False):
        first = row
        for item in rows.to_dict("records"):
            sheet.text(row, 0, source, f.text)
            sheet.text(row, 1, item["aid_type"], f.text)
            _usage_cells(sheet, row, item)
            row += 1
        sheet.text(row, 0, source, f.total_text)
        sheet.text(row, 1, SUBTOTAL, f.total_text)
        _usage_totals(sheet, row, [range(first, row)], per_source.loc[source])
        subtotals.append(row)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    _usage_totals(sheet, row, [subtotals], everything)
    sheet.text(
        row + 1,
        0,
        "注：人数为去重人数，同一人多次受助只计一次，故小计、合计的人数不是各行相加。",
        f.note,
        fit=False,
    )
    row = sheet.signatures(row + 3, width)
    year_fen = int(everything["year_amount_fen"])
    row = _usage_by_type(sheet, context, figures.fund_usage, year_fen, row + 1)
    sheet.finish((header_first, row_header_last(header_first, columns)), width, freeze_cols=2)


def _usage_cells(sheet: Sheet, row: int, item: dict[Any, Any]) -> None:
    col = 2
    for window, _ in WINDOWS:
        sheet.money(row, col, item[f"{window}_amount_fen"])
        sheet.count(row, col + 1, item[f"{window}_person_times"])
        sheet.count(row, col + 2, item[f"{window}_persons"])
        col += 3
    sheet.wan(row, col, (row, col - 3))


def _usage_totals(sheet: Sheet, row: int, groups: list[Any], figure: Any) -> None:
    """Amount and 人次 as SUMs of the rows (checked against the figure); 人数 distinct."""
    rows = [r for group in groups for r in group]
    col = 2
    for window, _ in WINDOWS:
        amount, times = int(figure[f"{window}_amount_fen"]), int(figure[f"{window}_person_times"])
        sheet.total(row, col, [(r, col) for r in rows], amount)
        sheet.total(row, col + 1, [(r, col + 1) for r in rows], times, fen=False)
        sheet.count(row, col + 2, figure[f"{window}_persons"], sheet.formats.total_count)
        col += 3
    sheet.wan(row, col, (row, col - 3), bold=True)


def _usage_by_type(
    sheet: Sheet, context: Context, usage: pd.DataFrame, year_fen: int, row: int
) -> int:
    """本年累计 spending as a table of 资金来源 × 救助类型 (the data of a chart on 图表)."""
    f = sheet.formats
    table = usage.pivot_table(
        index="source", columns="aid_type", values="year_amount_fen", aggfunc="sum", sort=False
    )
    types = [t for t in AID_TYPES if t in table.columns]
    sheet.text(row, 0, "本年累计支出：资金来源 × 救助类型（元）", f.heading, fit=False)
    header = row + 1
    sheet.header(header, [(None, label) for label in ("资金来源", *types, TOTAL)])
    first = header + 1
    for offset, (source, amounts) in enumerate(table.iterrows()):
        sheet.text(first + offset, 0, source, f.text)
        for col, aid_type in enumerate(types, start=1):
            sheet.money(first + offset, col, 0 if pd.isna(amounts[aid_type]) else amounts[aid_type])
        cells = [(first + offset, col) for col in range(1, len(types) + 1)]
        sheet.total(first + offset, len(types) + 1, cells, fen=True)
    last = first + len(table) - 1
    total_row = last + 1
    sheet.text(total_row, 0, TOTAL, f.total_text)
    for col in range(1, len(types) + 2):
        expected = year_fen if col == len(types) + 1 else None
        sheet.total(total_row, col, [(r, col) for r in range(first, last + 1)], expected)
    if len(table) and types:
        series = range(1, len(types) + 1)
        chart = ChartData(sheet.name, header, first, last, tuple(series))
        context.charts["spending"] = chart
    return total_row + 1
