"""The flow in one place: load → validate → match → rules → aggregate → workbook.

``check(input_dir)`` is what ``validate`` runs; ``reconcile(config)`` what ``reconcile`` runs.
Both raise ``ReconcileError`` for an unusable input and never write a partial output.
Files are loaded and their sheets checked two at a time (the machine has two cores); everything
that looks across files happens afterwards, in file-name order, so results never depend on
which worker finished first. After matching, the rules, figures and indicators (``judge``) run
in a forked process while this one makes and writes 对账明细; the outputs are staged and
committed together (``pipeline.staging``) once everything is computed.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

import pandas as pd

from pipeline import (
    aggregate,
    history,
    indicators,
    load,
    match,
    outputs,
    privacy,
    rules,
    validate,
    workbook,
)
from pipeline.errors import ReconcileError
from pipeline.load import InputFile, SheetInfo, SkippedSheet
from pipeline.params import Parameters, parameters
from pipeline.progress import Progress, StageFigure
from pipeline.rules import Context
from pipeline.rules.catalogue import CATALOGUE
from pipeline.staging import Staging, staged
from pipeline.validate import CheckedSheet, Validated
from schemas import KIND_BY_NAME
from schemas.inputs import AID_TYPES

WORKERS = 2
PARALLEL_FROM_BYTES = 4 * 1024 * 1024  # below this, starting workers costs more than it saves

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Config:
    input_dir: Path
    output_dir: Path
    period: str | None = None  # YYYY-MM; default: the month of the latest aid date
    previous: Path | None = None  # last year's December summary.json, instead of the history
    mask: bool = False  # ID and card numbers shown as 341503********1234 in every output
    password: str | None = None  # the workbook encrypted with it


@dataclass(frozen=True)
class CheckedFile:
    file: InputFile
    sheets: list[CheckedSheet]
    skipped: list[SkippedSheet]


@dataclass(frozen=True)
class Checked:
    files: list[InputFile]
    sheets: list[SheetInfo]
    skipped: list[SkippedSheet]
    ignored: list[str]  # files in the folder that are not spreadsheets
    validated: Validated


def check(input_dir: Path, progress: Progress | None = None) -> Checked:
    """Read every file of the folder and validate every row (the stage ``read``)."""
    paths, ignored = load.spreadsheets(input_dir)
    parallel = _large(path.stat().st_size for path in paths)
    with (progress or Progress()).stage("read", total=len(paths)) as advance:
        files = []
        for file in _map(load_and_check, paths, parallel):  # every sheet recognised, checked
            files.append(file)
            advance(1)
        sheets = [sheet for file in files for sheet in file.sheets]
        validated = validate.combine(sheets)  # across files: sources, fund years, exported twice
    return Checked(
        files=[file.file for file in files],
        sheets=[sheet.info for sheet in sheets],
        skipped=[skipped for file in files for skipped in file.skipped],
        ignored=ignored,
        validated=validated,
    )


def load_and_check(path: Path) -> CheckedFile:
    """One file: its sheets read as text, then parsed and checked one by one."""
    loaded = load.read_file(path)
    return CheckedFile(
        loaded.file, [validate.check_sheet(s) for s in loaded.sheets], loaded.skipped
    )


def _map(function: Callable[[T], R], items: Iterable[T], parallel: bool) -> Iterator[R]:
    """``map`` in input order; in worker processes when ``parallel``. Errors surface in order."""
    if not parallel:
        yield from map(function, items)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        yield from pool.map(function, items)


@dataclass(frozen=True)
class Reconciled:
    checked: Checked
    period: pd.Period
    matched: match.Matched
    findings: pd.DataFrame
    figures: aggregate.Figures
    summary: dict[str, object]
    detail: aggregate.Reconciliation  # 对账明细
    indicators: pd.DataFrame  # 绩效指标


def reconcile(config: Config, progress: Progress | None = None) -> Reconciled:
    """The whole run: check, match, then the rules and figures (``judge``) in a second process
    while this one makes and writes 对账明细; then the rest of the workbook and the other outputs, each
    atomically, the workbook renamed into place only once everything is computed."""
    progress = progress or Progress()
    checked = check(config.input_dir, progress)
    tables = checked.validated.tables
    params = parameters(tables)
    period = pd.Period(config.period or latest_period(checked.validated), freq="M")
    with progress.stage("match"):
        matched = match.match(
            tables["aid_records"],
            tables["bank_payments"],
            tables["worker_files"],
            match.Window(params.standards.window_before_days, params.standards.window_after_days),
        )
    closing = _previous_closing(config, period)
    large = _large(file.size for file in checked.files)
    judging = Beside(lambda: judge(checked, params, period, matched, closing), large)
    with progress.stage("reconcile"):  # 对账明细, while the rules are applied beside
        detail = aggregate.reconciliation(matched, period)
    with staged(config.output_dir) as staging:
        with (
            progress.stage("write", total=len(detail.table)) as advance,
            workbook_target(staging, workbook_name(period), config.password) as target,
            workbook.Book(target, period, config.mask) as book,
        ):
            book.reconciliation(detail, advance)
            judged = judging.result()
            progress.figures.extend(judged.stages)
            result = Reconciled(
                checked,
                period,
                matched,
                judged.findings,
                judged.figures,
                judged.summary,
                detail,
                judged.indicators,
            )
            book.rest(result)
        commit_outputs(staging, config, result)
    return result


@dataclass(frozen=True)
class Judged:
    findings: pd.DataFrame
    figures: aggregate.Figures
    summary: dict[str, object]
    indicators: pd.DataFrame
    stages: list[StageFigure]  # rules and aggregate, timed where they ran


def judge(
    checked: Checked,
    params: Parameters,
    period: pd.Period,
    matched: match.Matched,
    closing: dict[str, int] | None,
) -> Judged:
    """The rules, the figures, summary.json and the indicators: what needs the findings."""
    progress = Progress()
    tables = checked.validated.tables
    with progress.stage("rules"):
        context = Context(tables, params, period.end_time.normalize(), matched, closing)
        found = rules.apply(context, CATALOGUE)
    with progress.stage("aggregate"):
        figures = aggregate.figures(tables, params, period)
        summary = summarize(checked, period, found, figures)
        scored = indicators.indicators(tables, params, figures, found, period)
    return Judged(found, figures, summary, scored, progress.figures)


class Beside(Generic[T]):
    """``function()`` computed in a forked worker process while this one goes on, when
    ``parallel``; else at once, here. The worker inherits this process's memory (nothing big
    is copied to it); only the result comes back, pickled, and an exception is raised here."""

    def __init__(self, function: Callable[[], T], parallel: bool) -> None:
        self._process: multiprocessing.process.BaseProcess | None = None
        self._outcome: tuple[bool, Any]
        if not parallel:
            self._outcome = _outcome(function)
            return
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(target=_send_outcome, args=(function, writer))
        self._process.start()
        writer.close()

    def result(self) -> T:
        if self._process is not None:
            try:
                self._outcome = self._reader.recv()
            except EOFError:
                self._outcome = (
                    False,
                    RuntimeError(f"工作进程异常退出（{self._process.exitcode}）"),
                )
            finally:
                self._process.join()
                self._reader.close()
                self._process = None
        succeeded, value = self._outcome
        if succeeded:
            return value  # type: ignore[no-any-return]
        raise value  # an exception


def _outcome(function: Callable[[], T]) -> tuple[bool, Any]:
    try:
        return True, function()
    except Exception as error:  # noqa: BLE001 - raised again in the parent by Beside.result
        return False, error


def _send_outcome(function: Callable[[], T], connection: Any) -> None:
    connection.send(_outcome(function))
    connection.close()


def _large(sizes: Iterable[int]) -> bool:
    """Whether input files of these sizes are enough for a second process to pay."""
    return sum(sizes) >= PARALLEL_FROM_BYTES


def commit_outputs(staging: Staging, config: Config, result: Reconciled) -> None:
    """summary.json and exceptions.csv beside the workbook; then all renamed into place inside
    the run history's transaction, so that the history changes with the outputs or not."""
    staging.write("summary.json", outputs.summary_json(result.summary, config.mask))
    staging.write("exceptions.csv", outputs.exceptions_csv(result.findings, config.mask))
    balances = result.summary["balances"]
    with history.recording(config.output_dir, str(result.period), balances):  # type: ignore[arg-type]
        staging.commit()


def workbook_name(period: pd.Period) -> str:
    return f"帮扶资金对账_{period}.xlsx"


@contextmanager
def workbook_target(staging: Staging, name: str, password: str | None) -> Iterator[Path | BinaryIO]:
    """Where the workbook is written: its temporary file; with a password, memory, encrypted
    when the block ends: no unencrypted copy ever lies in the output folder."""
    if password is None:
        yield staging.path(name)
        return
    plain = io.BytesIO()
    yield plain
    staging.write(name, privacy.encrypted(plain.getvalue(), password))


def _previous_closing(config: Config, period: pd.Period) -> dict[str, int] | None:
    if config.previous is not None:
        return history.closing_from_summary(config.previous)
    return history.previous_closing(config.output_dir, period.year - 1)


def latest_period(validated: Validated) -> str:
    """The month of the latest aid date: the default period to close."""
    latest = validated.tables["aid_records"]["aid_date"].max()
    if pd.isna(latest):
        raise ReconcileError(
            "没有一条有效的救助记录，无法确定对账月份：请先按 validate 的提示修正救助记录，"
            "或用 --period 指定月份"
        )
    return str(latest.strftime("%Y-%m"))


def summarize(
    checked: Checked, period: pd.Period, found: pd.DataFrame, figures: aggregate.Figures
) -> dict[str, object]:
    """summary.json (contract §3.2): the same figures as the workbook, for machines."""
    counts = found["rule"].value_counts()
    return {
        "period": str(period),
        "inputs": inputs(checked),
        "fund_usage": _fund_usage(figures.fund_usage),
        "usage_totals": _records(figures.usage_totals),
        "balances": _balances(figures.balances),
        "headcounts": _records(figures.headcounts),
        "worker_files": _records(figures.worker_files),
        "exceptions": {rule.code: int(counts.get(rule.code, 0)) for rule in CATALOGUE},
        "rows": rows(checked.validated),
    }


def _fund_usage(usage: pd.DataFrame) -> list[dict[str, object]]:
    """Usage rows with the contract's keys (the year to date) beside the month's figures."""
    year = {
        "amount_fen": "year_amount_fen",
        "person_times": "year_person_times",
        "persons": "year_persons",
    }
    return _records(usage.assign(**{key: usage[column] for key, column in year.items()}))


def _balances(balances: pd.DataFrame) -> list[dict[str, object]]:
    """Balances with income per category (and spending per aid type) as one object each, as
    the contract shows income."""
    result = []
    for row in _records(balances.drop(columns=["ledger_lineage"])):
        row["income_total_fen"] = row["income_fen"]
        row["income_fen"] = {c: row.pop(c) for c in aggregate.INCOME}
        row["expenditure_by_aid_type_fen"] = {t: row.pop(t) for t in AID_TYPES}
        result.append(row)
    return result


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts: NA → null, numpy numbers → int, dates → text."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]  # type: ignore[union-attr]
    if hasattr(value, "item"):
        return value.item()  # type: ignore[union-attr]
    if isinstance(value, Decimal):
        return str(value)
    return value


def inputs(checked: Checked) -> list[dict[str, object]]:
    """Per file: its kinds, SHA-256 and the rows read and rejected (contract §3.2)."""
    counts = checked.validated.counts
    result = []
    for item in checked.files:
        mine = counts[counts["source_file"] == item.file]
        kinds = dict.fromkeys(KIND_BY_NAME[kind].file_kind for kind in mine["kind"])
        result.append(
            {
                "file": item.file,
                "kind": "+".join(kinds),
                "sha256": item.sha256,
                "rows": int(mine["read"].sum()),
                "rejected": int(mine["rejected"].sum()),
            }
        )
    return result


def rows(validated: Validated) -> dict[str, dict[str, int]]:
    """Per file kind: rows read, kept for reconciliation and rejected."""
    counts = validated.counts.assign(
        kind=validated.counts["kind"].map(lambda kind: KIND_BY_NAME[kind].file_kind)
    )
    totals = counts.groupby("kind", sort=False)[["read", "kept", "rejected"]].sum()
    return {
        str(kind): {
            "read": int(r["read"]),
            "reconciled": int(r["kept"]),
            "rejected": int(r["rejected"]),
        }
        for kind, r in totals.iterrows()
    }
