"""The sample generator (tests/generator/generate.py) and the sample it writes: deterministic,
committed as generated, its planted anomalies documented, its files holding the figures of the
published report it reproduces (EXPECTED), its scale mode writing every kind, and its model
breaking no rule but where an anomaly is planted.

These tests read the generated files directly (openpyxl, csv), not through the pipeline, with a
small reader of their own: so the figures asserted here are the files' own, not the model's.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pytest
import python_calamine

from tests.builders import SAMPLE
from tests.generator import generate, reference, scale, streamed
from tests.generator.ids import HOLIDAYS_2021, WORKED_WEEKENDS_2021, id_check_char, workdays_between
from tests.generator.layout import (
    AID_COLUMN,
    AID_H1,
    AID_H2,
    AID_HEADER_H1,
    AID_HEADER_H2,
    BANK_HEADERS,
    BANK_Q1,
    BANK_Q2,
    BANK_Q3,
    BANK_Q4,
    CIVIL,
    CIVIL_HEADER,
    LEDGER,
    MEDICAL_CHECKS,
    WORKER_HEADER,
    WORKERS,
)
from tests.generator.messy import ExcelDate
from tests.generator.reference import (
    CENTRAL,
    EDUCATION,
    JINQIU,
    LIVING,
    MEDICAL,
    PROVINCE,
    SOURCE_ALIASES,
    UNION,
    WARMTH,
)

EXPECTED = generate.EXPECTED
SAMPLE_CLOSE = date(2021, 12, 31)  # the end of the period the sample is closed for
IN_TRANSIT_DAYS = 10  # 发放在途天数: the default, the sample's 救助标准 leave it out
DATA_SUFFIXES = {".xlsx", ".xls", ".csv", ".txt"}
SOURCE_NAMES = {CENTRAL: CENTRAL, PROVINCE: PROVINCE, JINQIU: JINQIU, UNION: UNION}
SOURCE_NAMES |= {alias: source for source, aliases in SOURCE_ALIASES.items() for alias in aliases}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    generate.write_reference_case(out)
    return out


def _data_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in DATA_SUFFIXES}


# ---- determinism --------------------------------------------------------------------------


def test_generator_is_deterministic(fresh: Path, tmp_path: Path) -> None:
    assert generate.main([str(tmp_path)]) == 0
    first, second = _data_files(fresh), _data_files(tmp_path)
    assert sorted(first) == sorted(generate.REFERENCE_FILES)
    assert first == second


def test_committed_sample_equals_fresh_generation(fresh: Path) -> None:
    committed = _data_files(SAMPLE)
    assert sorted(committed) == sorted(generate.REFERENCE_FILES)
    changed = [name for name, content in _data_files(fresh).items() if committed[name] != content]
    assert changed == [], "run `make sample` and commit sample_data/"


def test_planted_lists_are_in_the_docstring() -> None:
    doc = generate.__doc__ or ""
    for planted in generate.PLANTED_ANOMALIES + generate.PLANTED_BAD_ROWS:
        assert generate.describe(planted) in doc
    codes = [p.code for p in generate.PLANTED_ANOMALIES + generate.PLANTED_BAD_ROWS]
    assert sorted(set(codes)) == [f"A{i}" for i in range(1, 9)] + [f"B{i}" for i in range(1, 10)]
    assert codes.count("B9") == EXPECTED["june_records_exported_twice"]


def test_hard_coded_holidays_match_chinesecalendar() -> None:
    calendar = pytest.importorskip("chinese_calendar")
    year = [date(2021, 1, 1) + timedelta(days=i) for i in range(365)]
    assert {d for d in year if d.weekday() < 5 and not calendar.is_workday(d)} == HOLIDAYS_2021
    assert {d for d in year if d.weekday() >= 5 and calendar.is_workday(d)} == WORKED_WEEKENDS_2021


# ---- a small reader for the messy formats -------------------------------------------------


def to_fen(value: object) -> int | None:
    """Amount cell -> fen; None when it is not a valid positive amount with <= 2 decimals."""
    if isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).replace(",", "").strip("￥¥元 ")
    else:
        return None
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        return None
    return int(Decimal(text) * 100)


def to_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float):
        return date(1899, 12, 30) + timedelta(days=int(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def to_id(value: object) -> str | None:
    if not isinstance(value, str):
        return None  # stored as a number: digits lost
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).upper()
    if len(text) == 15:
        text = text[:6] + "19" + text[6:]
        text += id_check_char(text)
    if len(text) != 18 or id_check_char(text[:17]) != text[17]:
        return None
    return text


def to_name(value: object) -> str:
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value)))
    return re.sub(r"[•.]", "·", text)


def to_card(value: object) -> str:
    return re.sub(r"\s", "", str(value))


def sheet_rows(path: Path, sheet: str | None = None) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    rows = [tuple(row) for row in worksheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def table(rows: list[tuple], first_header: str) -> tuple[tuple, list[tuple[int, tuple]]]:
    """The header row starting with `first_header` and the data rows below it with their
    1-based row numbers; blank rows and footer rows are left out."""
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    data = []
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(v is None or v == "" for v in row):
            continue
        if re.match("合计|制表人|打印日期|出具", str(row[0])):
            continue
        data.append((number, row))
    return rows[header_index], data


def read_text(path: Path, encoding: str, delimiter: str) -> list[tuple]:
    text = path.read_bytes().decode(encoding)
    return [tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


# ---- the figures, from the files ----------------------------------------------------------


AID_KEYS = tuple(AID_COLUMN)  # the generator's own order of aid-record cells


def read_aid_records(folder: Path) -> tuple[dict[str, dict], list[tuple[str, int]], int]:
    """Valid aid records by 救助编号, the rejected rows, and how many rows repeated one."""
    records: dict[str, dict] = {}
    rejected: list[tuple[str, int]] = []
    repeated = 0
    for name, first_header in ((AID_H1, "救助编号"), (AID_H2, "记录编号")):
        _header, rows = table(sheet_rows(folder / name), first_header)
        for number, row in rows:
            raw = dict(zip(AID_KEYS, row, strict=True))
            record = {
                **raw,
                "fen": to_fen(raw["amount"]),
                "id": to_id(raw["id"]),
                "date": to_date(raw["aid_date"]),
                "source": SOURCE_NAMES.get(raw["source"]),
                "name": to_name(raw["name"]),
                "filed": bool(raw["file"]),
            }
            if None in (record["fen"], record["id"], record["date"], record["source"]):
                rejected.append((name, number))
            elif record["number"] in records:
                repeated += 1
                assert records[record["number"]]["fen"] == record["fen"]
            else:
                records[record["number"]] = record
    return records, rejected, repeated


@pytest.fixture(scope="module")
def aid_records() -> tuple[dict[str, dict], list[tuple[str, int]], int]:
    return read_aid_records(SAMPLE)


def test_aid_figures_add_up(aid_records) -> None:
    records, rejected, repeated = aid_records
    valid = list(records.values())
    assert len(valid) == EXPECTED["aid_records"] == 254
    assert repeated == EXPECTED["june_records_exported_twice"] == 3
    bad_aid_rows = sorted(
        (p.file, p.excel_row)
        for p in generate.PLANTED_BAD_ROWS
        if p.code in ("B1", "B2", "B3", "B4", "B5", "B8")
    )
    assert sorted(rejected) == bad_aid_rows
    usage: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, set()])
    by_type: dict[str, list] = defaultdict(lambda: [0, 0, set()])
    for r in valid:
        for entry in (usage[(r["source"], r["type"])], by_type[r["type"]]):
            entry[0] += r["fen"]
            entry[1] += 1
            entry[2].add(r["id"])
    assert {k: (v[0], v[1], len(v[2])) for k, v in usage.items()} == EXPECTED["usage"]
    assert {k: (v[0], v[1], len(v[2])) for k, v in by_type.items()} == EXPECTED["by_type"]
    assert by_type[LIVING][0] == 17_960_000 and len(by_type[LIVING][2]) == 26
    assert by_type[EDUCATION][0] == 25_285_000
    three = [r for r in valid if r["type"] != WARMTH]
    assert len({r["id"] for r in three}) == 129
    assert len({r["id"] for r in three if r["filed"]}) == 107
    assert len({r["id"] for r in three if not r["filed"]}) == 22
    assert sum(r["fen"] for r in valid if r["source"] in (CENTRAL, PROVINCE)) == 91_695_000
    assert all(r["fen"] == 200_000 for r in three if not r["filed"])


def test_aid_limits_hold(aid_records) -> None:
    records, _rejected, _repeated = aid_records
    living: Counter[str] = Counter()
    medical: Counter[str] = Counter()
    student: Counter[tuple] = Counter()
    for r in records.values():
        if r["type"] == LIVING:
            living[r["file"]] += r["fen"]
        elif r["type"] == MEDICAL:
            medical[r["id"]] += r["fen"]
        elif r["type"] == EDUCATION:
            student[(r["id"], r["student"])] += r["fen"]
    assert max(living.values()) <= 6 * 62_000 + 6 * 65_900
    assert max(medical.values()) <= 1_500_000
    assert max(student.values()) <= 659_000
    self_paid = {
        to_id(row[1]): to_fen(row[8])
        for row in read_text(SAMPLE / MEDICAL_CHECKS, "utf-8-sig", ",")[1:]
    }
    assert all(2 * fen <= self_paid[person] for person, fen in medical.items())


def test_worker_file_counts() -> None:
    header, rows = table(sheet_rows(SAMPLE / WORKERS, "困难职工档案"), "档案号")
    column = {name: i for i, name in enumerate(header)}
    files = [row for _n, row in rows if row[column["家庭人数"]] != 0]
    assert len(rows) == 154 and len(files) == EXPECTED["files_total"] == 153
    open_files = Counter(r[column["困难程度"]] for r in files if r[column["档案状态"]] == "在档")
    assert open_files == EXPECTED["files_open_by_hardship"]
    assert sum(r[column["档案状态"]] == "脱困" for r in files) == 50
    closed = Counter(r[column["注销原因"]] for r in files if r[column["档案状态"]] == "注销")
    assert closed == EXPECTED["files_closed_by_reason"]
    assert all(
        to_date(r[column["脱困注销日期"]]).year == 2021
        for r in files
        if r[column["档案状态"]] != "在档"
    )
    ids = [r[column["身份证号"]] for r in files]
    assert sum(len(i) == 15 for i in ids) == 1 and any(i.endswith("x") for i in ids)
    assert all(to_id(i) for i in ids)
    skipped = sheet_rows(SAMPLE / WORKERS, "说明")
    assert all(len([v for v in row if v]) == 1 for row in skipped)


def read_bank_rows(folder: Path) -> list[dict]:
    rows = []
    if (folder / BANK_Q1).exists():
        _h, q1 = table(sheet_rows(folder / BANK_Q1), "序号")
    else:  # the scale mode's Q1 is a CSV
        _h, q1 = table(read_text(folder / scale.BANK_Q1_CSV, "utf-8-sig", ","), "序号")
    rows += [dict(name=r[1], card=r[2], fen=to_fen(r[3]), ok=r[5] == "成功") for _n, r in q1]
    q2 = read_text(folder / BANK_Q2, "gbk", ",")
    rows += [
        dict(name=r[0], card=r[1], fen=to_fen(r[2]), ok=r[4] == "成功")
        for r in q2[1:]
        if r[0] != "合计"
    ]
    _h, q3 = table(read_text(folder / BANK_Q3, "gb18030", "\t"), "账户名称")
    rows += [dict(name=r[0], card=r[1], fen=to_fen(r[3]), ok=r[5] == "成功") for _n, r in q3]
    for sheet in ("第一批", "第二批"):
        _h, q4 = table(sheet_rows(folder / BANK_Q4, sheet), "批次号")
        rows += [dict(name=r[1], card=r[2], fen=to_fen(r[3]), ok=r[5] == "成功") for _n, r in q4]
    return rows


def test_bank_rows_pay_what_was_recorded(aid_records) -> None:
    records, _rejected, _repeated = aid_records
    bank = read_bank_rows(SAMPLE)
    assert len(bank) == EXPECTED["bank_rows"]
    paid = [b for b in bank if b["ok"] and re.fullmatch(r"\d{16,19}", to_card(b["card"]))]
    assert len(paid) == len(bank) - 3  # A1 and the 户名不符 refusal failed; B6 is unreadable
    card_records = [r for r in records.values() if r["method"] == "银行卡"]
    assert len(records) - len(card_records) == EXPECTED["cash_records"]
    a1 = next(p for p in generate.PLANTED_ANOMALIES if p.file == AID_H2 and p.code == "A1")
    unpaid = records[_cell(AID_H2, a1.excel_row, 0)]
    assert unpaid["type"] == LIVING and unpaid["method"] == "银行卡"
    recorded = sum(r["fen"] for r in card_records) - unpaid["fen"]
    assert sum(b["fen"] for b in paid) == recorded + 10_000  # A2 paid 100.00 too much
    assert sum(b["fen"] == 230_000 for b in bank) == 1  # the N:1 transfer: 1,800 + 500


def _cell(file: str, row: int, column: int) -> object:
    return sheet_rows(SAMPLE / file)[row - 1][column]


def test_ledger_balances_are_the_computed_ones(aid_records) -> None:
    records, _rejected, _repeated = aid_records
    _h, rows = table(sheet_rows(SAMPLE / LEDGER), "资金来源")
    income: Counter[str] = Counter()
    declared: dict[tuple[str, str], int] = {}
    for _n, (source, _year, category, amount, _day, _doc, _note) in rows:
        fen = to_fen(amount)
        if category in ("上级拨入", "本级安排", "利息收入"):
            income[SOURCE_NAMES[source]] += fen
        else:
            declared[(SOURCE_NAMES[source], category)] = fen
    spent: Counter[str] = Counter()
    for r in records.values():
        spent[r["source"]] += r["fen"]
    closing = {s: income[s] - spent[s] for s in (CENTRAL, PROVINCE, JINQIU, UNION)}
    assert closing == EXPECTED["closing_fen"]
    assert income[CENTRAL] == 62_008_640 and income[PROVINCE] == 30_000_000
    assert declared == {
        (UNION, "结转下年"): closing[UNION],
        **{(s, "账面余额"): fen for s, fen in closing.items() if fen},
    }


def test_every_recipient_has_a_valid_civil_check(aid_records) -> None:
    records, _rejected, _repeated = aid_records
    _h, rows = table(sheet_rows(SAMPLE / CIVIL), "序号")
    checks = defaultdict(list)
    for _n, row in rows:
        if row[7] == "符合":
            checks[to_id(row[2])].append(to_date(row[3]))
    for r in records.values():
        if r["type"] != WARMTH:
            assert any(d <= r["date"] < d + timedelta(days=365) for d in checks[r["id"]])


def test_planted_cells_hold_the_planted_values() -> None:
    expected_raw = {
        "B1": "1,234.567",
        "B4": "2021-02-30",
        "B5": "市慈善总会资金",
        "B6": "6.21700E+18",
        "B7": 0,
        "B8": "-500.00",
        "A6": "否",
        "A1": "失败",
    }
    for planted in generate.PLANTED_ANOMALIES + generate.PLANTED_BAD_ROWS:
        path = SAMPLE / planted.file
        if path.suffix == ".xlsx":
            rows = sheet_rows(path, planted.sheet)
        else:
            encoding = {BANK_Q2: "gbk", BANK_Q3: "gb18030"}[planted.file]
            rows = read_text(path, encoding, "," if path.suffix == ".csv" else "\t")
        header = next(r for r in rows if planted.column in r)
        value = rows[planted.excel_row - 1][header.index(planted.column)]
        assert value not in (None, ""), planted
        expected = expected_raw.get(planted.code)
        if expected is not None and (planted.code, planted.file) != ("A1", AID_H2):
            assert value == expected, planted
        if planted.code == "B3":
            assert isinstance(value, float)
        if planted.code == "B2":
            assert to_id(value) is None and len(value) == 18


# ---- the scale mode -----------------------------------------------------------------------


def test_scale_run_writes_every_kind(tmp_path: Path) -> None:
    assert generate.main([str(tmp_path), "--records", "2000", "--seed", "7"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [f"救助明细_2021Q{q}.xlsx" for q in range(1, 5)]
        + [
            scale.BANK_Q1_CSV,
            BANK_Q2,
            BANK_Q3,
            BANK_Q4,
            WORKERS,
            CIVIL,
            MEDICAL_CHECKS,
            LEDGER,
            "参数设置.xlsx",
        ]
    )
    aid_rows = 0
    for quarter in range(1, 5):
        rows = sheet_rows(tmp_path / f"救助明细_2021Q{quarter}.xlsx")
        aid_rows += sum(1 for r in rows if r[0] and str(r[0]).startswith("JZ"))
    assert aid_rows == 2000 + 6 * 10 + 10  # the records, B1-B5/B8 and B9 x 10 each
    bank = read_bank_rows(tmp_path)
    assert len(bank) > 1800
    workers = sheet_rows(tmp_path / WORKERS)
    assert 0.8 * 500 < sum(1 for r in workers if r[0] and str(r[0]).startswith("341503")) < 500


SPLIT_HEADERS = {
    AID_HEADER_H1[0],
    AID_HEADER_H2[0],
    WORKER_HEADER[0],
    CIVIL_HEADER[0],
    BANK_HEADERS[BANK_Q4][0],
}


def _data_rows(folder: Path) -> dict[tuple[str, str], list[tuple]]:
    """The data rows of each big sheet, a workbook's parts (NAME_1.xlsx ...) and a sheet's
    continuations (第一批(2) ...) taken as one."""
    found: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for path in sorted(folder.glob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
            header = next((row for row in rows if row and row[0] in SPLIT_HEADERS), None)
            if header is not None:
                file = re.sub(r"_\d+\.xlsx$", ".xlsx", path.name)
                found[file, re.sub(r"\(\d+\)$", "", sheet.title)] += [
                    row for _n, row in table(rows, header[0])[1]
                ]
        book.close()
    return found


def test_scale_parts_and_chunks_hold_the_same_rows(tmp_path: Path, monkeypatch) -> None:
    """Workbooks split in parts and rows formatted in small chunks: the same rows as whole."""
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert generate.main([str(whole), "--records", "4000", "--seed", "3"]) == 0
    monkeypatch.setattr(scale, "MAX_FILE_ROWS", 400)
    monkeypatch.setattr(scale, "CHUNK_ROWS", 77)
    assert generate.main([str(split), "--records", "4000", "--seed", "3"]) == 0
    names = {p.name for p in split.iterdir()}
    assert {"救助明细_2021Q1_1.xlsx", "救助明细_2021Q1_3.xlsx", "困难职工档案_2.xlsx"} <= names
    assert "救助明细_2021Q1.xlsx" not in names
    sheets = openpyxl.load_workbook(split / BANK_Q4, read_only=True).sheetnames
    assert sheets[:3] == ["第一批", "第一批(2)", "第一批(3)"] and sheets[-1] == "第二批"
    expected = _data_rows(whole)
    assert len(expected) == 4 + 4 and sum(map(len, expected.values())) > 4000 + 1700
    assert _data_rows(split) == expected
    for text_file in (scale.BANK_Q1_CSV, BANK_Q2, BANK_Q3, MEDICAL_CHECKS):
        assert (split / text_file).read_bytes() == (whole / text_file).read_bytes()


# ---- the streamed writers -----------------------------------------------------------------


ODD_TEXT = "A&B <c> 张　三 _x0041_ \x01"  # XML specials, Chinese, a literal escape, a control


def _streamed_table() -> streamed.Table:
    kinds = np.array([streamed.NUMBER, streamed.DATE, streamed.TEXT, 0], dtype=np.int8)
    body = [
        [
            streamed.Column(pa.array([ODD_TEXT, " 李娜 ", None, "2021年1月20日"])),
            streamed.Column(pa.array(["1234.5", "44216", "44216", None]), kinds),
        ],
        streamed.columns_of([("合计", 3)], 2),
    ]
    return streamed.Table(
        "表一",
        ("姓名", "金额"),
        body,
        5,
        titles=("帮扶救助记录", ("导出日期：2022-01-05",)),
        footers=(None, ("打印日期", ExcelDate(44566))),
    )


def test_streamed_xlsx_keeps_values_kinds_and_titles(tmp_path: Path) -> None:
    path = tmp_path / "streamed.xlsx"
    streamed.write_xlsx(path, [_streamed_table(), streamed.Table("空", ("x",), [], 0)])
    expected = [
        ("帮扶救助记录", None),
        ("导出日期：2022-01-05", None),
        ("姓名", "金额"),
        (ODD_TEXT, 1234.5),
        (" 李娜 ", datetime(2021, 1, 20)),
        (None, "44216"),
        ("2021年1月20日", None),
        ("合计", 3),
        (None, None),
        ("打印日期", datetime(2022, 1, 5)),
    ]
    book = openpyxl.load_workbook(path)
    sheet = book["表一"]
    assert book.sheetnames == ["表一", "空"]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:B1"]
    assert sheet["A1"].font.b and sheet["A3"].font.b and sheet["A3"].border.left.style == "thin"
    assert sheet["B5"].number_format == "yyyy-mm-dd" and sheet["B4"].number_format == "General"
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    # openpyxl leaves Excel's _xHHHH_ escapes as they are
    assert rows[3][0] == "A&B <c> 张　三 _x005F_x0041_ _x0001_"
    assert rows[:3] + rows[4:] == expected[:3] + expected[4:]
    # calamine undoes the escapes, gives blank cells as "" and date-formatted numbers as dates
    calamine = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表一")
    assert calamine.to_python() == [
        ["" if v is None else v.date() if isinstance(v, datetime) else v for v in row]
        for row in expected
    ]


def test_streamed_text_is_the_table_as_excel_saves_it(tmp_path: Path) -> None:
    table = _streamed_table()
    table.body = [
        [
            streamed.Column(pa.array(['张三,"小张"', "李娜", None])),
            streamed.Column(
                pa.array(["44216.75", "1234.5", None]),
                np.array([streamed.DATE, streamed.NUMBER, 0], dtype=np.int8),
            ),
        ]
    ]
    table.body_rows = 3
    path = tmp_path / "streamed.csv"
    streamed.write_text(path, table, ",", "gbk")
    assert path.read_bytes().decode("gbk").split("\r\n") == [
        "帮扶救助记录",
        "导出日期：2022-01-05",
        "姓名,金额",
        '"张三,""小张""",2021-01-20',
        "李娜,1234.5",
        ",",
        "",
        "打印日期,2022-01-05",
        "",
    ]
    table.body_rows = 4
    with pytest.raises(ValueError, match="3 body rows, not 4"):
        streamed.write_text(path, table, ",", "gbk")


@pytest.mark.parametrize(
    ("text", "count"), [("25000", 25_000), ("100k", 100_000), ("1m", 10**6), ("10M", 10**7)]
)
def test_record_counts_take_k_and_m(text: str, count: int) -> None:
    assert generate.record_count(text) == count


@pytest.mark.parametrize("text", ["1g", "m", "1.5m", "", "-5k", "１０m"])
def test_other_record_counts_are_refused(text: str) -> None:
    with pytest.raises(SystemExit):
        generate.main(["/tmp/unused", "--records", text])


# ---- nothing but the planted anomalies breaks a rule -----------------------------------------


def _rule_breaches(model) -> Counter:
    """(rule, tag) for every rule a valid record breaks, checked on the generator's model."""
    breaches: Counter = Counter()
    paid = defaultdict(list)
    for row in model.bank_rows:
        for record in row.records:
            paid[record.number].append(row)
    checks = defaultdict(list)
    for check in model.civil_checks:
        if check.conclusion == "符合":
            checks[check.person.key].append(check.checked_on)
    alike = defaultdict(list)
    for r in reference.valid_records(model):
        alike[(r.person.key, r.aid_type, r.amount_fen)].append(r.aid_date)
        breaches.update(_record_breaches(r, paid[r.number], checks[r.person.key]))
    for dates in alike.values():
        dates.sort()
        breaches["R06", ""] += sum((b - a).days <= 15 for a, b in itertools.pairwise(dates))
    return +breaches


def _unpaid_days(r, bank_rows: list) -> int:
    """Days from an unpaid record's last event to the close: its aid date, or its last failed
    transfer (the bank re-pays once told of a failure)."""
    return (SAMPLE_CLOSE - max([r.aid_date, *(b.paid_on for b in bank_rows)])).days


def _record_breaches(r, bank_rows: list, checked_on: list[date]) -> list[tuple[str, str]]:
    found = []
    ok = [b for b in bank_rows if b.ok]
    if r.cash:
        found += [("R15", r.tag)] if r.signed != "是" else []
    elif not ok and _unpaid_days(r, bank_rows) > IN_TRANSIT_DAYS:  # younger: 在途, no finding
        found.append(("R19" if bank_rows else "R01", r.tag))  # all failed: R19 alone
    for row in ok:
        found += [("R03", r.tag)] * (row.amount_fen != sum(x.amount_fen for x in row.records))
        found += [("R04", r.tag)] * (to_name(row.name) != to_name(r.person.name))
        found += [("R05", r.tag)] * bool(r.person.file and row.card != r.person.card)
    file = r.person.file
    found += [("R07", r.tag)] * bool(file and file.status_date and r.aid_date >= file.status_date)
    if r.entered.year == 2021:
        found += [("R16", r.tag)] * (workdays_between(r.aid_date, r.entered) > 30)
    else:
        found += [("R16", r.tag)] * ((r.entered - r.aid_date).days > 30)
    found += [("R17", r.tag)] * bool(r.applied and (r.aid_date - r.applied).days > 30)
    found += [("R18", r.tag)] * bool(r.announced and r.announced > r.aid_date)
    if r.aid_type != WARMTH and not any(
        d <= r.aid_date < d + timedelta(days=365) for d in checked_on
    ):
        found.append(("R14", r.tag))
    return found


@pytest.mark.parametrize("seed", [generate.DEFAULT_SEED, 1, 2])
def test_only_the_planted_anomalies_break_a_rule(seed: int) -> None:
    breaches = _rule_breaches(reference.build_model(seed))
    expected = {
        (rule, code) for code, rules in generate.ANOMALY_RULES.items() for rule in rules.split()
    }
    assert set(breaches) == expected
    assert all(count == 1 for count in breaches.values())
