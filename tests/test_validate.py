"""Stage 2: per kind a messy export becomes the expected clean frame; bad rows are rejected with
file, sheet, row, column, value and reason; rows read = kept + rejected on every sheet."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from pipeline import parallel, results, run
from pipeline.errors import MissingInput
from tests.builders import AID_HEADER, AID_ROW, ID_A, ID_B, ID_C, write_text, write_xlsx

TS = pd.Timestamp


def check(folder: Path) -> results.Checked:
    return run.check(folder)


def first_row(table: pd.DataFrame) -> dict[str, object]:
    return {k: (None if pd.isna(v) else v) for k, v in table.iloc[0].to_dict().items()}


# Per kind: a messy header (aliases, a title above), one messy row, and the clean row expected.
KIND_CASES = {
    "worker_files": (
        [
            "档案号",
            "职工姓名",
            "公民身份号码",
            "性别",
            "单位名称",
            "地区代码",
            "档案级别",
            "困难程度",
            "人员类别",
            "家庭人数",
            "家庭月总收入",
            "致困原因",
            "建档日期",
            "状态",
            "脱困注销日期",
            "注销原因",
            "银行账号",
        ],
        [
            "DA001",
            " 阿依古丽•买买提 ",
            "341503780512003",
            "女",
            "裕安区纺织厂",
            "341503",
            "全国级",
            "深度困难",
            "职工",
            "３",
            "￥1,200.50",
            "疾病",
            "2019年3月1日",
            "注销",
            44470,
            "退休",
            "6217 0012 3456 7893",
        ],
        {
            "file_no": "DA001",
            "name": "阿依古丽·买买提",
            "id_no": ID_C,
            "sex": "女",
            "employer": "裕安区纺织厂",
            "region_code": "341503",
            "file_level": "全国级",
            "hardship_type": "深度困难",
            "worker_type": "职工",
            "household_size": 3,
            "household_income_fen": 120050,
            "hardship_cause": "疾病",
            "filed_on": TS("2019-03-01"),
            "status": "注销",
            "status_changed_on": TS("2021-10-01"),
            "close_reason": "退休",
            "card_no": "6217001234567893",
        },
    ),
    "aid_records": (
        [
            "流水号",
            "档案号",
            "姓名",
            "证件号码",
            "救助项目",
            "资金渠道",
            "发放金额",
            "申请日期",
            "公示日期",
            "审批日期",
            "系统录入日期",
            "发放方式",
            "签收",
            "银行卡号",
            "学生姓名",
            "学段",
            "备注",
        ],
        [
            "JZ001",
            "DA001",
            "张　伟",
            ID_A.lower(),
            "助学救助",
            "中央专项",
            "1234.56元",
            "2021.8.1",
            "20210810",
            "2021年8月15日",
            dt.date(2021, 8, 30),
            "打卡",
            None,
            "6217001234567893",
            "张小伟",
            "本科",
            '=HYPERLINK("x")',
        ],
        {
            "record_id": "JZ001",
            "file_no": "DA001",
            "name": "张伟",
            "id_no": ID_A,
            "aid_type": "助学救助",
            "source": "中央财政专项帮扶资金",
            "fund_year": 2021,
            "amount_fen": 123456,
            "applied_on": TS("2021-08-01"),
            "announced_on": TS("2021-08-10"),
            "aid_date": TS("2021-08-15"),
            "entered_on": TS("2021-08-30"),
            "pay_method": "银行卡",
            "signed": None,
            "card_no": "6217001234567893",
            "student": "张小伟",
            "school_stage": "本科",
            "note": '=HYPERLINK("x")',
        },
    ),
    "bank_payments": (
        [
            "代发批次",
            "账户名称",
            "收款账号",
            "证件号码",
            "交易金额",
            "处理日期",
            "处理结果",
            "备注",
            "附言",
        ],
        [
            "2021Q3-01",
            "张伟",
            "6217-0012-3456-7893",
            None,
            "￥１２３４．５６",
            "2021/8/20",
            "交易成功",
            None,
            "2021年助学救助",
        ],
        {
            "batch": "2021Q3-01",
            "holder": "张伟",
            "account": "6217001234567893",
            "id_no": None,
            "amount_fen": 123456,
            "paid_on": TS("2021-08-20"),
            "status": "成功",
            "failure_reason": None,
            "memo": "2021年助学救助",
        },
    ),
    "civil_checks": (
        [
            "申请人",
            "申请人身份证号",
            "出具日期",
            "家庭人口",
            "家庭月收入",
            "人均月收入",
            "核对结果",
            "不符合原因",
            "低保对象",
        ],
        ["张伟", ID_A, "2021-06-01", "3", "1800", "600", "符合", None, "否"],
        {
            "name": "张伟",
            "id_no": ID_A,
            "checked_on": TS("2021-06-01"),
            "household_size": 3,
            "household_income_fen": 180000,
            "income_per_head_fen": 60000,
            "conclusion": "符合",
            "rejection_reason": None,
            "on_dibao": "否",
        },
    ),
    "medical_checks": (
        [
            "姓名",
            "身份证号",
            "年度",
            "总费用",
            "基本医保支付",
            "大病保险支付",
            "民政医疗救助",
            "互助保障支付",
            "合规自付",
        ],
        ["李四", ID_B, "2021", "100,000.00", "60000", "10000", "5000", "1000", "24000.00"],
        {
            "name": "李四",
            "id_no": ID_B,
            "year": 2021,
            "total_fen": 10000000,
            "pooled_fen": 6000000,
            "critical_fen": 1000000,
            "civil_medical_fen": 500000,
            "other_fen": 100000,
            "self_paid_fen": 2400000,
        },
    ),
    "fund_ledger": (
        ["资金来源", "资金年度", "类别", "金额", "日期", "批复文号", "备注"],
        ["中央财政", "2021年", "上级拨入", "620,000.00", "2021-03-15", "财社〔2021〕12号", None],
        {
            "source": "中央财政专项帮扶资金",
            "fund_year": 2021,
            "category": "上级拨入",
            "amount_fen": 62000000,
            "booked_on": TS("2021-03-15"),
            "document_no": "财社〔2021〕12号",
            "note": None,
        },
    ),
}


@pytest.mark.parametrize("kind", sorted(KIND_CASES))
def test_messy_export_becomes_the_clean_row(folder: Path, kind: str) -> None:
    header, row, expected = KIND_CASES[kind]
    write_xlsx(folder / "export.xlsx", {"导出": [["某某导出表"], header, row, ["合计"]]})
    if kind != "aid_records":  # every run needs aid records
        write_xlsx(
            folder / "aid.xlsx",
            {"救助": [KIND_CASES["aid_records"][0], KIND_CASES["aid_records"][1]]},
        )
    validated = check(folder).validated
    assert validated.rejected.empty, validated.rejected.to_dict("records")
    table = validated.tables[kind]
    mine = table[table["source_file"] == "export.xlsx"]
    assert len(mine) == 1
    got = first_row(mine)
    assert {k: got[k] for k in expected} == expected
    assert (got["source_file"], got["source_sheet"], got["source_row"]) == (
        "export.xlsx",
        "导出",
        3,
    )


def test_parameter_sheets_become_clean_tables(folder: Path) -> None:
    write_xlsx(
        folder / "aid.xlsx", {"救助": [KIND_CASES["aid_records"][0], KIND_CASES["aid_records"][1]]}
    )
    tables = check(folder).validated.tables
    assert tables["dibao_standards"][
        ["region_code", "effective_on", "monthly_fen"]
    ].values.tolist() == [
        ["341503", TS("2020-07-01"), 62000],
        ["341503", TS("2021-07-01"), 65900],
    ]
    assert tables["aid_standards"]["value"].tolist() == [
        Decimal("0.5"),
        Decimal("15000"),
        Decimal("30"),
    ]
    sources = tables["fund_sources"]
    assert sources["source"].tolist() == [
        "中央财政专项帮扶资金",
        "省财政专项帮扶资金",
        "本级工会经费",
    ]
    assert sources["deadline"].isna().tolist() == [False, False, True]
    targets = tables["annual_targets"]
    target = first_row(targets)
    assert (target["target_times"], target["target_amount_fen"]) == (None, None)  # left empty
    assert (target["grade_good"], target["grade_fair"]) == (270, 260)
    assert targets[["year", "aid_type", "target_persons", "grade_excellent"]].values.tolist() == [
        [2021, "生活救助", 20, 280]
    ]


BAD_ROWS = [
    # (救助金额, 身份证号, 救助类型, 资金来源, 救助日期) of one aid row → (column, reason fragment)
    (("1,234.567", ID_A, "生活救助", "中央财政", "2021-03-05"), "救助金额", "三位小数"),
    (("-500.00", ID_A, "生活救助", "中央财政", "2021-03-05"), "救助金额", "负数"),
    (("0", ID_A, "生活救助", "中央财政", "2021-03-05"), "救助金额", "应大于 0"),
    (("100", ID_A[:-1] + "5", "生活救助", "中央财政", "2021-03-05"), "身份证号", "校验位"),
    (("100", ID_A, "生活补助", "中央财政", "2021-03-05"), "救助类型", "不是允许的取值"),
    (("100", ID_A, "生活救助", "市慈善总会资金", "2021-03-05"), "资金来源", "不在参数表"),
    (("100", ID_A, "生活救助", "中央财政", "2021-02-30"), "救助日期", "2021-02-30"),
    (("100", ID_A, "生活救助", "中央财政", None), "救助日期", "必填项为空"),
]


@pytest.mark.parametrize(("cells", "column", "fragment"), BAD_ROWS)
def test_bad_row_is_rejected_with_its_place_and_reason(
    folder: Path, cells: tuple, column: str, fragment: str
) -> None:
    amount, id_no, aid_type, source, date = cells
    good = [
        "JZ1",
        "DA1",
        "张三",
        ID_B,
        "生活救助",
        "中央财政",
        "100",
        "2021-03-05",
        "2021-03-20",
        "银行卡",
    ]
    bad = ["JZ2", "DA2", "李四", id_no, aid_type, source, amount, date, "2021-03-20", "银行卡"]
    write_xlsx(folder / "aid.xlsx", {"救助": [["标题"], AID_HEADER, good, bad]})
    validated = check(folder).validated
    assert validated.tables["aid_records"]["record_id"].tolist() == ["JZ1"]
    (issue,) = validated.rejected.to_dict("records")
    assert (issue["source_file"], issue["source_sheet"], issue["source_row"]) == (
        "aid.xlsx",
        "救助",
        4,
    )
    assert issue["column"] == column
    assert fragment in issue["reason"]
    counts = validated.counts.set_index("source_file").loc["aid.xlsx"]
    assert (counts["read"], counts["kept"], counts["rejected"]) == (2, 1, 1)


def test_a_row_with_several_problems_lists_each_once(folder: Path) -> None:
    """Planted: row 2 has a three-decimal amount and an unknown aid type and an empty 姓名."""
    bad = ["JZ2", "DA2", None, ID_A, "生活补助", "中央财政", "1.234", "2021-03-05", None, "银行卡"]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, bad]})
    rejected = check(folder).validated.rejected
    assert sorted(rejected["column"]) == ["姓名", "救助类型", "救助金额"]
    values = dict(zip(rejected["column"], rejected["value"], strict=True))
    assert (values["救助类型"], values["救助金额"]) == ("生活补助", "1.234")
    assert pd.isna(values["姓名"])  # the empty cell, quoted as empty
    assert set(rejected["source_row"]) == {2}


def test_closed_file_needs_its_date_and_reason(folder: Path) -> None:
    header, row, _ = KIND_CASES["worker_files"]
    no_date = list(row)
    no_date[0], no_date[14], no_date[15] = "DA002", None, None
    write_xlsx(folder / "files.xlsx", {"档案": [header, row, no_date]})
    write_xlsx(
        folder / "aid.xlsx", {"救助": [KIND_CASES["aid_records"][0], KIND_CASES["aid_records"][1]]}
    )
    rejected = check(folder).validated.rejected
    assert rejected[["source_row", "column", "reason"]].values.tolist() == [
        [3, "注销原因", "档案状态为注销时，注销原因必填"],
        [3, "状态变更日期", "档案状态为脱困或注销时，状态变更日期必填"],
    ]


def test_record_exported_twice_is_counted_once(folder: Path) -> None:
    """Planted: JZ2 is in both half-year exports with the same content; JZ3 in both with
    different amounts (cannot be decided: both copies rejected)."""
    jz1 = ["JZ1", "DA1", "张三", ID_A, "生活救助", "中央财政", "100", "2021-03-05", None, "银行卡"]
    jz2 = ["JZ2", "DA2", "李四", ID_B, "生活救助", "中央财政", "200", "2021-06-25", None, "银行卡"]
    jz3 = ["JZ3", "DA3", "王五", ID_C, "生活救助", "中央财政", "300", "2021-06-28", None, "银行卡"]
    jz3_changed = jz3[:6] + ["301"] + jz3[7:]
    jz4 = ["JZ4", "DA1", "张三", ID_A, "生活救助", "中央财政", "400", "2021-09-05", None, "银行卡"]
    write_xlsx(folder / "h1.xlsx", {"救助": [AID_HEADER, jz1, jz2, jz3]})
    write_xlsx(folder / "h2.xlsx", {"救助": [AID_HEADER, jz2, jz3_changed, jz4]})
    validated = check(folder).validated
    assert validated.tables["aid_records"]["record_id"].tolist() == ["JZ1", "JZ2", "JZ4"]
    rejected = validated.rejected[["source_file", "source_row", "reason"]].values.tolist()
    assert rejected[0][:2] == ["h1.xlsx", 4] and "内容不同" in rejected[0][2]
    assert rejected[1] == [
        "h2.xlsx",
        2,
        "重复导出：与“h1.xlsx”第 3 行是同一条记录（救助编号“JZ2”），只计一次",
    ]
    assert rejected[2][:2] == ["h2.xlsx", 3] and "内容不同" in rejected[2][2]
    counts = validated.counts.set_index("source_file")
    assert counts.loc["h2.xlsx", ["read", "kept", "rejected", "duplicates"]].tolist() == [
        3,
        1,
        2,
        1,
    ]


def test_row_split_by_an_unquoted_comma_is_rejected(folder: Path) -> None:
    rows = [
        ["户名", "账号", "金额", "交易日期", "状态"],
        ["张三", "6217001234567893", "1", "234.56", "2021-03-10", "成功"],
    ]
    write_text(folder / "bank.csv", rows, "gbk")
    write_xlsx(
        folder / "aid.xlsx", {"救助": [KIND_CASES["aid_records"][0], KIND_CASES["aid_records"][1]]}
    )
    rejected = check(folder).validated.rejected
    assert rejected["source_file"].unique().tolist() == ["bank.csv"]
    assert "表头之外还有内容“成功”" in rejected.set_index("column").loc["表头之外的内容", "reason"]


def test_luhn_failure_is_only_a_warning(folder: Path) -> None:
    rows = [
        ["户名", "账号", "金额", "交易日期", "状态"],
        ["张三", "6217001234567891", "1.00", "2021-03-10", "成功"],
    ]
    write_text(folder / "bank.csv", rows)
    write_xlsx(
        folder / "aid.xlsx", {"救助": [KIND_CASES["aid_records"][0], KIND_CASES["aid_records"][1]]}
    )
    validated = check(folder).validated
    assert len(validated.tables["bank_payments"]) == 1
    assert validated.warnings[["source_file", "source_row", "column"]].values.tolist() == [
        ["bank.csv", 2, "账号"]
    ]


def test_without_funding_sources_the_run_cannot_start(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "aid.xlsx",
        {"救助": [KIND_CASES["aid_records"][0], KIND_CASES["aid_records"][1]]},
    )
    with pytest.raises(MissingInput, match="没有参数·资金来源"):
        check(tmp_path)


def test_counts_conserve_on_every_sheet(folder: Path) -> None:
    bad = ["JZ2", *AID_ROW[1:6], "abc", *AID_ROW[7:]]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW, bad, AID_ROW]})
    validated = check(folder).validated
    counts = validated.counts
    assert (counts["read"] == counts["kept"] + counts["rejected"]).all()
    rejected_rows = validated.rejected.drop_duplicates(
        ["source_file", "source_sheet", "source_row"]
    )
    assert counts["rejected"].sum() == len(rejected_rows)
    assert counts["kept"].sum() == sum(len(t) for t in validated.tables.values())


def test_sample_counts_conserve_on_every_file(sample_reconciled: results.Reconciled) -> None:
    checked = sample_reconciled.checked
    counts = checked.validated.counts
    assert (counts["read"] == counts["kept"] + counts["rejected"]).all()
    per_file = counts.groupby("source_file")[["read", "kept", "rejected"]].sum()
    rejected = checked.validated.rejected.drop_duplicates(
        ["source_file", "source_sheet", "source_row"]
    )
    assert per_file["rejected"].to_dict() == {
        file: int((rejected["source_file"] == file).sum()) for file in per_file.index
    }
    kept = sum(len(table) for table in checked.validated.tables.values())
    assert per_file["kept"].sum() == kept
    assert len(checked.files) == 11 and checked.ignored == sorted(checked.ignored)


def test_checking_in_worker_processes_gives_the_same_result(folder: Path, monkeypatch) -> None:
    """Sheets checked in two worker processes come back as copies; nothing may depend on
    object identity or on which worker finished first."""
    jz2 = ["JZ2", "DA2", "李四", ID_B, "生活救助", "省财政", "2.345", "2021-06-25", None, "银行卡"]
    write_xlsx(folder / "h1.xlsx", {"救助": [AID_HEADER, AID_ROW, jz2]})
    write_xlsx(folder / "h2.xlsx", {"救助": [AID_HEADER, AID_ROW]})
    serial = check(folder).validated
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    forked = check(folder).validated
    assert forked.tables.keys() == serial.tables.keys()
    for name, table in serial.tables.items():
        pd.testing.assert_frame_equal(forked.tables[name], table)
    pd.testing.assert_frame_equal(forked.rejected, serial.rejected)
    pd.testing.assert_frame_equal(forked.counts, serial.counts)
    assert len(serial.rejected) == 2  # JZ2's amount, and JZ1 exported twice


def test_rejected_rows_are_named_by_their_record_and_person(folder: Path) -> None:
    """Planted: record JZ2 (档案 DA2, 李四) with a three-decimal amount; a bank row of batch
    DF2021-07 to 王五 with a date that does not exist; a bank row without a batch (its file is
    the batch, already named) to 赵六 with a negative amount."""
    bad = ["JZ2", "DA2", "李四", *AID_ROW[3:6], "1.234", *AID_ROW[7:]]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, bad]})
    bank = [
        ["批次号", "户名", "账号", "金额", "交易日期", "状态"],
        ["DF2021-07", "王五", "6217001234567893", "100", "2021-02-30", "成功"],
        [None, "赵六", "6217001234567893", "-5", "2021-03-01", "成功"],
    ]
    write_xlsx(folder / "bank.xlsx", {"代发": bank})
    rejected = check(folder).validated.rejected
    named = rejected[["source_file", "record", "person", "column"]].fillna("").values.tolist()
    assert sorted(named) == [
        ["aid.xlsx", "救助编号 JZ2；档案编号 DA2", "李四", "救助金额"],
        ["bank.xlsx", "", "赵六", "金额"],
        ["bank.xlsx", "批次号 DF2021-07", "王五", "交易日期"],
    ]


def test_an_id_stored_as_a_number_deep_in_a_sheet_is_rejected_as_such(folder: Path) -> None:
    """Planted: 5,000 records with text IDs; at Excel row 5,001 ID_A's digits as a number cell
    (Excel keeps 15 significant digits). Only that row is rejected, saying what Excel did and
    how to fix it; rows 2…5,000 are kept."""
    rows = [[f"JZ{n}", *AID_ROW[1:]] for n in range(5000)]
    rows[-1][3] = float(ID_A)
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, *rows]})
    validated = check(folder).validated
    rejected = validated.rejected[validated.rejected["source_file"] == "aid.xlsx"]
    assert rejected[["source_row", "column"]].values.tolist() == [[5001, "身份证号"]]
    (reason,) = rejected["reason"]
    assert "已被 Excel 存成数字" in reason and "设为文本后重新导出" in reason
    assert len(validated.tables["aid_records"]) == 4999


def test_rejected_rows_carry_their_money_and_copies_are_apart(folder: Path) -> None:
    """Planted in aid.xlsx: JZ2 of 1,500.00 with a date that does not exist (its money
    is known); JZ3 with a three-decimal amount (its money cannot be read); JZ1 exported twice
    (the copy: 1,000.00 counted once). In bank.xlsx a payment of 1,800.00 with a card Excel
    stored as a number."""
    jz2 = ["JZ2", *AID_ROW[1:6], "1500", "2021-02-30", *AID_ROW[8:]]
    jz3 = ["JZ3", *AID_ROW[1:6], "1.234", *AID_ROW[7:]]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW, jz2, jz3, AID_ROW]})
    bank = [
        ["批次号", "户名", "账号", "金额", "交易日期", "状态"],
        ["DF1", "王五", 6.217001234567893e15, "1800", "2021-03-01", "成功"],
    ]
    write_xlsx(folder / "bank.xlsx", {"代发": bank})
    validated = check(folder).validated
    rejected = validated.rejected
    money = dict(zip(rejected["record"].fillna("bank"), rejected["amount_fen"], strict=True))
    assert money["救助编号 JZ2；档案编号 DA1"] == 150_000
    assert money["救助编号 JZ3；档案编号 DA1"] is pd.NA
    assert money["救助编号 JZ1；档案编号 DA1"] == int(AID_ROW[6]) * 100
    assert money["批次号 DF1"] == 180_000
    counts = validated.counts.set_index("source_file")
    aid, bank_counts = counts.loc["aid.xlsx"], counts.loc["bank.xlsx"]
    assert aid[["rejected", "duplicates", "rejected_fen", "rejected_no_amount"]].tolist() == [
        3,
        1,
        150_000,
        1,
    ]
    assert aid["duplicates_fen"] == int(AID_ROW[6]) * 100
    assert bank_counts[["rejected", "rejected_fen", "duplicates_fen"]].tolist() == [1, 180_000, 0]


def test_sample_rejected_money_per_file_kind(sample_reconciled: results.Reconciled) -> None:
    """The sample's planted bad rows: six aid records rejected, of which four amounts read
    (1,500 × 3 + 500) and two not (1,234.567, −500.00); three copies exported twice (15,000 +
    6,500 + 8,000); one successful bank payment of 1,800.00 whose card Excel stored as a
    number. summary.json's rows carry the same."""
    rows = sample_reconciled.summary.rows
    aid, bank = asdict(rows["aid_records"]), asdict(rows["bank_payments"])
    assert aid == {
        "read": 263,
        "reconciled": 254,
        "rejected": 9,
        "exported_twice": 3,
        "rejected_amount_fen": 500_000,
        "rejected_no_amount": 2,
        "exported_twice_amount_fen": 2_950_000,
    }
    assert rows["aid_records"].errors == 6
    assert (bank["rejected"], bank["rejected_amount_fen"], bank["exported_twice"]) == (
        1,
        180_000,
        0,
    )
    assert rows["worker_files"].rejected_amount_fen == 0
