"""What each page shows, read from the data folder: no figure is computed here that the run
does not compute.

In: the data folder (``folders.Data``): the period's input files, the output folder's
summary.json and run history. Out: plain values for the templates —
- ``files``: the period's files with their kind and rows read/kept/rejected, as ``validate``
  reports them (``run.check`` on the folder, remembered while the folder is unchanged);
- ``result``: the last run's figures (summary.json) when it is of this period;
- ``findings``: the period's findings list as its run left it in the history, with the
  clerk's latest notes (written on the page or in a workbook) and 账龄, filtered and sorted;
- ``closes``: every period closed, with its balances, findings and workbook.

ID and card numbers are masked here (the history stores them masked); ``whole`` reads one
finding's whole numbers from the period's workbook when the clerk asks for them.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import carry, history, notes, outputs, privacy, report, run
from pipeline.errors import in_words
from pipeline.money import yuan_text
from pipeline.rules.catalogue import CATALOGUE
from pipeline.summary import InTransit
from pipeline.web.folders import Data, InputListing, Refused, leading_out, listing
from schemas import KIND_BY_NAME

SEVERITY_ORDER = ("错误", "警告", "提示")
TITLES = {rule.code: rule.title for rule in CATALOGUE}


# --- 期间: the period's files ---------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    name: str
    size: str
    modified: str
    kinds: str  # the kinds of its sheets, or why it is not read
    read: int | None = None
    kept: int | None = None
    rejected: int | None = None


@dataclass(frozen=True)
class Files:
    rows: list[FileRow]
    lines: list[str]  # validate's report, masked
    problem: str = ""  # the folder cannot be read as a whole: why


class FolderChecks:
    """``run.check`` of a period's folder, in a process of its own (a province's month takes a
    minute and gigabytes: neither the server's threads nor its memory should carry it; the
    process ends after each check), remembered until a file in the folder changes."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[tuple[Any, ...], Files]] = {}
        self._pending: dict[tuple[Path, tuple[Any, ...]], asyncio.Future[Files]] = {}
        self._pool: ProcessPoolExecutor | None = None

    def known(self, data: Data, period: str) -> Files | None:
        """The folder's check if it is known for the files there now (an empty folder's is)."""
        listed = listing(data, period)
        if not listed:
            return Files([], [])
        known = self._known.get(data.period_dir(period))
        return known[1] if known is not None and known[0] == _signature(listed) else None

    async def files(self, data: Data, period: str) -> Files:
        """The folder's check: known, or made now (one at a time; the same folder once)."""
        known = self.known(data, period)
        if known is not None:
            return known
        key = (data.period_dir(period), _signature(listing(data, period)))
        if key not in self._pending:
            self._pending[key] = asyncio.wrap_future(
                self._workers().submit(check_files, data, period)
            )
        try:
            files = await self._pending[key]
        except BrokenProcessPool:
            self._pool = None
            return Files(
                [],
                [],
                "检查文件的进程意外结束（可能是内存不足）：请刷新页面重试，或用 validate 命令检查",
            )
        finally:
            self._pending.pop(key, None)
        self._known[key[0]] = (key[1], files)
        return files

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), max_tasks_per_child=1
            )
        return self._pool


def _signature(listed: list[InputListing]) -> tuple[Any, ...]:
    return tuple((f.name, f.size, f.modified.value) for f in listed)


def check_files(data: Data, period: str) -> Files:
    """The period's files with their kinds and counts (in the checks' process)."""
    listed = listing(data, period)
    plain = [
        FileRow(f.name, _size(f.size), f.modified.strftime("%Y-%m-%d %H:%M"), "") for f in listed
    ]
    if not listed:
        return Files([], [])
    outside = leading_out(data, period)
    if outside:  # never read: the page reads nothing outside the data folder
        return Files(
            plain,
            [],
            f"输入目录里有指向数据目录以外的链接（{'、'.join(outside)}），页面不读取数据目录以外的文件："
            "请把文件本身复制进来，或删掉这些链接",
        )
    try:
        checked = run.check(data.period_dir(period))
    except Exception as error:  # noqa: BLE001 - told on the page in the command's words
        return Files(plain, [], in_words(error))
    counts = checked.validated.counts
    per_file = {
        str(file): (int(n["read"]), int(n["kept"]), int(n["rejected"]))
        for file, n in counts.groupby("source_file", sort=False)[["read", "kept", "rejected"]]
        .sum()
        .iterrows()
    }
    kinds: dict[str, list[str]] = {}
    for sheet in checked.sheets:
        kinds.setdefault(sheet.file, []).append(sheet.kind.label)
    reasons = {skipped.file: skipped.reason for skipped in checked.skipped}
    rows = []
    for row in plain:
        if row.name in per_file:
            kind = "、".join(dict.fromkeys(kinds.get(row.name, [])))
            rows.append(FileRow(row.name, row.size, row.modified, kind, *per_file[row.name]))
        else:
            why = reasons.get(row.name, "不是表格文件，不读取")
            rows.append(FileRow(row.name, row.size, row.modified, why))
    lines = [privacy.mask_text(line) for line in report.validation_lines(checked)]
    return Files(rows, lines)


def _size(size: int) -> str:
    return f"{size / 1024:,.1f} KB" if size < 1024**2 else f"{size / 1024**2:,.1f} MB"


# --- 对账: the run's figures ------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    period: str
    spending: list[tuple[str, str, str, int]]  # source, this month, this year (元), 人次
    findings: list[tuple[str, str, str, int]]  # code, severity, title, count
    in_transit: str
    rejected: list[tuple[str, int, str]]  # kind, rows, 元 readable
    work: dict[str, Any]
    downloads: list[str]


def result(data: Data, period: str) -> Result | None:
    """The figures of the last run, from summary.json, when it is of ``period``."""
    path = data.outputs / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if summary.get("period") != period:
        return None
    spending = [
        (
            t["source"],
            yuan_text(t["month_amount_fen"], grouped=True),
            yuan_text(t["year_amount_fen"], grouped=True),
            int(t["year_person_times"]),
        )
        for t in summary["usage_totals"]
        if t["scope"] == "source"
    ]
    severities = {rule.code: rule.severity for rule in CATALOGUE}
    found = [
        (code, severities.get(code, ""), TITLES.get(code, ""), int(n))
        for code, n in summary["exceptions"].items()
        if n
    ]
    rejected = [
        (
            KIND_BY_NAME[kind].label if kind in KIND_BY_NAME else "参数",
            int(rows["rejected"]),
            yuan_text(rows["rejected_amount_fen"], grouped=True)
            if rows.get("rejected_amount_fen")
            else "—",
        )
        for kind, rows in summary["rows"].items()
        if rows["rejected"]
    ]
    workbook = workbook_of(data, period)
    downloads = [
        name
        for name in (workbook, "exceptions.csv", "summary.json")
        if name is not None and (data.outputs / name).is_file()
    ]
    return Result(
        period,
        spending,
        found,
        _transit_text(summary.get("in_transit")),
        rejected,
        summary.get("findings_list", {}),
        downloads,
    )


def workbook_of(data: Data, period: str) -> str | None:
    """The name of the period's workbook, if it is in the output folder."""
    name = outputs.workbook_name(pd.Period(period, freq="M"))
    return name if (data.outputs / name).is_file() else None


def _transit_text(transit: dict[str, Any] | None) -> str:
    """summary.json's in_transit in the terminal's words, or 无."""
    if not transit or not (transit["records"] or transit["transfers"] or transit["payments"]):
        return "无"
    return report.in_transit_line(InTransit(**transit)).removeprefix("在途")


# --- 异常清单 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    rule: str = ""
    severity: str = ""
    state: str = ""
    note_status: str = ""
    sort: str = ""  # "", "age" (oldest first) or "age-asc"


@dataclass(frozen=True)
class Findings:
    period: str
    rows: list[dict[str, Any]]
    shown: int
    total: int
    counts: carry.WorkCounts | None
    choices: dict[str, list[str]] = field(default_factory=dict)


def findings(data: Data, period: str, filters: Filters) -> Findings:
    closes = history.closes(data.outputs)
    work = _worklist(closes, period)
    choices = {
        "rule": sorted(work["rule"].unique()),
        "severity": [s for s in SEVERITY_ORDER if s in set(work["severity"])],
        "state": [s for s in carry.STATES if s in set(work["state"])],
        "note_status": list(
            dict.fromkeys([*carry.NOTE_STATUSES, *sorted(set(work["note_status"]))])
        ),
    }
    shown = work
    for column in ("rule", "severity", "state", "note_status"):
        wanted = getattr(filters, column)
        if wanted:
            shown = shown[shown[column] == wanted]
    if filters.sort in ("age", "age-asc"):
        shown = shown.sort_values("age_days", ascending=filters.sort == "age-asc", kind="stable")
    return Findings(
        period,
        [_finding_row(row) for row in shown.to_dict("records")],
        len(shown),
        len(work),
        carry.counts(work) if len(work) else None,
        choices,
    )


def _worklist(closes: history.Closes, period: str) -> pd.DataFrame:
    """The period's findings list with the latest notes and 账龄."""
    listed = closes.findings[closes.findings["period"] == period].reset_index(drop=True)
    latest = closes.notes.set_index("finding_id")
    status = listed["finding_id"].map(latest["status"])
    text = listed["finding_id"].map(latest["text"])
    return listed.assign(
        note_status=status.where(status.notna(), listed["note_status"]).fillna("未处理"),
        note_text=text.where(text.notna(), listed["note_text"]).fillna(""),
        age_days=carry.age_days(listed["first_period"], pd.Period(period, freq="M")),
    )


def _finding_row(row: dict[Any, Any]) -> dict[str, Any]:
    def money(value: Any) -> str:
        return "" if value is None or pd.isna(value) else yuan_text(int(value), grouped=True)

    return {
        **{
            k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
            for k, v in row.items()
        },
        "amount": money(row["amount_fen"]),
        "compared": money(row["compared_fen"]),
        "places": [
            f"{file}{' / ' + sheet if sheet else ''} 第 {number} 行"
            for file, sheet, number in row["lineage"]
        ],
        "title": TITLES.get(row["rule"], ""),
    }


def whole(data: Data, period: str, finding_id: str) -> dict[str, str]:
    """One finding's 身份证号 and 说明 with the whole numbers, from the period's workbook."""
    path = data.outputs / outputs.workbook_name(pd.Period(period, freq="M"))
    if not path.is_file():
        raise Refused(f"输出目录里没有 {path.name}，无法显示完整号码")
    try:
        rows = notes.finding_rows(path, ("异常编号", "身份证号", "说明"))
    except (OSError, notes.Unreadable) as error:
        raise Refused(f"{path.name} 无法读取（{error}），无法显示完整号码") from error
    found = rows[rows["异常编号"] == finding_id]
    if found.empty:
        raise Refused(f"{path.name} 的异常清单里没有异常 {finding_id}")
    return {"id_no": found.iloc[0]["身份证号"], "message": found.iloc[0]["说明"]}


# --- 历史 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Close:
    period: str
    balances: list[tuple[str, str]]  # source, 期末结余 元
    total: str
    found: int
    open: int
    open_errors: int
    resolved: int
    workbook: str | None


def closes(data: Data) -> list[Close]:
    """Every period closed, newest first."""
    recorded = history.closes(data.outputs)
    periods = sorted(
        set(recorded.balances["period"]) | set(recorded.findings["period"]), reverse=True
    )
    result = []
    for period in periods:
        balances = recorded.balances[recorded.balances["period"] == period]
        per_source = balances.groupby("source", sort=True)["closing_fen"].sum()
        work = _worklist(recorded, period)
        counts = carry.counts(work) if len(work) else None
        result.append(
            Close(
                period,
                [(str(s), yuan_text(int(v), grouped=True)) for s, v in per_source.items()],
                yuan_text(int(per_source.sum()), grouped=True),
                int((work["state"] != "本月解决").sum()),
                counts.open if counts else 0,
                counts.open_errors if counts else 0,
                counts.resolved if counts else 0,
                workbook_of(data, period),
            )
        )
    return result


def closed_periods(data: Data) -> list[str]:
    recorded = history.closes(data.outputs)
    return sorted(set(recorded.balances["period"]) | set(recorded.findings["period"]))
