"""The sheet 图表: four charts, each on its own page above the small table it plots.

In: the figures (fund usage per 资金来源 × 救助类型, headcounts and targets, balances per source)
and the year's aid records (the monthly trend). Out: per chart a table on this sheet, so that
no chart depends on another sheet's layout — money in 元, exact, its 合计 a live SUM checked
against 资金使用's 本年累计 (or the balances), and the 万元 the chart plots as
``ROUND(元/10000, 6)`` of those cells — then the chart, in 万元 with data labels:

1. 本年累计支出：资金来源 × 救助类型 — bars side by side, so that a small source is seen;
2. 救助人数：目标与实际 — per 救助类型 with a target;
3. 各资金来源收支结余 — 可用资金 (上年结转 + 本年收入), 本年支出, 期末结余;
4. 月度支出与人次 — per month of the period's year up to the period: spending (columns) and
   人次 (a line on the right-hand axis).

Printed in black and white: series differ by grey and outline, never by colour alone; every
text of a chart is at least 10 pt, like the cells (8 pt at the 80 % floor of the print).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline.aggregate import period_bounds
from pipeline.workbook.cells import BODY_PT, TOTAL, Sheet, check
from pipeline.workbook.context import Context

# the tables' six columns: one page wide at 80 %, and wide enough for a province's 元
WIDTHS = (22, *(19,) * 5)
GREYS = ("#404040", "#A6A6A6", "#FFFFFF", "#D9D9D9", "#000000")  # series fills, black outlines
CHART_SIZE = {"x_scale": 1.8, "y_scale": 1.3}  # of 480 × 288 pixels: as wide as the tables
CHART_ROWS = 20  # rows the chart covers (at 20 pixels a row)
WAN_LABEL = "#,##0.00"  # a data label: 万元 to the hundred yuan; the cell keeps all six decimals
FONT = {"name": "宋体", "size": BODY_PT}


def fill(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    sheet.merge(0, 0, len(WIDTHS) - 1, f"{context.period_text}帮扶资金图表", f.title)
    row, breaks = 2, []
    for section in (_spending, _persons, _balances, _monthly):
        if row > 2:
            breaks.append(row)
        row = section(sheet, context, row)
    check(sheet.worksheet.set_h_pagebreaks(breaks), f"{sheet.name} 分页")
    sheet.fixed.update(enumerate(WIDTHS))
    sheet.finish(None, len(WIDTHS))


# ---- the tables ------------------------------------------------------------------------------


def _money_table(
    sheet: Sheet,
    row: int,
    labels: Sequence[str],
    table: pd.DataFrame,
    expected: dict[str, int],
) -> tuple[int, int, int]:
    """Rows of ``table`` (index: category; columns: fen) under a header, with a 合计 row of
    SUMs (a column in ``expected`` must add up to it). Returns (header row, first, last) of
    the data."""
    f = sheet.formats
    sheet.header(row, [(None, label) for label in labels])
    first = row + 1
    for offset, (category, amounts) in enumerate(table.iterrows()):
        sheet.text(first + offset, 0, category, f.text)
        for col, value in enumerate(amounts, start=1):
            sheet.money(first + offset, col, int(value))
    last = first + len(table) - 1
    sheet.text(last + 1, 0, TOTAL, f.total_text)
    for col, column in enumerate(table.columns, start=1):
        cells = [(r, col) for r in range(first, last + 1)]
        sheet.total(last + 1, col, cells, expected.get(str(column)))
    return row, first, last


def _wan_table(
    sheet: Sheet, row: int, labels: Sequence[str], source: tuple[int, int, int], table: pd.DataFrame
) -> tuple[int, int, int]:
    """The 万元 of the yuan table ``source`` (header, first, last row) that ``_money_table``
    wrote of ``table``, its 合计 row included, under ``labels``."""
    f, first = sheet.formats, source[1]
    sheet.header(row, [(None, label) for label in labels])
    for offset, category in enumerate([*table.index, TOTAL]):  # the rows and the 合计
        is_total = offset == len(table)
        sheet.text(row + 1 + offset, 0, category, f.total_text if is_total else f.text)
        for col in range(1, len(table.columns) + 1):
            sheet.wan(row + 1 + offset, col, (first + offset, col), bold=is_total)
    return row, row + 1, row + len(table) + 1


def _heading(sheet: Sheet, row: int, text: str) -> int:
    sheet.text(row, 0, text, sheet.formats.heading, fit=False)
    return row + 1


# ---- the charts ------------------------------------------------------------------------------


def _chart(
    sheet: Sheet,
    row: int,
    title: str,
    unit: str,
    data: tuple[int, int, int],
    series: Sequence[int],
    label_format: str,
) -> int:
    """A column chart of the ``series`` columns of the table ``data`` (header, first, last
    row; categories in column A), each series its own grey; returns the row under it."""
    header, first, last = data
    chart = sheet.formats.book.add_chart({"type": "column"})
    for index, col in enumerate(series):
        chart.add_series(_series(sheet.name, header, first, last, col, index, label_format))
    _dress(chart, f"{title}（{unit}）")
    check(sheet.worksheet.insert_chart(row, 0, chart, CHART_SIZE), f"{sheet.name} {title}")
    return row + CHART_ROWS + 1


def _series(
    name: str, header: int, first: int, last: int, col: int, index: int, label_format: str
) -> dict[str, Any]:
    return {
        "name": [name, header, col],
        "categories": [name, first, 0, last, 0],
        "values": [name, first, col, last, col],
        "fill": {"color": GREYS[index % len(GREYS)]},
        "border": {"color": "#000000", "width": 0.75},
        "data_labels": {"value": True, "num_format": label_format, "font": FONT},
    }


def _dress(chart: Any, title: str) -> None:
    """Title (with the unit: an axis name would print sideways), axes and legend in fonts
    that print at 8 pt or more; no colour needed."""
    chart.set_title({"name": title, "name_font": {**FONT, "size": BODY_PT + 2, "bold": True}})
    chart.set_x_axis({"num_font": FONT})
    chart.set_y_axis({"num_font": FONT, "major_gridlines": {"visible": False}})
    chart.set_legend({"position": "bottom", "font": FONT})
    chart.set_chartarea({"border": {"none": True}})


def _spending(sheet: Sheet, context: Context, row: int) -> int:
    """本年累计 spending per 资金来源 × 救助类型, 元 then 万元, and its chart."""
    figures = context.reconciled.figures
    usage = figures.fund_usage
    table = usage.pivot_table(
        index="source", columns="aid_type", values="year_amount_fen", aggfunc="sum", sort=False
    ).fillna(0)
    types = [t for t in table.columns if table[t].any()]
    title = "本年累计支出：资金来源 × 救助类型"
    if table.empty or not types:
        return _heading(sheet, row, f"{title}：无数据") + 1
    table = table[types].astype("int64")
    everything = figures.usage_totals[figures.usage_totals["scope"] == "all"].iloc[0]
    table[TOTAL] = table.sum(axis=1)
    row = _heading(sheet, row, f"{title}（元）")
    yuan = _money_table(
        sheet,
        row,
        ("资金来源", *types, TOTAL),
        table,
        {TOTAL: int(everything["year_amount_fen"])},
    )
    row = _heading(sheet, yuan[2] + 3, f"{title}（万元，图中数据）")
    wan = _wan_table(sheet, row, ("资金来源", *types, TOTAL), yuan, table)
    data = (wan[0], wan[1], wan[2] - 1)  # the 合计 row is not plotted
    series = range(1, len(types) + 1)
    return _chart(sheet, wan[2] + 2, title, "万元", data, series, WAN_LABEL)


def _persons(sheet: Sheet, context: Context, row: int) -> int:
    """Per 救助类型 with a 目标人数: target and actual persons, and the chart."""
    f, headcounts = sheet.formats, context.reconciled.figures.headcounts
    targeted = headcounts[headcounts["target_persons"].notna()]
    title = "救助人数：目标与实际"
    if targeted.empty:
        return _heading(sheet, row, f"{title}：参数表未设目标人数") + 1
    row = _heading(sheet, row, f"{title}（人）")
    sheet.header(
        row, [(None, label) for label in ("救助类型", "目标人数", "实际人数", "完成率（%）")]
    )
    first = row + 1
    for offset, item in enumerate(targeted.to_dict("records")):
        sheet.text(first + offset, 0, item["aid_type"], f.text)
        sheet.count(first + offset, 1, item["target_persons"])
        sheet.count(first + offset, 2, item["persons"])
        sheet.decimal(first + offset, 3, item["completion_pct"], f.percent)
    last = first + len(targeted) - 1
    return _chart(sheet, last + 2, title, "人", (row, first, last), (1, 2), "#,##0")


def _balances(sheet: Sheet, context: Context, row: int) -> int:
    """Per 资金来源: money available (上年结转 + 本年收入), spent, left; 元 then 万元; chart."""
    balances = context.reconciled.figures.balances
    title = "各资金来源收支结余"
    if balances.empty:
        return _heading(sheet, row, f"{title}：无数据") + 1
    sums = balances.groupby("source", sort=False)[
        ["opening_fen", "income_fen", "expenditure_fen", "closing_fen"]
    ].sum()
    table = pd.DataFrame(
        {
            "available": sums["opening_fen"] + sums["income_fen"],
            "expenditure_fen": sums["expenditure_fen"],
            "closing_fen": sums["closing_fen"],
        }
    ).astype("int64")
    expected = {column: int(table[column].sum()) for column in table.columns}
    labels = ("资金来源", "可用资金（上年结转+本年收入）", "本年支出", "期末结余")
    row = _heading(sheet, row, f"{title}（元；期末结余 = 可用资金 − 本年支出 − 调出）")
    yuan = _money_table(sheet, row, labels, table, expected)
    row = _heading(sheet, yuan[2] + 3, f"{title}（万元，图中数据）")
    wan = _wan_table(sheet, row, labels, yuan, table)
    data = (wan[0], wan[1], wan[2] - 1)
    return _chart(sheet, wan[2] + 2, title, "万元", data, (1, 2, 3), WAN_LABEL)


def monthly(context: Context) -> pd.DataFrame:
    """Per month of the period's year up to the period (by aid date, as 资金使用 counts the
    year): spending in fen and 人次 (records)."""
    aid = context.reconciled.checked.validated.tables["aid_records"]
    year_start, _, after = period_bounds(context.reconciled.period)
    dates = aid["aid_date"]
    rows = aid.loc[(dates >= year_start) & (dates < after), ["aid_date", "amount_fen"]]
    grouped = rows.groupby(rows["aid_date"].dt.month)["amount_fen"]
    months = pd.RangeIndex(1, pd.Period(context.reconciled.period, freq="M").month + 1)
    frame = pd.DataFrame({"amount_fen": grouped.sum(), "person_times": grouped.size()})
    return frame.reindex(months, fill_value=0).astype("int64")


def _monthly(sheet: Sheet, context: Context, row: int) -> int:
    """月度支出 (元, 万元) and 人次, and a chart of both (人次 on the right-hand axis)."""
    f, figures = sheet.formats, context.reconciled.figures
    table = monthly(context)
    everything = figures.usage_totals[figures.usage_totals["scope"] == "all"].iloc[0]
    title = "月度支出与人次"
    row = _heading(sheet, row, f"{title}（按救助日期）")
    sheet.header(row, [(None, label) for label in ("月份", "支出（元）", "支出（万元）", "人次")])
    first = row + 1
    for offset, (month, item) in enumerate(table.iterrows()):
        sheet.text(first + offset, 0, f"{month}月", f.text)
        sheet.money(first + offset, 1, item["amount_fen"])
        sheet.wan(first + offset, 2, (first + offset, 1))
        sheet.count(first + offset, 3, item["person_times"])
    last = first + len(table) - 1
    cells = [(r, 1) for r in range(first, last + 1)]
    sheet.text(last + 1, 0, TOTAL, f.total_text)
    sheet.total(last + 1, 1, cells, int(everything["year_amount_fen"]))
    sheet.wan(last + 1, 2, (last + 1, 1), bold=True)
    times = [(r, 3) for r in range(first, last + 1)]
    sheet.total(last + 1, 3, times, int(everything["year_person_times"]), fen=False)
    chart = sheet.formats.book.add_chart({"type": "column"})
    chart.add_series(_series(sheet.name, row, first, last, 2, 0, WAN_LABEL))
    line = sheet.formats.book.add_chart({"type": "line"})
    line.add_series(
        {
            **_series(sheet.name, row, first, last, 3, 4, "#,##0"),
            "fill": {"none": True},
            "line": {"color": "#000000", "width": 1.5, "dash_type": "dash"},
            "marker": {"type": "circle", "size": 5, "fill": {"color": "#FFFFFF"}},
            "data_labels": {"value": True, "position": "above", "font": FONT},
            "y2_axis": True,
        }
    )
    line.set_y2_axis({"num_font": FONT})
    chart.combine(line)
    _dress(chart, f"{title}（柱：支出，万元，左轴；虚线：人次，右轴）")
    check(sheet.worksheet.insert_chart(last + 3, 0, chart, CHART_SIZE), f"{sheet.name} {title}")
    return last + 3 + CHART_ROWS + 1
