"""Tiny validated tables built in code for the rule tests.

Each builder takes a few rows as keyword dicts over sensible defaults and returns the table as
validation leaves it: every field of the kind, typed (fen as Int64, dates as datetime64[us],
text as str), and lineage — file ``<kind>.xlsx``, sheet ``<kind>``, Excel rows 2, 3, … in the
order given — so a test can name the rows a finding must trace to with ``row_of``.

The defaults describe one unremarkable case: 张三 (``ID_A``), filed as F001 (全国级, 在档,
region 341503, whose 低保 standard is 620.00 from 2020-07-01 and 659.00 from 2021-07-01), paid
1,000.00 生活救助 from 中央财政 by card on 2021-03-10, applied for on 2021-03-01, announced on
2021-03-05 and entered on 2021-03-12, with a civil check of 2021-01-10 that found him 符合.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import count

import pandas as pd

from pipeline import match
from pipeline.params import parameters
from pipeline.rules import Context, Rule
from schemas import KIND_BY_NAME

ID_A = "341503199001010013"  # 张三, region 341503
ID_B = "34150319850307002X"  # 李四, region 341503
ID_C = "110101197805120034"  # 王五, region 110101 (no 低保 standard in the parameters)

DTYPES = {"money": "Int64", "int": "Int64", "date": "datetime64[us]", "decimal": object}
Row = Mapping[str, object]

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


def table(kind: str, rows: Iterable[Row], defaults: Row | None = None) -> pd.DataFrame:
    """Rows of one kind, typed as validation types them, with lineage ``<kind>.xlsx``."""
    rows = [{**(defaults or {}), **row} for row in rows]
    columns = {}
    for spec in KIND_BY_NAME[kind].columns:
        values = [row.get(spec.field) for row in rows]
        columns[spec.field] = pd.Series(values, dtype=DTYPES.get(spec.parse, "str"))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    frame["source_file"] = pd.Series([f"{kind}.xlsx"] * len(rows), dtype="category")
    frame["source_sheet"] = pd.Series([kind] * len(rows), dtype="category")
    frame["source_row"] = pd.Series(range(2, len(rows) + 2), dtype="int64")
    return frame


def records(*rows: Row) -> pd.DataFrame:
    """Aid records over ``RECORD``; 救助编号 JZ001, JZ002, … unless given."""
    numbers = count(1)
    return table(
        "aid_records", [{"record_id": f"JZ{next(numbers):03d}", **row} for row in rows], RECORD
    )


def row_of(kind: str, excel_row: int) -> tuple[str, str, int]:
    """The lineage entry of a builder row: ``row_of("aid_records", 2)`` is the first record."""
    return (f"{kind}.xlsx", kind, excel_row)


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


def context(
    aid: Iterable[Row] = ({},),
    files: Iterable[Row] = ({},),
    civil: Iterable[Row] = ({},),
    medical: Iterable[Row] = (),
    standards: Mapping[str, object] | None = None,
    dibao: Iterable[Row] = DIBAO,
    holidays: Iterable[Row] = (),
    bank: Iterable[Row] = (),
    ledger: Iterable[Row] = (),
    carry_over: Iterable[str] = (),
    period: str = "2021-12",
    previous_closing: dict[str, int] | None = None,
) -> Context:
    """A rule context over the given rows (each over its kind's defaults above) and the
    parameters: the four sample sources (省财政 limited to 全国级 files; those named in
    ``carry_over`` may carry over), ``dibao`` and ``standards`` (救助标准 项目 → 数值; the
    national defaults otherwise). Bank rows (over ``BANK_ROW``, file ``bank_payments.xlsx``)
    are matched to the records; the period is the month closed."""
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
    return Context(tables, params, period_end, matched, previous_closing)


def run(rules: list[Rule], code: str, ctx: Context) -> pd.DataFrame:
    """The findings of one rule of a family."""
    (rule,) = [rule for rule in rules if rule.code == code]
    return rule.find(ctx)
