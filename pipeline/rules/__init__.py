"""Stage 5, rules: the catalogue R01–R23 of contract §3.3, each rule a function to findings.

In: a ``Context`` — the validated tables, the matched payments, the parameters, the period.
Out: one DataFrame of findings, one row each (``FINDING_COLUMNS``): rule code, severity
(错误/警告/提示), what is wrong in plain Chinese, the person, source, aid type, 救助编号, the
amount and the amount it was compared with, and ``lineage`` — the (file, sheet, row) of every
input row involved.

Rules are data: ``CATALOGUE`` lists ``Rule(code, title, severity, find, amount, compared)``;
each family of rules lives in its own module (payments, eligibility, limits, verification,
procedure, funds). Rules never do I/O and never change their inputs.

One cause, one finding: a record whose transfers all failed is R19 only, not also R01.
金额 (``amount_fen``) has one meaning per rule, the money at issue, and 比较金额
(``compared_fen``) what it was compared with; ``Rule.amount`` and ``Rule.compared`` say which
(规则说明 shows them). Where the rule is about a record rather than an amount (R04, R07, R13 …),
金额 is the record's amount and 比较金额 is empty. A difference is signed as its rule says
(R03 实发 − 记录, R22 本年上年结转 − 上年期末结余, R23 计算余额 − 账面余额): positive means
more than the amount compared with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from pipeline.match import Matched
from pipeline.params import Parameters

SEVERITIES = ("错误", "警告", "提示")
FINDING_COLUMNS = (
    "rule",
    "severity",
    "message",
    "name",
    "id_no",
    "source",
    "aid_type",
    "record_id",
    "amount_fen",
    "compared_fen",
    "lineage",
    "fund_year",
    "finding_id",
)
Lineage = tuple[tuple[str, str, int], ...]
# The money of a finding about one record where the rule is not about an amount: the record's
# own amount, the money the finding concerns (its 比较金额 is then empty).
RECORD_AMOUNT = "涉及的救助金额（该条救助记录的金额）"
NOTHING_COMPARED = "不填（没有比较的金额）"


@dataclass(frozen=True)
class Context:
    """Everything a rule may look at; nothing it may change."""

    tables: dict[str, pd.DataFrame]
    params: Parameters
    period_end: pd.Timestamp  # the last day of the month being closed
    matched: Matched | None = None  # once matching has run: the payment rules need it
    previous_closing: dict[str, int] | None = None  # last year's closing per source, if known

    @property
    def period(self) -> pd.Period:
        return pd.Period(self.period_end, freq="M")

    def table(self, kind: str) -> pd.DataFrame:
        """A validated table, or an empty one when the folder had none of that kind."""
        return self.tables.get(kind, pd.DataFrame())


@dataclass(frozen=True)
class Rule:
    code: str
    title: str  # the finding in one line, for 规则说明
    severity: str
    find: Callable[[Context], pd.DataFrame]  # rows of FINDING_COLUMNS without rule/severity
    amount: str  # what 金额 (amount_fen) of its findings is, for 规则说明 and the README
    compared: str = NOTHING_COMPARED  # what 比较金额 (compared_fen) is, if anything


def lineage_of(frame: pd.DataFrame) -> list[Lineage]:
    """Each row's own (file, sheet, row), as the one-element lineage of a finding."""
    return [
        ((str(f), str(s), int(r)),)
        for f, s, r in zip(
            frame["source_file"], frame["source_sheet"], frame["source_row"], strict=True
        )
    ]


def findings(
    rows: pd.DataFrame,
    messages: Iterable[str],
    *,
    amount: pd.Series | None = None,
    compared: pd.Series | None = None,
    lineage: list[Lineage] | None = None,
    subject: pd.Series | None = None,
) -> pd.DataFrame:
    """Findings about rows that look like aid records: name, id_no, source, aid_type,
    record_id, amount_fen and fund_year are taken where the rows have them; the lineage is each row's
    own unless given. ``subject``: the keys of the rows the finding is about, from which
    ``apply`` makes its 异常编号 — by default the record's 救助编号, or, for rows without one
    (a source's balance), the source and fund year."""
    blank = pd.Series(pd.NA, index=rows.index, dtype="str")

    def text(name: str) -> pd.Series:
        return rows[name].astype("str") if name in rows else blank

    if amount is None:
        amount = rows.get("amount_fen", blank)
    return pd.DataFrame(
        {
            "message": pd.Series(list(messages), index=rows.index, dtype="str"),
            "name": text("name"),
            "id_no": text("id_no"),
            "source": text("source"),
            "aid_type": text("aid_type"),
            "record_id": text("record_id"),
            "amount_fen": pd.array(amount, dtype="Int64"),  # type: ignore[call-overload]
            "compared_fen": pd.array(  # type: ignore[call-overload]
                blank if compared is None else compared, dtype="Int64"
            ),
            "lineage": pd.Series(
                lineage_of(rows) if lineage is None else lineage, index=rows.index, dtype=object
            ),
            "fund_year": pd.array(  # type: ignore[call-overload]
                rows.get("fund_year", blank), dtype="Int64"
            ),
            "subject": _default_subject(rows) if subject is None else subject.astype("str"),
        }
    ).reset_index(drop=True)


def _default_subject(rows: pd.DataFrame) -> pd.Series:
    if "record_id" in rows:
        return "救助编号 " + rows["record_id"].astype("str")
    return subject_of(rows, ["source", "fund_year"])


def subject_of(rows: pd.DataFrame, columns: list[str], prefix: str = "") -> pd.Series:
    """The keys ``columns`` of each row (``prefix`` before each column's name) as one text: the
    subject of a finding about such a row. A missing key is written as empty."""
    blank = pd.Series("", index=rows.index, dtype="str")
    keys = [rows.get(prefix + column, blank).astype("str").fillna("") for column in columns]
    text = keys[0]
    for key in keys[1:]:
        text = text + "|" + key
    return (f"{'|'.join(columns)}=" + text).astype("str")


def finding_ids(rules: pd.Series, subjects: pd.Series) -> pd.Series:
    """异常编号: the rule and a digest of the keys of the rows behind the finding (its subject),
    e.g. R19-3F9A2C1B7D0E. The same in every run while the cause persists, whatever the
    order of the rows or the files; 48 bits keep a collision unlikely among a province's
    findings. Findings of one rule about the very same keys (two identical bank rows) are
    told apart by their order: -2, -3 …"""
    digests = pd.Series(
        [
            f"{rule}-{hashlib.blake2b(subject.encode(), digest_size=6).hexdigest().upper()}"
            for rule, subject in zip(rules, subjects, strict=True)
        ],
        index=rules.index,
        dtype="str",
    )
    repeat = digests.groupby(digests, sort=False).cumcount()
    return digests.where(repeat.eq(0), digests + "-" + (repeat + 1).astype("str"))


def no_findings() -> pd.DataFrame:
    return findings(pd.DataFrame(columns=["source_file", "source_sheet", "source_row"]), [])


def apply(context: Context, catalogue: Iterable[Rule]) -> pd.DataFrame:
    """Every rule of the catalogue; findings sorted by severity, rule, then first source row."""
    found = []
    for rule in catalogue:
        result = rule.find(context)
        if len(result):
            found.append(result.assign(rule=rule.code, severity=rule.severity))
    if not found:
        found = [no_findings().assign(rule=pd.Series(dtype="str"), severity=pd.Series(dtype="str"))]
    frame = pd.concat(found, ignore_index=True)
    frame = frame.assign(finding_id=finding_ids(frame["rule"], frame["subject"]))
    order = frame[list(FINDING_COLUMNS)].assign(
        _severity=frame["severity"].map(SEVERITIES.index),
        _first=pd.Series(
            [lineage[0] if lineage else ("", "", 0) for lineage in frame["lineage"]],
            index=frame.index,
            dtype=object,
        ),
    )
    return (
        order.sort_values(["_severity", "rule", "_first", "record_id"], kind="stable")
        .drop(columns=["_severity", "_first"])
        .reset_index(drop=True)
    )
