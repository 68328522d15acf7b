"""Rules R13–R14: was the aid backed by the bureaus' verifications?

In: a ``Context`` — the aid records, the medical-insurance checks (医保核对), the civil-affairs
checks (民政核对) and check_valid_months. Out: per rule one findings frame
(``pipeline.rules.findings``), one row per aid record, its lineage the record and, where one
exists, the check it was judged against.

- R13: 医疗救助 with no medical-insurance settlement of the person for the aid's year or the
  year before (the limit R12 applies comes from it).
- R14: 生活/医疗/助学救助 whose latest civil-affairs check on or before the aid date is missing,
  older than check_valid_months (a check dated exactly that many months before still counts),
  or concluded 不符合.
"""

from __future__ import annotations

import pandas as pd

from pipeline.rules import RECORD_AMOUNT, Context, Rule, findings, lineage_of
from pipeline.rules.common import (
    Row,
    as_dicts,
    day,
    joined_lineage,
    medical_check_year,
    of_types,
    record_text,
    rows_lineage,
)
from schemas import LINEAGE

MEANS_TESTED = ("生活救助", "医疗救助", "助学救助")
CHECK = "ck_"  # prefix of the civil-check columns joined to records
CHECK_FIELDS = ("checked_on", "conclusion", "rejection_reason", *LINEAGE)


def medical_unchecked(context: Context) -> pd.DataFrame:
    """R13: 医疗救助 without a medical check of its year or the year before."""
    records = of_types(context.table("aid_records"), "医疗救助")
    used = medical_check_year(records, context.table("medical_checks"))
    rows = records[used["_check_year"].isna().to_numpy()]
    messages = [
        f"{record_text(row)}：没有此人 {row['aid_date'].year} 年或 "
        f"{row['aid_date'].year - 1} 年的医保结算核对，"
        f"无法确认个人自付金额"
        for row in as_dicts(rows)
    ]
    return findings(rows, messages)


def civil_unchecked(context: Context) -> pd.DataFrame:
    """R14: means-tested aid without a valid civil-affairs check that found the household 符合."""
    months = context.params.standards.check_valid_months
    records = latest_civil_check(
        of_types(context.table("aid_records"), *MEANS_TESTED), context.table("civil_checks")
    )
    valid_from = records["aid_date"] - pd.DateOffset(months=months)
    checked_on = records[CHECK + "checked_on"]
    missing = checked_on.isna()
    expired = checked_on < valid_from
    refused = records[CHECK + "conclusion"] == "不符合"
    rows = records[(missing | expired | refused.fillna(False)).to_numpy(dtype=bool)]
    messages = [_civil_message(row, months) for row in as_dicts(rows)]
    lineage = joined_lineage(lineage_of(rows), rows_lineage(rows, CHECK))
    return findings(rows, messages, lineage=lineage)


def latest_civil_check(records: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """The records with the columns (prefixed ``ck_``) of the person's latest civil check dated
    on or before the aid date; NA where there is none. Of two checks on one day, 不符合 wins."""
    if checks.empty:
        checks = pd.DataFrame({name: pd.Series(dtype="str") for name in ("id_no", *CHECK_FIELDS)})
    right = (
        checks[["id_no", *CHECK_FIELDS]]
        .astype({"checked_on": "datetime64[us]", "source_row": "Int64"})
        .assign(_refused=checks["conclusion"] == "不符合")
        .sort_values(["checked_on", "_refused"], kind="stable")
        .drop(columns="_refused")
        .rename(columns={name: CHECK + name for name in CHECK_FIELDS})
    )
    left = records[["id_no", "aid_date"]].astype({"aid_date": "datetime64[us]"})
    left = left.assign(_at=range(len(left))).sort_values("aid_date", kind="stable")
    joined = pd.merge_asof(
        left,
        right,
        left_on="aid_date",
        right_on=CHECK + "checked_on",
        by="id_no",
        direction="backward",
    ).sort_values("_at")
    found = joined.drop(columns=["id_no", "aid_date", "_at"]).set_axis(records.index)
    return records.join(found)


def _civil_message(row: Row, months: int) -> str:
    head = f"{record_text(row)}："
    checked_on = row[CHECK + "checked_on"]
    if pd.isna(checked_on):
        return head + "救助日期之前没有此人的民政家庭经济状况核对"
    if row[CHECK + "conclusion"] == "不符合":
        reason = row[CHECK + "rejection_reason"]
        why = "" if pd.isna(reason) else f"（{reason}）"
        return head + f"此前最近一次民政核对（{day(checked_on)}）结论为不符合{why}"
    return head + f"此前最近一次民政核对在 {day(checked_on)}，已超过 {months} 个月的有效期"


RULES: list[Rule] = [
    Rule("R13", "医疗救助没有医保结算核对", "错误", medical_unchecked, RECORD_AMOUNT),
    Rule("R14", "救助没有有效的民政核对或核对结论为不符合", "错误", civil_unchecked, RECORD_AMOUNT),
]
