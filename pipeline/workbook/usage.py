"""The sheet 资金使用: spending per 资金来源 × 救助类型 as the seeds report it.

In: the ``Context`` (``Figures.fund_usage``, ``usage_totals``, ``fiscal_usage``, ``execution``
and 对账明细's table). Out, top to bottom: 本月 and 本年累计 per source and aid type with a 小计
per source, the 财政 sources' subtotal (中央+省财政专项帮扶资金, the seeds' 91.695 万元) and 合计;
到位 and 执行率 per source; the 本年累计 资金来源 × 救助类型 table in 元 (the data of a chart on
图表) and in 万元; the bridge from recorded spending to what the bank paid. The first two
tables print on page 1, the source × aid type tables on page 2, the bridge on page 3.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import aggregate
from pipeline.workbook.cells import SUBTOTAL, TOTAL, Sheet, label, own_pages, row_header_last
from pipeline.workbook.context import Context
from schemas.inputs import AID_TYPES

USAGE_MEASURES = (("amount_fen", "金额"), ("person_times", "人次"), ("persons", "人数"))
WINDOWS = (("month", "本月"), ("year", "本年累计"))


def fill(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    columns: list[tuple[str | None, str]] = [(None, "资金来源"), (None, "救助类型")]
    columns += [(window, measure) for _, window in WINDOWS for _, measure in USAGE_MEASURES]
    columns.append((WINDOWS[-1][1], "金额（万元）"))
    width = len(columns)
    row = sheet.title_block(f"{context.period_text}帮扶资金使用情况表", width, context)
    header_first = row
    row = sheet.header(row, columns)
    totals = figures.usage_totals
    per_source = totals[totals["scope"] == "source"].set_index("source")
    everything = totals[totals["scope"] == "all"].iloc[0]
    fiscal = _fiscal(figures.fiscal_sources, figures.fund_usage["source"])
    subtotals: dict[str, int] = {}
    for source, rows in figures.fund_usage.groupby("source", sort=False):
        first = row
        for item in rows.to_dict("records"):
            sheet.text(row, 0, source, f.text)
            sheet.text(row, 1, item["aid_type"], f.text)
            _usage_cells(sheet, row, item)
            row += 1
        _total_label(sheet, row, str(source), SUBTOTAL)
        _usage_totals(sheet, row, list(range(first, row)), per_source.loc[source])
        subtotals[str(source)] = row
        row += 1
        if fiscal and source == fiscal[-1]:  # the 财政 subtotal after its last source
            _total_label(sheet, row, aggregate.group_label(fiscal), SUBTOTAL)
            group = [subtotals[name] for name in fiscal]
            _usage_totals(sheet, row, group, figures.fiscal_usage.iloc[0])
            row += 1
    _total_label(sheet, row, TOTAL, None)
    _usage_totals(sheet, row, list(subtotals.values()), everything)
    sheet.text(
        row + 1,
        0,
        "注：人数为去重人数，同一人多次受助只计一次，故小计、合计的人数不是各行相加；"
        + (f"{aggregate.group_label(fiscal)}小计不计入合计。" if fiscal else ""),
        f.note,
        fit=False,
    )
    row = _execution(sheet, figures.execution, fiscal, row + 3)
    year_fen = int(everything["year_amount_fen"])
    cross = row + 1  # each part from here on a page of its own: no table split across pages
    row = _usage_by_type(sheet, context, figures.fund_usage, fiscal, year_fen, cross)
    bridge = row + 1
    row = _bridge(sheet, aggregate.payment_bridge(context.reconciled.detail.table), bridge)
    sheet.signatures(row + 1, width)
    header = (header_first, row_header_last(header_first, columns))
    own_pages(sheet, width, header, [cross, bridge], freeze_cols=2)


def _fiscal(sources: tuple[str, ...], spent: pd.Series) -> list[str]:
    """The 财政 sources with spending, when two or more have some: their subtotal is a line
    of its own (with one, it would repeat that source's 小计)."""
    present = set(spent.astype("str"))
    fiscal = [name for name in sources if name in present]
    return fiscal if len(fiscal) > 1 else []


def _total_label(sheet: Sheet, row: int, first: str, second: str | None) -> None:
    label(sheet, row, 0, first, total=True)
    sheet.text(row, 1, second, sheet.formats.total_text)


def _usage_cells(sheet: Sheet, row: int, item: dict[Any, Any]) -> None:
    col = 2
    for window, _ in WINDOWS:
        sheet.money(row, col, item[f"{window}_amount_fen"])
        sheet.count(row, col + 1, item[f"{window}_person_times"])
        sheet.count(row, col + 2, item[f"{window}_persons"])
        col += 3
    sheet.wan(row, col, (row, col - 3))


def _usage_totals(sheet: Sheet, row: int, rows: list[int], figure: Any) -> None:
    """Amount and 人次 as SUMs of the rows (checked against the figure); 人数 distinct."""
    col = 2
    for window, _ in WINDOWS:
        amount, times = int(figure[f"{window}_amount_fen"]), int(figure[f"{window}_person_times"])
        sheet.total(row, col, [(r, col) for r in rows], amount)
        sheet.total(row, col + 1, [(r, col + 1) for r in rows], times, fen=False)
        sheet.count(row, col + 2, figure[f"{window}_persons"], sheet.formats.total_count)
        col += 3
    sheet.wan(row, col, (row, col - 3), bold=True)


EXECUTION = ("资金来源", "上年结转", "本年到位", "可用资金", "本年累计支出", "执行率(%)")


def _execution(sheet: Sheet, table: pd.DataFrame, fiscal: list[str], row: int) -> int:
    """到位 and 执行率 per source: 可用资金 = 上年结转 + 到位 (a SUM), 执行率 = 支出 / 可用资金;
    then the 财政 subtotal and 合计. Returns the next free row."""
    f = sheet.formats
    sheet.text(
        row, 0, "资金到位与执行情况（元；执行率 = 本年累计支出 ÷ 可用资金）", f.heading, fit=False
    )
    first = sheet.header(row + 1, [(None, text) for text in EXECUTION])
    at: dict[str, int] = {}
    for offset, item in enumerate(table.to_dict("records")):
        row = first + offset
        at[item["source"]] = row
        sheet.text(row, 0, item["source"], f.text)
        sheet.money(row, 1, item["opening_fen"])
        sheet.money(row, 2, item["income_fen"])
        sheet.total(row, 3, [(row, 1), (row, 2)], item["available_fen"], fmt=f.money)
        sheet.money(row, 4, item["spent_fen"])
        sheet.decimal(row, 5, item["execution_pct"], f.percent)
    row = first + len(table)
    groups = [(aggregate.group_label(fiscal) + SUBTOTAL, fiscal)] if fiscal else []
    for name, sources in [*groups, (TOTAL, list(at))]:
        rows = table[table["source"].isin(sources)]
        label(sheet, row, 0, name, total=True)
        for col, column in enumerate(("opening_fen", "income_fen", "available_fen"), start=1):
            sheet.total(row, col, [(at[s], col) for s in sources], int(rows[column].sum()))
        sheet.total(row, 4, [(at[s], 4) for s in sources], int(rows["spent_fen"].sum()))
        rate = aggregate.percent(rows["spent_fen"].sum(), rows["available_fen"].sum())
        sheet.decimal(row, 5, rate, f.percent)
        row += 1
    return row


def _usage_by_type(
    sheet: Sheet,
    context: Context,
    usage: pd.DataFrame,
    fiscal: list[str],
    year_fen: int,
    row: int,
) -> int:
    """本年累计 spending as a table of 资金来源 × 救助类型 in 元 (the data of a chart on 图表),
    then the same in 万元, each cell ROUND(yuan/10000, 6) of the first. Returns the next free
    row."""
    f = sheet.formats
    table = usage.pivot_table(
        index="source", columns="aid_type", values="year_amount_fen", aggfunc="sum", sort=False
    )
    types = [t for t in AID_TYPES if t in table.columns]
    labels = [(None, text) for text in ("资金来源", *types, TOTAL)]
    sheet.text(row, 0, "本年累计支出：资金来源 × 救助类型（元）", f.heading, fit=False)
    header = row + 1
    sheet.header(header, labels)
    first = header + 1
    at: dict[str, int] = {}
    for offset, (source, amounts) in enumerate(table.iterrows()):
        at[str(source)] = first + offset
        sheet.text(first + offset, 0, source, f.text)
        for col, aid_type in enumerate(types, start=1):
            sheet.money(first + offset, col, 0 if pd.isna(amounts[aid_type]) else amounts[aid_type])
        cells = [(first + offset, col) for col in range(1, len(types) + 1)]
        sheet.total(first + offset, len(types) + 1, cells, fen=True)
    last = first + len(table) - 1
    row = last + 1
    groups = [(aggregate.group_label(fiscal) + SUBTOTAL, fiscal)] if fiscal else []
    for name, sources in [*groups, (TOTAL, list(at))]:
        label(sheet, row, 0, name, total=True)
        for col in range(1, len(types) + 2):
            expected = year_fen if name == TOTAL and col == len(types) + 1 else None
            sheet.total(row, col, [(at[s], col) for s in sources], expected)
        row += 1
    sheet.text(row + 1, 0, "本年累计支出：资金来源 × 救助类型（万元）", f.heading, fit=False)
    sheet.header(row + 2, labels)
    for offset, source_row in enumerate(range(first, row)):
        at_row = row + 3 + offset
        sheet.cells[at_row, 0] = sheet.cells[source_row, 0]
        for col in range(1, len(types) + 2):
            sheet.wan(at_row, col, (source_row, col), bold=source_row > last)
    return row + 3 + (row - first)


BRIDGE = ("项目", "金额", "对账明细行数", "对账明细状态")


def _bridge(sheet: Sheet, lines: pd.DataFrame, row: int) -> int:
    """Recorded spending to what the bank paid (``aggregate.payment_bridge``): each line the
    sum of 对账明细 rows of the states named, each total a SUM of the lines above it since the
    previous total (checked against the bank's figure). Returns the next free row."""
    f = sheet.formats
    sheet.text(row, 0, "系统记录支出与银行实付勾稽（元）", f.heading, fit=False)
    row = sheet.header(row + 1, [(None, text) for text in BRIDGE])
    since: list[int] = []
    for item in lines.to_dict("records"):
        total = bool(item["total"])
        label(sheet, row, 0, item["item"], total=total)
        if total:
            sheet.total(row, 1, [(r, 1) for r in since], item["amount_fen"])
            since = []
        else:
            sheet.money(row, 1, item["amount_fen"])
        sheet.count(row, 2, item["rows"])
        sheet.text(row, 3, item["statuses"], f.text)
        since.append(row)
        row += 1
    sheet.text(
        row,
        0,
        "注：各行为对账明细中相应行的合计（按“状态”筛选可逐行核对）；差额 = 银行实付 −（系统金额 − 现金）。",
        f.note,
        fit=False,
    )
    return row + 1
