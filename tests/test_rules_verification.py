"""Rules R13–R14 (pipeline.rules.verification) on tiny tables built in code.

Planted, per test: 医疗救助 of 2021 with a 2019 settlement only (R13) against one with a 2020
settlement (the year before counts) and 生活救助 without any (not R13's business); aid on
2021-03-10 with a civil check of 2020-03-09, one day too old (R14), against one of 2020-03-10,
exactly 12 months before; a check dated after the aid; a person with no check; a latest check
that concluded 不符合 after an earlier 符合; 送温暖 without a check (not means-tested).
"""

from __future__ import annotations

import pytest

from pipeline.rules.verification import RULES
from tests.builders import context, row_of, rule_findings

MEDICAL = {"aid_type": "医疗救助"}


# --- R13 -----------------------------------------------------------------------------------


def test_medical_aid_without_a_settlement_of_this_or_last_year() -> None:
    found = rule_findings(RULES, "R13", context(aid=[MEDICAL], medical=[{"year": 2019}]))
    assert found["record_id"].tolist() == ["JZ001"]
    assert found["lineage"].tolist() == [(row_of("aid_records", 2),)]
    assert "2021 年或 2020 年" in found["message"][0]


def test_last_years_settlement_counts() -> None:
    assert rule_findings(RULES, "R13", context(aid=[MEDICAL], medical=[{"year": 2020}])).empty


def test_other_aid_needs_no_settlement() -> None:
    assert rule_findings(RULES, "R13", context(aid=[{}])).empty


# --- R14 -----------------------------------------------------------------------------------


def test_civil_check_one_day_older_than_twelve_months() -> None:
    found = rule_findings(RULES, "R14", context(civil=[{"checked_on": "2020-03-09"}]))
    assert found["record_id"].tolist() == ["JZ001"]
    assert found["lineage"][0] == (row_of("aid_records", 2), row_of("civil_checks", 2))
    assert "2020-03-09" in found["message"][0] and "12 个月" in found["message"][0]


def test_civil_check_exactly_twelve_months_before_is_valid() -> None:
    assert rule_findings(RULES, "R14", context(civil=[{"checked_on": "2020-03-10"}])).empty


def test_check_valid_months_is_a_parameter() -> None:
    ctx = context(civil=[{"checked_on": "2020-09-09"}], standards={"核对有效期月数": 6})
    assert rule_findings(RULES, "R14", ctx)["record_id"].tolist() == ["JZ001"]


def test_a_check_after_the_aid_does_not_count() -> None:
    found = rule_findings(RULES, "R14", context(civil=[{"checked_on": "2021-03-11"}]))
    assert found["lineage"].tolist() == [(row_of("aid_records", 2),)]
    assert "没有" in found["message"][0]


def test_a_person_without_any_check() -> None:
    assert rule_findings(RULES, "R14", context(civil=[]))["record_id"].tolist() == ["JZ001"]


def test_latest_check_concluded_not_eligible() -> None:
    civil = [
        {"checked_on": "2021-01-10"},
        {"checked_on": "2021-02-01", "conclusion": "不符合", "rejection_reason": "名下有机动车"},
    ]
    found = rule_findings(RULES, "R14", context(civil=civil))
    assert found["lineage"][0] == (row_of("aid_records", 2), row_of("civil_checks", 3))
    assert "不符合（名下有机动车）" in found["message"][0]


@pytest.mark.parametrize("refused_first", [True, False])
def test_of_two_checks_on_one_day_not_eligible_wins(refused_first: bool) -> None:
    """Planted: two checks of 2021-02-01 for 张三, one 符合 and one 不符合 (多套住房), in either
    order in the sheet: R14 names the 不符合 one."""
    refused = {"checked_on": "2021-02-01", "conclusion": "不符合", "rejection_reason": "多套住房"}
    eligible = {"checked_on": "2021-02-01"}
    civil = [refused, eligible] if refused_first else [eligible, refused]
    found = rule_findings(RULES, "R14", context(civil=civil))
    refused_row = 2 if refused_first else 3
    assert found["lineage"].tolist() == [
        (row_of("aid_records", 2), row_of("civil_checks", refused_row))
    ]
    assert "不符合（多套住房）" in found["message"][0]


def test_holiday_visits_are_not_means_tested() -> None:
    aid = [{"aid_type": "送温暖", "source": "本级工会经费"}]
    assert rule_findings(RULES, "R14", context(aid=aid, civil=[])).empty
