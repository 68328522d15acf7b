"""The flow in one place: check → match (在途) → rules ∥ 对账明细 → the close → figures ∥ writing
对账明细 → the rest of the workbook → commit.

``check(input_dir)`` is what ``validate`` runs; ``reconcile(config)`` what ``reconcile`` runs.
Both raise ``ReconcileError`` for an unusable input and never write a partial output. Files are
read and their sheets checked two at a time when the inputs are large (``pipeline.parallel``);
everything that looks across files happens afterwards, in file-name order. The run history and
the clerk's notes in the earlier workbooks are read before matching; what is only late at the
period end is 在途. After matching, the rules (``find``) run in a forked process while this one
makes the table of 对账明细; with the findings, the close (``pipeline.carry``) lists them
against the last close with the clerk's notes, each row of 对账明细 is flagged with the rules that hit it, and the figures, summary and
indicators (``figure``) run in a forked process while this one writes 对账明细 (last in the
workbook, but written first: it is the longest), and its CSV beside the workbook when it takes
more than one sheet (``pipeline.detail_csv``); then 异常清单, 数据校验 and the summary sheets.
The outputs, the run history among them, are staged and committed together
(``pipeline.staging``) once everything is computed.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd

from pipeline import (
    aggregate,
    carry,
    detail_csv,
    history,
    indicators,
    load,
    match,
    notes,
    outputs,
    rules,
    validate,
)
from pipeline.errors import ReconcileError
from pipeline.memory import give_back
from pipeline.parallel import Beside, large, map_in_order
from pipeline.params import Parameters, parameters
from pipeline.progress import Progress
from pipeline.reconciliation import flag, reconciliation
from pipeline.results import Checked, CheckedFile, Close, Config, Figured, Found, Reconciled
from pipeline.rules import Context
from pipeline.rules.catalogue import CATALOGUE
from pipeline.staging import staged
from pipeline.summary import InTransit, count_in_transit, summarize
from pipeline.validate import Validated
from pipeline.workbook import Book


def check(input_dir: Path, progress: Progress | None = None) -> Checked:
    """Read every file of the folder and validate every row (the stage ``read``)."""
    paths, ignored = load.spreadsheets(input_dir)
    parallel = large(path.stat().st_size for path in paths)
    files, sheets, skipped = [], [], []
    with (progress or Progress()).stage("read", total=len(paths)) as advance:
        for file in map_in_order(load_and_check, paths, parallel):  # every sheet checked
            files.append(file.file)
            sheets.extend(file.sheets)
            skipped.extend(file.skipped)
            advance(1)
        infos = [sheet.info for sheet in sheets]
        validated = validate.combine(sheets)  # across files: sources, fund years, exported twice
    return Checked(files=files, sheets=infos, skipped=skipped, ignored=ignored, validated=validated)


def load_and_check(path: Path) -> CheckedFile:
    """One file: its sheets read as text, then parsed and checked one by one."""
    loaded = load.read_file(path)
    checked = CheckedFile(
        loaded.file, [validate.check_sheet(s) for s in loaded.sheets], loaded.skipped
    )
    del loaded
    give_back()  # a reader process holds the next file's sheets in the pages this one freed
    return checked


def reconcile(config: Config, progress: Progress | None = None) -> Reconciled:
    """The whole run: check, match, then the rules (``find``) in a second process while this one
    makes 对账明细; the figures (``figure``) in a second process while this one writes it; then
    the rest of the workbook and the other outputs, the workbook renamed into place only once
    everything is computed."""
    progress = progress or Progress()
    checked = check(config.input_dir, progress)
    tables = checked.validated.tables
    params = parameters(tables)
    period = pd.Period(config.period or latest_period(checked.validated), freq="M")
    earlier = history.earlier(config.output_dir, period)  # the last close, the clerk's notes
    read_back = notes.read_back(config.output_dir, earlier, config.password)
    with progress.stage("match"):
        window = match.Window(
            params.standards.window_before_days, params.standards.window_after_days
        )
        matched = match.match(
            tables["aid_records"], tables["bank_payments"], tables["worker_files"], window
        )
        matched = match.in_transit(  # unpaid but young at the period end: 在途, not R01/R19
            matched, period.end_time.normalize(), params.standards.in_transit_days
        )
    closing = history.closing_before(config.output_dir, config.previous, period.year)
    parallel = large(file.size for file in checked.files)
    # partial, not a closure: the fork holds the frames, not this function's variable
    finding = Beside(partial(find, checked, params, period, matched, closing), parallel)
    with progress.stage("reconcile"):  # 对账明细, while the rules are applied beside
        unflagged = reconciliation(matched, period, tables["worker_files"])
    found = finding.result()
    progress.figures.extend(found.stages)
    transit = count_in_transit(matched, period, params.standards.in_transit_days)
    del matched  # what the rest needs is made: a province's links and outcomes are gigabytes
    latest_notes = pd.concat([earlier.notes, read_back.edits[list(history.NOTE_FIELDS)]])
    close = Close(carry.carried(found.findings, earlier, latest_notes), earlier, read_back)
    figuring = Beside(
        lambda: figure(checked, params, period, found.findings, close.worklist, closing, transit),
        parallel,
    )
    with staged(config.output_dir) as staging:
        name = outputs.workbook_name(period)
        with (
            progress.stage("write", total=len(unflagged.table)) as advance,
            outputs.workbook_target(staging, name, config.password) as target,
            Book(target, period, config.mask, scratch=staging.scratch()) as book,
        ):
            detail = flag(unflagged, found.findings)  # the rules that hit each row
            table = book.reconciliation(checked, detail, close.worklist, advance)
            csv_name = detail_csv.beside(staging, config, period, table, book.layout["对账明细"])
            del table
            figured = figuring.result()
            progress.figures.extend(figured.stages)
            result = Reconciled(
                checked,
                period,
                found.findings,
                figured.figures,
                figured.summary,
                detail,
                figured.indicators,
                close,
                csv_name,
            )
            book.rest(result)
        outputs.commit(staging, config, result)
    return result


def find(
    checked: Checked,
    params: Parameters,
    period: pd.Period,
    matched: match.Matched,
    closing: history.PreviousClosing | None,
) -> Found:
    """The rules: every finding, in the order of 异常清单."""
    progress = Progress()
    with progress.stage("rules"):
        last_closing = None if closing is None else closing.by_source
        context = Context(
            checked.validated.tables, params, period.end_time.normalize(), matched, last_closing
        )
        found = rules.apply(context, CATALOGUE)
    return Found(found, progress.figures)


def figure(
    checked: Checked,
    params: Parameters,
    period: pd.Period,
    findings: pd.DataFrame,
    worklist: pd.DataFrame,
    closing: history.PreviousClosing | None,
    transit: InTransit,
) -> Figured:
    """The figures (R22's comparison among them, against last year's ``closing``), the
    summary and the indicators: what needs the findings."""
    progress = Progress()
    validated = checked.validated
    with progress.stage("aggregate"):
        figures = aggregate.figures(validated.tables, params, period, closing)
        summary = summarize(
            checked.files, validated.counts, period, findings, figures, worklist, transit
        )
        scored = indicators.indicators(validated.tables, params, figures, findings, period)
    return Figured(figures, summary, scored, progress.figures)


def latest_period(validated: Validated) -> str:
    """The month of the latest aid date: the default period to close."""
    latest = validated.tables["aid_records"]["aid_date"].max()
    if pd.isna(latest):
        raise ReconcileError(
            "没有一条有效的救助记录，无法确定对账月份：请先按 validate 的提示修正救助记录，"
            "或用 --period 指定月份"
        )
    return str(latest.strftime("%Y-%m"))
