"""在途 (pipeline.match.in_transit): a card-paid record still unpaid at the period end, or a
failure not yet re-paid, at most 发放在途天数 (default 10) days old, is a timing difference —
not R01/R19 — shown as 在途 in 对账明细, counted on 封面 and in summary.json.

Unless a test says otherwise, the period is 2021-12 (its end 2021-12-31) and the inputs are
those of tests/test_rules_payments.py: 张三 (F001, card 6217001234567893 on file) with one
1,000.00 生活救助 record JZ001 (records.xlsx row 2) paid by card; bank rows are over one
successful 1,000.00 transfer to that card (bank_payments.xlsx row 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import aggregate, match, reconciliation
from pipeline.rules import Context, payments
from pipeline.run import Config, reconcile
from pipeline.summary import InTransit, count_in_transit
from tests.builders import (
    AID_HEADER,
    AID_ROW,
    ID_B,
    aid_row,
    bank_row,
    context,
    inputs,
    person,
    row_of,
    run_match,
    write_xlsx,
)

CARD = "6217001234567893"
PAYMENT_RULES = ("R01", "R02", "R03", "R04", "R05", "R06", "R19")


def found(ctx: Context) -> list[str]:
    """The payment rules' codes, one per finding."""
    return [code for rule in payments.RULES for code in [rule.code] * len(rule.find(ctx))]


def outcomes(ctx: Context) -> tuple[list[str], list[str]]:
    assert ctx.matched is not None
    return (
        ctx.matched.aid["outcome"].astype("str").tolist(),
        ctx.matched.bank["outcome"].astype("str").tolist(),
    )


def payments_context(
    aid: list[dict[str, object]], bank: list[dict[str, object]], period: str = "2021-12"
) -> Context:
    return context(aid=aid, bank=bank, files=[{"card_no": CARD}], period=period)


@pytest.mark.parametrize(
    ("aid_date", "outcome", "codes"),
    [
        ("2021-12-22", "在途", []),  # 9 days before the period end
        ("2021-12-21", "在途", []),  # exactly 10 days: the boundary is still 在途
        ("2021-12-20", "未发放", ["R01"]),  # 11 days: outstanding, as before
    ],
)
def test_an_unpaid_record_is_in_transit_for_ten_days(
    aid_date: str, outcome: str, codes: list[str]
) -> None:
    """Planted: JZ001 of ``aid_date``, no transfer at all: 在途 while its age at 2021-12-31 is at
    most 10 days (10 included), R01 from 11 days on."""
    ctx = payments_context(aid=[{"aid_date": aid_date}], bank=[])
    assert outcomes(ctx) == ([outcome], [])
    assert found(ctx) == codes


@pytest.mark.parametrize(
    ("failed_on", "outcome", "codes"),
    [
        ("2021-12-28", "在途", []),  # failed 3 days before the period end
        ("2021-12-16", "失败未重发", ["R19"]),  # failed 15 days before
    ],
)
def test_a_failure_is_in_transit_for_ten_days_from_the_failure(
    failed_on: str, outcome: str, codes: list[str]
) -> None:
    """Planted: JZ001 dated 2021-12-11 (20 days before the period end), its only transfer
    failed on ``failed_on``: the bank re-pays once told of the failure, so the days run from
    the failure — 在途 3 days after it (record and transfer), R19 15 days after."""
    bank = [{"paid_on": failed_on, "status": "失败", "failure_reason": "账户冻结"}]
    ctx = payments_context(aid=[{"aid_date": "2021-12-11"}], bank=bank)
    assert outcomes(ctx) == ([outcome], [outcome])
    assert found(ctx) == codes


def test_every_failure_of_a_record_in_transit_is_in_transit() -> None:
    """Planted: JZ001 of 2021-12-11 failed on 12-13 (18 days before the period end) and again
    on 12-28: the record is 在途 (its last failure is 3 days old), and so is its older failed
    transfer, which alone would be R19 — no finding at all."""
    bank = [
        {"paid_on": "2021-12-13", "status": "失败", "failure_reason": "账户冻结"},
        {"paid_on": "2021-12-28", "status": "失败", "failure_reason": "账户冻结"},
    ]
    ctx = payments_context(aid=[{"aid_date": "2021-12-11"}], bank=bank)
    assert outcomes(ctx) == (["在途"], ["在途", "在途"])
    assert found(ctx) == []


def test_a_failed_transfer_with_no_record_is_in_transit_for_ten_days() -> None:
    """Planted: JZ001 of 03-10 paid on 03-12; failed transfers of 300.00 to 张三 paying no
    record on 12-25 (6 days before the period end: 在途, no R19) and on 12-15 (16 days: R19
    for that transfer alone, bank_payments.xlsx row 4)."""
    failed = {"amount_fen": 30000, "status": "失败", "failure_reason": "账户冻结"}
    bank = [{}, {**failed, "paid_on": "2021-12-25"}, {**failed, "paid_on": "2021-12-15"}]
    ctx = payments_context(aid=[{}], bank=bank)
    assert outcomes(ctx) == (["已到账"], ["已对应", "在途", "失败未重发"])
    r19 = payments.failed_never_repaid(ctx)
    assert r19["lineage"].tolist() == [(row_of("bank_payments", 4),)]
    assert found(ctx) == ["R19"]


def test_a_record_dated_after_the_period_end_is_not_yet_due() -> None:
    """Planted: November is closed; JZ001 of 2021-12-05 (after the period end, a negative
    age) has no transfer: 在途, not R01."""
    ctx = payments_context(aid=[{"aid_date": "2021-12-05"}], bank=[], period="2021-11")
    assert outcomes(ctx) == (["在途"], [])
    assert found(ctx) == []


# --- 对账明细, the bridge and the tally ---------------------------------------------------------

OLD, YOUNG, MIXED, FAILING, LATE = (person(n, name) for n, name in enumerate("甲乙丙丁戊", 1))
STRANGER = person(9, "己")


def planted() -> match.Matched:
    """Matched and relabelled at the end of 2021-12: 甲's A1 of 11-01 unpaid (未发放); 乙's B1
    of 12-25 unpaid (在途, 100.00); 丙's C1 of 03-01 paid and C2 of 12-28 unpaid (在途, 50.00)
    and C3 of 11-02 unpaid (未发放); 丁's D1 of 12-01 whose transfer failed on 12-27 (在途,
    80.00, and its failed transfer); a failed 30.00 to 己 on 12-30 paying no record (在途);
    戊's E1 of 2022-01-03, after the period (在途 but not counted)."""
    aid = [
        aid_row("A1", OLD, 70, "2021-11-01"),
        aid_row("B1", YOUNG, 100, "2021-12-25"),
        aid_row("C1", MIXED, 40, "2021-03-01"),
        aid_row("C2", MIXED, 50, "2021-12-28"),
        aid_row("C3", MIXED, 60, "2021-11-02"),
        aid_row("D1", FAILING, 80, "2021-12-01"),
        aid_row("E1", LATE, 90, "2022-01-03"),
    ]
    bank = [
        bank_row("c1", MIXED.card, 40, "2021-03-02", holder=MIXED.name, id_no=MIXED.id_no),
        bank_row(
            "d1",
            FAILING.card,
            80,
            "2021-12-27",
            holder=FAILING.name,
            id_no=FAILING.id_no,
            failed="账户冻结",
        ),
        bank_row("x1", STRANGER.card, 30, "2021-12-30", holder=STRANGER.name, failed="已销户"),
    ]
    matched = run_match(inputs(aid, bank))
    return match.in_transit(matched, pd.Timestamp("2021-12-31"), 10)


def test_a_row_with_a_record_in_transit_is_in_transit_unless_something_older_is_unpaid() -> None:
    """乙 and 丁 are 在途 (丁's failure too); 丙 is 未发放: C3 is older than the days, whatever
    C2 is; 甲 未发放. Not 金额不符, which the unpaid money would otherwise make of 乙's row."""
    table = reconciliation.reconciliation(planted(), pd.Period("2021-12", freq="M")).table
    assert dict(zip(table["name"], table["status"], strict=True)) == {
        "甲": "未发放",
        "乙": "在途",
        "丙": "未发放",
        "丁": "在途",
    }


def test_the_bridge_counts_in_transit_as_recorded_but_not_paid() -> None:
    """Recorded 400.00, paid 40.00: the 360.00 unpaid — 甲 70, 乙 100, 丙 110, 丁 80 — is all
    “已记录但银行未支付” (rows 未发放 and 在途), none of it “银行少付”."""
    table = reconciliation.reconciliation(planted(), pd.Period("2021-12", freq="M")).table
    bridge = aggregate.payment_bridge(table).set_index("item")
    unpaid = bridge.loc["减：已记录但银行未支付"]
    assert (unpaid["amount_fen"], unpaid["rows"], unpaid["statuses"]) == (-36000, 4, "未发放、在途")
    assert bridge.loc["减：银行少付", "amount_fen"] == 0


def test_the_tally_counts_what_is_in_transit_up_to_the_period_end() -> None:
    """在途 dated up to 12-31: B1 100.00, C2 50.00 and D1 80.00 (E1 of 2022 is not due yet and
    not counted); transfers: 丁's failed 80.00 and 己's 30.00."""
    tally = count_in_transit(planted(), pd.Period("2021-12", freq="M"), 10)
    assert tally == InTransit(
        records=3, amount_fen=23000, transfers=2, transfer_amount_fen=11000, days=10
    )


def test_a_run_shows_in_transit_on_the_cover_in_the_detail_and_in_summary_json(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Planted, April closed: 张三's JZ1 (100.00, 03-05) paid on 03-06 and JZ2 (200.00, 04-25)
    unpaid, 5 days old; a failed 50.00 to 李四 on 04-28, who has no record; two payments to
    王五 (known by the 身份证号 the bank gives), who has no record: 80.00 on 04-27 (its record
    not yet entered) and 90.00 on 04-10, 20 days old. No R01 or R19, one R02 (the 90.00);
    张三's row of 对账明细 is 在途 and not highlighted, and so is 王五's 80.00; 封面 and
    summary.json count one record of 200.00, one failed transfer of 50.00 and one payment of
    80.00, with 发放在途天数 10."""
    jz2 = ["JZ2", *AID_ROW[1:6], "200", "2021-04-25", *AID_ROW[8:]]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW, jz2]})
    bank = [
        ["户名", "账号", "身份证号", "金额", "交易日期", "状态", "失败原因"],
        ["张三", "6217001234567893", None, "100", "2021-03-06", "成功", None],
        ["李四", "6222020200112233", None, "50", "2021-04-28", "失败", "账户冻结"],
        ["王五", "6222020200445566", ID_B, "80", "2021-04-27", "成功", None],
        ["王五", "6222020200445566", ID_B, "90", "2021-04-10", "成功", None],
    ]
    write_xlsx(folder / "bank.xlsx", {"代发": bank})
    out = tmp_path_factory.mktemp("out")
    result = reconcile(Config(folder, out, period="2021-04"))
    payment_findings = result.findings[result.findings["rule"].isin(PAYMENT_RULES)]
    assert payment_findings[["rule", "amount_fen"]].values.tolist() == [["R02", 9000]]
    rows = result.detail.table.set_index("name")
    assert (rows.loc["张三", "status"], rows.loc["张三", "difference_fen"]) == ("在途", -20000)
    assert sorted(rows.loc["王五", "status"]) == ["在途", "无对应记录"]
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["in_transit"] == {
        "records": 1,
        "amount_fen": 20000,
        "transfers": 1,
        "transfer_amount_fen": 5000,
        "days": 10,
        "payments": 1,
        "payment_amount_fen": 8000,
    }
    book = openpyxl.load_workbook(out / "帮扶资金对账_2021-04.xlsx")
    cover = {r[0].value: [c.value for c in r] for r in book["封面"].iter_rows() if r[0].value}
    assert cover["在途记录（不计为异常）"][1:8] == [
        1,
        200,
        "失败待重发 1 笔 50.00 元；已付待录入 1 笔 80.00 元；发放在途天数 10 天",
        None,
        None,
        None,
        None,
    ]
    (highlight,) = [
        rule.formula[0]
        for rules in book["对账明细"].conditional_formatting
        for rule in rules.rules
        if "警告" in rule.formula[0]
    ]
    assert '<>"在途"' in highlight
