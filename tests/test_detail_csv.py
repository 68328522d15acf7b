"""对账明细 as a gzipped CSV beside the workbook, when the table takes more than one worksheet:
the header and every row of the 对账明细 sheets with their values (money as yuan from the fen,
the link to 异常清单 as its text), masked and guarded against formulas as exceptions.csv is,
the same bytes from the same inputs; not written when one sheet holds the table, and then an
earlier run's of the month removed.

The sheet limit is lowered (``Book(max_rows=…)``, as ``tests/test_workbook.py`` lowers it) so
that the sample's 169 rows of 对账明细 take four sheets of 44 rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from decimal import Decimal
from functools import partial
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import detail_csv, report, results, run, staging
from pipeline.outputs import detail_csv_name
from pipeline.workbook import Book
from tests.builders import AID_HEADER, AID_ROW, ID_B, SAMPLE, write_text, write_xlsx

WORKBOOK = "帮扶资金对账_2021-12.xlsx"
CSV = "帮扶资金对账_2021-12_对账明细.csv.gz"
MAX_ROWS = 50  # 44 rows of 对账明细 a sheet: the sample's 169 take four
HEADER_ROW = 4  # under the title block
MONEY = ("系统金额", "其中现金", "银行实发", "差额（实发－应发）")
LONG_DIGITS = re.compile(r"[0-9]{15,}")
PLANTED = '=HYPERLINK("http://example.com","点我")'


def reconciled(folder: Path, out: Path, max_rows: int = MAX_ROWS, **options: object):
    """A run of ``folder`` into ``out`` with at most ``max_rows`` rows a worksheet."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "Book", partial(Book, max_rows=max_rows))
        return run.reconcile(results.Config(folder, out, **options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[results.Reconciled, Path]:
    out = tmp_path_factory.mktemp("split")
    return reconciled(SAMPLE, out), out


@pytest.fixture(scope="module")
def masked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("masked")
    reconciled(SAMPLE, out, mask=True)
    return out


def csv_rows(path: Path) -> list[list[str]]:
    """The CSV's rows, checked on the way for its BOM and CRLF line ends."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    assert text.startswith("\ufeff")
    assert text.endswith("\r\n") and text.count("\n") == text.count("\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert text.count("\r\n") == len(rows)  # no text in the sample holds a line break
    return rows


def sheet_rows(path: Path) -> tuple[list[str], list[list[object]]]:
    """The header of 对账明细 and the rows of all its sheets, in order, without the 合计."""
    book = openpyxl.load_workbook(path)
    names = [n for n in book.sheetnames if re.fullmatch(r"对账明细(\(\d+\))?", n)]
    rows = []
    for name in names:
        for row in book[name].iter_rows(min_row=HEADER_ROW + 1, values_only=True):
            if all(value is None for value in row):
                break  # the blank row above the 合计 of the last sheet
            rows.append(list(row))
    header = [c.value for c in book[names[0]][HEADER_ROW]]
    assert all([c.value for c in book[n][HEADER_ROW]] == header for n in names)
    return header, rows


def fen(text: str) -> int:
    assert re.fullmatch(r"-?[0-9]+\.[0-9]{2}", text), text  # yuan, two decimals, no separators
    return int(Decimal(text) * 100)


def assert_same_as_the_sheets(csv_path: Path, workbook: Path) -> list[list[str]]:
    """The CSV: the sheets' header, then their rows with their values — money compared as fen,
    counts as integers, text (the link's among them) as the sheet shows it, an apostrophe
    before text that starts like a formula."""
    header, rows = sheet_rows(workbook)
    written = csv_rows(csv_path)
    assert written[0] == header
    assert len(written) - 1 == len(rows)
    money = [header.index(label) for label in MONEY]
    for line, row in zip(written[1:], rows, strict=True):
        for col, (text, value) in enumerate(zip(line, row, strict=True)):
            if col in money:
                assert (fen(text) if text else None) == (
                    None if value is None else round(Decimal(repr(value)) * 100)
                ), (header[col], line)
            elif isinstance(value, int):
                assert text == str(value), header[col]
            else:
                shown = "" if value is None else value
                guarded = "'" + shown if shown.startswith(("=", "+", "-", "@")) else shown
                assert text == guarded, (header[col], line)
    return written


def test_the_csv_holds_every_row_of_the_detail_sheets(
    split: tuple[results.Reconciled, Path],
) -> None:
    """Four sheets of 对账明细, and the CSV beside them with the 169 rows of all four: the
    header, ID and card numbers whole as text, a negative difference as -1800.00 (廖丽, paid
    5,400.00 of 7,200.00), the link to 异常清单 as its text; the report names the file."""
    result, out = split
    assert "对账明细(4)" in openpyxl.load_workbook(out / WORKBOOK, read_only=True).sheetnames
    written = assert_same_as_the_sheets(out / CSV, out / WORKBOOK)
    header, lines = written[0], written[1:]
    assert header[:3] == ["姓名", "身份证号", "档案编号"] and header[-3:] == [
        "卡号",
        "救助编号",
        "来源",
    ]
    assert [line[1] for line in lines] == result.detail.table["id_no"].fillna("").tolist()
    liao = next(line for line in lines if line[1] == "341522197710225172")
    assert liao[header.index("差额（实发－应发）")] == "-1800.00"
    assert liao[header.index("卡号")] == "6222021488279402644"
    assert re.fullmatch(r"异常清单 第[0-9]+行", liao[header.index("异常清单")])
    assert result.detail_csv == CSV
    lines_said = list(report.reconcile_lines(result, out))
    assert f"另写出 {out}/{CSV}" in lines_said[1]


def test_two_runs_write_the_same_bytes_with_no_time_or_name_in_the_gzip_header(
    split: tuple[results.Reconciled, Path], tmp_path: Path
) -> None:
    data = (split[1] / CSV).read_bytes()
    reconciled(SAMPLE, tmp_path)
    assert (tmp_path / CSV).read_bytes() == data
    assert data[:4] == b"\x1f\x8b\x08\x00"  # gzip, deflate, no flags: no file name in it
    assert data[4:8] == b"\x00\x00\x00\x00"  # no modification time


def test_written_a_few_rows_at_a_time_it_holds_the_same_text(
    split: tuple[results.Reconciled, Path], tmp_path: Path, monkeypatch
) -> None:
    """17 chunks of 10 rows (the last of 9) give the text of the sample's one chunk."""
    monkeypatch.setattr(detail_csv, "CHUNK_ROWS", 10)
    reconciled(SAMPLE, tmp_path)
    assert gzip.decompress((tmp_path / CSV).read_bytes()) == gzip.decompress(
        (split[1] / CSV).read_bytes()
    )


def test_masked_with_mask_and_with_password_as_exceptions_csv_is(
    masked: Path, split: tuple[results.Reconciled, Path], tmp_path: Path
) -> None:
    """``--mask``: the CSV is the masked sheets, no run of 15 digits left; ``--password``
    alone (the workbook encrypted, not masked) gives the same masked CSV, as it gives the same
    masked exceptions.csv."""
    written = assert_same_as_the_sheets(masked / CSV, masked / WORKBOOK)
    text = "\n".join(",".join(line) for line in written)
    assert not LONG_DIGITS.search(text)
    assert "341522********5172" in text
    assert LONG_DIGITS.search(gzip.decompress((split[1] / CSV).read_bytes()).decode())
    reconciled(SAMPLE, tmp_path, password="帮扶2021!")
    assert (tmp_path / CSV).read_bytes() == (masked / CSV).read_bytes()
    assert (tmp_path / "exceptions.csv").read_bytes() == (masked / "exceptions.csv").read_bytes()


def test_text_that_starts_like_a_formula_is_guarded(folder: Path, tmp_path: Path) -> None:
    """Planted: a 姓名 that is a HYPERLINK formula and a 救助编号 starting with "-"; one row a
    sheet, so that the two records' rows take two sheets. The sheets show the text as it is;
    the CSV with an apostrophe before it, as exceptions.csv does."""
    good = ["-JZ1", *AID_ROW[1:]]
    planted = [
        "JZ2",
        "DA2",
        PLANTED,
        ID_B,
        "生活救助",
        "中央财政",
        "100",
        "2021-03-05",
        None,
        "银行卡",
    ]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, good, planted]})
    write_text(folder / "bank.csv", [["户名", "账号", "金额", "交易日期", "状态"]])
    reconciled(folder, tmp_path, max_rows=7)
    written = assert_same_as_the_sheets(
        tmp_path / "帮扶资金对账_2021-03_对账明细.csv.gz", tmp_path / "帮扶资金对账_2021-03.xlsx"
    )
    header, lines = written[0], written[1:]
    assert "'" + PLANTED in [line[header.index("姓名")] for line in lines]
    assert "'-JZ1" in [line[header.index("救助编号")] for line in lines]


def test_not_written_when_one_sheet_holds_the_table_and_an_earlier_one_removed(
    split: tuple[results.Reconciled, Path], sample_outputs: Path, tmp_path: Path
) -> None:
    """At Excel's limit the sample's 对账明细 is one sheet: no CSV. Rerun into a folder that holds
    the CSV of an earlier run of the month (four sheets) and one of another month: the month's
    is removed with the commit, the other month's kept."""
    assert not (sample_outputs / CSV).exists()
    for name in (CSV, WORKBOOK, "summary.json", "exceptions.csv", "run_history.sqlite"):
        (tmp_path / name).write_bytes((split[1] / name).read_bytes())
    other = tmp_path / detail_csv_name(pd.Period("2021-11", freq="M"))
    other.write_bytes(b"kept")
    result = run.reconcile(results.Config(SAMPLE, tmp_path))
    assert result.detail_csv is None
    assert not (tmp_path / CSV).exists() and other.read_bytes() == b"kept"
    assert (tmp_path / WORKBOOK).read_bytes() == (sample_outputs / WORKBOOK).read_bytes()
    assert not any("另写出" in line for line in report.reconcile_lines(result, tmp_path))


def test_an_output_is_removed_at_the_commit_only(tmp_path: Path) -> None:
    """``Staging.remove``: the file stays while the run may still fail (a discard keeps it),
    and goes at the commit."""
    stale = tmp_path / CSV
    stale.write_bytes(b"earlier")
    with staging.staged(tmp_path) as failed:
        failed.remove(CSV)
        failed.write("summary.json", b"{}")
    assert stale.read_bytes() == b"earlier" and not (tmp_path / "summary.json").exists()
    with staging.staged(tmp_path) as done:
        done.remove(CSV)
        done.write("summary.json", b"{}")
        assert stale.exists()
        done.commit()
    assert not stale.exists() and (tmp_path / "summary.json").read_bytes() == b"{}"
