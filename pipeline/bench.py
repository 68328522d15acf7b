"""``make bench``: the whole pipeline against the I/O floor, on folders of 10⁵ and 10⁶ records.

In: input folders (``make scale`` generates ``/tmp/aid-fund-scale/100k`` and ``1m``) and the
number of runs. Out: per folder and run, printed and written to ``outputs/bench.json``:
- ``floor read``: the fastest reader alone — fastexcel reading every sheet of every workbook as
  text, pyarrow every CSV/TXT — one file after another, with no other work;
- ``floor write``: xlsxwriter in constant-memory mode writing, sheet by sheet, as many rows,
  cells, text cells and bytes of text as the pipeline's workbook holds, with the row values
  prepared beforehand: no computation;
- ``pipeline``: ``run.reconcile`` as ``python -m pipeline reconcile`` runs it (two workers),
  its wall time from the interpreter's start (imports included), the seconds and peak memory
  of each of its stages, and the peak memory of its whole process tree (workers included);
- the ratio of the pipeline's time to the floor (read + write).

Each measurement runs in a fresh interpreter; its memory is sampled every 50 ms over the process
and its children (psutil), so a peak is the most the machine held for it at once.
"""

from __future__ import annotations

import io
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import psutil

SAMPLE_EVERY = 0.05  # seconds between two memory samples
RESULT = Path("outputs") / "bench.json"
MIB = 2**20


# ---- what runs in the fresh interpreter ----------------------------------------------------------


def floor_read(folder: Path) -> dict[str, object]:
    """Read every input file with the fastest reader and nothing else."""
    started = time.perf_counter()
    import fastexcel
    import pyarrow.csv as pa_csv

    from pipeline.load import SPREADSHEET_SUFFIXES

    rows = 0
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in SPREADSHEET_SUFFIXES:
            continue
        if suffix in (".csv", ".txt"):
            rows += _read_text_floor(path, pa_csv)
            continue
        reader = fastexcel.read_excel(str(path))
        for name in reader.sheet_names:
            rows += reader.load_sheet(name, header_row=None, dtypes="string").to_arrow().num_rows
    return {"seconds": round(time.perf_counter() - started, 2), "rows": rows}


def _read_text_floor(path: Path, pa_csv) -> int:
    """Decode (GBK files included) and parse with pyarrow, every column left as text."""
    from pipeline.load import TEXT_ENCODINGS

    data = path.read_bytes()
    for encoding in TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    delimiter = "\t" if path.suffix.lower() == ".txt" else ","
    table = pa_csv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, invalid_row_handler=lambda _: "skip"
        ),
        convert_options=pa_csv.ConvertOptions(strings_can_be_null=True),
    )
    return int(table.num_rows)


def floor_write(workbook: Path) -> dict[str, object]:
    """xlsxwriter in constant-memory mode writing the pipeline's workbook again: the same
    cells, sheet by sheet and row by row, their values read beforehand (not timed), formulas
    as their values, no formats: writing and nothing else."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    source = CalamineWorkbook.from_path(str(workbook))
    sheets = {name: source.get_sheet_by_name(name).to_python() for name in source.sheet_names}
    cells = sum(1 for rows in sheets.values() for row in rows for value in row if value != "")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "floor.xlsx"
        book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for number, row in enumerate(rows):
                sheet.write_row(number, 0, row)
        book.close()
        size = target.stat().st_size
    seconds = time.perf_counter() - started
    written = sum(map(len, sheets.values()))
    return {"seconds": round(seconds, 2), "rows": written, "cells": cells, "bytes": size}


def pipeline_run(folder: Path, output_dir: Path) -> dict[str, object]:
    """``python -m pipeline reconcile FOLDER --out OUTPUT_DIR`` without the display."""
    started = time.perf_counter()
    from pipeline import run
    from pipeline.progress import Progress

    progress = Progress()
    reconciled = run.reconcile(run.Config(folder, output_dir), progress)
    book = output_dir / run.workbook_name(reconciled.period)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "stages": [asdict(figure) for figure in progress.figures],
        "aid_records": len(reconciled.checked.validated.tables["aid_records"]),
        "findings": len(reconciled.findings),
        "workbook": str(book),
        "workbook_bytes": book.stat().st_size,
    }


MEASURES: dict[str, Callable[..., dict[str, object]]] = {
    "floor read": floor_read,
    "floor write": floor_write,
    "pipeline": pipeline_run,
}


# ---- the parent: fresh interpreters, memory sampled ----------------------------------------------


def measure(name: str, *arguments: Path) -> dict[str, object]:
    """One measurement in a fresh interpreter: its figures, its wall time and the peak memory
    of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.bench", "--one", name, *map(str, arguments)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = _peak_of_tree(process)
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"bench: {name} {arguments} failed (exit {process.returncode})")
    figures = json.loads(output.strip().splitlines()[-1])
    return {**figures, "wall_seconds": round(wall, 2), "peak_mib": round(peak / MIB, 1)}


def _peak_of_tree(process: subprocess.Popen[str]) -> int:
    """The largest resident memory the process and its children held at once, in bytes."""
    peak = 0
    box: list[int] = []

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(process.pid)
            while process.poll() is None:
                total = 0
                for member in [root, *root.children(recursive=True)]:
                    try:
                        total += member.memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
                peak = max(peak, total)
                time.sleep(SAMPLE_EVERY)
        except psutil.NoSuchProcess:
            pass
        box.append(peak)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    sampler.join()
    return box[0]


def bench_folder(folder: Path) -> dict[str, object]:
    """One run on one folder: the pipeline, then the floor of the same input and output."""
    with tempfile.TemporaryDirectory() as scratch:
        pipeline = measure("pipeline", folder, Path(scratch))
        written = measure("floor write", Path(str(pipeline["workbook"])))
    read = measure("floor read", folder)
    floor = read["seconds"] + written["seconds"]  # type: ignore[operator]
    return {
        "floor read": read,
        "floor write": written,
        "pipeline": pipeline,
        "floor_seconds": round(floor, 2),
        "ratio": round(pipeline["wall_seconds"] / floor, 2),  # type: ignore[operator]
    }


def report(folder: Path, run: int, figures: dict[str, object]) -> list[str]:
    read, written, pipeline = figures["floor read"], figures["floor write"], figures["pipeline"]
    lines = [
        f"{folder.name} run {run}: {pipeline['aid_records']:,} aid records, "  # type: ignore[index]
        f"{read['rows']:,} sheet rows read, {written['rows']:,} rows written",  # type: ignore[index]
        f"  floor read   {read['seconds']:>7.2f} s  {read['peak_mib']:>8.1f} MiB",  # type: ignore[index]
        f"  floor write  {written['seconds']:>7.2f} s  {written['peak_mib']:>8.1f} MiB",  # type: ignore[index]
    ]
    for stage in pipeline["stages"]:  # type: ignore[index]
        workers = f"  (workers up to {stage['workers_peak_mib']:.1f} MiB each)"
        lines.append(
            f"  {stage['stage']:<12} {stage['seconds']:>7.2f} s  {stage['peak_mib']:>8.1f} MiB"
            + (workers if stage["stage"] == "read" and stage["workers_peak_mib"] else "")
        )
    lines.append(
        f"  end to end   {pipeline['wall_seconds']:>7.2f} s  "  # type: ignore[index]
        f"{pipeline['peak_mib']:>8.1f} MiB (all processes)  "  # type: ignore[index]
        f"floor {figures['floor_seconds']:.2f} s  ratio {figures['ratio']:.2f}"
    )
    return lines


def summary(runs: list[dict[str, object]]) -> dict[str, float]:
    """Median and range over the runs of the end-to-end time, the floor, ratio and memory."""

    def values(key: str) -> list[float]:
        pick = {
            "seconds": lambda r: r["pipeline"]["wall_seconds"],
            "floor_seconds": lambda r: r["floor_seconds"],
            "ratio": lambda r: r["ratio"],
            "peak_mib": lambda r: r["pipeline"]["peak_mib"],
        }[key]
        return [float(pick(r)) for r in runs]  # type: ignore[no-untyped-call]

    result: dict[str, float] = {}
    for key in ("seconds", "floor_seconds", "ratio", "peak_mib"):
        found = values(key)
        result |= {
            key: statistics.median(found),
            f"{key}_min": min(found),
            f"{key}_max": max(found),
        }
    return result


def machine() -> dict[str, object]:
    return {
        "cpus": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(MEASURES[argv[1]](*map(Path, argv[2:])), ensure_ascii=False))
        return
    runs = 1
    if argv[:1] == ["--runs"]:
        runs, argv = int(argv[1]), argv[2:]
    results: dict[str, object] = {"machine": machine()}
    for folder in map(Path, argv):
        measured = []
        for number in range(1, runs + 1):
            figures = bench_folder(folder)
            print("\n".join(report(folder, number, figures)), flush=True)
            measured.append(figures)
        results[folder.name] = {"runs": measured, "summary": summary(measured)}
    names = [Path(a).name for a in argv]
    if len(names) == 2:
        small, large = (results[n]["summary"]["seconds"] for n in names)  # type: ignore[index]
        results["growth"] = round(large / small, 2)
        print(f"{names[1]} / {names[0]}: {large / small:.2f}× the time")
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written to {RESULT}")


if __name__ == "__main__":
    main(sys.argv[1:])
