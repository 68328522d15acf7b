"""Rules on payments (R01–R06, R19): each has a planted positive and a near miss.

Unless a test says otherwise: 张三 (F001, card 6217001234567893 on file) has one 1,000.00
生活救助 record JZ001 of 2021-03-10 (records.xlsx row 2) paid by card; bank rows default to one
successful 1,000.00 transfer to that card on 2021-03-12 (bank_payments.xlsx row 2).
"""

from __future__ import annotations

import pandas as pd

from pipeline.rules import payments
from tests.builders import context, row_of

CARD = "6217001234567893"
OTHER_CARD = "6222020200112233"
FILE_WITH_CARD = {"card_no": CARD}
CODES = ("R01", "R02", "R03", "R04", "R05", "R06", "R19")


def found(**rows) -> dict[str, pd.DataFrame]:
    """Every payments rule's findings on the context built from ``rows``."""
    ctx = context(files=[FILE_WITH_CARD], **rows)
    return {rule.code: rule.find(ctx) for rule in payments.RULES}


def codes(result: dict[str, pd.DataFrame]) -> list[str]:
    return [code for code in CODES for _ in range(len(result[code]))]


def test_a_clean_one_to_one_payment_finds_nothing() -> None:
    assert codes(found(bank=[{}])) == []


def test_aid_with_no_bank_payment_is_outstanding_but_cash_is_not() -> None:
    """Planted: JZ001 paid by card and never by the bank (R01); JZ002 in cash (no finding)."""
    result = found(aid=[{}, {"pay_method": "现金", "signed": "是", "aid_date": "2021-06-01"}])
    assert codes(result) == ["R01"]
    (finding,) = result["R01"].to_dict("records")
    assert finding["record_id"] == "JZ001"
    assert (finding["amount_fen"], finding["compared_fen"]) == (100000, None)
    assert finding["message"].endswith("没有找到银行发放，1000.00 元未发放")
    assert finding["lineage"] == (row_of("aid_records", 2),)


def test_a_payment_with_no_record_behind_it() -> None:
    """Planted: a second successful transfer of 300.00 to 张三 on 2021-08-01, no record (R02);
    the first transfer pays JZ001 (no finding)."""
    result = found(bank=[{}, {"amount_fen": 30000, "paid_on": "2021-08-01"}])
    assert codes(result) == ["R02"]
    assert result["R02"]["lineage"].tolist() == [(row_of("bank_payments", 3),)]
    assert result["R02"]["amount_fen"].tolist() == [30000]


def test_a_different_amount_is_r03_not_r01_and_r02() -> None:
    """Planted: the bank paid 1,100.00 for the 1,000.00 record: 金额 +100.00 (实发 − 记录),
    比较金额 the 1,000.00 recorded."""
    result = found(bank=[{"amount_fen": 110000}])
    assert codes(result) == ["R03"]
    (finding,) = result["R03"].to_dict("records")
    assert (finding["amount_fen"], finding["compared_fen"]) == (10000, 100000)
    assert finding["message"].endswith("银行实发 1100.00 元，多发 100.00 元")
    assert finding["lineage"] == (row_of("aid_records", 2), row_of("bank_payments", 2))


def test_one_transfer_paying_two_records_of_the_same_day_is_clean() -> None:
    """Near miss for R02/R03: 生活救助 1,000.00 and 送温暖 500.00 on one day, one transfer of
    1,500.00 (N:1)."""
    aid = [{}, {"aid_type": "送温暖", "source": "本级工会经费", "amount_fen": 50000}]
    assert codes(found(aid=aid, bank=[{"amount_fen": 150000}])) == []


def test_holder_name_differs_but_a_student_as_holder_is_fine() -> None:
    """Planted: JZ001 paid to an account held by 李红 (R04). Near miss: JZ002, a 助学救助 for
    the student 张小明, paid to his own account."""
    aid = [
        {},
        {
            "aid_type": "助学救助",
            "student": "张小明",
            "amount_fen": 200000,
            "aid_date": "2021-09-01",
        },
    ]
    bank = [{"holder": "李红"}, {"holder": "张小明", "amount_fen": 200000, "paid_on": "2021-09-02"}]
    result = found(aid=aid, bank=bank)
    assert codes(result) == ["R04"]
    assert result["R04"]["record_id"].tolist() == ["JZ001"]


def test_paid_into_a_card_other_than_the_card_on_file() -> None:
    """Planted: JZ001 paid into 6222020200112233 while the file's card is 6217001234567893."""
    result = found(aid=[{"card_no": OTHER_CARD}], bank=[{"account": OTHER_CARD}])
    assert codes(result) == ["R05"]
    assert OTHER_CARD in result["R05"]["message"].iloc[0]


def test_one_record_paid_twice_by_the_bank() -> None:
    """Planted: two successful 1,000.00 transfers for JZ001 (03-12 and 03-20)."""
    result = found(bank=[{}, {"paid_on": "2021-03-20"}])
    assert codes(result) == ["R06"]
    (finding,) = result["R06"].to_dict("records")
    assert (finding["amount_fen"], finding["compared_fen"]) == (100000, 100000)
    assert "共实发 2000.00 元，多发 1000.00 元" in finding["message"]
    assert finding["lineage"] == (
        row_of("aid_records", 2),
        row_of("bank_payments", 2),
        row_of("bank_payments", 3),
    )


def test_two_records_alike_within_the_duplicate_days() -> None:
    """Planted: JZ002 is JZ001 again 15 days later (R06 for JZ002's 1,000.00 against JZ001's,
    with both records in the lineage). Near miss: JZ003 the same again 16 days after JZ002."""
    aid = [{}, {"aid_date": "2021-03-25"}, {"aid_date": "2021-04-10"}]
    bank = [{}, {"paid_on": "2021-03-26"}, {"paid_on": "2021-04-11"}]
    result = found(aid=aid, bank=bank)
    assert codes(result) == ["R06"]
    (finding,) = result["R06"].to_dict("records")
    assert finding["record_id"] == "JZ002"
    assert (finding["amount_fen"], finding["compared_fen"]) == (100000, 100000)
    assert finding["lineage"] == (row_of("aid_records", 2), row_of("aid_records", 3))


def test_a_failure_never_repaid_and_a_failure_repaid() -> None:
    """Planted: JZ001's transfer failed (户名不符) and was never re-paid: R19 only, for the
    1,000.00 unpaid — one cause, not also R01. Near miss: JZ002's failed transfer was re-paid
    a week later (neither R01 nor R19)."""
    aid = [{}, {"amount_fen": 80000, "aid_date": "2021-06-01"}]
    bank = [
        {"status": "失败", "failure_reason": "户名不符"},
        {
            "amount_fen": 80000,
            "paid_on": "2021-06-02",
            "status": "失败",
            "failure_reason": "账户冻结",
        },
        {"amount_fen": 80000, "paid_on": "2021-06-09"},
    ]
    result = found(aid=aid, bank=bank)
    assert codes(result) == ["R19"]
    (finding,) = result["R19"].to_dict("records")
    assert (finding["record_id"], finding["amount_fen"]) == ("JZ001", 100000)
    assert finding["lineage"] == (row_of("aid_records", 2), row_of("bank_payments", 2))
    assert finding["message"] == (
        "救助编号 JZ001（生活救助 1000.00 元）银行发放失败（户名不符），此后未再成功发放，"
        "1000.00 元未发放"
    )


def test_a_record_that_failed_twice_is_one_r19() -> None:
    """Planted: JZ001's transfers of 03-12 (账户冻结) and 04-12 (已销户) both failed, none
    succeeded: one R19 for the 1,000.00 (not two, not R01), tracing both transfers."""
    bank = [
        {"status": "失败", "failure_reason": "账户冻结"},
        {"status": "失败", "failure_reason": "已销户", "paid_on": "2021-04-12"},
    ]
    result = found(bank=bank)
    assert codes(result) == ["R19"]
    (finding,) = result["R19"].to_dict("records")
    assert finding["amount_fen"] == 100000
    assert "银行发放 2 次均失败（账户冻结、已销户）" in finding["message"]
    assert finding["lineage"] == (
        row_of("aid_records", 2),
        row_of("bank_payments", 2),
        row_of("bank_payments", 3),
    )


def test_a_failed_transfer_with_no_record_is_r19_for_the_transfer() -> None:
    """Planted: besides JZ001's own transfer, a failed 300.00 to 张三 on 08-01 that pays no
    record: R19 for the transfer's 300.00, traced to the bank row alone."""
    result = found(bank=[{}, {"status": "失败", "amount_fen": 30000, "paid_on": "2021-08-01"}])
    assert codes(result) == ["R19"]
    (finding,) = result["R19"].to_dict("records")
    assert (finding["amount_fen"], finding["name"]) == (30000, "张三")
    assert finding["lineage"] == (row_of("bank_payments", 3),)


def test_a_failure_never_repaid_names_the_record_it_was_for() -> None:
    """Planted: JZ001's only transfer failed; the R19 finding carries JZ001's details."""
    result = found(bank=[{"status": "失败", "failure_reason": "账户冻结"}])
    (finding,) = result["R19"].to_dict("records")
    assert (finding["record_id"], finding["source"], finding["aid_type"], finding["name"]) == (
        "JZ001",
        "中央财政专项帮扶资金",
        "生活救助",
        "张三",
    )


# --- real payment patterns: a combined transfer, a batch, instalments (issue: no false alarm) ---

UNION = {"source": "本级工会经费"}
LIVING_DEC = {"amount_fen": 150000, "aid_date": "2021-12-01"}
WARMTH = {**UNION, "aid_type": "送温暖", "amount_fen": 100000, "aid_date": "2021-12-15"}
OTHER = {**UNION, "aid_type": "其他帮扶", "amount_fen": 50000, "aid_date": "2021-12-15"}


def test_a_combined_transfer_beside_an_equal_record_is_not_a_second_payment() -> None:
    """Clean: JZ001 生活救助 1,500.00 (12-01) paid by its own transfer on 12-02; JZ002 送温暖
    1,000.00 + JZ003 其他帮扶 500.00 (12-15) paid by one transfer of 1,500.00 on 12-16, which
    equals JZ001 too. Nothing is found: no R06 for JZ001, no R01 for JZ002 and JZ003."""
    bank = [{"amount_fen": 150000, "paid_on": "2021-12-02"}]
    bank.append({"amount_fen": 150000, "paid_on": "2021-12-16"})
    assert codes(found(aid=[LIVING_DEC, WARMTH, OTHER], bank=bank)) == []


def test_a_combined_transfer_one_fen_off_is_one_r03() -> None:
    """Near miss: the combined transfer is 1,499.99. One R03 for JZ002 and JZ003 together
    (1,500.00 recorded, 1,499.99 paid), tracing both records and the transfer; JZ001 clean."""
    bank = [{"amount_fen": 150000, "paid_on": "2021-12-02"}]
    bank.append({"amount_fen": 149999, "paid_on": "2021-12-16"})
    result = found(aid=[LIVING_DEC, WARMTH, OTHER], bank=bank)
    assert codes(result) == ["R03"]
    (finding,) = result["R03"].to_dict("records")
    assert (finding["record_id"], finding["amount_fen"], finding["compared_fen"]) == (
        "JZ002、JZ003",
        -1,
        150000,
    )
    assert finding["message"].endswith("银行实发 1499.99 元，少发 0.01 元")
    assert finding["lineage"] == (
        row_of("aid_records", 3),
        row_of("aid_records", 4),
        row_of("bank_payments", 3),
    )


BATCH = [
    {**WARMTH, "amount_fen": 80000, "aid_date": "2021-12-14"},
    {**OTHER, "amount_fen": 30000, "aid_date": "2021-12-17"},
]


def test_one_transfer_paying_records_of_different_days_is_clean() -> None:
    """Clean: 送温暖 800.00 of 12-14 and 其他帮扶 300.00 of 12-17 paid by one 1,100.00 on 12-20."""
    assert codes(found(aid=BATCH, bank=[{"amount_fen": 110000, "paid_on": "2021-12-20"}])) == []


def test_a_batch_with_one_record_outside_the_window() -> None:
    """Near miss: the 送温暖 is dated 10-01, 80 days before the transfer (the window reaches 60
    days back): it is unpaid (R01) and the 1,100.00 pays the 300.00 record (R03 for the 800.00
    paid more)."""
    aid = [{**BATCH[0], "aid_date": "2021-10-01"}, BATCH[1]]
    result = found(aid=aid, bank=[{"amount_fen": 110000, "paid_on": "2021-12-20"}])
    assert codes(result) == ["R01", "R03"]
    assert result["R01"]["record_id"].tolist() == ["JZ001"]
    assert result["R03"][["record_id", "amount_fen", "compared_fen"]].values.tolist() == [
        ["JZ002", 80000, 30000]
    ]


STUDY = {"aid_type": "助学救助", "amount_fen": 400000, "aid_date": "2021-09-01"}


def test_instalments_adding_up_to_the_record_are_clean() -> None:
    """Clean: 助学救助 4,000.00 of 09-01 paid 2,000.00 on 09-03 and 2,000.00 on 10-08."""
    bank = [{"amount_fen": 200000, "paid_on": "2021-09-03"}]
    bank.append({"amount_fen": 200000, "paid_on": "2021-10-08"})
    assert codes(found(aid=[STUDY], bank=bank)) == []


def test_instalments_one_fen_short_are_one_r03() -> None:
    """Near miss: the second instalment is 1,999.99: one R03 (−0.01: 3,999.99 paid in two
    transfers against 4,000.00 recorded), no R02 for the second instalment."""
    bank = [{"amount_fen": 200000, "paid_on": "2021-09-03"}]
    bank.append({"amount_fen": 199999, "paid_on": "2021-10-08"})
    result = found(aid=[STUDY], bank=bank)
    assert codes(result) == ["R03"]
    (finding,) = result["R03"].to_dict("records")
    assert (finding["amount_fen"], finding["compared_fen"]) == (-1, 400000)
    assert "分 2 笔" in finding["message"]
    assert finding["lineage"] == (
        row_of("aid_records", 2),
        row_of("bank_payments", 2),
        row_of("bank_payments", 3),
    )


def test_a_transfer_nothing_else_explains_is_still_a_second_payment() -> None:
    """Planted: JZ001 paid 1,000.00 on 03-12 and again on 03-20; JZ002 (送温暖 300.00 of
    03-10) is paid by its own transfer, so nothing else explains the second 1,000.00: R06."""
    aid = [{}, {**UNION, "aid_type": "送温暖", "amount_fen": 30000}]
    bank = [{}, {"paid_on": "2021-03-20"}, {"amount_fen": 30000, "paid_on": "2021-03-11"}]
    result = found(aid=aid, bank=bank)
    assert codes(result) == ["R06"]
    assert result["R06"]["record_id"].tolist() == ["JZ001"]


def test_a_combined_transfer_equal_to_a_record_whose_own_transfer_failed() -> None:
    """Planted: JZ001 生活救助 1,500.00 (12-01): its transfer of 12-02 failed (账户冻结) and was
    never re-paid; JZ002 + JZ003 (12-15) are paid together by 1,500.00 on 12-16, which equals
    JZ001 too. The fewest unexplained: the 1,500.00 pays JZ002 and JZ003, and JZ001 is the
    one unpaid, its failure never re-paid (R19) — not JZ002 and JZ003 unpaid."""
    bank = [{"amount_fen": 150000, "paid_on": "2021-12-02", "status": "失败"}]
    bank[0]["failure_reason"] = "账户冻结"
    bank.append({"amount_fen": 150000, "paid_on": "2021-12-16"})
    result = found(aid=[LIVING_DEC, WARMTH, OTHER], bank=bank)
    assert codes(result) == ["R19"]
    assert result["R19"][["record_id", "amount_fen"]].values.tolist() == [["JZ001", 150000]]
