"""Rules R10–R12 (pipeline.rules.limits) on tiny tables built in code.

The 低保 standard of region 341503 is 620.00 until 2021-06-30 and 659.00 from 2021-07-01, so
the 2021 生活救助 limit of a household is 6 × 620 + 6 × 659 = 7,674.00 (× 12/12).

金额 is the amount above the limit, 比较金额 the limit. Planted, per test: a household one
fen over 7,674.00 (R10: 0.01 against 7,674.00) against exactly 7,674.00; two people
of one file adding up; a limit of 7 months of 659.01 (2,306.535 → 2,306.53, rounded down) one
fen over and exactly at it; a region without a standard (no finding); a non-filed person judged
by the region of the 身份证号; a student one fen over 10 × 659.00 (R11) against exactly at it;
the standard in force on the latest aid date (620.00 on 06-30, 659.00 on 07-01); two students of
one parent apart; 医疗救助 one fen over 50 % of 个人自付 10,000.01 (5,000.00, rounded down) (R12)
against exactly at it; the cap of 15,000.00; last year's settlement used when this year's is
missing; no settlement at all (R13's business, no R12 finding).
"""

from __future__ import annotations

from pipeline.rules.limits import RULES
from tests.builders import ID_B, ID_ELSEWHERE, context, row_of, rule_findings

YEAR_LIMIT = 767400  # fen: 6 × 620.00 + 6 × 659.00


def living(*amounts: int, **extra: object) -> list[dict[str, object]]:
    """生活救助 records of 张三 (F001), one a month from January."""
    return [
        {"amount_fen": fen, "aid_date": f"2021-{m:02d}-10", **extra}
        for m, fen in enumerate(amounts, 1)
    ]


# --- R10 -----------------------------------------------------------------------------------


def test_household_one_fen_over_its_yearly_limit() -> None:
    found = rule_findings(RULES, "R10", context(aid=living(400000, 367401)))
    assert found["record_id"].tolist() == ["JZ002"]  # the record with which it went over
    assert found["amount_fen"].tolist() == [1]  # the amount above the limit
    assert found["compared_fen"].tolist() == [YEAR_LIMIT]
    assert found["lineage"][0] == (
        row_of("aid_records", 2),
        row_of("aid_records", 3),
        row_of("worker_files", 2),
    )
    message = found["message"][0]
    assert "7674.01 元" in message and "7674.00 元" in message and "F001" in message
    assert "超出 0.01 元" in message


def test_household_exactly_at_its_limit_is_not_a_finding() -> None:
    assert rule_findings(RULES, "R10", context(aid=living(400000, 367400))).empty


def test_two_people_of_one_file_are_one_household() -> None:
    aid = [*living(400000), {"name": "李四", "id_no": ID_B, "amount_fen": 367401}]
    found = rule_findings(RULES, "R10", context(aid=aid))
    assert found["amount_fen"].tolist() == [1]


def test_limit_months_are_rounded_down_to_the_fen() -> None:
    dibao = [{"region_code": "341503", "effective_on": "2021-07-01", "monthly_fen": 65901}]
    standards = {"生活救助年度上限月数": 7}  # 6 × 659.01 × 7 / 12 = 2306.535
    over = context(aid=living(230654), dibao=dibao, standards=standards)
    at = context(aid=living(230653), dibao=dibao, standards=standards)
    assert rule_findings(RULES, "R10", over)["compared_fen"].tolist() == [230653]
    assert rule_findings(RULES, "R10", at).empty


def test_region_without_a_standard_gives_no_finding() -> None:
    files = [{"region_code": "110101"}]
    assert rule_findings(RULES, "R10", context(aid=living(9999999), files=files)).empty


def test_non_filed_person_is_judged_by_the_region_of_the_id() -> None:
    person = {"file_no": None, "source": "本级工会经费"}
    there = context(aid=living(400000, 367401, **person), files=[])
    elsewhere = context(aid=living(400000, 367401, **person, id_no=ID_ELSEWHERE), files=[])
    found = rule_findings(RULES, "R10", there)
    assert found["amount_fen"].tolist() == [1]
    assert "未建档" in found["message"][0]
    assert found["lineage"][0] == (row_of("aid_records", 2), row_of("aid_records", 3))
    assert rule_findings(RULES, "R10", elsewhere).empty


def test_each_calendar_year_has_its_own_limit() -> None:
    aid = [
        {"amount_fen": 700000, "aid_date": "2021-12-20"},
        {"amount_fen": 700000, "aid_date": "2022-01-05"},
    ]
    assert rule_findings(RULES, "R10", context(aid=aid)).empty


# --- R11 -----------------------------------------------------------------------------------


def study(*rows: tuple[str, int], student: str = "张小明") -> list[dict[str, object]]:
    return [
        {"aid_type": "助学救助", "student": student, "aid_date": day, "amount_fen": fen}
        for day, fen in rows
    ]


def test_student_one_fen_over_ten_months_of_the_standard() -> None:
    found = rule_findings(
        RULES, "R11", context(aid=study(("2021-03-01", 300000), ("2021-09-01", 359001)))
    )
    assert found["record_id"].tolist() == ["JZ002"]
    assert (found["amount_fen"][0], found["compared_fen"][0]) == (1, 659000)
    assert "张小明" in found["message"][0] and "659.00 元" in found["message"][0]
    assert found["lineage"][0] == (
        row_of("aid_records", 2),
        row_of("aid_records", 3),
        row_of("worker_files", 2),
    )


def test_student_exactly_at_the_limit_is_not_a_finding() -> None:
    assert rule_findings(
        RULES, "R11", context(aid=study(("2021-03-01", 300000), ("2021-09-01", 359000)))
    ).empty


def test_standard_in_force_on_the_latest_aid_date() -> None:
    before = context(aid=study(("2021-03-01", 300000), ("2021-06-30", 329000)))
    after = context(aid=study(("2021-03-01", 300000), ("2021-07-01", 329000)))
    assert rule_findings(RULES, "R11", before)["compared_fen"].tolist() == [620000]
    assert rule_findings(RULES, "R11", after).empty


def test_two_students_of_one_parent_have_a_limit_each() -> None:
    aid = study(("2021-09-01", 400000)) + study(("2021-09-01", 400000), student="张小红")
    assert rule_findings(RULES, "R11", context(aid=aid)).empty


# --- R12 -----------------------------------------------------------------------------------


def medical(*amounts: int, year: int = 2021) -> list[dict[str, object]]:
    return [
        {"aid_type": "医疗救助", "aid_date": f"{year}-0{m}-10", "amount_fen": fen}
        for m, fen in enumerate(amounts, 1)
    ]


def test_medical_aid_one_fen_over_half_the_self_paid_share() -> None:
    checks = [{"self_paid_fen": 1000001}]  # 50 % = 5000.005 → 5000.00
    found = rule_findings(RULES, "R12", context(aid=medical(300000, 200001), medical=checks))
    assert (found["amount_fen"][0], found["compared_fen"][0]) == (1, 500000)
    assert found["lineage"][0] == (
        row_of("aid_records", 2),
        row_of("aid_records", 3),
        row_of("medical_checks", 2),
    )
    assert "10000.01 元" in found["message"][0]


def test_medical_aid_exactly_at_the_share_is_not_a_finding() -> None:
    checks = [{"self_paid_fen": 1000001}]
    assert rule_findings(RULES, "R12", context(aid=medical(300000, 200000), medical=checks)).empty


def test_medical_aid_above_the_cap() -> None:
    checks = [{"self_paid_fen": 4000000}]  # 50 % = 20,000.00, capped at 15,000.00
    assert rule_findings(RULES, "R12", context(aid=medical(1500000), medical=checks)).empty
    found = rule_findings(RULES, "R12", context(aid=medical(1500001), medical=checks))
    assert found["compared_fen"].tolist() == [1500000]
    over = rule_findings(RULES, "R12", context(aid=medical(1000000, 800000), medical=checks))
    assert over[["amount_fen", "compared_fen"]].values.tolist() == [[300000, 1500000]]
    assert "合计 18000.00 元" in over["message"][0] and "超出 3000.00 元" in over["message"][0]


def test_last_years_settlement_is_used_when_this_years_is_missing() -> None:
    checks = [{"year": 2020, "self_paid_fen": 200000}, {"year": 2019, "self_paid_fen": 9000000}]
    found = rule_findings(RULES, "R12", context(aid=medical(100001), medical=checks))
    assert found["compared_fen"].tolist() == [100000]
    assert found["lineage"][0][-1] == row_of("medical_checks", 2)


def test_without_a_settlement_there_is_no_limit_finding() -> None:
    assert rule_findings(RULES, "R12", context(aid=medical(9999999))).empty
