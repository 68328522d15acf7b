"""``make bench``: the whole pipeline against the I/O floor, on folders of 10⁵ and 10⁶ records.

    python -m tests.bench [--runs N] FOLDER ...   # from the repository's root, as make bench runs it

It lives under tests/, not in the installed package: it needs psutil, a dev dependency.

In: input folders (``make scale`` generates ``/tmp/aid-fund-scale/100k`` and ``1m``) and the
number of runs. Out: per folder and run, printed and written to ``outputs/bench.json``:
- ``floor start``: an interpreter starting and importing fastexcel, pyarrow and xlsxwriter;
- ``floor read``: the fastest reader alone — fastexcel reading every sheet of every workbook as
  text, pyarrow every CSV/TXT — one file after another, with no other work;
- ``floor write``: xlsxwriter in constant-memory mode writing, sheet by sheet, as many rows,
  cells, text cells and bytes of text as the pipeline's workbook holds, with the row values
  prepared beforehand: no computation;
- ``pipeline``: ``python -m pipeline reconcile`` as a clerk runs it, its wall time from the
  interpreter's start to its end, and the seconds and peak memory of each of its stages
  (``--timings``);
- the ratio of the pipeline's wall time to the floor (start + read + write).

Each measurement runs in a fresh interpreter, one after another; memory is sampled (psutil, see
``_peaks``): the peak is the most the machine's memory in use rose above what it was before the
measurement started, so that pages a forked worker shares with its parent count once; the sums
of the processes' proportional and resident set sizes are kept beside it.
"""

from __future__ import annotations

import contextlib
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
from pathlib import Path
from typing import Any

import psutil

MAX_RATIO, MAX_PEAK_MIB, MAX_GROWTH = 1.5, 4096, 12  # the bounds issue 5 sets
SAMPLE_EVERY = 0.05  # seconds between two memory samples
PSS_EVERY = 10  # samples between two readings of the proportional set sizes
SETTLE = 1.0  # seconds to wait before a measurement, for the memory in use to settle
RESULT = Path("outputs") / "bench.json"
FLOOR_IMPORTS = "import fastexcel, pyarrow.csv, xlsxwriter"
BESIDE = ("rules", "aggregate")  # forked: run.find while 对账明细 is made, run.figure while written
MIB = 2**20


# ---- what runs in the fresh interpreter ----------------------------------------------------------


def floor_read(folder: Path) -> dict[str, object]:
    """Read every input file with the fastest reader and nothing else, one file after another:
    memory holds one file's contents at most."""
    started = time.perf_counter()
    import fastexcel
    import pyarrow.csv as pa_csv

    from pipeline.load import SPREADSHEET_SUFFIXES

    rows = 0
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in SPREADSHEET_SUFFIXES:
            continue
        text = suffix in (".csv", ".txt")
        rows += _read_text_floor(path, pa_csv) if text else _read_workbook_floor(path, fastexcel)
    return {"seconds": round(time.perf_counter() - started, 2), "rows": rows}


def _read_workbook_floor(path: Path, fastexcel) -> int:
    """Every sheet as text, one after another; the reader let go of on return."""
    reader = fastexcel.read_excel(str(path))
    return sum(
        reader.load_sheet(name, header_row=None, dtypes="string").to_arrow().num_rows
        for name in reader.sheet_names
    )


def _read_text_floor(path: Path, pa_csv) -> int:
    """Decode (GBK files included) as the pipeline does and parse with pyarrow, every column
    left as text."""
    from pipeline.load import decode

    text = decode(path.name, path.read_bytes())
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
    """xlsxwriter in constant-memory mode writing the pipeline's workbook again, into a scratch
    folder: its seconds, rows, cells and bytes (see ``write_again``)."""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "floor.xlsx"
        figures = write_again(workbook, target)
        return {**figures, "bytes": target.stat().st_size}


def write_again(workbook: Path, target: Path) -> dict[str, object]:
    """The same cells as ``workbook`` written to ``target``, sheet by sheet and row by row,
    formulas as their values, no formats: writing and nothing else. One sheet at a time: its
    values are read (not timed), written (timed) and dropped before the next sheet is read, so
    that memory holds one sheet's values at most (a 10⁷ workbook's are tens of GiB)."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    source = CalamineWorkbook.from_path(str(workbook))
    rows = cells = 0
    clock = Stopwatch()
    with clock:
        book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    for name in source.sheet_names:
        values = source.get_sheet_by_name(name).to_python()
        rows += len(values)
        cells += sum(len(row) - row.count("") for row in values)
        with clock:
            sheet = book.add_worksheet(name)
            for number, row in enumerate(values):
                sheet.write_row(number, 0, row)
        del values  # before the next sheet's are read
    with clock:
        book.close()
    return {"seconds": round(clock.seconds, 2), "rows": rows, "cells": cells}


class Stopwatch:
    """The seconds of the blocks it times, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        self.seconds += time.perf_counter() - self._started


MEASURES: dict[str, Callable[..., dict[str, object]]] = {
    "floor read": floor_read,
    "floor write": floor_write,
}


# ---- the parent: fresh interpreters, memory sampled ----------------------------------------------


def measure(name: str, *arguments: Path) -> dict[str, Any]:
    """One floor measurement in a fresh interpreter: its figures and its peak memory."""
    command = [sys.executable, "-m", "tests.bench", "--one", name, *map(str, arguments)]
    output, figures = measured(command)
    return {**json.loads(output.strip().splitlines()[-1]), **figures}


def pipeline(folder: Path, output_dir: Path) -> dict[str, Any]:
    """``python -m pipeline reconcile`` as a clerk runs it (piped: no display), its stages
    from ``--timings``, its counts from summary.json."""
    timings = output_dir / "timings.json"
    command = [sys.executable, "-m", "pipeline", "reconcile", str(folder), "--out"]
    _, figures = measured([*command, str(output_dir), "--timings", str(timings)])
    summary = json.loads((output_dir / "summary.json").read_text("utf-8"))
    book = next(output_dir.glob("*.xlsx"))
    return {
        **figures,
        "stages": json.loads(timings.read_text("utf-8")),
        "aid_records": summary["rows"]["aid_records"]["read"],
        "findings": sum(summary["exceptions"].values()),
        "workbook": str(book),
        "workbook_bytes": book.stat().st_size,
    }


def measured(command: list[str]) -> tuple[str, dict[str, float]]:
    """Run ``command`` after the machine's memory settles: its output, wall time and peaks."""
    time.sleep(SETTLE)  # the memory of the process before is given back
    baseline = _machine_used()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peaks = _peaks(process)
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"bench: {' '.join(command)} failed (exit {process.returncode})")
    machine = max(peaks["machine"] - baseline, peaks["largest"])  # a small run is in the noise
    return output, {
        "wall_seconds": round(wall, 2),
        "peak_mib": round(machine / MIB, 1),
        "peak_pss_sum_mib": round(peaks["pss_sum"] / MIB, 1),
        "peak_rss_sum_mib": round(peaks["rss_sum"] / MIB, 1),
    }


def _machine_used() -> int:
    """Memory in use on the machine, page cache and tmpfs aside."""
    return int(psutil.virtual_memory().used)


def _peaks(process: subprocess.Popen[str]) -> dict[str, int]:
    """Sampled until the process ends, every 50 ms:
    - ``machine``: the memory in use on the machine, every page counted once — the pages a
      forked worker shares with its parent too;
    - ``largest``: the largest resident size of one process (a lower bound of what ran);
    - ``rss_sum``: the sum of the resident sizes of the process and its children, shared pages
      counted in each process (an upper bound);
    and every 0.5 s ``pss_sum``: the sum of their proportional set sizes, a shared page
    divided among the processes sharing it (reading it costs too much to do more often)."""
    peaks = dict.fromkeys(("machine", "largest", "rss_sum", "pss_sum"), 0)

    def sample() -> None:
        root = psutil.Process(process.pid)
        samples = 0
        while process.poll() is None:
            tree = [root]
            with contextlib.suppress(psutil.NoSuchProcess):
                tree += root.children(recursive=True)
            rss = [_size(member, "rss") for member in tree]
            peaks["largest"] = max(peaks["largest"], *rss)
            peaks["rss_sum"] = max(peaks["rss_sum"], sum(rss))
            peaks["machine"] = max(peaks["machine"], _machine_used())
            if samples % PSS_EVERY == 0:
                pss = sum(_size(member, "pss") for member in tree)
                peaks["pss_sum"] = max(peaks["pss_sum"], pss)
            samples += 1
            time.sleep(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    sampler.join()
    return peaks


def _size(member: psutil.Process, kind: str) -> int:
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        info = member.memory_full_info() if kind == "pss" else member.memory_info()
        return int(getattr(info, kind))
    return 0


def bench_folder(folder: Path) -> dict[str, Any]:
    """One run on one folder: the pipeline, then the floor of the same input and output."""
    with tempfile.TemporaryDirectory() as scratch:
        run = pipeline(folder, Path(scratch))
        written = measure("floor write", Path(run["workbook"]))
    read = measure("floor read", folder)
    start = floor_start()
    floor = start + read["seconds"] + written["seconds"]
    return {
        "floor start": {"seconds": start},
        "floor read": read,
        "floor write": written,
        "pipeline": run,
        "floor_seconds": round(floor, 2),
        "ratio": round(run["wall_seconds"] / floor, 2),
    }


def floor_start() -> float:
    """The floor program's own start: an interpreter importing the reader and the writer."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR_IMPORTS], check=True)
    return round(time.perf_counter() - started, 2)


def report(folder: Path, run: int, figures: dict[str, Any]) -> list[str]:
    read, written, pipeline = figures["floor read"], figures["floor write"], figures["pipeline"]
    lines = [
        f"{folder.name} run {run}: {pipeline['aid_records']:,} aid records, "
        f"{read['rows']:,} sheet rows read, {written['rows']:,} rows written",
        f"  floor start  {figures['floor start']['seconds']:>7.2f} s",
        f"  floor read   {read['seconds']:>7.2f} s  {read['peak_mib']:>8.1f} MiB",
        f"  floor write  {written['seconds']:>7.2f} s  {written['peak_mib']:>8.1f} MiB",
    ]
    for stage in pipeline["stages"]:
        workers = f"  (workers up to {stage['workers_peak_mib']:.1f} MiB each)"
        lines.append(
            f"  {stage['stage']:<12} {stage['seconds']:>7.2f} s  {stage['peak_mib']:>8.1f} MiB"
            + (workers if stage["stage"] == "read" and stage["workers_peak_mib"] else "")
            + ("  (second process, meanwhile)" if stage["stage"] in BESIDE else "")
        )
    lines.append(
        f"  end to end   {pipeline['wall_seconds']:>7.2f} s  {pipeline['peak_mib']:>8.1f} MiB "
        f"(machine; PSS sum {pipeline['peak_pss_sum_mib']:.1f}, "
        f"RSS sum {pipeline['peak_rss_sum_mib']:.1f})  "
        f"floor {figures['floor_seconds']:.2f} s  ratio {figures['ratio']:.2f}"
    )
    return lines


SUMMARISED = {
    "seconds": lambda r: r["pipeline"]["wall_seconds"],
    "floor_seconds": lambda r: r["floor_seconds"],
    "ratio": lambda r: r["ratio"],
    "peak_mib": lambda r: r["pipeline"]["peak_mib"],
}


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Median and range over the runs of the end-to-end time, the floor, ratio and memory."""
    result: dict[str, float] = {}
    for key, pick in SUMMARISED.items():
        found = [float(pick(r)) for r in runs]
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
    results: dict[str, Any] = {"machine": machine()}
    print(json.dumps(results["machine"], ensure_ascii=False))
    for folder in map(Path, argv):
        measured = []
        for number in range(1, runs + 1):
            figures = bench_folder(folder)
            print("\n".join(report(folder, number, figures)), flush=True)
            measured.append(figures)
        results[folder.name] = {"runs": measured, "summary": summary(measured)}
        print(verdict(folder.name, results[folder.name]["summary"]))
    names = [Path(a).name for a in argv]
    if len(names) == 2:
        small, large = (results[n]["summary"]["seconds"] for n in names)
        results["growth"] = round(large / small, 2)
        print(f"{names[1]} / {names[0]}: {large / small:.2f}× the time (at most {MAX_GROWTH}×)")
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written to {RESULT}")


def verdict(name: str, figures: dict[str, float]) -> str:
    """The figures against issue 5's bounds (a report, not a test: nothing fails on them)."""
    return (
        f"{name}: end to end {figures['seconds']:.2f} s (median), ratio to the floor "
        f"{figures['ratio_min']:.2f}–{figures['ratio_max']:.2f} (at most {MAX_RATIO}), peak "
        f"{figures['peak_mib_max']:.0f} MiB (at most {MAX_PEAK_MIB})"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
