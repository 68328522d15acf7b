"""The run's summary, built once: summary.json, 封面 and the terminal lines are all written from it.

In: the input files read, the per-sheet row counts of validation, the period, the findings and
the figures. Out: a ``Summary`` — per input file its kinds, checksum and rows read and rejected;
per file kind the rows read, kept for reconciliation and rejected (the copies exported twice
among them) and the money the rejected rows leave out; per rule of the catalogue
its findings; what is 在途 at the period end (``count_in_transit``, from the matched rows);
and the figures of aggregation. ``pipeline.outputs.summary_json`` shapes it as contract §3.2
says.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.aggregate import Figures, period_bounds
from pipeline.carry import WorkCounts
from pipeline.carry import counts as work_counts
from pipeline.load import InputFile
from pipeline.match import IN_TRANSIT, Matched
from pipeline.rules.catalogue import CATALOGUE
from schemas import KIND_BY_NAME


@dataclass(frozen=True)
class FileRows:
    """One input file: the kinds of its sheets (in order), its SHA-256 and its rows."""

    file: str
    kinds: tuple[str, ...]
    sha256: str
    read: int
    rejected: int

    @property
    def file_kinds(self) -> tuple[str, ...]:
        """The contract's file kinds (all parameter sheets are one kind, ``parameters``)."""
        return tuple(dict.fromkeys(KIND_BY_NAME[kind].file_kind for kind in self.kinds))


@dataclass(frozen=True)
class KindRows:
    """Rows of one file kind: read = reconciled + rejected. Of the rejected, ``exported_twice``
    are copies of a row kept once (nothing is missing); the others leave
    ``rejected_amount_fen`` out of every total, and ``rejected_no_amount`` of them an amount
    that could not be read (0 for kinds without amounts)."""

    read: int
    reconciled: int
    rejected: int
    exported_twice: int
    rejected_amount_fen: int
    rejected_no_amount: int
    exported_twice_amount_fen: int

    @property
    def errors(self) -> int:
        """Rejected rows that are not copies exported twice: to be fixed and exported again."""
        return self.rejected - self.exported_twice


@dataclass(frozen=True)
class RuleCount:
    code: str
    severity: str
    title: str
    count: int


@dataclass(frozen=True)
class InTransit:
    """What is 在途 at the period end and dated up to it, as 对账明细 shows it: records not yet
    paid and their money, failed transfers not yet re-paid and theirs, payments made whose
    record is not yet entered and theirs, and the 发放在途天数 they were judged by. Not
    findings; older than ``days`` they are R01/R19/R02. A failed transfer of a 在途 record is
    counted among both (the same money, seen from the bank)."""

    records: int
    amount_fen: int
    transfers: int
    transfer_amount_fen: int
    days: int
    payments: int = 0
    payment_amount_fen: int = 0


@dataclass(frozen=True)
class Summary:
    period: pd.Period
    inputs: tuple[FileRows, ...]
    rows: dict[str, KindRows]  # per file kind, in the order first met
    findings: tuple[RuleCount, ...]  # every rule of the catalogue, in code order
    figures: Figures
    work: WorkCounts  # the findings list: open, by 账龄 and 处理状态, new, resolved
    in_transit: InTransit

    @property
    def rejected(self) -> int:
        return sum(rows.rejected for rows in self.rows.values())


def summarize(
    files: list[InputFile],
    counts: pd.DataFrame,
    period: pd.Period,
    findings: pd.DataFrame,
    figures: Figures,
    worklist: pd.DataFrame,
    transit: InTransit,
) -> Summary:
    """``counts``: validation's rows per sheet (source_file, kind, read, kept, rejected);
    ``worklist``: the findings list of the close (``pipeline.carry``)."""
    per_rule = findings["rule"].value_counts()
    return Summary(
        period=period,
        inputs=tuple(_file_rows(item, counts) for item in files),
        rows=_kind_rows(counts),
        findings=tuple(
            RuleCount(rule.code, rule.severity, rule.title, int(per_rule.get(rule.code, 0)))
            for rule in CATALOGUE
        ),
        figures=figures,
        work=work_counts(worklist),
        in_transit=transit,
    )


def count_in_transit(matched: Matched, period: pd.Period, days: int) -> InTransit:
    """The 在途 records and failed transfers (``pipeline.match.in_transit``) dated up to the
    period end: those dated after it are not yet due, and not part of this month's books."""
    _, _, after = period_bounds(period)
    aid, bank = matched.aid, matched.bank
    records = aid[(aid["outcome"] == IN_TRANSIT) & (aid["aid_date"] < after)]
    young = bank[(bank["outcome"] == IN_TRANSIT) & (bank["paid_on"] < after)]
    transfers, payments = young[young["status"] != "成功"], young[young["status"] == "成功"]
    return InTransit(
        records=len(records),
        amount_fen=int(records["amount_fen"].sum()),
        transfers=len(transfers),
        transfer_amount_fen=int(transfers["amount_fen"].sum()),
        days=days,
        payments=len(payments),
        payment_amount_fen=int(payments["amount_fen"].sum()),
    )


def _file_rows(item: InputFile, counts: pd.DataFrame) -> FileRows:
    mine = counts[counts["source_file"] == item.file]
    return FileRows(
        file=item.file,
        kinds=tuple(dict.fromkeys(mine["kind"])),
        sha256=item.sha256,
        read=int(mine["read"].sum()),
        rejected=int(mine["rejected"].sum()),
    )


def _kind_rows(counts: pd.DataFrame) -> dict[str, KindRows]:
    kinds = counts["kind"].map(lambda kind: KIND_BY_NAME[kind].file_kind)
    fields = {  # KindRows field: validation's column
        "read": "read",
        "reconciled": "kept",
        "rejected": "rejected",
        "exported_twice": "duplicates",
        "rejected_amount_fen": "rejected_fen",
        "rejected_no_amount": "rejected_no_amount",
        "exported_twice_amount_fen": "duplicates_fen",
    }
    totals = counts.groupby(kinds, sort=False)[list(fields.values())].sum()
    return {
        str(kind): KindRows(**{field: int(row[column]) for field, column in fields.items()})
        for kind, row in totals.iterrows()
    }
