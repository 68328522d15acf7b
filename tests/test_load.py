"""Stage 1: kinds recognised from headers below titles; footers dropped; lineage exact."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlwt

from pipeline import load
from pipeline.errors import AmbiguousKind, MissingColumns, UnknownKind, UnreadableFile
from tests.builders import AID_HEADER, ID_A, ID_B, write_text, write_xlsx
from tests.generator.ids import id_check_char


def read(folder: Path) -> list[load.RawSheet]:
    """Every recognised sheet of every spreadsheet in the folder."""
    paths, _ = load.spreadsheets(folder)
    return [sheet for path in paths for sheet in load.read_file(path).sheets]


AID_ROWS = [
    [
        "JZ001",
        "DA001",
        "张三",
        ID_A,
        "生活救助",
        "中央财政",
        "1,234.56",
        "2021/3/5",
        "2021-03-20",
        "银行卡",
    ],
    ["JZ002", None, "李四", ID_B, "助学救助", "省财政", 500, 44561, "2021-03-20", "银行卡"],
]


def test_header_below_titles_footers_dropped_and_rows_numbered(tmp_path: Path) -> None:
    """Planted: title in row 1, export date in row 2, blank row 3, header row 4, data in rows 5
    and 7 (row 6 blank), footers 合计 (row 8) and 制表人 (row 9), a 说明 sheet with no header."""
    rows = [
        ["帮扶救助记录"],
        ["导出日期：2022-01-05"],
        [],
        AID_HEADER,
        AID_ROWS[0],
        [],
        AID_ROWS[1],
    ]
    rows += [["合计", None, None, None, None, None, 1734.56], ["制表人：王五"]]
    write_xlsx(tmp_path / "records.xlsx", {"救助": rows, "说明": [["本表由系统导出"]]})

    loaded = load.read_file(tmp_path / "records.xlsx")

    (sheet,) = loaded.sheets
    info = sheet.info
    assert (info.kind.name, info.sheet, info.header_row) == ("aid_records", "救助", 4)
    assert sheet.frame["source_row"].tolist() == [5, 7]
    assert sheet.frame["救助编号"].tolist() == ["JZ001", "JZ002"]
    assert sheet.frame["救助金额"].tolist() == ["1,234.56", "500"]
    assert info.dropped == ((8, "合计"), (9, "制表人：王五"))
    assert [(s.sheet, s.reason) for s in loaded.skipped] == [("说明", "没有可识别的表头")]
    assert len(loaded.file.sha256) == 64 and loaded.file.file == "records.xlsx"


def test_sheet_starting_below_empty_rows_keeps_excel_row_numbers(tmp_path: Path) -> None:
    """Planted: the table starts at Excel row 3 (rows 1-2 empty); data rows are 4 and 5."""
    write_xlsx(tmp_path / "a.xlsx", {"s": [AID_HEADER, *AID_ROWS]}, start_row=2)
    (sheet,) = read(tmp_path)
    assert sheet.info.header_row == 3
    assert sheet.frame["source_row"].tolist() == [4, 5]


def test_aliases_map_to_canonical_headers_and_unused_columns_are_listed(tmp_path: Path) -> None:
    """Planted: 记录编号/帮扶类型/资金渠道/发放金额/发放日期 aliases, an extra 序号 column."""
    header = [
        "序号",
        "记录编号",
        "档案号",
        "姓名",
        "身份证号码",
        "帮扶类型",
        "资金渠道",
        "发放金额",
        "发放日期",
        "系统录入日期",
        "发放方式",
    ]
    write_xlsx(tmp_path / "a.xlsx", {"s": [header, [1, *AID_ROWS[0]]]})
    (sheet,) = read(tmp_path)
    assert list(sheet.frame.columns) == [*AID_HEADER, "source_row"]
    assert sheet.info.unused_columns == ("序号",)


def test_canonical_header_wins_over_an_alias_of_the_same_column(tmp_path: Path) -> None:
    """Planted: both 救助日期 and its alias 审批日期; 救助日期 is used, 审批日期 reported unused."""
    header = [*AID_HEADER, "审批日期"]
    write_xlsx(tmp_path / "a.xlsx", {"s": [header, [*AID_ROWS[0], "2021/1/1"]]})
    (sheet,) = read(tmp_path)
    assert sheet.frame["救助日期"].tolist() == ["2021/3/5"]
    assert sheet.info.unused_columns == ("审批日期",)


@pytest.mark.parametrize(
    ("name", "encoding", "sep"),
    [
        ("bank.csv", "utf-8-sig", ","),
        ("bank.csv", "utf-8", ","),
        ("bank.csv", "gbk", ","),
        ("bank.txt", "gb18030", "\t"),
    ],
)
def test_text_files_in_every_encoding(tmp_path: Path, name: str, encoding: str, sep: str) -> None:
    """Planted: a title line, the header on line 2, two rows on lines 3-4, a 合计 footer."""
    rows = [
        ["中国工商银行代发结果"],
        ["收款人姓名", "收款账号", "代发金额", "入账日期", "交易状态", "备注"],
        ["阿依古丽·买买提", "6217 0012 3456 7890", "1234.56", "20210310", "成功", None],
        ["李四", "6217001234567891", "500.00", "2021-03-10", "失败", "户名不符"],
        ["合计", None, "1734.56"],
    ]
    write_text(tmp_path / name, rows, encoding, sep)
    (sheet,) = read(tmp_path)
    assert (sheet.info.kind.name, sheet.info.sheet, sheet.info.header_row) == (
        "bank_payments",
        "",
        2,
    )
    assert sheet.frame["户名"].tolist() == ["阿依古丽·买买提", "李四"]
    assert sheet.frame["失败原因"].isna().tolist() == [True, False]
    assert sheet.frame["source_row"].tolist() == [3, 4]
    assert sheet.info.dropped == ((5, "合计"),)


def test_text_beyond_the_header_is_carried_for_validation(tmp_path: Path) -> None:
    """Planted: an unquoted 1,234.56 splits line 3 into one field more than the header."""
    rows = [
        ["户名", "账号", "金额", "交易日期", "状态"],
        ["张三", "6217001234567890", "1", "234.56", "2021-03-10", "成功"],
    ]
    write_text(tmp_path / "b.csv", rows)
    (sheet,) = read(tmp_path)
    assert sheet.frame[load.STRAY].tolist() == ["成功"]


def test_repeated_page_headers_are_not_data(tmp_path: Path) -> None:
    """Planted: the header repeated on row 3 between data rows 2 and 4."""
    write_xlsx(tmp_path / "a.xlsx", {"s": [AID_HEADER, AID_ROWS[0], AID_HEADER, AID_ROWS[1]]})
    (sheet,) = read(tmp_path)
    assert sheet.frame["source_row"].tolist() == [2, 4]
    assert sheet.info.dropped == ((3, "救助编号"),)


def _real_id_that_is_a_double() -> str:
    """A valid 身份证号 whose digits a double holds exactly: what the reader prints for a
    number cell, yet a real ID when typed as text (1 in 64 at 18 digits)."""
    for sequence in range(1000):
        candidate = id_check_char_appended(f"34150319900101{sequence:03d}")
        if candidate[-1] != "X" and int(float(candidate)) == int(candidate):
            return candidate
    raise AssertionError("no such ID")


def id_check_char_appended(body: str) -> str:
    return body + id_check_char(body)


EXACT_ID = _real_id_that_is_a_double()
SHOWN = f"{float(EXACT_ID):.14E}"  # 3.41503199001011E+17


def test_a_number_cell_in_an_id_column_is_shown_as_a_number_wherever_it_is(
    tmp_path: Path,
) -> None:
    """Planted: 5,000 records with text IDs; at Excel row 5,001 the same valid ID as a number
    cell (its check character passes); at row 2 that ID as text, which stays text."""
    rows = [AID_HEADER]
    for n in range(5000):
        row = list(AID_ROWS[0])
        row[0], row[3] = f"JZ{n:05d}", ID_A
        rows.append(row)
    rows[1][3] = EXACT_ID
    rows[5000][3] = int(EXACT_ID)
    write_xlsx(tmp_path / "a.xlsx", {"s": rows})
    (sheet,) = read(tmp_path)
    ids = dict(zip(sheet.frame["source_row"], sheet.frame["身份证号"], strict=True))
    assert (ids[2], ids[5001], ids[3]) == (EXACT_ID, SHOWN, ID_A)
    assert sum(value == SHOWN for value in ids.values()) == 1
    assert sheet.info.cell_types


def test_a_number_cell_in_a_bank_card_column_is_shown_as_a_number(tmp_path: Path) -> None:
    """Planted: a 19-digit card stored as a number on the second of two bank rows; the first
    card is text. A 15-digit number (an old ID) keeps its digits."""
    header = ["户名", "账号", "身份证号", "金额", "交易日期", "状态"]
    rows = [
        header,
        ["张三", "6222021234567890123", None, 100, "2021-03-01", "成功"],
        ["李四", 6222021234567890123, 341503900101132, 100, "2021-03-01", "成功"],
    ]
    write_xlsx(tmp_path / "bank.xlsx", {"s": rows})
    (sheet,) = read(tmp_path)
    assert sheet.frame["账号"].tolist() == [
        "6222021234567890123",
        f"{float(6222021234567890123):.14E}",
    ]
    assert sheet.frame["身份证号"].tolist()[1] == "341503900101132"


def test_a_number_cell_in_an_old_xls_is_shown_as_a_number(tmp_path: Path) -> None:
    """Planted: the same ID as text (row 3) and as a number (row 4) in an Excel 97 file."""
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("救助")
    rows = [AID_HEADER, list(AID_ROWS[0]), list(AID_ROWS[0])]
    rows[1][3], rows[2][3] = EXACT_ID, float(EXACT_ID)
    rows[2][0] = "JZ009"
    for r, row in enumerate([["帮扶救助记录"], *rows]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.save(str(tmp_path / "old.xls"))
    (loaded,) = read(tmp_path)
    assert loaded.frame["身份证号"].tolist() == [EXACT_ID, SHOWN]


def test_csv_has_no_cell_types(tmp_path: Path) -> None:
    write_text(tmp_path / "a.csv", [AID_HEADER, AID_ROWS[0]])
    (sheet,) = read(tmp_path)
    assert not sheet.info.cell_types


def test_non_spreadsheets_are_ignored(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "a.xlsx", {"s": [AID_HEADER, AID_ROWS[0]]})
    (tmp_path / "readme.md").write_text("说明")
    (tmp_path / "sub").mkdir()
    assert load.spreadsheets(tmp_path) == ([tmp_path / "a.xlsx"], ["readme.md"])


def test_missing_required_column_names_file_sheet_row_and_aliases(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "a.xlsx", {"救助": [["标题"], [h for h in AID_HEADER if h != "救助日期"]]}
    )
    with pytest.raises(MissingColumns) as error:
        read(tmp_path)
    assert str(error.value).startswith(
        "文件“a.xlsx”工作表“救助”第 2 行是帮扶救助记录的表头，但缺少列“救助日期”（也可写作：审批日期、发放日期）"
    )


def test_file_with_no_known_sheet_lists_what_was_expected(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "notes.xlsx", {"备忘": [["姓名", "电话"], ["张三", "123"]]})
    with pytest.raises(UnknownKind) as error:
        read(tmp_path)
    message = str(error.value)
    assert message.startswith("文件“notes.xlsx”的工作表 “备忘” 都没有可识别的表头")
    assert "帮扶救助记录（" in message and "救助编号" in message


def test_header_fitting_two_kinds_is_refused(tmp_path: Path) -> None:
    header = [*AID_HEADER, "户名", "账号", "金额", "状态"]
    write_xlsx(tmp_path / "mixed.xlsx", {"s": [header]})
    with pytest.raises(AmbiguousKind, match="第 1 行的表头同时符合帮扶救助记录、银行发放明细"):
        read(tmp_path)


def test_corrupt_workbook_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableFile, match="文件“broken.xlsx”不完整或已损坏"):
        read(tmp_path)


def test_text_in_no_known_encoding_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "bank.csv").write_bytes(b"\x41\xff\xff\x00\x81" * 10)
    with pytest.raises(UnreadableFile, match="文字编码无法识别"):
        read(tmp_path)


def test_old_xls_workbooks_are_read(tmp_path: Path) -> None:
    """Planted: an Excel 97 .xls with a title row, header row 2, one record, a 合计 footer."""
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("救助")
    for r, row in enumerate([["帮扶救助记录"], AID_HEADER, AID_ROWS[0], ["合计"]]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.save(str(tmp_path / "old.xls"))
    (sheet,) = read(tmp_path)
    assert (sheet.info.kind.name, sheet.info.header_row) == ("aid_records", 2)
    assert sheet.frame["救助编号"].tolist() == ["JZ001"]
    assert sheet.frame["source_row"].tolist() == [3]
    assert sheet.info.dropped == ((4, "合计"),)
