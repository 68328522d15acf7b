"""What the tests feed the pipeline, built in code so that each test states what it plants.

- ``SAMPLE``: the committed ``sample_data/`` folder, the input of the end-to-end tests.
- People: valid 身份证号 ``ID_A``, ``ID_B``, ``ID_C`` of region 341503, ``ID_ELSEWHERE`` of
  region 110101 (no 低保 standard in the parameters), and ``with_check`` for more.
- Input files: ``write_xlsx`` and ``write_text`` write sheets of rows as a clerk's export would;
  ``PARAMETER_SHEETS`` is a valid parameters workbook, ``AID_HEADER`` an aid-record header and
  ``AID_ROW`` a valid record under it.
- Validated tables, as validation leaves them: ``table`` for any kind, ``context`` for the rule
  tests (over the defaults below), ``rule_findings`` for one rule of a family, ``row_of`` for the
  lineage a finding must trace to.
- Matching inputs: ``person``, ``aid_row``, ``bank_row`` and ``file_row`` give rows as the
  matching tests name them, ``inputs`` makes the three tables of them, ``run_match`` matches.

The defaults of ``context`` describe one unremarkable case: 张三 (``ID_A``), filed as F001
(全国级, 在档, region 341503, whose 低保 standard is 620.00 from 2020-07-01 and 659.00 from
2021-07-01), paid 1,000.00 生活救助 from 中央财政 by card on 2021-03-10, applied for on
2021-03-01, announced on 2021-03-05 and entered on 2021-03-12, with a civil check of 2021-01-10
that found him 符合.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import xlsxwriter

from pipeline import carry, match, results
from pipeline.history import NOTE_FIELDS, Earlier
from pipeline.params import parameters
from pipeline.rules import Context, Rule
from schemas import KIND_BY_NAME

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"

# ---- people -------------------------------------------------------------------------------------

ID_A = "341503199001010013"  # 张三, born 1990-01-01
ID_B = "34150319850307002X"  # 李四, born 1985-03-07
ID_C = "341503197805120032"  # 王五, born 1978-05-12 (also the 15-digit 341503780512003)
ID_ELSEWHERE = "110101197805120034"  # region 110101: no 低保 standard in the parameters
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(body: str) -> str:
    """A 17-digit body with its GB 11643 check character, computed independently of the code."""
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


# ---- input files --------------------------------------------------------------------------------

Row = Sequence[object]

PARAMETER_SHEETS = {
    "资金来源": [
        ["资金来源", "简称", "性质", "使用期限", "允许救助类型", "限建档对象", "可结转"],
        [
            "中央财政专项帮扶资金",
            "中央财政、中央专项",
            "财政",
            "次年02-28",
            "生活救助、医疗救助、助学救助",
            "是",
            "否",
        ],
        [
            "省财政专项帮扶资金",
            "省财政",
            "财政",
            "次年02-28",
            "生活救助、医疗救助、助学救助",
            "是",
            "否",
        ],
        ["本级工会经费", "本级经费", "工会经费", None, None, "否", "是"],
    ],
    "低保标准": [
        ["行政区划代码", "地区名称", "执行日期", "月标准"],
        ["341503", "裕安区", "2020-07-01", 620],
        ["341503", "裕安区", "2021-07-01", "659.00"],
    ],
    "救助标准": [
        ["项目", "数值"],
        ["医疗救助比例", 0.5],
        ["医疗救助封顶", 15000],
        ["录入时限工作日", "30"],
    ],
    "年度目标": [
        ["年度", "救助类型", "目标人数", "目标人次", "目标金额", "优", "良", "中"],
        [2021, "生活救助", 20, None, None, 280, 270, 260],
    ],
}
AID_HEADER = [
    "救助编号",
    "档案编号",
    "姓名",
    "身份证号",
    "救助类型",
    "资金来源",
    "救助金额",
    "救助日期",
    "录入日期",
    "发放方式",
]
AID_ROW = ["JZ1", "DA1", "张三", ID_A, "生活救助", "中央财政", "100", "2021-03-05", None, "银行卡"]


def write_xlsx(path: Path, sheets: dict[str, Sequence[Row]], start_row: int = 0) -> Path:
    """Write sheets of rows; datetimes get a date format, None leaves the cell empty."""
    workbook = xlsxwriter.Workbook(path)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(start_row + r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(start_row + r, c, value)
                else:
                    sheet.write_number(start_row + r, c, value)
    workbook.close()
    return path


def write_text(path: Path, rows: Sequence[Row], encoding: str = "utf-8", sep: str = ",") -> Path:
    lines = [sep.join("" if v is None else str(v) for v in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


# ---- validated tables ---------------------------------------------------------------------------

DTYPES = {"money": "Int64", "int": "Int64", "date": "datetime64[us]", "decimal": object}
Fields = Mapping[str, object]


def table(
    kind: str,
    rows: Iterable[Fields],
    defaults: Fields | None = None,
    file: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Rows of one kind (each over ``defaults``) as validation leaves them: every field of the
    kind, typed (fen as Int64, dates as datetime64[us], text as str), and lineage — file
    ``file`` (``<kind>.xlsx`` unless given), sheet ``sheet`` (``<kind>``), Excel rows 2, 3, …
    in the order given."""
    rows = [{**(defaults or {}), **row} for row in rows]
    columns = {}
    for spec in KIND_BY_NAME[kind].columns:
        values = [row.get(spec.field) for row in rows]
        columns[spec.field] = pd.Series(values, dtype=DTYPES.get(spec.parse, "str"))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    frame["source_file"] = pd.Series([file or f"{kind}.xlsx"] * len(rows), dtype="category")
    frame["source_sheet"] = pd.Series([sheet or kind] * len(rows), dtype="category")
    frame["source_row"] = pd.Series(range(2, len(rows) + 2), dtype="int64")
    return frame


def row_of(kind: str, excel_row: int) -> tuple[str, str, int]:
    """The lineage entry of a ``table`` row: ``row_of("aid_records", 2)`` is the first record."""
    return (f"{kind}.xlsx", kind, excel_row)


RECORD = {
    "file_no": "F001",
    "name": "张三",
    "id_no": ID_A,
    "aid_type": "生活救助",
    "source": "中央财政专项帮扶资金",
    "fund_year": 2021,
    "amount_fen": 100000,
    "applied_on": "2021-03-01",
    "announced_on": "2021-03-05",
    "aid_date": "2021-03-10",
    "entered_on": "2021-03-12",
    "pay_method": "银行卡",
}
WORKER_FILE = {
    "file_no": "F001",
    "name": "张三",
    "id_no": ID_A,
    "region_code": "341503",
    "file_level": "全国级",
    "hardship_type": "深度困难",
    "filed_on": "2020-01-01",
    "status": "在档",
}
CIVIL_CHECK = {"name": "张三", "id_no": ID_A, "checked_on": "2021-01-10", "conclusion": "符合"}
MEDICAL_CHECK = {"name": "张三", "id_no": ID_A, "year": 2021, "self_paid_fen": 1000000}
BANK_ROW = {
    "holder": "张三",
    "account": "6217001234567893",
    "amount_fen": 100000,
    "paid_on": "2021-03-12",
    "status": "成功",
}
LEDGER_ROW = {
    "source": "中央财政专项帮扶资金",
    "fund_year": 2021,
    "category": "上级拨入",
    "amount_fen": 100000,
    "booked_on": "2021-03-01",
}
SOURCE_COLUMNS = ("source", "nature", "deadline", "allowed_aid_types", "filed_only")
SOURCES = [
    ("中央财政专项帮扶资金", "财政", "次年02-28", "生活救助、医疗救助、助学救助", "是"),
    ("省财政专项帮扶资金", "财政", "次年02-28", "生活救助、医疗救助、助学救助", "全国级"),
    ("省总金秋助学资金", "工会经费", "当年12-31", "助学救助", "否"),
    ("本级工会经费", "工会经费", None, None, None),
]
DIBAO = [
    {"region_code": "341503", "effective_on": "2020-07-01", "monthly_fen": 62000},
    {"region_code": "341503", "effective_on": "2021-07-01", "monthly_fen": 65900},
]


def records(*rows: Fields) -> pd.DataFrame:
    """Aid records over ``RECORD``; 救助编号 JZ001, JZ002, … unless given."""
    numbers = count(1)
    return table(
        "aid_records", [{"record_id": f"JZ{next(numbers):03d}", **row} for row in rows], RECORD
    )


def context(
    aid: Iterable[Fields] = ({},),
    files: Iterable[Fields] = ({},),
    civil: Iterable[Fields] = ({},),
    medical: Iterable[Fields] = (),
    standards: Mapping[str, object] | None = None,
    dibao: Iterable[Fields] = DIBAO,
    holidays: Iterable[Fields] = (),
    bank: Iterable[Fields] = (),
    ledger: Iterable[Fields] = (),
    carry_over: Iterable[str] = (),
    period: str = "2021-12",
    previous_closing: dict[str, int] | None = None,
) -> Context:
    """A rule context over the given rows (each over its kind's defaults above) and the
    parameters: the four sample sources (省财政 limited to 全国级 files; those named in
    ``carry_over`` may carry over), ``dibao`` and ``standards`` (救助标准 项目 → 数值; the
    national defaults otherwise). Bank rows (over ``BANK_ROW``, file ``bank_payments.xlsx``)
    are matched to the records, what is young at the end of the period (the month closed)
    relabelled 在途, as a run does."""
    tables = {
        "aid_records": records(*aid),
        "worker_files": table("worker_files", files, WORKER_FILE),
        "civil_checks": table("civil_checks", civil, CIVIL_CHECK),
        "medical_checks": table("medical_checks", medical, MEDICAL_CHECK),
        "bank_payments": table("bank_payments", bank, BANK_ROW),
        "fund_ledger": table("fund_ledger", ledger, LEDGER_ROW),
        "fund_sources": table(
            "fund_sources",
            [
                dict(zip(SOURCE_COLUMNS, source, strict=True))
                | {"may_carry_over": "是" if source[0] in carry_over else "否"}
                for source in SOURCES
            ],
        ),
        "dibao_standards": table("dibao_standards", dibao),
        "aid_standards": table(
            "aid_standards",
            [{"item": k, "value": Decimal(str(v))} for k, v in (standards or {}).items()],
        ),
        "holidays": table("holidays", holidays),
    }
    params = parameters(tables)
    window = match.Window(params.standards.window_before_days, params.standards.window_after_days)
    matched = match.match(
        tables["aid_records"], tables["bank_payments"], tables["worker_files"], window
    )
    period_end = pd.Period(period, freq="M").end_time.normalize()
    matched = match.in_transit(matched, period_end, params.standards.in_transit_days)
    return Context(tables, params, period_end, matched, previous_closing)


def rule_findings(rules: list[Rule], code: str, ctx: Context) -> pd.DataFrame:
    """The findings of one rule of a family."""
    (rule,) = [rule for rule in rules if rule.code == code]
    return rule.find(ctx)


# ---- matching inputs ----------------------------------------------------------------------------
# Every bank row carries a unique 摘要 (memo) so that a test can name it; records are named by
# their 救助编号. The tables' lineage is 救助明细.xlsx, 代发明细.xlsx and 困难职工档案.xlsx, sheet
# Sheet1, row i of a list being Excel row i + 2.

AID_FILE, BANK_FILE = "救助明细.xlsx", "代发明细.xlsx"


class Person(NamedTuple):
    name: str
    id_no: str
    card: str  # the card the person is paid into


def person(serial: int, name: str) -> Person:
    """A person with a valid 身份证号 and a card of their own, both numbered by ``serial``."""
    return Person(name, with_check(f"34150319800101{serial:03d}"), f"6217000000{serial:09d}")


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def aid_row(
    record_id: str,
    who: Person,
    yuan: int,
    aid_date: str,
    *,
    aid_type: str = "生活救助",
    pay: str | None = "银行卡",
    card: str | None = None,
) -> dict[str, object]:
    """A record of 本级工会经费; ``card`` is its 收款卡号 (left empty unless given)."""
    return {
        "record_id": record_id,
        "name": who.name,
        "id_no": who.id_no,
        "aid_type": aid_type,
        "source": "本级工会经费",
        "fund_year": 2021,
        "amount_fen": yuan * 100,
        "aid_date": day(aid_date),
        "pay_method": pay,
        "card_no": card,
    }


def bank_row(
    memo: str,
    account: str,
    yuan: int,
    paid_on: str,
    *,
    holder: str,
    id_no: str | None = None,
    failed: str | None = None,
    batch: str | None = None,
) -> dict[str, object]:
    """A bank result; ``failed`` is the failure reason of a failed transfer."""
    return {
        "batch": batch,
        "holder": holder,
        "account": account,
        "id_no": id_no,
        "amount_fen": yuan * 100,
        "paid_on": day(paid_on),
        "status": "失败" if failed else "成功",
        "failure_reason": failed,
        "memo": memo,
    }


def file_row(who: Person, card: str | None = None) -> dict[str, object]:
    """An open worker file of ``who``, with their card on file unless ``card`` is given."""
    return {
        "file_no": f"F{who.id_no[-4:]}",
        "name": who.name,
        "id_no": who.id_no,
        "status": "在档",
        "card_no": card or who.card,
    }


class Inputs(NamedTuple):
    aid: pd.DataFrame
    bank: pd.DataFrame
    files: pd.DataFrame


def inputs(
    aid: list[dict[str, object]],
    bank: list[dict[str, object]],
    files: list[dict[str, object]] | None = None,
) -> Inputs:
    return Inputs(
        table("aid_records", aid, file=AID_FILE, sheet="Sheet1"),
        table("bank_payments", bank, file=BANK_FILE, sheet="Sheet1"),
        table("worker_files", files or [], file="困难职工档案.xlsx", sheet="Sheet1"),
    )


DEFAULT_WINDOW = match.Window()


def run_match(given: Inputs, window: match.Window = DEFAULT_WINDOW) -> match.Matched:
    return match.match(given.aid, given.bank, given.files, window)


def listed(findings: pd.DataFrame, period: str = "2021-12") -> pd.DataFrame:
    """Findings (with their 异常编号) as the findings list of a first close shows them: all
    新增, first found in ``period``, no note."""
    no_notes = pd.DataFrame(columns=list(NOTE_FIELDS), dtype=object)
    return carry.carried(findings, Earlier(period=period), no_notes)


def with_findings(reconciled: results.Reconciled, findings: pd.DataFrame) -> results.Reconciled:
    """``reconciled`` with other findings, listed as at a first close."""
    close = dataclasses.replace(reconciled.close, worklist=listed(findings, str(reconciled.period)))
    return dataclasses.replace(reconciled, findings=findings, close=close)
