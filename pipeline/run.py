"""The flow in one place: load → validate (→ match → rules → aggregate → workbook, to come).

``check(input_dir)`` is what ``validate`` runs; ``reconcile(config)`` what ``reconcile`` runs.
Both raise ``ReconcileError`` for an unusable input and never write a partial output.
Files are loaded and their sheets checked two at a time (the machine has two cores); everything
that looks across files happens afterwards, in file-name order, so results never depend on
which worker finished first.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pipeline import load, validate
from pipeline.load import InputFile, SheetInfo, SkippedSheet
from pipeline.validate import CheckedSheet, Validated
from schemas import KIND_BY_NAME

WORKERS = 2
PARALLEL_FROM_BYTES = 4 * 1024 * 1024  # below this, starting workers costs more than it saves

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Config:
    input_dir: Path
    output_dir: Path
    period: str | None = None  # YYYY-MM; default: the month of the latest aid date


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


def check(input_dir: Path) -> Checked:
    """Read every file of the folder and validate every row."""
    paths, ignored = load.spreadsheets(input_dir)
    parallel = sum(path.stat().st_size for path in paths) >= PARALLEL_FROM_BYTES
    files = list(_map(load_and_check, paths, parallel))  # every sheet, kind recognised, checked
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


def reconcile(config: Config) -> Checked:
    """What exists of the run so far: check the inputs and write summary.json atomically."""
    checked = check(config.input_dir)
    period = config.period or latest_period(checked.validated)
    summary = {"period": period, "inputs": inputs(checked), "rows": rows(checked.validated)}
    write_atomically(
        config.output_dir / "summary.json",
        json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8"),
    )
    return checked


def latest_period(validated: Validated) -> str:
    return validated.tables["aid_records"]["aid_date"].max().strftime("%Y-%m")


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


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
