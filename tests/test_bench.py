"""tests/bench.py's own logic, on given numbers and a tiny workbook: the floor written again
sheet by sheet. Nothing here is timed: the speed is what ``make bench`` measures."""

from __future__ import annotations

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
