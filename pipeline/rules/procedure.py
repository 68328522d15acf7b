"""Rules R15–R18: was the aid paid, entered and announced the way the procedure says?

In: a ``Context`` — the aid records, entry_workdays and handling_workdays, and the holidays of
the parameters. Out: per rule one findings frame (``pipeline.rules.findings``), one row per
aid record, its lineage the record.

- R15 (错误): cash (现金) without the recipient's signature (实名签收 是).
- R16 (警告): entered into the national system more than entry_workdays working days after the
  aid date (the 30th working day is in time, the 31st is late).
- R17 (警告): more than handling_workdays working days from application to aid.
- R18 (警告): announced (公示) after the aid date, i.e. paid before it was announced.

A missing date (no 录入日期, 申请日期 or 公示日期) is not judged: those columns are optional.
"""

from __future__ import annotations

import pandas as pd

from pipeline.rules import RECORD_AMOUNT, Context, Rule, findings
from pipeline.rules.common import as_dicts, day, record_text
from pipeline.workdays import workdays_after


def unsigned_cash(context: Context) -> pd.DataFrame:
    """R15: 现金 without 实名签收 是."""
    records = context.table("aid_records")
    unsigned = (records["pay_method"] == "现金") & (records["signed"] != "是").fillna(True)
    rows = records[unsigned.fillna(False).to_numpy(dtype=bool)]
    messages = [
        f"{record_text(row)}：现金发放，但实名签收为“"
        f"{'未填' if pd.isna(row['signed']) else row['signed']}”，"
        f"现金发放须有受助人实名签收"
        for row in as_dicts(rows)
    ]
    return findings(rows, messages)


def _too_slow(context: Context, start: str, end: str, limit: int, what: str) -> pd.DataFrame:
    """Records with more than ``limit`` working days from ``start`` to ``end``."""
    records = context.table("aid_records")
    days = workdays_after(records[start], records[end], context.params.overrides)
    late = (days > limit).fillna(False).to_numpy(dtype=bool)
    rows = records[late]
    messages = [
        f"{record_text(row)}：{what.format(start=day(row[start]), end=day(row[end]))}，"
        f"相隔 {n} 个工作日，超过 {limit} 个工作日的时限"
        for row, n in zip(as_dicts(rows), days[late], strict=True)
    ]
    return findings(rows, messages)


def late_entry(context: Context) -> pd.DataFrame:
    """R16: entered more than entry_workdays working days after the aid date."""
    limit = context.params.standards.entry_workdays
    return _too_slow(context, "aid_date", "entered_on", limit, "{end} 才录入全国工会帮扶系统")


def slow_handling(context: Context) -> pd.DataFrame:
    """R17: more than handling_workdays working days from application to aid."""
    limit = context.params.standards.handling_workdays
    return _too_slow(context, "applied_on", "aid_date", limit, "{start} 申请，{end} 才救助")


def paid_before_announced(context: Context) -> pd.DataFrame:
    """R18: 公示日期 after 救助日期."""
    records = context.table("aid_records")
    rows = records[(records["announced_on"] > records["aid_date"]).fillna(False).to_numpy()]
    messages = [
        f"{record_text(row)}：公示日期 {day(row['announced_on'])} 晚于救助日期，先发放后公示"
        for row in as_dicts(rows)
    ]
    return findings(rows, messages)


RULES: list[Rule] = [
    Rule("R15", "现金发放没有实名签收", "错误", unsigned_cash, RECORD_AMOUNT),
    Rule("R16", "超过时限才录入全国工会帮扶系统", "警告", late_entry, RECORD_AMOUNT),
    Rule("R17", "从申请到救助超过办理时限", "警告", slow_handling, RECORD_AMOUNT),
    Rule(
        "R18", "公示日期晚于救助日期（先发放后公示）", "警告", paid_before_announced, RECORD_AMOUNT
    ),
]
