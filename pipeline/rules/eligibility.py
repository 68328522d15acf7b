"""Rules R07–R09: was the person and the use of the money allowed at all?

In: a ``Context`` — the aid records, the worker files and the sources' rules of use (参数·资金来源).
Out: per rule one findings frame (``pipeline.rules.findings``), one row per aid record, its
lineage the record and, where one was used, the worker file it was judged against.

- R07: aid dated after the person's file was closed (脱困/注销); aid on the closing day is fine.
- R08: a source limited to filed people (or some file levels) paid someone without such a
  file. A closed file still counts as a file here: aid after closing is R07's business.
- R09: a source paid an aid type its 允许救助类型 excludes.
"""

from __future__ import annotations

import pandas as pd

from pipeline.rules import RECORD_AMOUNT, Context, Rule, findings, lineage_of
from pipeline.rules.common import (
    CLOSED,
    FILE,
    Row,
    as_dicts,
    day,
    in_order,
    joined_lineage,
    record_text,
    rows_lineage,
    with_files,
)
from schemas.inputs import AID_TYPES, FILE_LEVELS


def _with_file_lineage(rows: pd.DataFrame, messages: list[str]) -> pd.DataFrame:
    """Findings about joined records: the record's row, then its worker file's row if any."""
    lineage = joined_lineage(lineage_of(rows), rows_lineage(rows, FILE))
    return findings(rows, messages, lineage=lineage)


def closed_file_aid(context: Context) -> pd.DataFrame:
    """R07: aid dated after the file's 状态变更日期 while the file is 脱困 or 注销."""
    joined = with_files(context.table("aid_records"), context.table("worker_files"))
    after = joined[FILE + "status"].isin(CLOSED) & (
        joined["aid_date"] > joined[FILE + "status_changed_on"]
    )
    rows = joined[after.fillna(False).astype(bool)]
    return _with_file_lineage(rows, [_closed_message(row) for row in as_dicts(rows)])


def _closed_message(row: Row) -> str:
    status = str(row[FILE + "status"])
    reason = row[FILE + "close_reason"]
    because = f"（{reason}）" if status == "注销" and not pd.isna(reason) else ""
    return (
        f"{record_text(row)}：其困难职工档案 {row[FILE + 'file_no']} 已于 "
        f"{day(row[FILE + 'status_changed_on'])} {status}{because}，此后不应再发放"
    )


def unfiled_recipient(context: Context) -> pd.DataFrame:
    """R08: a source with 限建档对象 paid someone without a file of an allowed level."""
    limited = {
        name: rule.filed_levels
        for name, rule in context.params.sources.items()
        if rule.filed_levels is not None
    }
    records = context.table("aid_records")
    joined = with_files(
        records[records["source"].isin(list(limited))], context.table("worker_files")
    )
    allowed = pd.Series(False, index=joined.index)
    for source, levels in limited.items():
        allowed |= (joined["source"] == source) & joined[FILE + "file_level"].isin(list(levels))
    rows = joined[~allowed]
    messages = [_unfiled_message(row, limited[str(row["source"])]) for row in as_dicts(rows)]
    return _with_file_lineage(rows, messages)


def _unfiled_message(row: Row, levels: frozenset[str]) -> str:
    if levels == frozenset(FILE_LEVELS):
        who = "建档困难职工"
    else:
        who = in_order(levels, FILE_LEVELS) + "档案的职工"
    head = f"{record_text(row)}：资金来源“{row['source']}”只能用于{who}，"
    if not pd.isna(row[FILE + "file_no"]):
        return head + f"但其档案 {row[FILE + 'file_no']} 为{row[FILE + 'file_level']}"
    if not pd.isna(row["file_no"]):
        return head + f"但档案编号 {row['file_no']} 不在困难职工档案中，身份证号也没有档案"
    return head + "但此人没有困难职工档案（未填档案编号，身份证号也没有档案）"


def disallowed_aid_type(context: Context) -> pd.DataFrame:
    """R09: the aid type is not among the source's 允许救助类型."""
    records = context.table("aid_records")
    wrong = pd.Series(False, index=records.index)
    allowed_of = {}
    for name, rule in context.params.sources.items():
        if rule.allowed_aid_types is not None:
            allowed_of[name] = in_order(rule.allowed_aid_types, AID_TYPES)
            wrong |= (records["source"] == name) & ~records["aid_type"].isin(
                list(rule.allowed_aid_types)
            )
    rows = records[wrong]
    messages = [
        f"{record_text(row)}：资金来源“{row['source']}”只能用于{allowed_of[str(row['source'])]}，"
        f"不能用于{row['aid_type']}"
        for row in as_dicts(rows)
    ]
    return findings(rows, messages)


RULES: list[Rule] = [
    Rule("R07", "档案脱困或注销后仍发放救助", "错误", closed_file_aid, RECORD_AMOUNT),
    Rule(
        "R08",
        "限建档对象的资金发给了无档案或档案级别不符的人",
        "错误",
        unfiled_recipient,
        RECORD_AMOUNT,
    ),
    Rule("R09", "资金来源用于其不允许的救助类型", "错误", disallowed_aid_type, RECORD_AMOUNT),
]
