"""The run history: each closed period's figures, so December can check last year's carry-over.

In: the output folder (the database ``run_history.sqlite`` lives beside the outputs and is
created on first use) and a run's summary; or, instead of the history, a previous
``summary.json`` (``--previous``). Out: last year's closing balance per funding source, and
where it was read (``PreviousClosing``).

Only figures are stored — periods, sources, fund years and amounts in fen — never names, ID or
card numbers. Writing a period replaces that period's entry in one transaction, so a rerun
never leaves two versions and an interrupted run leaves the previous history intact.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ReconcileError

DATABASE = "run_history.sqlite"
SCHEMA = """
create table if not exists closing_balances (
    period text not null,            -- YYYY-MM of the run
    source text not null,
    fund_year integer not null,
    closing_fen integer not null,
    primary key (period, source, fund_year)
)
"""


def record(output_dir: Path, period: str, balances: Iterable[Mapping[Hashable, Any]]) -> None:
    """Store a period's closing balances, replacing what an earlier run of it stored."""
    with recording(output_dir, period, balances):
        pass


@contextmanager
def recording(
    output_dir: Path, period: str, balances: Iterable[Mapping[Hashable, Any]]
) -> Iterator[None]:
    """``record`` in a transaction committed only when the block succeeds: the run renames its
    outputs into place inside it, so the history changes with them or not at all."""
    rows = [
        (period, str(b["source"]), int(b["fund_year"]), int(b["closing_fen"])) for b in balances
    ]
    output_dir.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(output_dir / DATABASE)) as db, db:
        db.execute(SCHEMA)
        db.execute("delete from closing_balances where period = ?", (period,))
        db.executemany("insert into closing_balances values (?, ?, ?, ?)", rows)
        yield


@dataclass(frozen=True)
class PreviousClosing:
    """Last year's closing balance per source (all fund years together, in fen), and where it
    was read, as 资金结余 names it: "运行记录 2021-12" or "上年 summary.json（summary.json）"."""

    by_source: dict[str, int]
    origin: str


def closing_before(output_dir: Path, previous: Path | None, year: int) -> PreviousClosing | None:
    """Last year's closing: from ``previous`` (a summary.json given with ``--previous``), else
    from the history in the output folder; None when neither has it."""
    if previous is not None:
        return closing_from_summary(previous)
    return previous_closing(output_dir, year - 1)


def previous_closing(output_dir: Path, year: int) -> PreviousClosing | None:
    """Per source, the closing balance of the last period recorded for ``year`` (all fund
    years together), or None when the history holds nothing for that year."""
    path = output_dir / DATABASE
    if not path.exists():
        return None
    with closing(sqlite3.connect(path)) as db:
        db.execute(SCHEMA)
        latest = db.execute(
            "select max(period) from closing_balances where period like ?", (f"{year}-%",)
        ).fetchone()[0]
        if latest is None:
            return None
        rows = db.execute(
            "select source, sum(closing_fen) from closing_balances where period = ? "
            "group by source order by source",
            (latest,),
        ).fetchall()
    return PreviousClosing({source: int(total) for source, total in rows}, f"运行记录 {latest}")


def closing_from_summary(path: Path) -> PreviousClosing:
    """Per source, the closing balance in a previous run's summary.json (all fund years)."""
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        totals: dict[str, int] = {}
        for balance in summary["balances"]:
            totals[balance["source"]] = totals.get(balance["source"], 0) + int(
                balance["closing_fen"]
            )
        return PreviousClosing(totals, f"上年 summary.json（{path.name}）")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReconcileError(
            f"上年的 summary.json（{path}）无法读取：{exc}。请指向上年 12 月对账输出目录里的 summary.json"
        ) from exc
