"""Rules on funds (R20–R23): each has a planted positive and a near miss.

The ledger rows default to 中央财政 2021 上级拨入 1,000.00 on 2021-03-01 (fund_ledger.xlsx rows 2,
3, …); the aid record defaults to 1,000.00 生活救助 from 中央财政 on 2021-03-10. The period is
2021-12 unless a test says otherwise.
"""

from __future__ import annotations

from pipeline.rules import funds
from tests.builders import context, row_of, rule_findings

JINQIU = "省总金秋助学资金"  # deadline 当年12-31
UNION = "本级工会经费"  # no deadline
CENTRAL = "中央财政专项帮扶资金"  # deadline 次年02-28
PROVINCE = "省财政专项帮扶资金"  # deadline 次年02-28
# 金秋 2021 (1,000.00 received, deadline 2021-12-31) spends 600.00 on 2021-09-01
JINQIU_SPENT = {
    "source": JINQIU,
    "aid_type": "助学救助",
    "amount_fen": 60000,
    "aid_date": "2021-09-01",
}


def test_money_left_after_its_deadline() -> None:
    """Planted: 金秋 2021 received 1,000.00, spent 600.00 by its deadline 2021-12-31 (R20 for
    400.00). Near miss: 中央 2021 has 500.00 left but its deadline 2022-02-28 is ahead."""
    ctx = context(
        aid=[JINQIU_SPENT, {"amount_fen": 50000}],
        ledger=[{"source": JINQIU}, {}],
    )
    result = rule_findings(funds.RULES, "R20", ctx)
    assert result[["source", "amount_fen"]].values.tolist() == [[JINQIU, 40000]]
    assert result["compared_fen"].isna().all()
    assert result["lineage"].tolist() == [(row_of("fund_ledger", 2),)]
    assert "2021-12-31" in result["message"].iloc[0]
    assert "仍余 400.00 元 未用完" in result["message"].iloc[0]


def test_deadline_ahead_at_an_earlier_period_is_no_finding() -> None:
    """Near miss: the same 金秋 balance closed in November, before the deadline."""
    ctx = context(
        aid=[JINQIU_SPENT],
        ledger=[{"source": JINQIU}],
        period="2021-11",
    )
    assert rule_findings(funds.RULES, "R20", ctx).empty


def test_year_end_balance_that_may_carry_over_needs_its_document() -> None:
    """Planted: 本级 ends 2021 with 1,000.00 and no 结转下年 document (R21). Near miss: the
    same with a 结转下年 of 1,000.00 under 裕工字〔2021〕48号; and the same in November."""
    ledger = [{"source": UNION, "category": "本级安排"}]
    aid = [{"aid_date": "2021-03-10"}]
    flagged = rule_findings(
        funds.RULES, "R21", context(aid=aid, ledger=[*ledger, {}], carry_over=[UNION])
    )
    assert flagged[["source", "amount_fen", "compared_fen"]].values.tolist() == [
        [UNION, 100000, 100000]
    ]
    documented = ledger + [
        {
            "source": UNION,
            "category": "结转下年",
            "booked_on": "2021-12-31",
            "document_no": "裕工字〔2021〕48号",
        },
        {},
    ]
    assert rule_findings(
        funds.RULES, "R21", context(aid=aid, ledger=documented, carry_over=[UNION])
    ).empty
    november = context(aid=aid, ledger=[*ledger, {}], carry_over=[UNION], period="2021-11")
    assert rule_findings(funds.RULES, "R21", november).empty


def test_a_carry_over_document_for_part_of_the_balance() -> None:
    """Planted: 本级 ends 2021 with 1,000.00, of which 600.00 carry over under 裕工字〔2021〕48号:
    R21 for the 400.00 not covered, against the balance of 1,000.00."""
    ledger = [
        {"source": UNION, "category": "本级安排"},
        {
            "source": UNION,
            "category": "结转下年",
            "amount_fen": 60000,
            "booked_on": "2021-12-31",
            "document_no": "裕工字〔2021〕48号",
        },
        {},
    ]
    ctx = context(aid=[{"aid_date": "2021-03-10"}], ledger=ledger, carry_over=[UNION])
    result = rule_findings(funds.RULES, "R21", ctx)
    assert result[["source", "amount_fen", "compared_fen"]].values.tolist() == [
        [UNION, 40000, 100000]
    ]
    assert "其中 400.00 元 没有结转下年的批复文件" in result["message"].iloc[0]


def test_a_year_end_balance_that_may_not_carry_over_is_to_be_returned() -> None:
    """Planted: 本级 (可结转 否 here, no 使用期限) ends 2021 with 1,000.00: R21 for 1,000.00,
    against 1,000.00, saying it is to be returned (上缴或调出). Near misses: 中央 (可结转 否,
    deadline 2022-02-28 still ahead) keeps 500.00, to be spent until then: no finding; 金秋
    (可结转 否, deadline 2021-12-31 passed) keeps 400.00: R20's alone; 本级's balance returned
    by a 调出 of 1,000.00: nothing left to flag."""
    aid = [JINQIU_SPENT, {"amount_fen": 50000}]
    ledger = [{"source": UNION, "category": "本级安排"}, {"source": JINQIU}, {}]
    ctx = context(aid=aid, ledger=ledger)
    result = rule_findings(funds.RULES, "R21", ctx)
    assert result[["source", "amount_fen", "compared_fen"]].values.tolist() == [
        [UNION, 100000, 100000]
    ]
    assert result["lineage"].tolist() == [(row_of("fund_ledger", 2),)]
    assert result["message"].tolist() == [
        "本级工会经费 2021 年度资金不得结转（参数·资金来源 可结转 否，且不限使用期限），"
        "年末结余 1000.00 元 应上缴或调出"
    ]
    assert rule_findings(funds.RULES, "R20", ctx)[["source", "amount_fen"]].values.tolist() == [
        [JINQIU, 40000]
    ]
    returned = [*ledger, {"source": UNION, "category": "调出", "booked_on": "2021-12-20"}]
    assert rule_findings(funds.RULES, "R21", context(aid=aid, ledger=returned)).empty


def test_money_past_its_deadline_that_may_carry_over_is_r20_alone() -> None:
    """Planted: 金秋 2021 (deadline 2021-12-31, 可结转 是) keeps 400.00 at the year end with no
    结转下年 document: one finding, R20, whose message says no document covers it — not R21
    for the same 400.00 again."""
    ctx = context(
        aid=[JINQIU_SPENT],
        ledger=[{"source": JINQIU}],
        carry_over=[JINQIU],
    )
    late = rule_findings(funds.RULES, "R20", ctx)
    assert late[["source", "amount_fen"]].values.tolist() == [[JINQIU, 40000]]
    assert (
        late["message"]
        .iloc[0]
        .endswith("仍余 400.00 元 未用完，其中 400.00 元 没有结转下年的批复文件")
    )
    assert rule_findings(funds.RULES, "R21", ctx).empty


def test_opening_balance_against_last_years_closing() -> None:
    """Planted: 中央 brought 400.00 forward (上年结转) but last year closed at 500.00 (R22).
    Near miss: 本级 brought 300.00 forward and closed at 300.00; no history → no check."""
    ledger = [
        {"category": "上年结转", "amount_fen": 40000, "booked_on": "2021-01-05"},
        {"source": UNION, "category": "上年结转", "amount_fen": 30000, "booked_on": "2021-01-05"},
        {},
    ]
    previous = {CENTRAL: 50000, UNION: 30000}
    result = rule_findings(funds.RULES, "R22", context(ledger=ledger, previous_closing=previous))
    assert result[["source", "amount_fen", "compared_fen"]].values.tolist() == [
        [CENTRAL, -10000, 50000]
    ]
    assert "比上年期末结余 500.00 元少 100.00 元" in result["message"].iloc[0]
    assert row_of("fund_ledger", 2) in result["lineage"].iloc[0]
    assert rule_findings(funds.RULES, "R22", context(ledger=ledger, previous_closing=None)).empty


def test_a_source_of_last_year_absent_this_year() -> None:
    """Planted: last year 本级 closed at 300.00, and this year's ledger has no 本级 row at all:
    R22 for −300.00 (本年上年结转 0.00), against 300.00, with no ledger row behind it. Near
    misses: 中央 brought its 500.00 forward; 省财政 closed at 0.00 and is absent too."""
    ledger = [{"category": "上年结转", "amount_fen": 50000, "booked_on": "2021-01-05"}, {}]
    previous = {CENTRAL: 50000, UNION: 30000, PROVINCE: 0}
    result = rule_findings(funds.RULES, "R22", context(ledger=ledger, previous_closing=previous))
    assert result[["source", "amount_fen", "compared_fen"]].values.tolist() == [
        [UNION, -30000, 30000]
    ]
    assert result["lineage"].tolist() == [()]
    assert result["message"].tolist() == [
        "本级工会经费 本年上年结转 0.00 元，比上年期末结余 300.00 元少 300.00 元"
    ]


def test_book_balance_differs_from_the_computed_one_by_a_fen() -> None:
    """Planted: 中央 received 1,000.00 and spent 1,000.00 (closing 0), yet the books say 0.01
    (R23 for −0.01, computed − declared, against the declared 0.01). Near miss: a book balance
    of exactly 0.00."""
    book = {"category": "账面余额", "booked_on": "2021-12-31"}
    off = rule_findings(funds.RULES, "R23", context(ledger=[{}, {**book, "amount_fen": 1}]))
    assert off[["amount_fen", "compared_fen"]].values.tolist() == [[-1, 1]]
    assert "比登记的账面余额 0.01 元少 0.01 元" in off["message"].iloc[0]
    assert rule_findings(funds.RULES, "R23", context(ledger=[{}, {**book, "amount_fen": 0}])).empty


def test_book_balance_of_20001_against_20000_computed_is_a_difference_of_one_yuan() -> None:
    """Planted: 中央 received 21,000.00 and spent 1,000.00 (computed 20,000.00) while the books
    say 20,001.00: 金额 is the difference −1.00, not the book balance; 比较金额 20,001.00."""
    ledger = [
        {"amount_fen": 2_100_000},
        {"category": "账面余额", "booked_on": "2021-12-31", "amount_fen": 2_000_100},
    ]
    off = rule_findings(funds.RULES, "R23", context(ledger=ledger))
    assert off[["amount_fen", "compared_fen"]].values.tolist() == [[-100, 2_000_100]]
    assert (
        off["message"]
        .iloc[0]
        .endswith("按收支计算的余额 20000.00 元，比登记的账面余额 20001.00 元少 1.00 元")
    )
