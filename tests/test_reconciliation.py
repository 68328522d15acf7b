"""对账明细 (pipeline.reconciliation): one row per person × 资金来源, then one per transfer
that pays no record; each input row mapped to its row. Frames planted with the matching inputs
of tests/builders.py, each person one case."""

from __future__ import annotations

import pandas as pd

from pipeline import reconciliation
from tests.builders import aid_row, bank_row, file_row, inputs, person, run_match

CLEAN, SHORT, CASH, FAILED, TWICE = (person(n, name) for n, name in enumerate("甲乙丙丁戊", 1))
STRANGER = person(9, "己")


def planted() -> reconciliation.Reconciliation:
    """甲 two records, both paid (相符); 乙 paid 90 of 100 (金额不符, −10); 丙 cash (现金); 丁 a
    failed transfer never re-paid (发放失败); 戊 paid twice for one record (重复发放); and a
    transfer to 己, who has no record (无对应记录); and 甲's January record after the period
    (not counted)."""
    aid = [
        aid_row("A1", CLEAN, 100, "2021-03-01"),
        aid_row("B1", SHORT, 100, "2021-03-01"),
        aid_row("A2", CLEAN, 50, "2021-06-01"),
        aid_row("C1", CASH, 70, "2021-03-01", pay="现金"),
        aid_row("D1", FAILED, 80, "2021-03-01"),
        aid_row("E1", TWICE, 60, "2021-03-01"),
        aid_row("A3", CLEAN, 10, "2022-01-05"),
    ]
    bank = [
        bank_row("a1", CLEAN.card, 100, "2021-03-02", holder=CLEAN.name, id_no=CLEAN.id_no),
        bank_row("b1", SHORT.card, 90, "2021-03-02", holder=SHORT.name, id_no=SHORT.id_no),
        bank_row("a2", CLEAN.card, 50, "2021-06-02", holder=CLEAN.name, id_no=CLEAN.id_no),
        bank_row(
            "d1",
            FAILED.card,
            80,
            "2021-03-02",
            holder=FAILED.name,
            id_no=FAILED.id_no,
            failed="账户冻结",
        ),
        bank_row("e1", TWICE.card, 60, "2021-03-02", holder=TWICE.name, id_no=TWICE.id_no),
        bank_row("e2", TWICE.card, 60, "2021-03-03", holder=TWICE.name, id_no=TWICE.id_no),
        bank_row("x1", STRANGER.card, 30, "2021-04-01", holder=STRANGER.name, id_no=STRANGER.id_no),
    ]
    matched = run_match(inputs(aid, bank))
    return reconciliation.reconciliation(matched, pd.Period("2021-12", freq="M"))


def test_one_row_per_person_and_source_with_its_status() -> None:
    table = planted().table
    rows = {
        (r.name, r.status): (r.records, r.system_fen, r.cash_fen, r.paid_fen, r.difference_fen)
        for r in table.itertuples()
    }
    assert rows == {
        ("甲", "相符"): (2, 15_000, 0, 15_000, 0),
        ("乙", "金额不符"): (1, 10_000, 0, 9_000, -1_000),
        ("丙", "现金"): (1, 7_000, 7_000, 0, 0),
        ("丁", "发放失败"): (1, 8_000, 0, 0, -8_000),
        ("戊", "重复发放"): (1, 6_000, 0, 12_000, 6_000),
        ("己", "无对应记录"): (0, 0, 0, 3_000, 3_000),
    }
    clean = table[table["name"] == "甲"].iloc[0]
    assert clean["record_ids"] == "A1、A2"
    assert clean["lineage"] == "救助明细.xlsx/Sheet1/第2行；救助明细.xlsx/Sheet1/第4行"
    assert table[table["name"] == "己"].iloc[0]["source"] == ""


def test_rows_in_input_order_and_every_row_mapped_once() -> None:
    """Rows in the order of their first input row: the stray transfer first (代发明细.xlsx sorts
    before 救助明细.xlsx), then the persons in the order of their first record; the six
    counted records and the stray transfer each map to their row; the January record and the
    matched transfers map nowhere."""
    result = planted()
    assert result.table["name"].tolist() == ["己", "甲", "乙", "丙", "丁", "戊"]
    mapped = {(r.source_file, r.source_row): r.position for r in result.rows.itertuples()}
    assert mapped == {
        ("代发明细.xlsx", 8): 0,
        ("救助明细.xlsx", 2): 1,
        ("救助明细.xlsx", 3): 2,
        ("救助明细.xlsx", 4): 1,
        ("救助明细.xlsx", 5): 3,
        ("救助明细.xlsx", 6): 4,
        ("救助明细.xlsx", 7): 5,
    }


def test_no_records_no_rows() -> None:
    matched = run_match(inputs([], []))
    result = reconciliation.reconciliation(matched)
    assert result.table.empty and result.rows.empty
    assert list(result.table.columns) == reconciliation.RECONCILIATION_COLUMNS


def test_each_row_names_its_aid_types_dates_file_and_card() -> None:
    """甲: a 医疗救助 on 2021-06-01 listed before a 生活救助 on 2021-03-01 (types in code order,
    dates first–last), paid to a 收款卡号 recorded on the second, no 档案编号 on the records (his
    worker file's); 乙: one record with its own 档案编号 DA2, no 收款卡号 (the card on his file);
    己: a transfer paying no record (its account and day, no type)."""
    other_card = "6217000000999999999"
    aid = [
        aid_row("A1", CLEAN, 50, "2021-06-01", aid_type="医疗救助"),
        aid_row("A2", CLEAN, 100, "2021-03-01", card=other_card),
        {**aid_row("B1", SHORT, 100, "2021-04-01"), "file_no": "DA2"},
    ]
    bank = [
        bank_row("a1", other_card, 150, "2021-06-02", holder=CLEAN.name, id_no=CLEAN.id_no),
        bank_row("b1", SHORT.card, 100, "2021-04-02", holder=SHORT.name, id_no=SHORT.id_no),
        bank_row("x1", STRANGER.card, 30, "2021-04-01", holder=STRANGER.name, id_no=STRANGER.id_no),
    ]
    files = [file_row(CLEAN), file_row(SHORT)]
    given = inputs(aid, bank, files)
    result = reconciliation.reconciliation(run_match(given), files=given.files)
    columns = ["aid_types", "dates", "file_no", "card_no"]
    rows = result.table.set_index("name")[columns].fillna("").to_dict("index")
    assert rows == {
        "甲": {
            "aid_types": "生活救助、医疗救助",
            "dates": "2021-03-01–2021-06-01",
            "file_no": file_row(CLEAN)["file_no"],
            "card_no": other_card,
        },
        "乙": {
            "aid_types": "生活救助",
            "dates": "2021-04-01",
            "file_no": "DA2",
            "card_no": SHORT.card,
        },
        "己": {"aid_types": "", "dates": "2021-04-01", "file_no": "", "card_no": STRANGER.card},
    }


def test_flag_names_the_rules_that_hit_each_row() -> None:
    """Planted findings on the rows of ``planted``: a 警告 R16 on 甲's second record, an 错误
    R07 on his first (and his worker file), a second R16 on his first; a R02 on the transfer to
    己; a fund finding R20 on a ledger row (no row of 对账明细). 甲: R07、R16 (code order, once
    each), 错误 (the worst), his first finding the R16 listed first; 己: R02; the rest nothing."""
    first, second = ("救助明细.xlsx", "Sheet1", 2), ("救助明细.xlsx", "Sheet1", 4)
    findings = pd.DataFrame(
        {
            "rule": ["R16", "R07", "R16", "R02", "R20"],
            "severity": ["警告", "错误", "警告", "警告", "错误"],
            "lineage": [
                (second,),
                (first, ("困难职工档案.xlsx", "Sheet1", 2)),
                (first,),
                (("代发明细.xlsx", "Sheet1", 8),),
                (("资金收支.xlsx", "Sheet1", 3),),
            ],
        }
    )
    flagged = reconciliation.flag(planted(), findings).table.set_index("name")
    assert flagged.loc["甲", ["rules", "severity", "finding"]].tolist() == ["R07、R16", "错误", 0]
    assert flagged.loc["己", ["rules", "severity", "finding"]].tolist() == ["R02", "警告", 3]
    rest = flagged.drop(index=["甲", "己"])
    assert (rest["rules"] == "").all() and (rest["severity"] == "").all()
    assert rest["finding"].isna().all()
    assert list(flagged.reset_index().columns) == reconciliation.RECONCILIATION_COLUMNS
