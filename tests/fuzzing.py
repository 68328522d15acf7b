"""Hypothesis strategies for messy but valid exports, and the invariants a run must keep on them.

``folders()`` draws a ``Plan``: aid records of a few people (unique record numbers, amounts in
fen, dates in 2021) with bank transfers for some of them, and how they are exported: rows split
across one to three files per kind, each an .xlsx, a UTF-8/GBK .csv or a tab-separated .txt,
headers aliased and shuffled, title rows above and 合计/制表人 rows below, amounts, dates and ID
numbers each written in one of the forms the contract accepts. Planted on purpose, and counted
in the plan: rows whose amount has three decimals (each must be rejected, nothing else may be).
``Plan.write(folder, order)`` writes the same plan with its rows and files in another order.

The invariants (``check_invariants``): every row read is kept or rejected, exactly the planted
rows are rejected, and every kept record is in 对账明细 once; the year's spending and the
reconciled system amounts equal the sum of the kept records' amounts; and the findings and
figures do not depend on the order of files and rows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from hypothesis import strategies as st

from pipeline import results, run
from schemas import KIND_BY_NAME
from tests.builders import PARAMETER_SHEETS, write_xlsx

PEOPLE = (  # name, ID number (valid check characters), card number
    ("张三", "341503199001010013", "6217001234567893"),
    ("李四", "34150319850307002X", "6222021234567890126"),
    ("王五", "341503197805120032", "6228480123456789013"),
    ("欧阳·娜娜", "341503199212120028", "6217851234567890"),
)
SOURCES = {
    "中央财政专项帮扶资金": ("生活救助", "医疗救助", "助学救助"),
    "本级工会经费": ("送温暖",),
}
AID_FIELDS = ("record_id", "file_no", "name", "id_no", "aid_type", "source", "amount_fen")
AID_FIELDS += ("aid_date", "entered_on", "pay_method")
BANK_FIELDS = ("holder", "account", "amount_fen", "paid_on", "status", "failure_reason")
FORMATS = ("xlsx", "csv-utf8", "csv-gbk", "txt")


@dataclass(frozen=True)
class Record:
    record_id: str
    person: int
    source: str
    aid_type: str
    amount_fen: int
    aid_date: dt.date
    bad: bool  # planted: its amount written with three decimals, to be rejected


@dataclass(frozen=True)
class Transfer:
    person: int
    amount_fen: int
    paid_on: dt.date
    succeeded: bool


@dataclass(frozen=True)
class Style:
    """How one kind is exported: file formats, header words, value forms, decoration."""

    formats: tuple[str, ...]  # one per file; rows are dealt to files by ``split``
    headers: dict[str, str]  # field → the header word used
    order: tuple[str, ...]  # the fields' column order
    titles: int
    footer: bool
    amount: int  # index into amount_text's forms
    date: int
    id_form: int


@dataclass
class Plan:
    records: list[Record]
    transfers: list[Transfer]
    aid_style: Style
    bank_style: Style
    seed: int
    files: dict[str, int] = field(default_factory=dict)  # kind → files written

    @property
    def planted(self) -> int:
        return sum(record.bad for record in self.records)

    @property
    def kept_fen(self) -> int:
        return sum(r.amount_fen for r in self.records if not r.bad)

    def write(self, folder: Path, shuffle: bool = False) -> None:
        """The plan as files; ``shuffle``: rows dealt in another order, files named in another
        order (the same rows in the same files)."""
        folder.mkdir(parents=True, exist_ok=True)
        write_xlsx(folder / "参数.xlsx", PARAMETER_SHEETS)
        rng = random.Random(self.seed)
        aid_rows = [_aid_values(r) for r in self.records]
        bank_rows = [_bank_values(t) for t in self.transfers]
        for kind, rows, style in (
            ("救助", aid_rows, self.aid_style),
            ("代发", bank_rows, self.bank_style),
        ):
            parts = [rows[i :: len(style.formats)] for i in range(len(style.formats))]
            for number, (form, part) in enumerate(zip(style.formats, parts, strict=True)):
                if shuffle:
                    part = rng.sample(part, len(part))
                name = (
                    f"{'z' if shuffle else 'a'}{len(style.formats) - number if shuffle else number}"
                )
                _write(folder / f"{kind}_{name}", form, _table(part, style))


def _aid_values(r: Record) -> dict[str, object]:
    name, id_no, _ = PEOPLE[r.person]
    return {
        "record_id": r.record_id,
        "file_no": f"DA{r.person}",
        "name": name,
        "id_no": id_no,
        "aid_type": r.aid_type,
        "source": r.source,
        "amount_fen": ("bad", r.amount_fen) if r.bad else r.amount_fen,
        "aid_date": r.aid_date,
        "entered_on": r.aid_date + dt.timedelta(days=1),
        "pay_method": "银行卡",
    }


def _bank_values(t: Transfer) -> dict[str, object]:
    name, _, card = PEOPLE[t.person]
    status = "成功" if t.succeeded else "失败"
    return {
        "holder": name,
        "account": card,
        "amount_fen": t.amount_fen,
        "paid_on": t.paid_on,
        "status": status,
        "failure_reason": None if t.succeeded else "账户已冻结",
    }


AMOUNTS = (
    lambda fen: f"{fen / 100:.2f}",
    lambda fen: f"{fen / 100:,.2f}",
    lambda fen: f"￥{fen / 100:,.2f}",
    lambda fen: f"{fen / 100:.2f}元",
    lambda fen: f"{fen / 100:.2f}".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
)
DATES = (
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y.%m.%d"),
)
IDS = (lambda i: i, lambda i: i.lower(), lambda i: f"{i[:6]} {i[6:14]} {i[14:]}")


def _table(rows: list[dict[str, object]], style: Style) -> list[list[object]]:
    """Title rows, the header, the rows with values in the style's forms, a footer."""
    table: list[list[object]] = [["帮扶资金明细表"] if i == 0 else [] for i in range(style.titles)]
    table.append([style.headers[f] for f in style.order])
    for row in rows:
        table.append([_cell(f, row[f], style) for f in style.order])
    if style.footer:
        table += [["合计", *([""] * (len(style.order) - 1))], ["制表人：王会计"]]
    return table


def _cell(field_name: str, value: object, style: Style) -> object:
    if isinstance(value, tuple):  # planted bad amount: three decimals
        return f"{value[1] / 100:.2f}5"
    if field_name == "amount_fen":
        return AMOUNTS[style.amount](int(value))  # type: ignore[call-overload]
    if isinstance(value, dt.date):
        return DATES[style.date](value)
    if field_name == "id_no":
        return IDS[style.id_form](str(value))
    return value


def _write(stem: Path, form: str, table: list[list[object]]) -> None:
    if form == "xlsx":
        write_xlsx(stem.with_suffix(".xlsx"), {"明细": table})
        return
    separator = "\t" if form == "txt" else ","
    lines = [separator.join(_quoted(v, separator) for v in row) for row in table]
    encoding = "gbk" if form == "csv-gbk" else "utf-8-sig"
    suffix = ".txt" if form == "txt" else ".csv"
    stem.with_suffix(suffix).write_bytes("\r\n".join(lines).encode(encoding))


def _quoted(value: object, separator: str) -> str:
    text = "" if value is None else str(value)
    return f'"{text}"' if separator in text else text


# ---- strategies -------------------------------------------------------------------------------


def _style(kind: str, fields: tuple[str, ...], formats: list[str]) -> st.SearchStrategy[Style]:
    columns = {c.field: (c.header, *c.aliases) for c in KIND_BY_NAME[kind].columns}
    return st.builds(
        Style,
        formats=st.just(tuple(formats)),
        headers=st.fixed_dictionaries({f: st.sampled_from(columns[f]) for f in fields}),
        order=st.permutations(fields).map(tuple),
        titles=st.integers(0, 2),
        footer=st.booleans(),
        amount=st.integers(0, len(AMOUNTS) - 1),
        date=st.integers(0, len(DATES) - 1),
        id_form=st.integers(0, len(IDS) - 1),
    )


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    count = draw(st.integers(1, 12))
    records = []
    for number in range(count):
        source = draw(st.sampled_from(sorted(SOURCES)))
        records.append(
            Record(
                record_id=f"JZ{number + 1:04d}",
                person=draw(st.integers(0, len(PEOPLE) - 1)),
                source=source,
                aid_type=draw(st.sampled_from(SOURCES[source])),
                amount_fen=draw(st.integers(1, 5_000_000)),
                aid_date=draw(st.dates(dt.date(2021, 1, 4), dt.date(2021, 12, 20))),
                bad=draw(st.booleans()) and draw(st.booleans()),  # about one in four
            )
        )
    transfers = []
    for record in records:
        paid = draw(st.sampled_from(("none", "exact", "exact", "differs", "failed")))
        if paid == "none":
            continue
        transfers.append(
            Transfer(
                person=record.person,
                amount_fen=record.amount_fen + (100 if paid == "differs" else 0),
                paid_on=record.aid_date + dt.timedelta(days=draw(st.integers(0, 5))),
                succeeded=paid != "failed",
            )
        )
    aid_formats = draw(st.lists(st.sampled_from(FORMATS), min_size=1, max_size=3))
    bank_formats = draw(st.lists(st.sampled_from(FORMATS), min_size=1, max_size=2))
    return Plan(
        records,
        transfers,
        draw(_style("aid_records", AID_FIELDS, aid_formats)),
        draw(_style("bank_payments", BANK_FIELDS, bank_formats)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


# ---- invariants -------------------------------------------------------------------------------


def findings_key(findings: pd.DataFrame) -> list[tuple[object, ...]]:
    """The findings without their lineage (row numbers change with the order), sorted."""
    columns = ["rule", "severity", "message", "record_id", "id_no", "amount_fen", "compared_fen"]
    values = findings[columns].astype(object).where(findings[columns].notna(), None)
    return sorted(map(tuple, values.itertuples(index=False, name=None)), key=repr)


def check_invariants(plan: Plan, root: Path) -> results.Reconciled:
    plan.write(root / "in")
    first = run.reconcile(results.Config(root / "in", root / "out", period="2021-12"))
    counts = first.checked.validated.counts
    aid = counts[counts["kind"] == "aid_records"]
    assert int(aid["read"].sum()) == len(plan.records)  # titles, blanks and footers are no rows
    assert (counts["read"] == counts["kept"] + counts["rejected"]).all()
    assert int(aid["rejected"].sum()) == plan.planted
    assert len(first.checked.validated.tables["aid_records"]) == len(plan.records) - plan.planted
    spent = int(first.figures.fund_usage["year_amount_fen"].sum())
    assert spent == plan.kept_fen
    kept = first.checked.validated.tables["aid_records"]["amount_fen"]
    assert int(kept.sum()) == plan.kept_fen
    detail = first.detail.table  # every kept record reconciled, once
    assert int(detail["records"].sum()) == len(plan.records) - plan.planted
    assert int(detail["system_fen"].sum()) == plan.kept_fen
    plan.write(root / "shuffled", shuffle=True)
    second = run.reconcile(results.Config(root / "shuffled", root / "out2", period="2021-12"))
    before, after = findings_key(first.findings), findings_key(second.findings)
    only = [f for f in before if f not in after], [f for f in after if f not in before]
    assert before == after, f"findings that depend on the order: {only}"
    assert second.figures.fund_usage.equals(first.figures.fund_usage)
    return first
