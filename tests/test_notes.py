"""The clerk's notes read back from the workbooks of the output folder: each version once, an
old workbook's untouched cell never overwriting a newer note, and a workbook that cannot be read
(encrypted with another password, damaged, moved away) named while the notes already in the
history still apply.

Every run here is of the sample (read once per session): November, then December, into one
output folder. Notes are written with openpyxl, as Excel saves a workbook.
"""

from __future__ import annotations

import io
from pathlib import Path

import msoffcrypto
import openpyxl
import pandas as pd
import pytest

from pipeline import privacy, results, run
from pipeline.outputs import workbook_name
from tests.builders import SAMPLE
from tests.test_close import write_notes

NOVEMBER = workbook_name(pd.Period("2021-11", freq="M"))
DECEMBER = workbook_name(pd.Period("2021-12", freq="M"))
R07 = {"JZ20210231": ("R07", "追缴中", "已通知本人退回")}


@pytest.fixture(autouse=True)
def read_once(monkeypatch: pytest.MonkeyPatch, sample_reconciled: results.Reconciled) -> None:
    monkeypatch.setattr(run, "check", lambda *_: sample_reconciled.checked)


def reconcile(out: Path, period: str, password: str | None = None) -> results.Reconciled:
    return run.reconcile(results.Config(SAMPLE, out, period, password=password))


def note_of(reconciled: results.Reconciled, record: str = "JZ20210231") -> tuple[str, str]:
    work = reconciled.close.worklist.set_index("record_id")
    return work.loc[record, "note_status"], work.loc[record, "note_text"]


def test_each_version_is_read_once_and_an_untouched_old_cell_keeps_a_newer_note(
    tmp_path: Path,
) -> None:
    """November's workbook says 追缴中; December's, written with it, is changed to 已追缴. Running
    December again after a later edit of November's elsewhere (another finding) must not bring
    R07's 追缴中 back: November's cell for R07 was not touched since it was read."""
    reconcile(tmp_path, "2021-11")
    write_notes(tmp_path / NOVEMBER, R07)
    december = reconcile(tmp_path, "2021-12")
    assert note_of(december) == ("追缴中", "已通知本人退回")
    assert list(december.close.read_back.edits["workbook"]) == [NOVEMBER]
    write_notes(tmp_path / DECEMBER, {"JZ20210231": ("R07", "已追缴", "已退回，见收据")})
    write_notes(tmp_path / NOVEMBER, {"JZ20210065": ("R03", "已核实无误", "有审批单")})
    again = reconcile(tmp_path, "2021-12")
    assert note_of(again) == ("已追缴", "已退回，见收据")
    assert note_of(again, "JZ20210065") == ("已核实无误", "有审批单")
    third = reconcile(tmp_path, "2021-12")  # nothing changed since: nothing read
    assert third.close.read_back.workbooks == {} and len(third.close.read_back.edits) == 0
    assert note_of(third) == ("已追缴", "已退回，见收据")


def test_an_encrypted_workbook_is_named_without_the_password_and_read_with_it(
    tmp_path: Path,
) -> None:
    reconcile(tmp_path, "2021-11", password="甲乙丙")
    _write_encrypted_notes(tmp_path / NOVEMBER, "甲乙丙", R07)
    named = reconcile(tmp_path, "2021-12")
    assert any(NOVEMBER in p and "--password" in p for p in named.close.read_back.problems)
    assert note_of(named) == ("未处理", "")
    read = reconcile(tmp_path, "2021-12", password="甲乙丙")
    assert read.close.read_back.problems == ()
    assert note_of(read) == ("追缴中", "已通知本人退回")


def test_a_damaged_or_moved_workbook_is_named_and_the_history_notes_still_apply(
    tmp_path: Path,
) -> None:
    reconcile(tmp_path, "2021-11")
    write_notes(tmp_path / NOVEMBER, R07)
    reconcile(tmp_path, "2021-12")  # the note is in the history now
    (tmp_path / NOVEMBER).write_bytes(b"PK\x03\x04 not a workbook any more")
    damaged = reconcile(tmp_path, "2021-12")
    assert any(NOVEMBER in p and "损坏" in p for p in damaged.close.read_back.problems)
    assert note_of(damaged) == ("追缴中", "已通知本人退回")
    (tmp_path / NOVEMBER).unlink()
    moved = reconcile(tmp_path, "2021-12")
    assert any(NOVEMBER in p and "不在输出目录" in p for p in moved.close.read_back.problems)
    assert note_of(moved) == ("追缴中", "已通知本人退回")
    assert reconcile(tmp_path, "2021-12").close.read_back.problems == ()  # named once


def _write_encrypted_notes(path: Path, password: str, notes: dict) -> None:
    """As Excel saves a workbook opened with its password: decrypted, changed, encrypted."""
    office = msoffcrypto.OfficeFile(io.BytesIO(path.read_bytes()))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    path.write_bytes(plain.getvalue())
    write_notes(path, notes)
    path.write_bytes(privacy.encrypted(path.read_bytes(), password))


def test_a_workbook_of_an_earlier_version_holds_no_notes_and_is_not_named(tmp_path: Path) -> None:
    """Planted: 帮扶资金对账_2021-10.xlsx as the program wrote it before findings had notes —
    its 异常清单 has no 异常编号, 处理状态 or 处理说明 column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "异常清单"
    sheet.append(["序号", "规则", "严重程度", "说明"])
    sheet.append([1, "R01", "错误", "救助编号 JZ1 没有找到银行发放"])
    book.save(tmp_path / "帮扶资金对账_2021-10.xlsx")
    read = reconcile(tmp_path, "2021-11").close.read_back
    assert read.problems == () and len(read.edits) == 0
    assert "帮扶资金对账_2021-10.xlsx" in read.workbooks  # read once: not again
