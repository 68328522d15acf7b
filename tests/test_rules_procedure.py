"""Rules R15–R18 (pipeline.rules.procedure) on tiny tables built in code.

Working days are Chinese ones: after 2021-09-01 the 30th working day is 2021-10-19 and the
31st 2021-10-20 (中秋 09-19..21 and 国庆 10-01..07 off; Saturday 09-18, Sunday 09-26 and Saturday
10-09 worked).

Planted, per test: cash with 签收 否 and with 签收 empty (R15) against cash signed 是 and card
payments; entered on the 31st working day after the aid (R16) against the 30th; aid on the
31st working day after the application (R17) against the 30th; a 录入时限 of 5 from the
parameters; 公示 a day after the aid (R18) against on the aid day and no 公示日期.
"""

from __future__ import annotations

from pipeline.rules.procedure import RULES
from tests.builders import context, row_of, rule_findings

CASH = {"pay_method": "现金"}


def test_cash_without_signature() -> None:
    found = rule_findings(
        RULES, "R15", context(aid=[{**CASH, "signed": "否"}, CASH, {**CASH, "signed": "是"}, {}])
    )
    assert found["record_id"].tolist() == ["JZ001", "JZ002"]
    assert found["lineage"].tolist() == [(row_of("aid_records", 2),), (row_of("aid_records", 3),)]
    assert "“否”" in found["message"][0] and "“未填”" in found["message"][1]


def test_entered_on_the_31st_working_day() -> None:
    aid = [
        {"aid_date": "2021-09-01", "entered_on": "2021-10-20"},
        {"aid_date": "2021-09-01", "entered_on": "2021-10-19"},
        {"aid_date": "2021-09-01", "entered_on": None},
    ]
    found = rule_findings(RULES, "R16", context(aid=aid))
    assert found["record_id"].tolist() == ["JZ001"]
    assert "31 个工作日" in found["message"][0] and "30 个工作日的时限" in found["message"][0]


def test_entry_limit_is_a_parameter() -> None:
    aid = [{"aid_date": "2021-09-30", "entered_on": "2021-10-08"}]  # one working day: 国庆
    assert rule_findings(RULES, "R16", context(aid=aid, standards={"录入时限工作日": 1})).empty
    assert len(rule_findings(RULES, "R16", context(aid=aid, standards={"录入时限工作日": 0}))) == 1


def test_aid_on_the_31st_working_day_after_application() -> None:
    aid = [
        {"applied_on": "2021-09-01", "aid_date": "2021-10-20", "entered_on": "2021-10-20"},
        {"applied_on": "2021-09-01", "aid_date": "2021-10-19", "entered_on": "2021-10-20"},
    ]
    found = rule_findings(RULES, "R17", context(aid=aid))
    assert found["record_id"].tolist() == ["JZ001"]
    assert "2021-09-01 申请" in found["message"][0]


def test_announced_after_the_aid() -> None:
    aid = [
        {"announced_on": "2021-03-11"},
        {"announced_on": "2021-03-10"},
        {"announced_on": None},
    ]
    found = rule_findings(RULES, "R18", context(aid=aid))
    assert found["record_id"].tolist() == ["JZ001"]
    assert "公示日期 2021-03-11 晚于救助日期" in found["message"][0]
