"""The sheet 救助人次: people helped per 救助类型 against the year's targets, and worker files.

In: the ``Context`` (``Figures.headcounts``, ``usage_totals``, ``worker_files``). Out: per aid
type 目标 and actual 人数 and 人次 with their completion rates, the grade (优/良/中/差 where the
parameters give thresholds) and whether every target given is met, 户数, filed and non-filed
people and the amount; 合计 over every type, then a subtotal of the types that have targets, so
that a target is compared only with the types it was set for; worker files by status.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import aggregate
from pipeline.workbook.cells import TOTAL, Sheet
from pipeline.workbook.context import Context

# (label, column, kind)
HEADCOUNT_SPEC = (
    ("救助类型", "aid_type", "text"),
    ("目标人数", "target_persons", "target"),
    ("实际人数", "persons", "persons"),
    ("人数完成率(%)", "completion_pct", "percent"),
    ("目标人次", "target_times", "target"),
    ("人次", "person_times", "sum"),
    ("人次完成率(%)", "times_pct", "percent"),
    ("等级", "grade", "text"),
    ("达标", "met", "text"),
    ("户数", "households", "count"),
    ("建档人数", "filed_persons", "count"),
    ("非建档人数", "non_filed_persons", "count"),
    ("救助金额", "amount_fen", "money"),
    ("目标金额", "target_amount_fen", "target_money"),
)
# target column → the actual column it is compared with, and the rate
TARGETS = {
    "target_persons": ("persons", "completion_pct"),
    "target_times": ("person_times", "times_pct"),
    "target_amount_fen": ("amount_fen", None),
}
WITH_TARGETS = "有目标类型"
# columns whose labels wrap onto two lines, so that the table prints one page wide at 8 pt or
# more (a fixed width still widens for a number that needs it); 目标人数 is as wide as the
# worker files' 类别 under it
NARROW = {
    "persons": 6,
    "completion_pct": 8,
    "target_times": 6,
    "person_times": 6,
    "times_pct": 8,
    "grade": 4,
    "met": 4,
    "households": 6,
    "filed_persons": 6,
    "non_filed_persons": 6,
}


def fill(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    spec = HEADCOUNT_SPEC
    width = len(spec)
    unit = "人、人次、户；金额：元"
    row = sheet.title_block(f"{context.period_text}救助人次统计表", width, context, unit=unit)
    header_first = row
    row = sheet.header(row, [(None, label) for label, _, _ in spec])
    header_last = row - 1
    for col, (_, column, _) in enumerate(spec):
        if column in NARROW:
            sheet.fixed[col] = NARROW[column]
    first = row
    table = _judged(figures.headcounts)
    for item in table.to_dict("records"):
        for col, (_, column, kind) in enumerate(spec):
            _cell(sheet, row, col, kind, item[column])
        row += 1
    everything = figures.usage_totals[figures.usage_totals["scope"] == "all"].iloc[0]
    _all_types(sheet, row, first, table, int(everything["year_persons"]))
    covered = _with_targets(sheet, row + 1, first, table)
    notes = _note(covered)
    for offset, line in enumerate(notes, start=2):
        sheet.text(row + offset, 0, line, f.note, fit=False)
    row = _worker_files(sheet, figures.worker_files, row + len(notes) + 3)
    sheet.signatures(row + 1, width)
    sheet.finish((header_first, header_last), width)


def _judged(headcounts: pd.DataFrame) -> pd.DataFrame:
    """The headcounts with times_pct (人次 against 目标人次) and met: 是 when every target the
    parameters give is reached, 否 when one is not, empty without targets."""
    table = headcounts.assign(
        times_pct=[
            aggregate.percent(times, target)
            for times, target in zip(
                headcounts["person_times"], headcounts["target_times"], strict=True
            )
        ]
    )
    given = table[list(TARGETS)].notna()
    short = pd.concat(
        [table[actual] < table[target] for target, (actual, _) in TARGETS.items()], axis=1
    ).fillna(False)
    met = pd.Series("", index=table.index, dtype="str")
    met[given.any(axis=1)] = "是"
    met[(short.to_numpy() & given.to_numpy()).any(axis=1)] = "否"
    return table.assign(met=met)


def _cell(sheet: Sheet, row: int, col: int, kind: str, value: Any) -> None:
    f = sheet.formats
    if kind in ("money", "target_money"):
        sheet.money(row, col, value)
    elif kind in ("sum", "count", "persons", "target"):
        sheet.count(row, col, value)
    elif kind == "percent":
        sheet.decimal(row, col, value, f.percent)
    else:
        sheet.text(row, col, value, f.text)


def _all_types(sheet: Sheet, row: int, first: int, table: pd.DataFrame, persons: int) -> None:
    """合计 of every type: 人次 and amount as SUMs, 人数 distinct; no target, no rate."""
    f = sheet.formats
    for col, (_, column, kind) in enumerate(HEADCOUNT_SPEC):
        cells = [(r, col) for r in range(first, row)]
        if kind == "money":
            sheet.total(row, col, cells, int(table[column].sum()))
        elif kind == "sum":
            sheet.total(row, col, cells, int(table[column].sum()), fen=False)
        elif kind == "persons":
            sheet.count(row, col, persons, f.total_count)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)


def _with_targets(sheet: Sheet, row: int, first: int, table: pd.DataFrame) -> dict[str, list[str]]:
    """Each target against the same types' actual figures only: a SUM of the rows of the types
    that have that target, and its rate. Returns, per target column, the types it adds."""
    f = sheet.formats
    col_of = {column: col for col, (_, column, _) in enumerate(HEADCOUNT_SPEC)}
    sheet.text(row, 0, WITH_TARGETS, f.total_text)
    filled = {0}
    covered: dict[str, list[str]] = {}
    for target, (actual, rate) in TARGETS.items():
        has = table[target].notna().to_numpy()
        rows = [first + i for i in range(len(table)) if has[i]]
        covered[target] = table.loc[has, "aid_type"].tolist()
        if not rows:  # no type has this target: nothing to compare
            continue
        fen = target == "target_amount_fen"
        for column in (target, actual):
            expected = int(table.loc[has, column].sum())
            sheet.total(row, col_of[column], [(r, col_of[column]) for r in rows], expected, fen=fen)
            filled.add(col_of[column])
        if rate is not None:
            done = aggregate.percent(table.loc[has, actual].sum(), table.loc[has, target].sum())
            sheet.decimal(row, col_of[rate], done, f.percent)
            filled.add(col_of[rate])
    for col in range(len(HEADCOUNT_SPEC)):
        if col not in filled:
            sheet.text(row, col, None, f.total_text)
    return covered


def _note(covered: dict[str, list[str]]) -> list[str]:
    """What the two total rows count, naming the types each target covers: lines no wider
    than the table (a wider text would make the printed page smaller)."""
    names = {"target_persons": "人数", "target_times": "人次", "target_amount_fen": "金额"}
    parts = [f"{names[target]}加{'、'.join(types)}" for target, types in covered.items() if types]
    return [
        "注：本年累计至期末。合计的人数为去重人数；户数、建档人数按救助类型分别去重，不合计。",
        f"{WITH_TARGETS}只加有该项目标的救助类型（{'；'.join(parts) or '无'}），"
        "人数为各类型人数相加。",
        "等级按年度目标的优、良、中人次门槛评定，未给门槛的类型不评等级；"
        "达标：给出的目标（人数、人次、金额）全部达到为是。",
    ]


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
