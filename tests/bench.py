"""``make bench``: the whole pipeline against the I/O floor, on folders of 10⁵ to 10⁷ records.

    python -m tests.bench [--runs N] [--large-runs M] FOLDER ...   # from the repository's root
    make bench SIZES="100k 1m 10m"                                 # the folders of make scale

It lives under tests/, not in the installed package: it needs psutil, a dev dependency.

In: input folders (``make scale`` generates ``/tmp/aid-fund-scale/<size>`` for each of SIZES)
and the number of runs: N per folder, but M (default 1) for a folder of more than 2,000,000 aid
records (a 10⁷ run takes about half an hour), the count known from the first run's summary.json.
Out: per folder and run, printed and written to ``outputs/bench.json``:
- ``floor start``: an interpreter starting and importing fastexcel, pyarrow and xlsxwriter;
- ``floor read``: the fastest reader alone — fastexcel reading every sheet of every workbook as
  text, pyarrow every CSV/TXT — one file after another, with no other work;
- ``floor write``: xlsxwriter in constant-memory mode writing, sheet by sheet, as many rows,
  cells, text cells and bytes of text as the pipeline's workbook holds: each sheet's values
  read beforehand (not timed) and dropped once written, so that memory holds one sheet's;
- ``pipeline``: ``python -m pipeline reconcile`` as a clerk runs it, its wall time from the
  interpreter's start to its end, and the seconds and peak memory of each of its stages
  (``--timings``);
- the ratio of the pipeline's wall time to the floor (start + read + write).
Per folder, a verdict per bound: the median ratio ≤ 1.5 (issue 5); the largest peak ≤ 1,024 MiB
per million aid records + 2,048 MiB (issue 16: 12 GiB at 10⁷). Then ``growth``, for each size
and the next by aid records: per stage and end to end, the median time's factor, the records'
factor and the time's factor per doubling of the records, time_factor ** (1 /
log2(record_factor)), 2 for a time that grows as the records do; at most 2.2 (issue 16), judged
only for stages of 0.5 s or more at the smaller size (shorter ones are noise). The verdicts are
a report, not a test: nothing fails on them. In ``bench.json``, per folder: ``runs``,
``summary``, ``records``, ``stage_seconds`` (medians) and ``bounds``; ``growth_factors``, the
pairs; and, as before, ``growth``: the end-to-end time factor of the first pair.

Each measurement runs in a fresh interpreter, one after another; memory is sampled (psutil, see
``_peaks``): the peak is the most the machine's memory in use rose above what it was before the
measurement started, so that pages a forked worker shares with its parent count once; the sums
of the processes' proportional and resident set sizes are kept beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import psutil

MAX_RATIO = 1.5  # issue 5: the pipeline's wall time over the floor's
PEAK_MIB_PER_MILLION, PEAK_MIB_BASE = 1024, 2048  # issue 16: 10⁷ aid records in 12 GiB
MAX_PER_DOUBLING = 2.2  # issue 16: twice the records, each stage at most 2.2× the time
JUDGED_FROM = 0.5  # seconds at the smaller size: a shorter stage is noise, shown, not judged
LARGE_RECORDS = 2_000_000  # a folder of more aid records runs --large-runs times (10⁷: ~30 min)
END_TO_END = "end to end"
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


def bench_runs(folder: Path, runs: int, large_runs: int) -> list[dict[str, Any]]:
    """The runs on one folder, each printed as it ends. The first tells the folder's size: the
    aid records the pipeline read (its summary.json); one of more than LARGE_RECORDS runs
    ``large_runs`` times in all, any other ``runs`` times."""
    measured: list[dict[str, Any]] = []
    wanted = 1
    while len(measured) < wanted:
        figures = bench_folder(folder)
        measured.append(figures)
        print("\n".join(report(folder, len(measured), figures)), flush=True)
        wanted = runs_for(figures["pipeline"]["aid_records"], runs, large_runs)
    return measured


def runs_for(records: int, runs: int, large_runs: int) -> int:
    return large_runs if records > LARGE_RECORDS else runs


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


# ---- the bounds (a report, not a test: nothing fails on them) ------------------------------------


def bounds(figures: dict[str, float], records: int) -> dict[str, dict[str, Any]]:
    """A folder's median ratio to the floor and the largest peak of its runs, against issue 5's
    bound and issue 16's (which grows with the records)."""
    peak_at_most = PEAK_MIB_PER_MILLION * records / 10**6 + PEAK_MIB_BASE
    return {
        "ratio": judged(figures["ratio"], MAX_RATIO),
        "peak_mib": judged(figures["peak_mib_max"], round(peak_at_most, 1)),
    }


def judged(value: float, at_most: float) -> dict[str, Any]:
    return {"value": value, "at_most": at_most, "within": value <= at_most}


def verdicts(name: str, figures: dict[str, float], records: int) -> list[str]:
    """A line per bound of one folder."""
    bound = bounds(figures, records)
    ratio, peak = bound["ratio"], bound["peak_mib"]
    return [
        f"{name}: {records:,} aid records, end to end {figures['seconds']:.2f} s (median)",
        f"  ratio to the floor {ratio['value']:.2f} (median; runs "
        f"{figures['ratio_min']:.2f}–{figures['ratio_max']:.2f}), at most {MAX_RATIO}: "
        f"{said(ratio['within'])}",
        f"  peak memory {peak['value']:,.0f} MiB (largest run), at most {peak['at_most']:,.0f} MiB "
        f"({PEAK_MIB_PER_MILLION:,} per million aid records + {PEAK_MIB_BASE:,}): "
        f"{said(peak['within'])}",
    ]


def said(within: bool) -> str:
    return "within" if within else "OVER"


# ---- growth from one size to the next --------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """One folder for the growth: its aid records and, per stage and end to end, the median
    of its runs' seconds."""

    name: str
    records: int
    seconds: dict[str, float]


def size_of(name: str, runs: list[dict[str, Any]]) -> Size:
    per_run = [stage_seconds(run["pipeline"]) for run in runs]
    stages = dict.fromkeys(stage for seconds in per_run for stage in seconds)
    medians = {s: statistics.median(r[s] for r in per_run if s in r) for s in stages}
    return Size(name, runs[0]["pipeline"]["aid_records"], medians)


def stage_seconds(pipeline: dict[str, Any]) -> dict[str, float]:
    """One run's seconds per stage of ``--timings`` (a stage timed twice, summed), then its
    wall time as ``end to end``."""
    seconds: dict[str, float] = {}
    for stage in pipeline["stages"]:
        seconds[stage["stage"]] = seconds.get(stage["stage"], 0.0) + stage["seconds"]
    return seconds | {END_TO_END: pipeline["wall_seconds"]}


def growths(sizes: list[Size]) -> list[dict[str, Any]]:
    """The growth from each size to the next, smallest first."""
    ordered = sorted(sizes, key=lambda size: size.records)
    return [growth(smaller, larger) for smaller, larger in pairwise(ordered)]


def growth(smaller: Size, larger: Size) -> dict[str, Any]:
    """Per stage both sizes have, and end to end: the time factor (the larger size's median over
    the smaller's) and that factor per doubling of the records, time_factor ** (1 /
    log2(record_factor)) — 2 where the time grows as the records do. Within the bound when all
    the stages judged are (None: none judged)."""
    record_factor = larger.records / smaller.records
    doublings = math.log2(record_factor)
    stages = [
        stage_growth(stage, seconds, larger.seconds[stage], doublings)
        for stage, seconds in smaller.seconds.items()
        if stage in larger.seconds
    ]
    judged = [stage for stage in stages if stage["judged"]]
    return {
        "smaller": smaller.name,
        "larger": larger.name,
        "records": [smaller.records, larger.records],
        "record_factor": round(record_factor, 3),
        "stages": stages,
        "within": all(stage["within"] for stage in judged) if judged else None,
    }


def stage_growth(stage: str, smaller: float, larger: float, doublings: float) -> dict[str, Any]:
    """One stage's growth; judged only if it took JUDGED_FROM seconds at the smaller size (and
    the larger size has more records)."""
    time_factor = larger / smaller if smaller > 0 else None
    per_doubling = time_factor ** (1 / doublings) if time_factor and doublings > 0 else None
    judge = per_doubling is not None and smaller >= JUDGED_FROM
    return {
        "stage": stage,
        "seconds": [smaller, larger],
        "time_factor": _rounded(time_factor),
        "per_doubling": _rounded(per_doubling),
        "judged": judge,
        "within": per_doubling <= MAX_PER_DOUBLING if judge and per_doubling else None,
    }


def _rounded(factor: float | None) -> float | None:
    return None if factor is None else round(factor, 3)


def growth_lines(pair: dict[str, Any]) -> list[str]:
    """The table of one pair's growth and its verdict."""
    smaller, larger = pair["smaller"], pair["larger"]
    lines = [
        f"growth {smaller} → {larger}: {pair['record_factor']:.2f}× the aid records; per stage, "
        f"the median time's factor and that factor per doubling of the records",
        f"  {'stage':<12} {smaller:>9} {larger:>9}  {'time ×':>7}  {'per doubling':>12}",
    ]
    for stage in pair["stages"]:
        few, many = stage["seconds"]
        lines.append(
            f"  {stage['stage']:<12} {few:>7.2f} s {many:>7.2f} s  {_factor(stage['time_factor']):>7}"
            f"  {_factor(stage['per_doubling']):>12}  {judgement(stage, smaller)}"
        )
    judged = [s for s in pair["stages"] if s["judged"]]
    over = ", ".join(f"{s['stage']} {s['per_doubling']:.2f}" for s in judged if not s["within"])
    verdict = f"OVER: {over} per doubling" if over else "within" if judged else "nothing judged"
    lines.append(
        f"growth {smaller} → {larger}: {verdict}"
        f" (at most {MAX_PER_DOUBLING} per doubling for every stage of {JUDGED_FROM} s or more"
        f" at {smaller}, and end to end)"
    )
    return lines


def judgement(stage: dict[str, Any], smaller: str) -> str:
    if stage["judged"]:
        return said(stage["within"])
    if stage["time_factor"] is None:
        return f"not judged: no time at {smaller}"
    if stage["per_doubling"] is None:
        return f"not judged: no more records than {smaller}"
    return f"not judged: under {JUDGED_FROM} s at {smaller}, noise"


def _factor(factor: float | None) -> str:
    return "–" if factor is None else f"{factor:.2f}"


# ---- the command ---------------------------------------------------------------------------------


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--runs", type=_count, default=1, help="runs per folder")
    parser.add_argument(
        "--large-runs",
        type=_count,
        default=1,
        help=f"runs per folder of more than {LARGE_RECORDS:,} aid records (default 1)",
    )
    parser.add_argument("folders", nargs="+", type=Path, metavar="FOLDER")
    return parser.parse_args(argv)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of runs, 1 or more")
    return int(text)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(MEASURES[argv[1]](*map(Path, argv[2:])), ensure_ascii=False))
        return
    options = arguments(argv)
    results: dict[str, Any] = {"machine": machine()}
    print(json.dumps(results["machine"], ensure_ascii=False))
    sizes = []
    for folder in options.folders:
        runs = bench_runs(folder, options.runs, options.large_runs)
        size, figures = size_of(folder.name, runs), summary(runs)
        results[folder.name] = {
            "runs": runs,
            "summary": figures,
            "records": size.records,
            "stage_seconds": size.seconds,
            "bounds": bounds(figures, size.records),
        }
        print("\n".join(verdicts(folder.name, figures, size.records)), flush=True)
        sizes.append(size)
    results["growth_factors"] = growths(sizes)
    for pair in results["growth_factors"]:
        print("\n".join(growth_lines(pair)))
    if results["growth_factors"]:  # the key bench.json had: the first pair's end to end
        results["growth"] = results["growth_factors"][0]["stages"][-1]["time_factor"]
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written to {RESULT}")


if __name__ == "__main__":
    main(sys.argv[1:])
