"""The run history: each closed period's balances and findings, and the clerk's notes on them.

In: the output folder (the database ``run_history.sqlite`` lives beside the outputs and is
created on first use), a run's closing balances, its findings list (``pipeline.carry``) and the
notes read back from the workbooks (``pipeline.notes``); or, instead of the history, a
previous ``summary.json`` (``--previous``). Out: what the next run needs — last year's closing
balance per source and where it was read (``PreviousClosing``), the findings open at the last close before this one, the clerk's notes,
and what each earlier workbook held when it was last written or read.

What is stored: per period the closing balances (fen) and the findings as 异常清单 showed them,
with every ID and card number masked as ``--mask`` masks them (names and messages are kept: the
next month lists a resolved finding by them); the notes as a log, never overwritten, the latest
per finding applying; per workbook its checksum and the notes it held.

A run writes the history as one of its staged outputs: the database is copied beside it,
changed there and renamed into place with the workbook (``pipeline.staging``), so an
interrupted or failed run — a full disk, a kill — leaves the previous history whole and never an
empty database. A rerun of a period replaces that period's entry.
"""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import privacy
from pipeline.errors import ReconcileError
from pipeline.rules import FINDING_COLUMNS
from pipeline.staging import Staging

DATABASE = "run_history.sqlite"
SCHEMA = """
create table if not exists closing_balances (
    period text not null,            -- YYYY-MM of the run
    source text not null,
    fund_year integer not null,
    closing_fen integer not null,
    primary key (period, source, fund_year)
);
create table if not exists findings (
    period text not null,            -- the period whose 异常清单 listed it
    finding_id text not null,        -- 异常编号
    rule text not null,
    severity text not null,
    state text not null,             -- 新增, 持续, 本月解决
    first_period text not null,      -- 首次发现
    message text,
    name text,
    id_no text,                      -- masked
    source text,
    aid_type text,
    record_id text,
    amount_fen integer,
    compared_fen integer,
    fund_year integer,
    lineage text,                    -- JSON [[file, sheet, row], ...]
    note_status text,
    note_text text,
    primary key (period, finding_id)
);
create table if not exists notes (
    seq integer primary key autoincrement,
    finding_id text not null,
    status text not null,
    text text not null,
    workbook text not null,          -- the workbook the clerk wrote it in
    read_in text not null            -- the period of the run that read it
);
create table if not exists workbooks (
    file text primary key,           -- a workbook's name in the output folder
    sha256 text not null             -- the version last written or read
);
create table if not exists workbook_notes (
    file text not null,
    finding_id text not null,
    status text not null,
    text text not null,
    primary key (file, finding_id)
);
"""
# The findings list's columns kept per period (beside period): the findings' own and those the
# close adds (``pipeline.carry``), but 账龄, which follows from the period and 首次发现.
FINDING_FIELDS = (*FINDING_COLUMNS, "state", "first_period", "note_status", "note_text")
NOTE_FIELDS = ("finding_id", "status", "text")
ON_THE_PAGE = "页面"  # the ``workbook`` of a note written on the page rather than in a workbook


@dataclass(frozen=True)
class Earlier:
    """What the history holds before this run of ``period``."""

    period: str = ""  # the period of the run about to be made
    periods: tuple[str, ...] = ()  # every period recorded, in order
    previous_period: str | None = None  # the last period before this one, in the same year
    previous: pd.DataFrame = field(default_factory=lambda: _frame(FINDING_FIELDS))
    last_year_open: int = 0  # findings open at last year's last close (January onward)
    last_year_period: str | None = None
    notes: pd.DataFrame = field(default_factory=lambda: _frame(NOTE_FIELDS))  # the latest
    workbooks: dict[str, str] = field(default_factory=dict)  # file → sha256 last seen
    workbook_notes: pd.DataFrame = field(default_factory=lambda: _frame(("file", *NOTE_FIELDS)))

    @property
    def later(self) -> tuple[str, ...]:
        """Periods recorded after this run's: rerunning an earlier month leaves them as
        they are."""
        return tuple(p for p in self.periods if p > self.period)


@dataclass(frozen=True)
class Entry:
    """What one run adds to the history."""

    period: str
    balances: Sequence[Mapping[Hashable, Any]]
    findings: pd.DataFrame  # the findings list: FINDING_FIELDS
    notes: (
        pd.DataFrame
    )  # notes the clerk wrote, read back this run: finding_id, status, text, workbook
    workbooks: dict[str, str]  # file → sha256: the workbooks read this run and the one written
    workbook_notes: pd.DataFrame  # file, finding_id, status, text: what those workbooks hold
    gone: tuple[str, ...] = ()  # workbooks no longer in the folder: named once, then forgotten


def earlier(output_dir: Path, period: pd.Period) -> Earlier:
    """The history before a run of ``period``; an empty one when there is none yet."""
    path = output_dir / DATABASE
    if not path.exists():
        return Earlier(period=str(period))
    with _reading(path) as db:
        periods = tuple(
            row[0]
            for row in db.execute(
                "select period from closing_balances union select period from findings order by 1"
            )
        )
        this = str(period)
        before = [p for p in periods if p < this]
        previous_period = next((p for p in reversed(before) if p[:4] == this[:4]), None)
        # January onward: the last close of an earlier year, when this year has none yet
        last_year = before[-1] if before and previous_period is None else None
        return Earlier(
            period=this,
            periods=periods,
            previous_period=previous_period,
            previous=_findings_of(db, previous_period),
            last_year_open=0 if last_year is None else _open_count(db, last_year),
            last_year_period=last_year,
            notes=_latest_notes(db),
            workbooks=dict(db.execute("select file, sha256 from workbooks").fetchall()),
            workbook_notes=_query(
                db, "select * from workbook_notes order by 1, 2", ("file", *NOTE_FIELDS)
            ),
        )


def _latest_notes(db: sqlite3.Connection) -> pd.DataFrame:
    return _query(
        db,
        "select finding_id, status, text from notes where seq in "
        "(select max(seq) from notes group by finding_id) order by finding_id",
        NOTE_FIELDS,
    )


def _findings_of(db: sqlite3.Connection, period: str | None) -> pd.DataFrame:
    if period is None:
        return _frame(FINDING_FIELDS)
    return _with_lineage(
        _query(
            db,
            f"select {', '.join(FINDING_FIELDS)} from findings where period = ? order by rowid",
            FINDING_FIELDS,
            (period,),
        )
    )


def _with_lineage(found: pd.DataFrame) -> pd.DataFrame:
    """The stored JSON of each finding's input rows as tuples (file, sheet, row)."""
    lineage = [
        tuple((str(f), str(s), int(r)) for f, s, r in json.loads(text)) for text in found["lineage"]
    ]
    return found.assign(lineage=pd.Series(lineage, index=found.index, dtype=object))


def _open_count(db: sqlite3.Connection, period: str) -> int:
    return int(
        db.execute(
            "select count(*) from findings where period = ? and state != '本月解决' "
            "and coalesce(note_status, '') != '已核实无误'",
            (period,),
        ).fetchone()[0]
    )


@dataclass(frozen=True)
class Closes:
    """Every close the history holds, for the page (``pipeline.web``)."""

    findings: pd.DataFrame  # period, then FINDING_FIELDS: each period's findings list
    notes: pd.DataFrame  # the latest note per finding (NOTE_FIELDS)
    balances: pd.DataFrame  # period, source, fund_year, closing_fen


def closes(output_dir: Path) -> Closes:
    """The closes recorded in the output folder's history (none when there is no history)."""
    path = output_dir / DATABASE
    if not path.exists():
        return Closes(
            _frame(("period", *FINDING_FIELDS)),
            _frame(NOTE_FIELDS),
            _frame(("period", "source", "fund_year", "closing_fen")),
        )
    with _reading(path) as db:
        findings = _query(
            db,
            f"select period, {', '.join(FINDING_FIELDS)} from findings order by period, rowid",
            ("period", *FINDING_FIELDS),
        )
        balances = _query(
            db,
            "select period, source, fund_year, closing_fen from closing_balances "
            "order by period, source, fund_year",
            ("period", "source", "fund_year", "closing_fen"),
        )
        return Closes(_with_lineage(findings), _latest_notes(db), balances)


def add_note(output_dir: Path, finding_id: str, status: str, text: str, period: str) -> None:
    """A note the clerk wrote on the page, added to the history's log of notes (the latest per
    finding applies, whether written there or in a workbook). The history is changed in place:
    one insert, atomic in sqlite."""
    path = output_dir / DATABASE
    if not path.exists():
        raise ReconcileError(f"输出目录“{output_dir}”里没有运行记录：请先对账，再填写处理说明")
    try:
        with closing(sqlite3.connect(path)) as db, db:
            db.execute(
                "insert into notes (finding_id, status, text, workbook, read_in) "
                "values (?, ?, ?, ?, ?)",
                (finding_id, status, text, ON_THE_PAGE, period),
            )
    except sqlite3.Error as error:
        raise ReconcileError(f"处理说明未能保存到运行记录“{path}”（{error}）") from error


def write(staging: Staging, output_dir: Path, entry: Entry) -> None:
    """The history with ``entry`` added, as a staged output: a copy of the database is changed
    beside it and renamed into place by ``staging.commit`` with the other outputs."""
    copy = staging.path(DATABASE)
    current = output_dir / DATABASE
    if current.exists():
        shutil.copyfile(current, copy)
    try:
        with closing(sqlite3.connect(copy)) as db, db:
            db.executescript(SCHEMA)
            _replace_period(db, entry)
            _add_notes(db, entry)
    except sqlite3.Error as error:
        raise _as_os_error(error) from error


def _replace_period(db: sqlite3.Connection, entry: Entry) -> None:
    db.execute("delete from closing_balances where period = ?", (entry.period,))
    db.executemany(
        "insert into closing_balances values (?, ?, ?, ?)",
        [
            (entry.period, str(b["source"]), int(b["fund_year"]), int(b["closing_fen"]))
            for b in entry.balances
        ],
    )
    db.execute("delete from findings where period = ?", (entry.period,))
    found = entry.findings
    rows = found[list(FINDING_FIELDS)].assign(
        message=privacy.mask_numbers(found["message"]),
        id_no=privacy.mask_numbers(found["id_no"]),
        lineage=[json.dumps([list(place) for place in lineage]) for lineage in found["lineage"]],
    )
    db.executemany(
        f"insert into findings (period, {', '.join(FINDING_FIELDS)}) "
        f"values (?, {', '.join('?' * len(FINDING_FIELDS))})",
        [(entry.period, *map(_plain, row)) for row in rows.itertuples(index=False)],
    )


def _add_notes(db: sqlite3.Connection, entry: Entry) -> None:
    db.executemany(
        "insert into notes (finding_id, status, text, workbook, read_in) values (?, ?, ?, ?, ?)",
        [
            (*row, entry.period)
            for row in entry.notes[["finding_id", "status", "text", "workbook"]].itertuples(
                index=False
            )
        ],
    )
    for file in entry.gone:
        db.execute("delete from workbooks where file = ?", (file,))
        db.execute("delete from workbook_notes where file = ?", (file,))
    for file, sha256 in entry.workbooks.items():
        db.execute("insert or replace into workbooks values (?, ?)", (file, sha256))
        db.execute("delete from workbook_notes where file = ?", (file,))
    db.executemany(
        "insert into workbook_notes values (?, ?, ?, ?)",
        entry.workbook_notes[["file", *NOTE_FIELDS]].itertuples(index=False),
    )


def _as_os_error(error: sqlite3.Error) -> OSError:
    """sqlite's own words for a full disk or a read-only file, as the OSError the staging
    turns into the message every output gives (``pipeline.staging.unwritable``)."""
    text = str(error)
    if "full" in text:
        return OSError(errno.ENOSPC, text)
    if "readonly" in text or "read-only" in text:
        return OSError(errno.EROFS, text)
    return OSError(errno.EIO, text)


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
    with _reading(path) as db:
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


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    """The history, copied into memory (it holds findings, not records: small) with the tables
    an older history lacks made empty — one written before findings were kept has closing
    balances only. The file itself is opened read-only and never changed here."""
    memory = sqlite3.connect(":memory:")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as stored:
            stored.backup(memory)
        memory.executescript(SCHEMA)
    except sqlite3.Error as error:
        memory.close()
        raise ReconcileError(
            f"运行记录“{path}”无法读取（{error}）。它若已损坏，请把它移出输出目录再对账："
            "上年结转的核对改用 --previous，以前的异常和处理说明将从头记起"
        ) from error
    with closing(memory):
        yield memory


def _query(
    db: sqlite3.Connection, sql: str, columns: Iterable[str], args: tuple[Any, ...] = ()
) -> pd.DataFrame:
    return pd.DataFrame(db.execute(sql, args).fetchall(), columns=list(columns), dtype=object)


def _frame(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns), dtype=object)


def _plain(value: object) -> object:
    """A cell as sqlite takes it: NA → NULL, numpy numbers → int."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
