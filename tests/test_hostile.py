"""Hostile and broken input files, one test each: the exit status and the message (or, for the
files that can be read, what the run makes of them), never a traceback, never a partial output;
and personal data: no full ID or card number in what a masked run prints or writes, and none in
the run history."""

from __future__ import annotations

import functools
import io
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from msoffcrypto.format.ooxml import OOXMLFile

from pipeline import history, run
from pipeline.cli import cli
from tests.builders import AID_HEADER, AID_ROW, ID_A, with_check, write_text, write_xlsx

BANK = [
    ["户名", "账号", "金额", "交易日期", "状态"],
    ["张三", "6217001234567893", "100.00", "2021-03-10", "成功"],
]
LONG_DIGITS = re.compile(r"[0-9]{15,}")


def reconcile(folder: Path, *options: str):
    out = folder.parent / "out"
    result = CliRunner().invoke(cli, ["reconcile", str(folder), "--out", str(out), *options])
    return result, out


@pytest.fixture
def aid(folder: Path) -> Path:
    """The folder with one good aid record and its bank transfer."""
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW]})
    write_text(folder / "bank.csv", BANK)
    return folder


def _encrypted(folder: Path) -> None:
    locked = io.BytesIO()
    OOXMLFile(io.BytesIO((folder / "aid.xlsx").read_bytes())).encrypt("口令", locked)
    (folder / "aid.xlsx").write_bytes(locked.getvalue())


def _truncated(folder: Path) -> None:
    data = (folder / "aid.xlsx").read_bytes()
    (folder / "aid.xlsx").write_bytes(data[: len(data) // 2])


def _zip_bomb(folder: Path) -> None:
    """600 MiB of zeros deflated to 0.6 MiB, named like a workbook."""
    (folder / "bomb.xlsx").write_bytes(_zip_bomb_bytes())


@functools.cache
def _zip_bomb_bytes() -> bytes:
    """The zip bomb's bytes, deflated once (a few seconds) for the tests that plant it."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (600 * 2**20))
    return data.getvalue()


UNUSABLE: dict[str, tuple[Callable[[Path], object], str]] = {
    "zero-byte workbook": (
        lambda d: (d / "empty.xlsx").write_bytes(b""),
        "错误：文件“empty.xlsx”是空文件（0 字节）：导出可能没有完成",
    ),
    "zero-byte CSV": (
        lambda d: (d / "empty.csv").write_bytes(b""),
        "错误：文件“empty.csv”是空文件（0 字节）",
    ),
    "workbook without content": (
        lambda d: write_xlsx(d / "blank.xlsx", {"Sheet1": []}),
        "错误：文件“blank.xlsx”里没有任何内容（空的工作表或空表格）",
    ),
    "truncated workbook": (_truncated, "错误：文件“aid.xlsx”不完整或已损坏"),
    "corrupt workbook": (
        lambda d: (d / "aid.xlsx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4),
        "错误：文件“aid.xlsx”不完整或已损坏",
    ),
    "password-protected workbook": (
        _encrypted,
        "错误：文件“aid.xlsx”设有打开密码（已加密），无法读取",
    ),
    "PDF named .xlsx": (
        lambda d: (d / "scan.xlsx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        "错误：文件“scan.xlsx”名为 Excel 工作簿（.xlsx），内容其实是一份 PDF 文档",
    ),
    "web page named .xls": (
        lambda d: (d / "export.xls").write_text("<html><table><tr><td>救助编号</td></tr></table>"),
        "错误：文件“export.xls”名为 Excel 97 工作簿（.xls），内容其实是网页（HTML）。请用 Excel 打开它后另存为 .xlsx",
    ),
    "image named .xlsx": (
        lambda d: (d / "photo.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        "错误：文件“photo.xlsx”名为 Excel 工作簿（.xlsx），内容其实是一张 PNG 图片",
    ),
    "CSV in an unknown encoding": (
        lambda d: (d / "bank.csv").write_bytes(b"\x41\xff\xff\x00\x81" * 8),
        "错误：文件“bank.csv”的文字编码无法识别（已尝试 UTF-8、GBK/GB18030 和 UTF-16）",
    ),
    "zip bomb": (_zip_bomb, "错误：文件“bomb.xlsx”声明解压后有 0.59 GB（文件本身 0.6 MB，压缩比"),
}


@pytest.mark.parametrize("case", UNUSABLE)
def test_an_unusable_file_exits_1_with_what_it_is_and_writes_nothing(aid: Path, case: str) -> None:
    plant, message = UNUSABLE[case]
    plant(aid)
    before = {p.name: p.read_bytes() for p in aid.iterdir()}
    result, out = reconcile(aid)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(message)
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert not out.exists() or list(out.iterdir()) == []
    assert {p.name: p.read_bytes() for p in aid.iterdir()} == before


def test_the_zip_bomb_is_refused_before_it_is_inflated(aid: Path, monkeypatch) -> None:
    """Refused from the sizes the zip declares: no member of it is ever opened or inflated."""
    _zip_bomb(aid)
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def watched(self: zipfile.ZipFile, name: object, *args: object, **kwargs: object) -> object:
        opened.append(f"{self.filename}:{name}")
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", watched)
    result, _ = reconcile(aid)
    assert result.exit_code == 1 and "压缩炸弹" in result.output
    assert [o for o in opened if o.startswith(str(aid / "bomb.xlsx"))] == []


def test_an_old_xls_is_read(aid: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("救助")
    for c, value in enumerate(AID_HEADER):
        sheet.write(0, c, value)
    for c, value in enumerate([*AID_ROW[:0], "JZ2", *AID_ROW[1:]]):
        sheet.write(1, c, value)
    book.save(str(aid / "old.xls"))
    result, out = reconcile(aid)
    assert result.exit_code == 0, result.output
    assert "中央财政专项帮扶资金：200.00（2 人次，1 人）" in result.output


def test_excels_unicode_text_export_is_read(aid: Path) -> None:
    """Excel's “Unicode text” is UTF-16 with a byte-order mark, tab-separated."""
    (aid / "bank.csv").unlink()
    lines = ["\t".join(row) for row in BANK]
    (aid / "bank.txt").write_bytes("\r\n".join(lines).encode("utf-16"))
    result, out = reconcile(aid)
    assert result.exit_code == 0, result.output
    assert "R01" not in result.output  # the transfer was read and matched


def test_a_sheet_16384_columns_wide_is_read_and_its_stray_cell_rejected(aid: Path) -> None:
    book = xlsxwriter.Workbook(aid / "wide.xlsx")
    sheet = book.add_worksheet("救助")
    sheet.write_row(0, 0, AID_HEADER)
    sheet.write_row(1, 0, ["JZ2", *AID_ROW[1:]])
    sheet.write_string(1, 16383, "XFD 列里的内容")
    book.close()
    result = CliRunner().invoke(cli, ["validate", str(aid)])
    assert result.exit_code == 0, result.output
    assert (
        "  wide.xlsx / 救助 第 2 行（救助编号 JZ2；档案编号 DA1，张三），"
        "列“表头之外的内容”“XFD 列里的内容”：表头之外还有内容" in result.output
    )


def test_a_cell_of_32767_characters_is_carried_whole(aid: Path) -> None:
    """Excel's longest cell, as a name: read, kept and written back whole (a longer text in an
    output cell would be cut with a note: tests/test_workbook.py)."""
    long_name = "张" * 32_767
    row = ["JZ2", "DA2", long_name, with_check("34150319900101002"), *AID_ROW[4:]]
    write_xlsx(aid / "long.xlsx", {"救助": [AID_HEADER, row]})
    result, out = reconcile(aid)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out / "帮扶资金对账_2021-03.xlsx", read_only=True)
    names = [row[0] for row in book["对账明细"].iter_rows(min_row=2, values_only=True)]
    assert long_name in names


def test_the_same_file_twice_counts_its_rows_once_and_says_so(aid: Path) -> None:
    shutil.copy(aid / "aid.xlsx", aid / "aid (1).xlsx")
    result, _ = reconcile(aid)
    assert result.exit_code == 0, result.output
    assert "中央财政专项帮扶资金：100.00（1 人次，1 人）" in result.output
    assert "拒收的输入行：1 行" in result.output
    assert (
        "内容完全相同的文件：“aid.xlsx”与“aid (1).xlsx”（SHA-256 相同），"
        "其中的行已按重复导出拒收、只计一次" in result.output
    )


def test_the_same_export_under_two_names_counts_its_rows_once(aid: Path) -> None:
    """The same records saved as .xlsx and as .csv: not the same bytes, the same rows."""
    write_text(aid / "aid-copy.csv", [AID_HEADER, AID_ROW])
    result = CliRunner().invoke(cli, ["validate", str(aid)])
    assert (
        "重复导出：与“aid-copy.csv”第 2 行是同一条记录（救助编号“JZ1”），只计一次" in result.output
    )
    result, _ = reconcile(aid)
    assert "中央财政专项帮扶资金：100.00（1 人次，1 人）" in result.output


# ---- personal data ---------------------------------------------------------------------------


def test_masked_validate_and_reconcile_print_no_full_number(aid: Path) -> None:
    """Planted: a rejected row quoting a mistyped ID (check digit wrong), and an ID in a file's
    name (summary.json lists the files)."""
    (aid / "bank.csv").rename(aid / f"bank_{ID_A}.csv")
    bad_id = ID_A[:-1] + ("1" if ID_A[-1] != "1" else "2")
    write_xlsx(
        aid / "more.xlsx", {"救助": [AID_HEADER, ["JZ9", "DA9", "李四", bad_id, *AID_ROW[4:]]]}
    )
    plain = CliRunner().invoke(cli, ["validate", str(aid)])
    assert bad_id in plain.output  # what the mask must hide
    masked = CliRunner().invoke(cli, ["validate", str(aid), "--mask"])
    assert masked.exit_code == 0
    assert bad_id not in masked.output and not LONG_DIGITS.search(masked.output)
    assert f"“{bad_id[:6]}********{bad_id[-4:]}”" in masked.output
    result, out = reconcile(aid, "--mask")
    assert result.exit_code == 0 and not LONG_DIGITS.search(result.output)
    for name in ("summary.json", "exceptions.csv"):
        text = (out / name).read_text("utf-8-sig")
        assert ID_A not in text and bad_id not in text, name
    assert f"bank_{ID_A[:6]}********{ID_A[-4:]}.csv" in (out / "summary.json").read_text("utf-8")


def test_an_internal_error_quoting_a_number_is_masked(aid: Path, monkeypatch) -> None:
    def broken(*_: object) -> None:
        raise KeyError(f"身份证号 {ID_A}")

    monkeypatch.setattr(run.rules, "apply", broken)
    result, _ = reconcile(aid)
    assert result.exit_code == 1
    assert result.output.startswith("内部错误（KeyError）")
    assert ID_A not in result.output and f"{ID_A[:6]}********{ID_A[-4:]}" in result.output


def test_the_run_history_holds_no_id_or_card_number(aid: Path) -> None:
    """The history keeps figures and the findings as 异常清单 showed them (names and messages,
    so that next month can list a resolved one), never a whole ID or card number."""
    _, out = reconcile(aid)
    with sqlite3.connect(out / history.DATABASE) as db:
        tables = {
            row[0] for row in db.execute("select name from sqlite_master where type = 'table'")
        }
        assert {"closing_balances", "findings", "notes"} <= tables
        assert db.execute("select count(*) from findings").fetchone()[0] > 0
        text = repr([db.execute(f"select * from {table}").fetchall() for table in sorted(tables)])
    assert ID_A not in text and not LONG_DIGITS.search(text)
    raw = (out / history.DATABASE).read_bytes()
    assert ID_A.encode() not in raw and not LONG_DIGITS.search(raw.decode("latin-1"))


def test_input_text_is_never_a_link_or_a_formula(aid: Path) -> None:
    names = ['=HYPERLINK("http://x","点")', "http://example.com/a", "+1", "@SUM(A1)"]
    rows = [
        [f"JZ{i + 2}", f"DA{i + 2}", name, with_check(f"34150319900101{i + 2:03d}"), *AID_ROW[4:]]
        for i, name in enumerate(names)
    ]
    write_xlsx(aid / "odd.xlsx", {"救助": [AID_HEADER, *rows]})
    _, out = reconcile(aid)
    with zipfile.ZipFile(out / "帮扶资金对账_2021-03.xlsx") as archive:
        parts = {n: archive.read(n).decode("utf-8") for n in archive.namelist()}
    links = [n for n, text in parts.items() if n.endswith(".rels") and "example.com" in text]
    assert links == []  # no hyperlink relationship to what the input wrote
    sheets = "".join(t for n, t in parts.items() if n.startswith("xl/worksheets/sheet"))
    assert "<f>HYPERLINK" not in sheets and "<f>SUM(A1)" not in sheets
    book = openpyxl.load_workbook(out / "帮扶资金对账_2021-03.xlsx")
    shown = {c.value for row in book["对账明细"].iter_rows() for c in row}
    assert set(names) <= shown
