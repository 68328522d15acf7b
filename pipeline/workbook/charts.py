"""The sheet 图表."""

from __future__ import annotations

from pipeline.workbook.cells import Sheet, check
from pipeline.workbook.context import Context

CHARTS = (
    (
        "spending",
        {"type": "column", "subtype": "stacked"},
        "本年累计支出：资金来源 × 救助类型",
        "元",
    ),
    ("completion", {"type": "column"}, "救助人数：目标与实际", "人"),
)
CHART_ROWS = 22  # rows a chart covers (at x_scale 1.6, y_scale 1.4)


def fill(sheet: Sheet, context: Context) -> None:
    """Charts where a reader would rather look than read; their data stay on their sheets."""
    f = sheet.formats
    sheet.merge(0, 0, 9, f"{context.period_text}帮扶资金图表", f.title)
    row = 2
    for key, kind, title, unit in CHARTS:
        data = context.charts.get(key)
        if data is None:
            sheet.text(row, 0, f"{title}：无数据", f.note, fit=False)
            row += 2
            continue
        chart = f.book.add_chart(kind)
        for col in data.series:
            chart.add_series(
                {
                    "name": [data.sheet, data.header, col],
                    "categories": [data.sheet, data.first, 0, data.last, 0],
                    "values": [data.sheet, data.first, col, data.last, col],
                    "data_labels": {"value": kind.get("subtype") != "stacked"},
                }
            )
        chart.set_title({"name": title})
        chart.set_y_axis({"name": unit, "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
        options = {"x_scale": 1.6, "y_scale": 1.4}
        check(sheet.worksheet.insert_chart(row, 0, chart, options), f"{sheet.name} {title}")
        sheet.text(row + CHART_ROWS, 0, f"数据见“{data.sheet}”表。", f.note, fit=False)
        row += CHART_ROWS + 2
    sheet.fixed.update((col, 11) for col in range(10))  # the charts' width, the title centred
    sheet.finish(None, 10)
    sheet.worksheet.fit_to_pages(1, 1)
