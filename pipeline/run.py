"""The flow in one place: load → validate (→ match → rules → aggregate → workbook, to come).

``check(input_dir)`` is what ``validate`` runs; ``reconcile(config)`` what ``reconcile`` runs.
Both raise ``ReconcileError`` for an unusable input and never write a partial output.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline import load, validate
from pipeline.load import Folder
from pipeline.validate import Validated
from schemas import KIND_BY_NAME


@dataclass(frozen=True)
class Config:
    input_dir: Path
    output_dir: Path
    period: str | None = None  # YYYY-MM; default: the month of the latest aid date


@dataclass(frozen=True)
class Checked:
    folder: Folder
    validated: Validated


def check(input_dir: Path) -> Checked:
    """Read every file of the folder and validate every row."""
    folder = load.read_folder(input_dir)  # every file and sheet, kind recognised, all text
    validated = validate.validate(folder)  # typed, checked; rejected rows with their lineage
    return Checked(folder, validated)


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
    counts = checked.validated.counts.groupby("source_file", sort=False).agg(
        kind=("kind", lambda kinds: "+".join(dict.fromkeys(_file_kind(k) for k in kinds))),
        rows=("read", "sum"),
        rejected=("rejected", "sum"),
    )
    result = []
    for item in checked.folder.files:
        row = counts.loc[item.file] if item.file in counts.index else None
        result.append(
            {
                "file": item.file,
                "kind": row["kind"] if row is not None else "",
                "sha256": item.sha256,
                "rows": int(row["rows"]) if row is not None else 0,
                "rejected": int(row["rejected"]) if row is not None else 0,
            }
        )
    return result


def rows(validated: Validated) -> dict[str, dict[str, int]]:
    """Per file kind: rows read, kept for reconciliation and rejected."""
    counts = validated.counts.assign(kind=validated.counts["kind"].map(_file_kind))
    totals = counts.groupby("kind", sort=False)[["read", "kept", "rejected"]].sum()
    return {
        kind: {"read": int(r["read"]), "reconciled": int(r["kept"]), "rejected": int(r["rejected"])}
        for kind, r in totals.iterrows()
    }


def _file_kind(kind_name: str) -> str:
    return KIND_BY_NAME[kind_name].file_kind


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
