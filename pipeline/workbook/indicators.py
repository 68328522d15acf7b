"""The sheet 绩效指标."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pipeline.workbook.cells import TOTAL, Sheet, blank
from pipeline.workbook.context import Context

INDICATOR_COLUMNS = (  # (header, column, width): 142 characters fit A4 landscape
    ("一级指标", "level1", 5),
    ("二级指标", "level2", 8),
    ("三级指标", "indicator", 12),
    ("分值", "weight", 6),
    ("评分标准", "criterion", 26),
    ("计算方法", "formula", 16),
    ("数据", "inputs", 20),
    ("指标值", "value", 14),
    ("得分", "score", 6),
    ("其中数据评分分值", "scored_weight", 8),
    ("评分方式", "basis", 7),
    ("说明", "note", 16),
)
WRAPPED = {
    "level1",
    "level2",
    "indicator",
    "criterion",
    "formula",
    "inputs",
    "value",
    "basis",
    "note",
}
SCORED = {"weight", "score", "scored_weight"}


def fill(sheet: Sheet, context: Context) -> None:
    """Every indicator of the scoring table: those the data can score with their inputs, value
    and score; the others listed to be scored by hand. Scores in hundredths of a point."""
    f, table = sheet.formats, context.reconciled.indicators
    width = len(INDICATOR_COLUMNS)
    row = sheet.title_block(f"{context.period_text}帮扶资金绩效评价指标", width, context, "分")
    header = row
    row = sheet.header(row, [(None, label) for label, _, _ in INDICATOR_COLUMNS])
    first = row
    for item in table.to_dict("records"):
        for col, (_, column, _) in enumerate(INDICATOR_COLUMNS):
            value = item[column]
            if column in SCORED:
                sheet.integer(row, col, _hundredths(value), f.score, fen=True)
            else:
                sheet.text(row, col, value, f.wrap if column in WRAPPED else f.text, fit=False)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    for col, (_, column, _) in enumerate(INDICATOR_COLUMNS[1:], start=1):
        if column in SCORED:
            cells = [(r, col) for r in range(first, row)]
            sheet.total(row, col, cells, fmt=f.total_score)
        else:
            sheet.text(row, col, None, f.total_text)
    sheet.text(
        row + 1,
        0,
        "注：得分只合计数据能评分的部分（其中数据评分分值）；评分方式为“手工评分”“部分数据评分”"
        "或“期限未到”的指标，请评价人员按评分标准打分后填入，合计随之更新。"
        "分值和扣分标准取自参数·救助标准（绩效·…）。",
        f.note,
        fit=False,
    )
    sheet.fixed.update((col, width) for col, (_, _, width) in enumerate(INDICATOR_COLUMNS))
    sheet.signatures(row + 3, width)
    sheet.finish((header, header), width)


def _hundredths(value: object) -> int | None:
    if blank(value):
        return None
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
