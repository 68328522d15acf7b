"""The sheet 绩效指标: the ``indicators`` frame grouped by 一级指标, each group with its 小计,
then the 合计 and a line that says what the data scored and what is left to a person.

Every row's points are split in two: 数据评分 (the part of the weight the data scores, and the
score) and 人工评分 (the rest of the weight, and an empty cell, marked, for the scorer to fill
in). 小计 and 合计 are SUMs over the cells that hold or take a number, so the hand scores add up
as they are entered; a part with nothing to score shows "—" and stays out of the SUMs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from pipeline.indicators.common import num, total
from pipeline.workbook.cells import SCORE, SUBTOTAL, TOTAL, Sheet, blank
from pipeline.workbook.context import Context

DATA, MANUAL = "数据评分", "人工评分"
INDICATOR_COLUMNS = (  # (group, header, column, width): one A4 landscape page wide at 80 %
    (None, "一级指标", "level1", 4),
    (None, "二级指标", "level2", 6),
    (None, "三级指标", "indicator", 9),
    (None, "分值", "weight", 5),
    (None, "评分标准", "criterion", 15),
    (None, "计算方法", "formula", 11),
    (None, "数据", "inputs", 12),
    (None, "指标值", "value", 9),
    (DATA, "分值", "scored_weight", 5),
    (DATA, "得分", "score", 5),
    (MANUAL, "分值", "manual_weight", 5),
    (MANUAL, "得分", "manual_score", 5),
    (None, "评分方式", "basis", 6),
    (None, "说明", "note", 7),
)
COLUMN = {column: col for col, (_, _, column, _) in enumerate(INDICATOR_COLUMNS)}
LABEL_LAST = COLUMN["indicator"]  # 小计 and 合计 labels span 一级 to 三级指标
POINTS = ("weight", "scored_weight", "score", "manual_weight", "manual_score")
NOTHING = "—"  # a part with no points to score: not a blank to fill


@dataclass(frozen=True)
class Marks:
    """This sheet's own formats: the blank a scorer fills in (shaded, it prints grey), and the
    "—" of a part with no points."""

    to_fill: Any
    nothing: Any

    @classmethod
    def of(cls, book: Any) -> Marks:
        cell = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        return cls(
            to_fill=book.add_format({**cell, "bg_color": "#FFF2CC", "num_format": SCORE}),
            nothing=book.add_format({**cell, "align": "center"}),
        )


def fill(sheet: Sheet, context: Context) -> None:
    """The indicators in groups with their 小计, the 合计, and the scoring said in words."""
    f, table = sheet.formats, context.reconciled.indicators
    width = len(INDICATOR_COLUMNS)
    row = sheet.title_block(f"{context.period_text}帮扶资金绩效评价指标", width, context, "分")
    header = (row, row + 1)
    row = sheet.header(row, [(group, label) for group, label, _, _ in INDICATOR_COLUMNS])
    marks = Marks.of(f.book)
    summed: set[tuple[int, int]] = set()
    subtotals = []
    for level1, group in table.groupby("level1", sort=False):
        row = _group(sheet, row, group, marks, summed)
        subtotals.append(row)
        row = _sum_row(sheet, row, f"{level1}{SUBTOTAL}", range(row - len(group), row), summed)
    row = _sum_row(sheet, row, TOTAL, subtotals, summed)
    row = _scoring_said(sheet, row + 1, table, width)
    sheet.fixed.update((col, width) for col, (_, _, _, width) in enumerate(INDICATOR_COLUMNS))
    sheet.signatures(row + 1, width)
    sheet.finish(header, width)


def _group(
    sheet: Sheet, row: int, group: pd.DataFrame, marks: Marks, summed: set[tuple[int, int]]
) -> int:
    """One 一级指标's rows, adding to ``summed`` the cells its 小计 adds; returns the next row."""
    f = sheet.formats
    for item in group.to_dict("records"):
        for col, (_, _, column, _) in enumerate(INDICATOR_COLUMNS):
            if column not in POINTS:
                sheet.text(row, col, item[column], f.wrap, fit=False)
        sheet.integer(row, COLUMN["weight"], _hundredths(item["weight"]), f.score, fen=True)
        summed.add((row, COLUMN["weight"]))
        data = (item["scored_weight"], item["score"], f.score)
        summed |= _part(sheet, row, ("scored_weight", "score"), *data, marks)
        manual = (item["manual_weight"], None, marks.to_fill)
        summed |= _part(sheet, row, ("manual_weight", "manual_score"), *manual, marks)
        row += 1
    return row


def _part(
    sheet: Sheet,
    row: int,
    columns: tuple[str, str],
    weight: object,
    score: object,
    score_format: Any,
    marks: Marks,
) -> set[tuple[int, int]]:
    """A part's 分值 and 得分 (a blank score in ``score_format``, to be filled in); "—" in both
    for a part of no points. Returns the cells a SUM adds."""
    weight_col, score_col = (COLUMN[column] for column in columns)
    if not weight:
        for col in (weight_col, score_col):
            sheet.text(row, col, NOTHING, marks.nothing, fit=False)
        return set()
    sheet.integer(row, weight_col, _hundredths(weight), sheet.formats.score, fen=True)
    sheet.integer(row, score_col, _hundredths(score), score_format, fen=True)
    return {(row, weight_col), (row, score_col)}


def _sum_row(
    sheet: Sheet, row: int, label: str, rows: Iterable[int], summed: set[tuple[int, int]]
) -> int:
    """A 小计 or 合计: each points column's SUM over the ``summed`` cells of ``rows``, itself
    added to ``summed`` (the 合计 adds the 小计); returns the next free row."""
    f, rows = sheet.formats, list(rows)
    sheet.merge(row, 0, LABEL_LAST, label, f.total_text)
    for col in range(LABEL_LAST + 1, len(INDICATOR_COLUMNS)):
        if INDICATOR_COLUMNS[col][2] in POINTS:
            cells = [(r, col) for r in rows if (r, col) in summed]
            sheet.total(row, col, cells, fmt=f.total_score)
            summed.add((row, col))
        else:
            sheet.text(row, col, None, f.total_text)
    return row + 1


def _scoring_said(sheet: Sheet, row: int, table: pd.DataFrame, width: int) -> int:
    """What the 合计 means, in words an auditor signs: the data's score against the points the
    data scores, the points left to the scorer (and of them those not yet due), the full
    weight. Returns the next free row."""
    f, points = sheet.formats, total(table)
    pending = (
        f"（其中使用期限未到 {_points(points.pending_weight)} 分）" if points.pending_weight else ""
    )
    sheet.merge(
        row,
        0,
        width - 1,
        f"数据评分 {_points(points.scored)} / {_points(points.scored_weight)} 分；"
        f"人工评分 {_points(points.manual_weight)} 分待评价人员填写{pending}；"
        f"满分 {_points(points.weight)} 分",
        f.heading,
    )
    sheet.merge(
        row + 1,
        0,
        width - 1,
        "数据评分：由本期数据按评分标准计算，得分只对数据能评的分值；人工评分：数据不能评的部分"
        "（评分方式为手工评分、部分数据评分中其余部分、期限未到），请评价人员按评分标准打分，填入"
        "“人工评分·得分”列的空格（底色标出），小计和合计随之更新。总得分 = 合计行数据评分得分 + "
        "人工评分得分。分值和扣分标准取自参数·救助标准（绩效·…）。",
        f.plain_wrap,
    )
    return row + 2


def _points(value: Decimal) -> str:
    """28 → "28.0", 9.5 → "9.5", 8.75 → "8.75": as the 得分 cells show (``SCORE``)."""
    shown = num(value)
    return shown if "." in shown else f"{shown}.0"


def _hundredths(value: object) -> int | None:
    if blank(value):
        return None
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
