"""Benchmark of loading and validation against the reading floor, each in its own process.

In: one or more input folders (e.g. the 100,000- and 1,000,000-record folders of
``make scale``). Out: per folder, seconds and peak memory (max RSS) of
- ``floor``: the fastest reader alone — fastexcel reading every sheet of every workbook as text,
  pyarrow reading every CSV/TXT — one file after another, with no other work;
- ``load+validate``: ``pipeline.run.check`` on the same folder (two worker processes);
- ``load+validate, one process``: the same with the workers switched off;
and the ratio of the second to the first, printed and written to ``outputs/bench.json``.

Run: ``python -m pipeline.bench /tmp/aid-fund-scale/100k /tmp/aid-fund-scale/1m``.
Each measurement runs in a fresh interpreter so that peak memory is its own.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from pipeline.load import SPREADSHEET_SUFFIXES, TEXT_ENCODINGS


def floor(folder: Path) -> int:
    """Read every input file with the fastest reader and nothing else; returns rows read."""
    import fastexcel
    import pyarrow.csv as pa_csv

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
    return rows


def _read_text_floor(path: Path, pa_csv) -> int:
    """Decode (GBK files included) and parse with pyarrow, every column left as text."""
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
    return table.num_rows


def pipeline_check(folder: Path) -> int:
    from pipeline import run

    checked = run.check(folder)
    return int(checked.validated.counts["read"].sum())


def pipeline_check_one_process(folder: Path) -> int:
    """The same work without the second worker, to show what the second core buys."""
    from pipeline import run

    run.PARALLEL_FROM_BYTES = sys.maxsize
    return pipeline_check(folder)


MEASURES = {
    "floor": floor,
    "load+validate": pipeline_check,
    "load+validate, one process": pipeline_check_one_process,
}


def measure_here(name: str, folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    rows = MEASURES[name](folder)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "peak_mib": round(peak_mib, 1), "rows": rows}


def measure(name: str, folder: Path) -> dict[str, float]:
    """One measurement in a fresh interpreter."""
    output = subprocess.run(
        [sys.executable, "-m", "pipeline.bench", "--one", name, str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def stages(folder: Path, output_dir: Path) -> dict[str, dict[str, float]]:
    """The run stage by stage in one process (no workers), with seconds and the peak RSS
    reached by the end of each stage; then the whole run as `make reconcile` does it."""
    import tempfile

    import pandas as pd

    from pipeline import aggregate, match, outputs, rules, run, validate
    from pipeline.load import read_file, spreadsheets
    from pipeline.params import parameters
    from pipeline.rules.catalogue import CATALOGUE

    figures: dict[str, dict[str, float]] = {}
    clock = time.perf_counter()

    def done(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures[stage] = {"seconds": round(now - clock, 2), "peak_mib": round(peak, 1)}
        clock = now

    paths, _ = spreadsheets(folder)
    loaded = [read_file(path) for path in paths]
    done("load")
    validated = validate.combine([validate.check_sheet(s) for f in loaded for s in f.sheets])
    tables = validated.tables
    params = parameters(tables)
    done("validate")
    window = match.Window(params.standards.window_before_days, params.standards.window_after_days)
    matched = match.match(
        tables["aid_records"], tables["bank_payments"], tables["worker_files"], window
    )
    done("match")
    period = pd.Period(run.latest_period(validated), freq="M")
    context = rules.Context(tables, params, period.end_time.normalize(), matched)
    found = rules.apply(context, CATALOGUE)
    done("rules")
    result = aggregate.figures(tables, params, period)
    done("aggregate")
    with tempfile.TemporaryDirectory() as scratch:
        run.write_atomically(Path(scratch) / "exceptions.csv", outputs.exceptions_csv(found))
    done("write")
    started = time.perf_counter()
    run.reconcile(run.Config(folder, output_dir))
    figures["end to end (two workers)"] = {"seconds": round(time.perf_counter() - started, 2)}
    figures["findings"] = {"count": len(found)}
    figures["aid rows"] = {"count": len(tables["aid_records"])}
    del result
    return figures


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure_here(argv[1], Path(argv[2]))))
        return
    if argv[:1] == ["--stages"]:
        for folder in map(Path, argv[1:]):
            print(
                folder,
                json.dumps(stages(folder, Path("/tmp/aid-fund-bench-out")), ensure_ascii=False),
            )
        return
    results = {}
    for folder in map(Path, argv):
        figures = {name: measure(name, folder) for name in MEASURES}
        ratio = figures["load+validate"]["seconds"] / figures["floor"]["seconds"]
        results[str(folder)] = {**figures, "ratio": round(ratio, 2)}
        shown = ", ".join(
            f"{name} {f['seconds']} s ({f['peak_mib']} MiB)" for name, f in figures.items()
        )
        print(f"{folder} ({figures['floor']['rows']} rows read): {shown}; ratio {ratio:.2f}")
    out = Path("outputs") / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
