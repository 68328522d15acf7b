"""The run's types: what a run is asked to do (``Config``) and what each stage hands on.

``Checked`` is the folder as read and validated (the stage ``read``); ``Found`` what the rules give
(computed beside the making of 对账明细), ``Figured`` the figures computed from them (beside the
writing of 对账明细); ``Reconciled`` the whole run, from which the workbook, summary.json,
exceptions.csv and the terminal lines are written. Plain frozen dataclasses: they cross
processes pickled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.aggregate import Figures
from pipeline.history import Earlier
from pipeline.load import InputFile, SheetInfo, SkippedSheet
from pipeline.notes import ReadBack
from pipeline.progress import StageFigure
from pipeline.reconciliation import Reconciliation
from pipeline.summary import Summary
from pipeline.validate import CheckedSheet, Validated


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
    """One input file: its sheets checked, and the sheets not read with why."""

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


@dataclass(frozen=True)
class Found:
    findings: pd.DataFrame  # in the order of 异常清单
    stages: list[StageFigure]  # rules, timed where they ran


@dataclass(frozen=True)
class Figured:
    figures: Figures
    summary: Summary
    indicators: pd.DataFrame  # 绩效指标
    stages: list[StageFigure]  # aggregate, timed where it ran


@dataclass(frozen=True)
class Reconciled:
    checked: Checked
    period: pd.Period
    findings: pd.DataFrame
    figures: Figures
    summary: Summary
    detail: Reconciliation  # 对账明细, flagged with the rules that hit each row
    indicators: pd.DataFrame  # 绩效指标
    close: Close  # the findings list with its history, and the notes read back
    detail_csv: str | None = None  # the name of 对账明细's CSV, when written (``detail_csv``)


@dataclass(frozen=True)
class Close:
    """The monthly close: this period's findings list against the last close (``carry``), what
    the history held before (``history.Earlier``) and the clerk's notes read back (``notes``)."""

    worklist: pd.DataFrame  # the findings, then those resolved this period
    earlier: Earlier
    read_back: ReadBack
