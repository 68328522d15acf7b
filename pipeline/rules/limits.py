"""Rules R10–R12: yearly totals above the limits of 参数·救助标准.

In: a ``Context`` — the aid records, the worker files (a household and its region), the 低保
standards, the medical-insurance checks and the standards (months, ratio, cap). Out: per rule
one findings frame (``pipeline.rules.findings``), one row per group over its limit: the record
with which the running total first went over (its 救助编号 and person), the amount above the
limit (the group's total − the limit) as ``amount_fen``, the limit as ``compared_fen``, and the lineage of every record summed plus the
worker file or medical check the limit came from.

- R10: 生活救助 per household (its file; a non-filed person is a household of one) and
  calendar year above the sum of that year's monthly 低保 standards × living_months / 12.
- R11: 助学救助 per student (the worker's 身份证号 and the student's name) and calendar year
  above study_months × the 低保 standard in force on the student's latest aid date.
- R12: 医疗救助 per person and calendar year above min(ratio × 个人自付 of the year's medical
  check, else the year before's, cap). People without a check are R13's business.

The region is the household's file's; a non-filed person's is the region of the 身份证号 (the
first six digits: 低保 is granted where one's 户籍 is). A region without a 低保 standard in the
parameters gives no limit and so no finding: inventing one would accuse people wrongly, and the
parameters workbook, not the rule, is where a missing standard has to be fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from pipeline.money import yuan
from pipeline.params import Parameters
from pipeline.rules import Context, Lineage, Rule, findings
from pipeline.rules.common import (
    FILE,
    Row,
    as_dicts,
    day,
    joined_lineage,
    medical_check_year,
    of_types,
    rows_lineage,
    with_files,
)

LIMIT, TOTAL, COUNT, MEMBERS = "_limit", "_total", "_count", "_members"
YEAR = "_year"


# --- shared: groups over a limit ---------------------------------------------------------------


def over_limit(records: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Groups of records whose amounts add up to more than their ``_limit``.

    ``_limit`` is the same for every record of a group (NA: no limit known, not judged). One row
    per group over the limit: the record at which the running total, in date order, first
    exceeded it, with the group's ``_total``, ``_count`` and ``_members`` (each record's lineage).
    """
    judged = records[records[LIMIT].notna().to_numpy(dtype=bool)]
    group = judged.groupby(keys, sort=False).ngroup()  # one factorisation of the keys
    total = judged["amount_fen"].groupby(group).transform("sum")
    above = (total > judged[LIMIT]).to_numpy(dtype=bool)
    # Only the few groups over their limit are put in date order.
    over = judged[above].assign(_group=group[above], **{TOTAL: total.array[above]})
    over = over.sort_values(["_group", "aid_date", "record_id"], kind="stable")
    running = over.groupby("_group", sort=False)["amount_fen"].cumsum()
    crossing = over[(running > over[LIMIT]).to_numpy(dtype=bool)]
    anchors = crossing.drop_duplicates("_group")
    members: dict[int, list[tuple[str, str, int]]] = {}
    for at, lineage in zip(over["_group"], rows_lineage(over), strict=True):
        members.setdefault(at, []).extend(lineage)
    counted: dict[str, Any] = {
        COUNT: [len(members[g]) for g in anchors["_group"]],
        MEMBERS: pd.Series([tuple(members[g]) for g in anchors["_group"]], index=anchors.index),
    }
    return anchors.assign(**counted)


def group_findings(
    anchors: pd.DataFrame, message: Callable[[Row], str], also: list[Lineage]
) -> pd.DataFrame:
    """Findings of ``over_limit`` groups: the amount above the limit (total − limit) against
    the limit, every record summed and then ``also`` (per group, the rows the limit came
    from)."""
    return findings(
        anchors,
        [message(row) for row in as_dicts(anchors)],
        amount=anchors[TOTAL] - anchors[LIMIT],
        compared=anchors[LIMIT],
        lineage=joined_lineage(list(anchors[MEMBERS]), also),
    )


def lookup(keys: pd.DataFrame, function: Callable[..., int | None]) -> pd.Series:
    """``function`` of each row's keys, computed once per distinct combination (Int64)."""
    distinct = keys.drop_duplicates()
    values = [function(*row) for row in distinct.itertuples(index=False)]
    table = distinct.assign(_value=pd.array(values, dtype="Int64"))
    merged = keys.merge(table, on=list(keys.columns), how="left")
    return pd.Series(merged["_value"].array, index=keys.index)


def households(records: pd.DataFrame, context: Context) -> pd.DataFrame:
    """Records with their worker file, the calendar year and the region of the household."""
    joined = with_files(records, context.table("worker_files"))
    return joined.assign(
        _household=joined[FILE + "file_no"].fillna(joined["id_no"]),
        _region=joined[FILE + "region_code"].fillna(joined["id_no"].str[:6]),
        **{YEAR: joined["aid_date"].dt.year},
    )


def _standard_regions(params: Parameters) -> set[str]:
    return set(params.dibao["region_code"])


def _excess(row: Row) -> str:
    """The end of every limit message: how much above, and from which record on."""
    return (
        f"，超出 {yuan(row[TOTAL] - row[LIMIT])}；"
        f"自救助编号 {row['record_id']}（{day(row['aid_date'])}）起超出"
    )


def _household_text(row: Row) -> str:
    if pd.isna(row[FILE + "file_no"]):
        return f"未建档的{row['name']}（身份证号 {row['id_no']}）"
    return f"档案 {row[FILE + 'file_no']}（{row['name']}）一户"


# --- R10 ---------------------------------------------------------------------------------------


def living_over_limit(context: Context) -> pd.DataFrame:
    """R10: a household's 生活救助 of a year above its 低保-based yearly limit."""
    params = context.params
    frame = households(of_types(context.table("aid_records"), "生活救助"), context)
    regions = _standard_regions(params)
    months = params.standards.living_months

    def limit(region: str, year: int) -> int | None:
        yearly = params.yearly_dibao_fen(region, int(year)) if region in regions else None
        return None if yearly is None else yearly * months // 12

    frame[LIMIT] = lookup(frame[["_region", YEAR]], limit)
    anchors = over_limit(frame, ["_household", YEAR])
    yearly: dict[tuple[str, int], int] = {}
    for row in as_dicts(anchors):
        fen = params.yearly_dibao_fen(row["_region"], int(row[YEAR]))
        assert fen is not None  # a row over its limit has one, hence a standard
        yearly[row["_region"], row[YEAR]] = fen

    def message(row: Row) -> str:
        return (
            f"{_household_text(row)}{row[YEAR]} 年生活救助 {row[COUNT]} 笔合计 "
            f"{yuan(row[TOTAL])}，超过全年上限 {yuan(row[LIMIT])}（地区 {row['_region']} "
            f"{row[YEAR]} 年各月低保标准之和 {yuan(yearly[row['_region'], row[YEAR]])} × {months}/12）"
            f"{_excess(row)}"
        )

    return group_findings(anchors, message, rows_lineage(anchors, FILE))


# --- R11 ---------------------------------------------------------------------------------------


def study_over_limit(context: Context) -> pd.DataFrame:
    """R11: a student's 助学救助 of a year above study_months × the 低保 standard."""
    params = context.params
    frame = households(of_types(context.table("aid_records"), "助学救助"), context)
    frame["_student"] = frame["student"].fillna("")
    keys = ["id_no", "_student", YEAR]
    frame["_latest"] = frame.groupby(keys, sort=False)["aid_date"].transform("max")
    regions = _standard_regions(params)

    def monthly(region: str, latest: pd.Timestamp) -> int | None:
        return params.monthly_standard(region, latest.date()) if region in regions else None

    frame["_monthly"] = lookup(frame[["_region", "_latest"]], monthly)
    frame[LIMIT] = frame["_monthly"] * params.standards.study_months
    anchors = over_limit(frame, keys)

    def message(row: Row) -> str:
        student = row["_student"] or "（未填学生姓名）"
        return (
            f"受助学生 {student}（{row['name']}，身份证号 {row['id_no']}）{row[YEAR]} 年助学救助 "
            f"{row[COUNT]} 笔合计 {yuan(row[TOTAL])}，超过全年上限 {yuan(row[LIMIT])}"
            f"（{params.standards.study_months} 个月 × 地区 {row['_region']} "
            f"在最近一次发放日 {day(row['_latest'])} 的低保标准 {yuan(row['_monthly'])}）"
            f"{_excess(row)}"
        )

    return group_findings(anchors, message, rows_lineage(anchors, FILE))


# --- R12 ---------------------------------------------------------------------------------------


def medical_over_limit(context: Context) -> pd.DataFrame:
    """R12: a person's 医疗救助 of a year above ratio × 个人自付, or above the cap."""
    standards = context.params.standards
    records = of_types(context.table("aid_records"), "医疗救助")
    frame = records.assign(**{YEAR: records["aid_date"].dt.year})
    frame = frame.join(medical_check_year(frame, context.table("medical_checks")))
    numerator, denominator = standards.medical_ratio.as_integer_ratio()
    share = frame["_self_paid"] * numerator // denominator  # exact, rounded down to the fen
    frame[LIMIT] = share.clip(upper=standards.medical_cap_fen)
    frame["_share"] = share
    anchors = over_limit(frame, ["id_no", YEAR])

    def message(row: Row) -> str:
        return (
            f"{row['name']}（身份证号 {row['id_no']}）{row[YEAR]} 年医疗救助 {row[COUNT]} 笔合计 "
            f"{yuan(row[TOTAL])}，超过上限 {yuan(row[LIMIT])}（{row['_check_year']} 年医保核对"
            f"个人自付 {yuan(row['_self_paid'])} × {standards.medical_ratio} = "
            f"{yuan(row['_share'])}，封顶 {yuan(standards.medical_cap_fen)}）"
            f"{_excess(row)}"
        )

    checks = context.table("medical_checks")
    return group_findings(anchors, message, _check_lineage(anchors, checks))


def _check_lineage(anchors: pd.DataFrame, checks: pd.DataFrame) -> list[Lineage]:
    """Per anchor, the medical check rows of the person and year the limit came from."""
    if anchors.empty:
        return []
    wanted = anchors[["id_no", "_check_year"]].rename(columns={"_check_year": "year"})
    used = checks.merge(wanted.drop_duplicates(), on=["id_no", "year"])
    rows: dict[tuple[str, int], list[tuple[str, str, int]]] = {}
    for id_no, year, lineage in zip(used["id_no"], used["year"], rows_lineage(used), strict=True):
        rows.setdefault((str(id_no), int(year)), []).extend(lineage)
    return [
        tuple(rows[str(id_no), int(year)])
        for id_no, year in zip(anchors["id_no"], anchors["_check_year"], strict=True)
    ]


OVER = "超过上限的金额 = 全年合计 − 上限"
RULES: list[Rule] = [
    Rule(
        "R10",
        "生活救助超过家庭年度上限",
        "错误",
        living_over_limit,
        OVER,
        "家庭全年上限（当年各月低保标准之和 × 上限月数 / 12）",
    ),
    Rule(
        "R11",
        "助学救助超过学生年度上限",
        "错误",
        study_over_limit,
        OVER,
        "学生全年上限（上限月数 × 低保标准）",
    ),
    Rule(
        "R12",
        "医疗救助超过个人自付比例或封顶",
        "错误",
        medical_over_limit,
        OVER,
        "全年上限（医保核对个人自付 × 比例，不超过封顶）",
    ),
]
