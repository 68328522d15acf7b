"""Rules R07–R09 (pipeline.rules.eligibility) on tiny tables built in code.

Planted, per test: a record dated after its file's 注销 (R07) against one dated on the closing
day; a closed file found by 身份证号 when the record has no 档案编号; a person with an old closed
file and a new open one; 中央财政 (限建档对象 是) paid to someone without a file and to someone
whose 档案编号 is not in the export (R08); 省财政 (only 全国级) paid to a 省级 file; 本级工会经费
(限建档对象 empty) paid to a non-filed person; a closed file that still counts as a file;
金秋助学 (only 助学救助) paying 生活救助 (R09) against 本级工会经费 (any type) paying 送温暖.
"""

from __future__ import annotations

from pipeline.rules.eligibility import RULES
from tests.builders import ID_B, context, row_of, rule_findings

CLOSED = {"status": "注销", "status_changed_on": "2021-09-30", "close_reason": "退休"}


# --- R07 -----------------------------------------------------------------------------------


def test_aid_after_the_file_was_closed() -> None:
    found = rule_findings(RULES, "R07", context(aid=[{"aid_date": "2021-10-01"}], files=[CLOSED]))
    assert found["record_id"].tolist() == ["JZ001"]
    assert found["lineage"][0] == (row_of("aid_records", 2), row_of("worker_files", 2))
    message = found["message"][0]
    assert "JZ001" in message and "F001" in message and "2021-09-30 注销（退休）" in message
    assert "1000.00 元" in message


def test_aid_on_the_closing_day_is_not_a_finding() -> None:
    assert rule_findings(
        RULES, "R07", context(aid=[{"aid_date": "2021-09-30"}], files=[CLOSED])
    ).empty


def test_a_record_without_file_number_is_judged_by_the_persons_file() -> None:
    ctx = context(
        aid=[{"file_no": None, "aid_date": "2021-12-01"}], files=[{**CLOSED, "status": "脱困"}]
    )
    found = rule_findings(RULES, "R07", ctx)
    assert found["record_id"].tolist() == ["JZ001"]
    assert "脱困" in found["message"][0]


def test_a_person_with_a_new_open_file_is_judged_by_that_file() -> None:
    files = [CLOSED, {"file_no": "F009", "filed_on": "2021-11-01"}]
    assert rule_findings(
        RULES, "R07", context(aid=[{"file_no": None, "aid_date": "2021-12-01"}], files=files)
    ).empty


# --- R08 -----------------------------------------------------------------------------------


def test_filed_only_source_paid_someone_without_a_file() -> None:
    aid = [{"file_no": None, "id_no": ID_B, "name": "李四"}, {"file_no": "F404"}]
    found = rule_findings(RULES, "R08", context(aid=aid, files=[{"id_no": "341503199001010021"}]))
    assert found["record_id"].tolist() == ["JZ001", "JZ002"]
    assert "没有困难职工档案" in found["message"][0]
    assert "F404 不在困难职工档案中" in found["message"][1]
    assert found["lineage"].tolist() == [(row_of("aid_records", 2),), (row_of("aid_records", 3),)]


def test_level_limited_source_paid_a_file_of_another_level() -> None:
    aid = [{"source": "省财政专项帮扶资金"}, {"source": "省财政专项帮扶资金", "file_no": "F002"}]
    files = [{"file_level": "省级"}, {"file_no": "F002", "id_no": ID_B, "file_level": "全国级"}]
    found = rule_findings(RULES, "R08", context(aid=aid, files=files))
    assert found["record_id"].tolist() == ["JZ001"]
    assert "全国级档案的职工" in found["message"][0] and "为省级" in found["message"][0]
    assert found["lineage"][0] == (row_of("aid_records", 2), row_of("worker_files", 2))


def test_source_with_empty_filed_only_may_pay_anyone() -> None:
    aid = [{"file_no": None, "id_no": ID_B, "source": "本级工会经费", "aid_type": "送温暖"}]
    assert rule_findings(RULES, "R08", context(aid=aid)).empty


def test_a_closed_file_still_counts_as_a_file() -> None:
    assert rule_findings(
        RULES, "R08", context(aid=[{"aid_date": "2021-10-01"}], files=[CLOSED])
    ).empty


# --- R09 -----------------------------------------------------------------------------------


def test_source_paid_an_aid_type_it_does_not_allow() -> None:
    aid = [{"source": "省总金秋助学资金"}, {"source": "省总金秋助学资金", "aid_type": "助学救助"}]
    found = rule_findings(RULES, "R09", context(aid=aid))
    assert found["record_id"].tolist() == ["JZ001"]
    assert "只能用于助学救助，不能用于生活救助" in found["message"][0]


def test_source_without_allowed_types_may_pay_any_type() -> None:
    aid = [{"source": "本级工会经费", "aid_type": "送温暖"}, {"aid_type": "医疗救助"}]
    assert rule_findings(RULES, "R09", context(aid=aid)).empty
