"""tests/bench.py's own logic, on given numbers and a tiny workbook: the floor written again
sheet by sheet. Nothing here is timed: the speed is what ``make bench`` measures."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter

from tests import bench
from tests.builders import write_xlsx

SHEETS = {
    "对账明细": [["姓名", "金额", "备注"], ["张三", 120.5, None], ["李四", 80, "补发"]],
    "异常清单": [["规则", "条数"], ["R01", 3]],
}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "pipeline.xlsx", SHEETS)


def read_back(path: Path) -> dict[str, list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_floor_writes_the_same_cells_again(workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "floor.xlsx"
    figures = bench.write_again(workbook, target)
    assert read_back(target) == read_back(workbook)
    assert figures["rows"] == 5
    assert figures["cells"] == 12  # the empty 备注 not counted


def test_the_floor_reads_a_sheet_only_once_the_one_before_is_written(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory holds one sheet's values at most: the order of reading and writing tells."""
    events: list[str] = []
    calamine = python_calamine.CalamineWorkbook

    class Source:
        def __init__(self, book: python_calamine.CalamineWorkbook) -> None:
            self.book = book
            self.sheet_names = book.sheet_names

        @classmethod
        def from_path(cls, path: str) -> Source:
            return cls(calamine.from_path(path))

        def get_sheet_by_name(self, name: str) -> python_calamine.CalamineSheet:
            events.append(f"read {name}")
            return self.book.get_sheet_by_name(name)

    class Target(xlsxwriter.Workbook):
        def add_worksheet(self, name: str) -> object:
            events.append(f"write {name}")
            return super().add_worksheet(name)

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Source)
    monkeypatch.setattr(xlsxwriter, "Workbook", Target)
    bench.write_again(workbook, tmp_path / "floor.xlsx")
    assert events == ["read 对账明细", "write 对账明细", "read 异常清单", "write 异常清单"]


def test_the_floor_write_gives_the_bytes_written(workbook: Path) -> None:
    figures = bench.floor_write(workbook)
    assert figures["rows"] == 5
    assert isinstance(figures["bytes"], int) and figures["bytes"] > 0


# ---- growth and bounds, on given numbers ----------------------------------------------------------


def run(wall: float, records: int = 100_070, **stages: float) -> dict[str, object]:
    """One run's figures as bench_folder gives them, as far as the growth reads them."""
    timed = [{"stage": name, "seconds": seconds} for name, seconds in stages.items()]
    return {"pipeline": {"aid_records": records, "wall_seconds": wall, "stages": timed}}


def stage(pair: dict[str, object], name: str) -> dict[str, object]:
    stages = pair["stages"]
    assert isinstance(stages, list)
    return next(s for s in stages if s["stage"] == name)


def test_ten_times_the_records_in_ten_times_the_time_is_2_per_doubling() -> None:
    pair = bench.growth(
        bench.Size("100k", 100_000, {"read": 10.0, bench.END_TO_END: 12.0}),
        bench.Size("1m", 1_000_000, {"read": 100.0, bench.END_TO_END: 120.0}),
    )
    assert pair["record_factor"] == 10
    read = stage(pair, "read")
    assert read["time_factor"] == 10
    assert read["per_doubling"] == pytest.approx(2.0)
    assert read["judged"] and read["within"]
    assert pair["within"] is True


def test_a_stage_growing_faster_than_the_bound_is_flagged() -> None:
    """Twice the records, 2.5× the time of match: over 2.2 per doubling."""
    pair = bench.growth(
        bench.Size("1m", 1_000_000, {"match": 2.0, bench.END_TO_END: 30.0}),
        bench.Size("2m", 2_000_000, {"match": 5.0, bench.END_TO_END: 60.0}),
    )
    match = stage(pair, "match")
    assert match["per_doubling"] == pytest.approx(2.5)
    assert match["within"] is False
    assert stage(pair, bench.END_TO_END)["within"] is True
    assert pair["within"] is False
    verdict = bench.growth_lines(pair)[-1]
    assert "OVER: match 2.50 per doubling" in verdict


def test_a_stage_under_half_a_second_at_the_smaller_size_is_shown_not_judged() -> None:
    pair = bench.growth(
        bench.Size("100k", 100_000, {"aggregate": 0.2, bench.END_TO_END: 4.0}),
        bench.Size("1m", 1_000_000, {"aggregate": 20.0, bench.END_TO_END: 40.0}),
    )
    aggregate = stage(pair, "aggregate")
    assert aggregate["per_doubling"] == pytest.approx(100 ** (1 / math.log2(10)))
    assert not aggregate["judged"] and aggregate["within"] is None
    assert pair["within"] is True  # 100× the time, but in the noise
    shown = next(line for line in bench.growth_lines(pair) if "aggregate" in line)
    assert "not judged: under 0.5 s at 100k" in shown


def test_as_many_records_twice_is_not_judged() -> None:
    same = bench.Size("1m", 1_000_000, {bench.END_TO_END: 30.0})
    pair = bench.growth(same, bench.Size("1m-again", 1_000_000, {bench.END_TO_END: 45.0}))
    whole = stage(pair, bench.END_TO_END)
    assert whole["time_factor"] == 1.5 and whole["per_doubling"] is None
    assert pair["within"] is None
    assert bench.growth_lines(pair)[-1].startswith("growth 1m → 1m-again: nothing judged")


def test_the_sizes_are_paired_by_their_records_not_their_order() -> None:
    sizes = [
        bench.Size("1m", 1_000_000, {bench.END_TO_END: 30.0}),
        bench.Size("10m", 10_000_000, {bench.END_TO_END: 300.0}),
        bench.Size("100k", 100_000, {bench.END_TO_END: 3.0}),
    ]
    pairs = [(p["smaller"], p["larger"]) for p in bench.growths(sizes)]
    assert pairs == [("100k", "1m"), ("1m", "10m")]


def test_a_size_is_the_median_of_its_runs_per_stage_and_end_to_end() -> None:
    runs = [run(12.0, read=5.0, match=1.0), run(10.0, read=4.0, match=3.0), run(11.0, read=9.0)]
    size = bench.size_of("100k", runs)
    assert size.records == 100_070
    assert size.seconds == {"read": 5.0, "match": 2.0, bench.END_TO_END: 11.0}


def summary(ratio: float, peak_mib: float) -> dict[str, float]:
    ranged = {"ratio": ratio, "ratio_min": ratio, "ratio_max": ratio}
    return {"seconds": 10.0, "peak_mib_max": peak_mib, **ranged}


def test_the_peak_bound_grows_with_the_records() -> None:
    """1,024 MiB per million aid records + 2,048: 12 GiB for 10⁷."""
    at_ten_million = bench.bounds(summary(1.2, 12_288.0), 10_000_000)["peak_mib"]
    assert at_ten_million == {"value": 12_288.0, "at_most": 12_288.0, "within": True}
    over = bench.bounds(summary(1.2, 3_100.0), 1_000_000)["peak_mib"]
    assert over["at_most"] == 3_072.0 and over["within"] is False


def test_each_bound_has_its_verdict_line() -> None:
    lines = bench.verdicts("1m", summary(1.6, 2_900.0), 1_000_000)
    ratio, peak = lines[1], lines[2]
    assert "ratio to the floor 1.60" in ratio and ratio.endswith("at most 1.5: OVER")
    assert "peak memory 2,900 MiB" in peak and peak.endswith("within")


def test_a_folder_of_more_than_two_million_records_runs_large_runs_times() -> None:
    assert bench.runs_for(2_000_000, runs=3, large_runs=1) == 3
    assert bench.runs_for(10_000_070, runs=3, large_runs=1) == 1
    assert bench.runs_for(10_000_070, runs=3, large_runs=2) == 2


def test_the_number_of_runs_is_one_or_more() -> None:
    options = bench.arguments(["--runs", "3", "--large-runs", "2", "a/100k", "b/10m"])
    assert (options.runs, options.large_runs) == (3, 2)
    assert options.folders == [Path("a/100k"), Path("b/10m")]
    with pytest.raises(SystemExit):
        bench.arguments(["--large-runs", "0", "a/10m"])


@pytest.mark.parametrize(("records", "runs"), [(100_070, 3), (10_000_070, 1)])
def test_the_first_run_tells_how_many_runs_a_folder_gets(
    records: int, runs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "bench_folder", lambda folder: run(10.0, records))
    monkeypatch.setattr(bench, "report", lambda folder, number, figures: [f"run {number}"])
    assert len(bench.bench_runs(Path("folder"), runs=3, large_runs=1)) == runs
