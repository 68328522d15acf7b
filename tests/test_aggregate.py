"""Aggregation: the 裕安区 2021 figures from the sample, tiny frames that each plant one case,
and properties that hold for any aid records (totals add up, people are never double-counted).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import aggregate, results
from pipeline.params import Parameters, parameters
from tests.builders import ID_A, ID_B, ID_C
from tests.generator import generate
from tests.generator.reference import CENTRAL, EDUCATION, JINQIU, LIVING, MEDICAL, PROVINCE, UNION

EXPECTED = generate.EXPECTED
DECEMBER = pd.Period("2021-12", freq="M")


# ---- the sample: 裕安区 2021 ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_reconciled: results.Reconciled) -> tuple[dict[str, pd.DataFrame], Parameters]:
    tables = sample_reconciled.checked.validated.tables
    return tables, parameters(tables)


@pytest.fixture(scope="module")
def figures(sample: tuple[dict[str, pd.DataFrame], Parameters]) -> aggregate.Figures:
    tables, params = sample
    return aggregate.figures(tables, params, DECEMBER)


def by_pair(frame: pd.DataFrame, *columns: str) -> dict[tuple[str, str], tuple[int, ...]]:
    return {
        (row.source, row.aid_type): tuple(int(getattr(row, c)) for c in columns)
        for row in frame.itertuples()
    }


def test_sample_usage_per_source_and_aid_type(figures: aggregate.Figures) -> None:
    year = by_pair(figures.fund_usage, "year_amount_fen", "year_person_times", "year_persons")
    assert year == EXPECTED["usage"]
    assert list(figures.fund_usage["source"].drop_duplicates()) == [
        CENTRAL,
        PROVINCE,
        JINQIU,
        UNION,
    ]


def test_sample_government_money_spent(figures: aggregate.Figures) -> None:
    """中央 + 省财政: 916,950.00 — 生活 179,600.00, 医疗 528,500.00, 助学 208,850.00."""
    usage = figures.fund_usage
    government = usage[usage["source"].isin([CENTRAL, PROVINCE])]
    assert government["year_amount_fen"].sum() == EXPECTED["central_and_province_spent_fen"]
    per_type = government.groupby("aid_type")["year_amount_fen"].sum().to_dict()
    assert per_type == {
        LIVING: EXPECTED["by_type"][LIVING][0],
        MEDICAL: EXPECTED["by_type"][MEDICAL][0],
        EDUCATION: EXPECTED["filed_education_fen"],
    }


def test_sample_totals_per_aid_type(figures: aggregate.Figures) -> None:
    totals = figures.usage_totals
    per_type = totals[totals["scope"] == "aid_type"].set_index("aid_type")
    got = {
        aid_type: (int(r.year_amount_fen), int(r.year_person_times), int(r.year_persons))
        for aid_type, r in per_type.iterrows()
    }
    assert got == EXPECTED["by_type"]
    everything = totals[totals["scope"] == "all"].iloc[0]
    assert everything["year_person_times"] == EXPECTED["aid_records"]


def test_sample_december_alone(figures: aggregate.Figures) -> None:
    """本月 of the year-end run: 中央 医疗 15,000.00 and 省 医疗 8,000.00, nothing else."""
    month = by_pair(figures.fund_usage, "month_amount_fen", "month_person_times", "month_persons")
    assert {pair: v for pair, v in month.items() if v != (0, 0, 0)} == EXPECTED["december_usage"]


def test_sample_headcounts(figures: aggregate.Figures) -> None:
    """助学 252,850.00 to 56 people, 22 of them without a file; 26 / 47 / 56 people;
    completion 130 % / 470 % / 280 %; 生活救助 graded 优 on 100 人次."""
    counts = figures.headcounts.set_index("aid_type")
    education = counts.loc[EDUCATION]
    assert education["amount_fen"] == EXPECTED["by_type"][EDUCATION][0]
    assert education["persons"] == EXPECTED["by_type"][EDUCATION][2]
    assert education["non_filed_persons"] == EXPECTED["three_type_nonfiled_persons"]
    for aid_type, target in EXPECTED["targets_persons"].items():
        assert counts.loc[aid_type, "persons"] == EXPECTED["by_type"][aid_type][2]
        assert counts.loc[aid_type, "target_persons"] == target
        percent = Decimal(EXPECTED["completion_percent"][aid_type]).quantize(Decimal("0.01"))
        assert counts.loc[aid_type, "completion_pct"] == percent
        assert str(counts.loc[aid_type, "completion_pct"]) == f"{percent:.2f}"
    assert counts.loc[LIVING, "grade"] == EXPECTED["living_grade"]
    assert pd.isna(counts.loc[MEDICAL, "grade"])  # no thresholds for 医疗救助
    three = counts.loc[[LIVING, MEDICAL, EDUCATION]]
    assert three["filed_persons"].sum() == EXPECTED["three_type_filed_persons"]
    assert three["persons"].sum() == EXPECTED["three_type_persons"]  # nobody in two types


def test_sample_headcounts_by_source(figures: aggregate.Figures) -> None:
    """The 22 non-filed students are exactly the 金秋 and 本级 ones."""
    rows = figures.headcounts_by_source
    education = rows[rows["aid_type"] == EDUCATION].set_index("source")
    assert education["non_filed_persons"].to_dict() == {
        CENTRAL: 0,
        PROVINCE: 0,
        JINQIU: EXPECTED["usage"][(JINQIU, EDUCATION)][2],
        UNION: EXPECTED["usage"][(UNION, EDUCATION)][2],
    }


def test_sample_balances(figures: aggregate.Figures) -> None:
    balances = figures.balances.set_index("source")
    assert balances["closing_fen"].to_dict() == EXPECTED["closing_fen"]
    assert (balances["上级拨入"] + balances["本级安排"]).to_dict() == EXPECTED["received_fen"]
    assert balances.loc[CENTRAL, "利息收入"] == EXPECTED["interest_fen"][CENTRAL]
    carried = balances[balances["carry_over_fen"] > 0]
    assert carried["carry_over_fen"].to_dict() == EXPECTED["carry_over_fen"]
    assert carried.loc[UNION, "carry_over_document"] == "裕工字〔2021〕48号"
    booked = balances[balances["book_balance_fen"].notna()]
    assert (booked["book_difference_fen"] == 0).all()
    assert pd.isna(balances.loc[JINQIU, "book_balance_fen"])  # spent to the last fen
    assert balances["deadline_state"].to_dict() == {
        CENTRAL: "未到期",  # 次年02-28
        PROVINCE: "未到期",
        JINQIU: "已到期",  # 当年12-31, spent: nothing left over
        UNION: "不限期",
    }
    assert (balances["unspent_after_deadline_fen"] == 0).all()
    assert balances.loc[CENTRAL, "deadline"] == pd.Timestamp("2022-02-28")
    assert balances.loc[JINQIU, "ledger_lineage"] == [("资金收支台账2021.xlsx", "收支台账", 6)]


def test_sample_worker_files(figures: aggregate.Figures) -> None:
    counts = figures.worker_files.set_index(["status", "category"])["files"]
    for hardship, n in EXPECTED["files_open_by_hardship"].items():
        assert counts[("在档", hardship)] == n
    assert counts[("脱困", "合计")] == EXPECTED["files_out_of_hardship"]
    for reason, n in EXPECTED["files_closed_by_reason"].items():
        assert counts[("注销", reason)] == n
    assert counts[("合计", "合计")] == EXPECTED["files_total"]


def test_figures_are_the_functions(
    sample: tuple[dict[str, pd.DataFrame], Parameters], figures: aggregate.Figures
) -> None:
    tables, params = sample
    aid = tables["aid_records"]
    pd.testing.assert_frame_equal(figures.fund_usage, aggregate.fund_usage(aid, params, DECEMBER))
    pd.testing.assert_frame_equal(
        figures.usage_totals, aggregate.usage_totals(aid, params, "2021-12")
    )
    pd.testing.assert_frame_equal(figures.headcounts, aggregate.headcounts(aid, params, DECEMBER))
    pd.testing.assert_frame_equal(
        figures.headcounts_by_source, aggregate.headcounts_by_source(aid, params, DECEMBER)
    )


def test_money_and_counts_are_integers(figures: aggregate.Figures) -> None:
    for frame in (figures.fund_usage, figures.usage_totals, figures.balances, figures.headcounts):
        numbers = [c for c in frame if c.endswith(("_fen", "_times", "persons", "households"))]
        assert numbers
        assert all(frame[c].dtype == "Int64" for c in numbers)


# ---- tiny frames ------------------------------------------------------------------------------


def params(
    deadline: str | None = "次年02-28", targets: list[list[object]] | None = None
) -> Parameters:
    """Two sources: 中央 with ``deadline`` and 本级 without one; targets as 年度目标 rows
    (year, aid type, persons, times, amount, 优, 良, 中)."""
    sources = pd.DataFrame(
        {
            "source": [CENTRAL, UNION],
            "nature": ["财政", "工会经费"],
            "deadline": [deadline, None],
            "allowed_aid_types": [None, None],
            "filed_only": ["否", "否"],
            "may_carry_over": ["否", "是"],
        }
    )
    columns = ["year", "aid_type", "target_persons", "target_times", "target_amount_fen"]
    columns += ["grade_excellent", "grade_good", "grade_fair"]
    frame = pd.DataFrame(targets or [], columns=columns)
    frame = frame.astype({c: "Int64" for c in columns if c != "aid_type"})
    tables = {"fund_sources": sources} | ({"annual_targets": frame} if targets else {})
    return parameters(tables)


def aid(*records: tuple[str, str, str, str | None, int, str]) -> pd.DataFrame:
    """Aid records (source, aid type, id_no, file_no, yuan, aid date), 资金年度 2021."""
    frame = pd.DataFrame(
        records, columns=["source", "aid_type", "id_no", "file_no", "yuan", "aid_date"]
    )
    return frame.assign(
        amount_fen=(frame["yuan"] * 100).astype("Int64"),
        aid_date=pd.to_datetime(frame["aid_date"]).astype("datetime64[us]"),
        fund_year=pd.array([2021] * len(frame), dtype="Int64"),
    ).drop(columns="yuan")


def ledger(*rows: tuple[str, str, int, str, str | None]) -> pd.DataFrame:
    """Ledger rows (source, category, yuan, date, 文号), 资金年度 2021, rows 2, 3, … of 台账."""
    frame = pd.DataFrame(rows, columns=["source", "category", "yuan", "booked_on", "document_no"])
    return frame.assign(
        fund_year=pd.array([2021] * len(frame), dtype="Int64"),
        amount_fen=(frame["yuan"] * 100).astype("Int64"),
        booked_on=pd.to_datetime(frame["booked_on"]).astype("datetime64[us]"),
        source_file="台账.xlsx",
        source_sheet="台账",
        source_row=range(2, len(frame) + 2),
    ).drop(columns="yuan")


def test_aid_after_the_period_end_is_not_counted() -> None:
    """Plants: a 中央 生活救助 of 100 on 2021-11-30 and one of 200 on 2021-12-01; closing
    November counts the first only, in the month, the year and the balance."""
    records = aid(
        (CENTRAL, LIVING, ID_A, "F1", 100, "2021-11-30"),
        (CENTRAL, LIVING, ID_B, "F2", 200, "2021-12-01"),
    )
    usage = aggregate.fund_usage(records, params(), "2021-11").iloc[0]
    assert (usage["month_amount_fen"], usage["year_amount_fen"]) == (10_000, 10_000)
    assert (usage["month_persons"], usage["year_persons"]) == (1, 1)
    balance = aggregate.balances(records, None, params(), "2021-11").iloc[0]
    assert balance["expenditure_fen"] == 10_000
    assert balance["closing_fen"] == -10_000  # spent without income: the ledger must say so


def test_aid_on_the_last_day_counts_in_december() -> None:
    """Plants: 医疗救助 of 150 on 2021-12-31 and 50 on 2021-01-01; and 99 on 2020-12-31, last
    year: December holds 150, the year 200, and last year's aid is in neither."""
    records = aid(
        (UNION, MEDICAL, ID_A, None, 150, "2021-12-31"),
        (UNION, MEDICAL, ID_A, None, 50, "2021-01-01"),
        (UNION, MEDICAL, ID_B, None, 99, "2020-12-31"),
    )
    usage = aggregate.fund_usage(records, params(), DECEMBER).iloc[0]
    assert usage["month_amount_fen"] == 15_000
    assert usage["month_person_times"] == 1
    assert usage["year_amount_fen"] == 20_000
    assert (usage["year_person_times"], usage["year_persons"]) == (2, 1)


def test_persons_are_distinct_across_sources_in_totals() -> None:
    """Plants: ID_A paid 助学救助 from 中央 and from 本级, ID_B from 本级 twice: the rows hold
    1 + 2 people, the aid type's total 2, and 人次 add up (3 + … = 4)."""
    records = aid(
        (CENTRAL, EDUCATION, ID_A, "F1", 1000, "2021-08-24"),
        (UNION, EDUCATION, ID_A, "F1", 500, "2021-08-25"),
        (UNION, EDUCATION, ID_B, None, 2000, "2021-08-25"),
        (UNION, EDUCATION, ID_B, None, 2000, "2021-09-25"),
    )
    rows = aggregate.fund_usage(records, params(), DECEMBER)
    assert rows["year_persons"].tolist() == [1, 2]
    totals = aggregate.usage_totals(records, params(), DECEMBER)
    education = totals[totals["scope"] == "aid_type"].iloc[0]
    assert education["aid_type"] == EDUCATION
    assert (education["year_persons"], education["year_person_times"]) == (2, 4)
    assert education["year_amount_fen"] == 550_000
    assert totals["scope"].tolist() == ["source", "source", "aid_type", "all"]
    assert totals[totals["scope"] == "source"]["source"].tolist() == [CENTRAL, UNION]


def test_households_filed_and_non_filed() -> None:
    """Plants: ID_A and ID_B on the same file F1 (a worker and the student of the family),
    ID_C without a file, twice: 3 people, 2 households, 2 filed and 1 not."""
    records = aid(
        (UNION, EDUCATION, ID_A, "F1", 100, "2021-03-01"),
        (UNION, EDUCATION, ID_B, "F1", 100, "2021-03-01"),
        (UNION, EDUCATION, ID_C, None, 100, "2021-03-01"),
        (UNION, EDUCATION, ID_C, None, 100, "2021-04-01"),
    )
    row = aggregate.headcounts(records, params(), DECEMBER).iloc[0]
    assert (row["person_times"], row["persons"], row["households"]) == (4, 3, 2)
    assert (row["filed_persons"], row["non_filed_persons"]) == (2, 1)
    assert pd.isna(row["target_persons"]) and pd.isna(row["completion_pct"])
    assert pd.isna(row["grade"])


def test_completion_rounds_half_up_and_grades() -> None:
    """Plants: 1 person against a target of 32 (3.125 % → 3.13, where banker's rounding
    would give 3.12) with 2 人次 against 优 3 / 良 2 / 中 1 (→ 良); a target for 医疗救助 with
    no aid (0.00 %, 差 below 中 1); and 2020's target, which does not count in 2021."""
    targets = [
        [2021, LIVING, 32, None, None, 3, 2, 1],
        [2021, MEDICAL, 5, 10, 100_000, None, None, 1],
        [2020, EDUCATION, 1, None, None, None, None, None],
    ]
    records = aid(
        (UNION, LIVING, ID_A, "F1", 100, "2021-03-01"),
        (UNION, LIVING, ID_A, "F1", 100, "2021-04-01"),
    )
    rows = aggregate.headcounts(records, params(targets=targets), DECEMBER).set_index("aid_type")
    assert list(rows.index) == [LIVING, MEDICAL]
    assert rows.loc[LIVING, "completion_pct"] == Decimal("3.13")
    assert rows.loc[LIVING, "grade"] == "良"
    assert rows.loc[MEDICAL, "completion_pct"] == Decimal("0.00")
    assert rows.loc[MEDICAL, "grade"] == "差"
    assert rows.loc[MEDICAL, "target_amount_fen"] == 100_000
    assert rows.loc[MEDICAL, "persons"] == 0


def test_ledger_flow_after_the_period_end_is_not_counted() -> None:
    """Plants: 中央 上级拨入 1,000 on 2021-01-08 and 500 on 2021-12-01, interest 1 on
    2021-11-20, a 调出 of 100, 账面余额 declarations of 800 (06-30), 801 (11-30) and 999
    (12-31); aid of 100. Closing November: income 1,001, closing 801, book 801 (the latest
    on or before 11-30), difference 0; lineage lists the five rows dated up to 11-30."""
    rows = ledger(
        (CENTRAL, "上级拨入", 1000, "2021-01-08", "财社〔2021〕1号"),
        (CENTRAL, "上级拨入", 500, "2021-12-01", "财社〔2021〕9号"),
        (CENTRAL, "利息收入", 1, "2021-11-20", None),
        (CENTRAL, "调出", 100, "2021-10-01", None),
        (CENTRAL, "账面余额", 801, "2021-11-30", None),
        (CENTRAL, "账面余额", 800, "2021-06-30", None),
        (CENTRAL, "账面余额", 999, "2021-12-31", None),
    )
    records = aid((CENTRAL, LIVING, ID_A, "F1", 100, "2021-07-20"))
    row = aggregate.balances(records, rows, params(), "2021-11").iloc[0]
    assert (row["上级拨入"], row["利息收入"], row["income_fen"]) == (100_000, 100, 100_100)
    assert (row["expenditure_fen"], row[LIVING], row["transfer_out_fen"]) == (
        10_000,
        10_000,
        10_000,
    )
    assert row["closing_fen"] == 80_100
    assert (row["book_balance_fen"], row["book_difference_fen"]) == (80_100, 0)
    assert [r for _, _, r in row["ledger_lineage"]] == [2, 4, 5, 6, 7]


def test_deadlines() -> None:
    """Plants: 中央 (次年02-28) and 本级 (no limit) money of fund year 2021, 100 each, with 本级
    declaring 100 结转下年 under two documents. Closing 2021-12 中央 is 未到期 (the deadline
    is still ahead: not unspent); closing 2022-02 it is 已到期 on its last day with 100
    unspent; 本级 is 不限期 with its carry-over and documents."""
    rows = ledger(
        (CENTRAL, "上级拨入", 100, "2021-01-08", None),
        (UNION, "本级安排", 100, "2021-01-08", None),
        (UNION, "结转下年", 60, "2021-12-31", "裕工字〔2021〕48号"),
        (UNION, "结转下年", 40, "2021-12-31", "裕工字〔2021〕49号"),
    )
    december = aggregate.balances(None, rows, params(), DECEMBER).set_index("source")
    assert december.loc[CENTRAL, "deadline"] == pd.Timestamp("2022-02-28")
    assert december.loc[CENTRAL, "deadline_state"] == "未到期"
    assert december.loc[CENTRAL, "unspent_after_deadline_fen"] == 0
    assert december.loc[UNION, "deadline_state"] == "不限期"
    assert pd.isna(december.loc[UNION, "deadline"])
    assert december.loc[UNION, "carry_over_fen"] == 10_000
    assert december.loc[UNION, "carry_over_document"] == "裕工字〔2021〕48号、裕工字〔2021〕49号"
    assert pd.isna(december.loc[CENTRAL, "carry_over_document"])
    assert pd.isna(december.loc[CENTRAL, "book_difference_fen"])
    february = aggregate.balances(None, rows, params(), "2022-02").set_index("source")
    assert february.loc[CENTRAL, "deadline_state"] == "已到期"
    assert february.loc[CENTRAL, "unspent_after_deadline_fen"] == 10_000


def test_balances_list_every_source_and_fund_year() -> None:
    """Plants: ledger income for 中央 2021, and aid of 本级 fund year 2020 that the ledger does
    not know: both pairs are listed, sources in the parameters' order."""
    rows = ledger((CENTRAL, "上级拨入", 100, "2021-01-08", None))
    records = aid((UNION, LIVING, ID_A, "F1", 30, "2021-03-01")).assign(
        fund_year=pd.array([2020], dtype="Int64")
    )
    table = aggregate.balances(records, rows, params(), DECEMBER)
    assert list(zip(table["source"], table["fund_year"], strict=True)) == [
        (CENTRAL, 2021),
        (UNION, 2020),
    ]
    assert table["closing_fen"].tolist() == [10_000, -3_000]
    assert table["ledger_lineage"].tolist() == [[("台账.xlsx", "台账", 2)], []]


def test_year_end_splits_each_balance_three_ways() -> None:
    """Plants, closing December 2021 (中央: 不可结转, 次年02-28; 本级: 可结转, no deadline):
    中央 2021 received 1,000 and spent 400: 600 待定 until 2022-02-28; 中央 2020 kept 300 past
    its deadline 2021-02-28: 300 应上缴或调出 (R20); 本级 2021 received 1,000 with 结转下年 700
    under 裕工字〔2021〕48号: 700 可结转 and 300 待定 (R21); 本级 2020 spent 50 it never received:
    −50 待定. With 中央 without a deadline, its 2021 600 is 应上缴或调出: it may not carry over.
    Closing November there is no year end."""
    rows = pd.concat(
        [
            ledger(
                (CENTRAL, "上级拨入", 1000, "2021-01-08", None),
                (UNION, "本级安排", 1000, "2021-01-08", None),
                (UNION, "结转下年", 700, "2021-12-31", "裕工字〔2021〕48号"),
            ),
            ledger((CENTRAL, "上级拨入", 300, "2020-01-08", None)).assign(
                fund_year=pd.array([2020], dtype="Int64")
            ),
        ],
        ignore_index=True,
    )
    records = pd.concat(
        [
            aid((CENTRAL, LIVING, ID_A, "F1", 400, "2021-03-01")),
            aid((UNION, LIVING, ID_B, None, 50, "2021-03-01")).assign(
                fund_year=pd.array([2020], dtype="Int64")
            ),
        ],
        ignore_index=True,
    )
    tables = {"aid_records": records, "fund_ledger": rows}
    year_end = aggregate.figures(tables, params(), DECEMBER).year_end
    parts = ["closing_fen", "carry_fen", "due_back_fen", "undecided_fen"]
    assert year_end[["source", "fund_year", *parts]].values.tolist() == [
        [CENTRAL, 2020, 30_000, 0, 30_000, 0],
        [CENTRAL, 2021, 60_000, 0, 0, 60_000],
        [UNION, 2020, -5_000, 0, 0, -5_000],
        [UNION, 2021, 100_000, 70_000, 0, 30_000],
    ]
    reasons = year_end.set_index(["source", "fund_year"])
    assert (
        reasons.loc[(CENTRAL, 2020), "due_back_reason"] == "使用期限 2021-02-28 已过仍未用完（R20）"
    )
    assert reasons.loc[(CENTRAL, 2021), "undecided_reason"] == (
        "不可结转；可在使用期限 2022-02-28 前继续使用，到期未用完的应上缴或调出"
    )
    assert reasons.loc[(UNION, 2020), "undecided_reason"].startswith("期末结余为负")
    assert reasons.loc[(UNION, 2021), "carry_document"] == "裕工字〔2021〕48号"
    assert reasons.loc[(UNION, 2021), "undecided_reason"] == (
        "可结转，但没有登记结转下年批复文号（R21）"
    )
    without_deadline = aggregate.figures(tables, params(deadline=None), DECEMBER).year_end
    central = without_deadline.set_index(["source", "fund_year"]).loc[(CENTRAL, 2021)]
    assert (central["due_back_fen"], central["undecided_fen"]) == (60_000, 0)
    assert central["due_back_reason"] == "该资金来源不可结转（参数设置·资金来源）"
    for table in (year_end, without_deadline):
        assert (table["carry_fen"] + table["due_back_fen"] + table["undecided_fen"]).tolist() == (
            table["closing_fen"].tolist()
        )
    assert aggregate.figures(tables, params(), "2021-11").year_end.empty


def test_opening_check_compares_each_source_with_last_years_closing() -> None:
    """Plants: 本级 brought 500 forward into 2021 and closed 2020 at 500 (差额 0); 中央 closed
    2020 at 100 and brought nothing (−100); 旧来源, no longer in the parameters, closed at 20
    (−20, listed last). Not knowing last year's closing, nothing is compared."""
    rows = ledger((UNION, "上年结转", 500, "2021-01-01", None))
    balance = aggregate.balances(None, rows, params(), DECEMBER)
    previous = {"旧来源": 2_000, UNION: 50_000, CENTRAL: 10_000}
    check = aggregate.opening_check(balance, previous, 2021, params())
    assert check[
        ["source", "previous_closing_fen", "opening_fen", "difference_fen"]
    ].values.tolist() == [
        [CENTRAL, 10_000, 0, -10_000],
        [UNION, 50_000, 50_000, 0],
        ["旧来源", 2_000, 0, -2_000],
    ]
    assert check["ledger_lineage"].tolist() == [[], [("台账.xlsx", "台账", 2)], []]
    assert aggregate.opening_check(balance, None, 2021, params()).empty


def test_worker_files_at_the_period_end() -> None:
    """Plants: closing November — a file 脱困 on 2021-12-05 (still 在档 at the period end), one
    filed 2021-12-01 (not there yet), one 注销 退休 on 2021-03-01, one 脱困 in 2020 (outside
    the year), one 在档: 在档 2, 脱困 0, 注销 退休 1, caseload 3."""
    files = pd.DataFrame(
        {
            "hardship_type": ["深度困难", "相对困难", "意外致困", "深度困难", "相对困难"],
            "filed_on": pd.to_datetime(["2019-01-01", "2021-12-01", None, "2018-01-01", None]),
            "status": ["脱困", "在档", "注销", "脱困", "在档"],
            "status_changed_on": pd.to_datetime(
                ["2021-12-05", None, "2021-03-01", "2020-06-30", None]
            ),
            "close_reason": [None, None, "退休", None, None],
        }
    )
    counts = aggregate.worker_file_counts(files, "2021-11").set_index(["status", "category"])
    files_ = counts["files"]
    assert (files_[("在档", "深度困难")], files_[("在档", "相对困难")]) == (1, 1)
    assert files_[("在档", "合计")] == 2
    assert files_[("脱困", "合计")] == 0
    assert files_[("注销", "退休")] == 1
    assert files_[("注销", "合计")] == 1
    assert files_[("合计", "合计")] == 3


def test_absent_tables_give_empty_figures() -> None:
    """Plants nothing: no aid, no ledger, no files, no targets."""
    assert aggregate.fund_usage(None, params(), DECEMBER).empty
    totals = aggregate.usage_totals(pd.DataFrame(), params(), DECEMBER)
    assert totals["scope"].tolist() == ["all"]
    assert totals["year_persons"].tolist() == [0]
    assert aggregate.balances(None, None, params(), DECEMBER).empty
    assert aggregate.headcounts(None, params(), DECEMBER).empty
    assert aggregate.worker_file_counts(None, DECEMBER)["files"].sum() == 0


def test_sample_fiscal_subtotal_and_execution(figures: aggregate.Figures) -> None:
    """The seed's 中央+省财政专项帮扶资金 91.695 万元 is the two 财政 sources' spending; 到位 is
    the fund year's income as 资金结余 counts it (中央 620,000.00 + 86.40 interest), 执行率
    spending ÷ (上年结转 + 到位), rounded half up."""
    assert figures.fiscal_sources == (CENTRAL, PROVINCE)
    assert aggregate.group_label(figures.fiscal_sources) == "中央+省财政专项帮扶资金"
    assert figures.fiscal_usage.iloc[0]["year_amount_fen"] == 91_695_000
    execution = figures.execution.set_index("source")
    assert execution.loc[CENTRAL, "income_fen"] == 62_008_640
    assert execution.loc[CENTRAL, "spent_fen"] == 61_895_000
    assert execution.loc[CENTRAL, "execution_pct"] == Decimal("99.82")  # 99.8167…
    assert execution.loc[PROVINCE, "execution_pct"] == Decimal("99.33")  # 298,000 / 300,000
    assert execution.loc[JINQIU, "execution_pct"] == Decimal("100.00")
    assert list(execution.index) == [CENTRAL, PROVINCE, JINQIU, UNION]


def test_group_label_joins_the_beginnings() -> None:
    assert aggregate.group_label(["中央财政专项帮扶资金", "省财政专项帮扶资金"]) == (
        "中央+省财政专项帮扶资金"
    )
    assert aggregate.group_label(["中央专项", "本级工会经费"]) == "中央专项+本级工会经费"
    assert aggregate.group_label(["省财政资金", "财政资金"]) == "省财政资金+财政资金"


def test_execution_without_money_has_no_rate() -> None:
    """Plants: 中央 spends 100 with no ledger (nothing available: no rate); 本级 receives 1,000
    (上级拨入) and 500 carried over, spends 1,000 (66.67 %, 1,000 / 1,500)."""
    records = aid(
        (CENTRAL, LIVING, ID_A, "F1", 100, "2021-03-01"),
        (UNION, LIVING, ID_B, None, 1000, "2021-03-01"),
    )
    rows = ledger(
        (UNION, "上级拨入", 1000, "2021-01-05", None), (UNION, "上年结转", 500, "2021-01-01", None)
    )
    figures = aggregate.figures({"aid_records": records, "fund_ledger": rows}, params(), DECEMBER)
    execution = figures.execution.set_index("source")
    assert pd.isna(execution.loc[CENTRAL, "execution_pct"])
    assert execution.loc[UNION, ["opening_fen", "income_fen", "available_fen"]].tolist() == [
        50_000,
        100_000,
        150_000,
    ]
    assert execution.loc[UNION, "execution_pct"] == Decimal("66.67")
    assert figures.fiscal_sources == (CENTRAL,)


def detail_rows(*rows: tuple[int, int, int, int, str]) -> pd.DataFrame:
    """对账明细 rows (records, system, cash, paid in yuan, status), difference as
    ``pipeline.reconciliation`` computes it: paid − (system − cash)."""
    frame = pd.DataFrame(rows, columns=["records", "system", "cash", "paid", "status"])
    fen = {c: frame[c] * 100 for c in ("system", "cash", "paid")}
    return pd.DataFrame(
        {
            "records": frame["records"],
            "system_fen": fen["system"],
            "cash_fen": fen["cash"],
            "paid_fen": fen["paid"],
            "difference_fen": fen["paid"] - (fen["system"] - fen["cash"]),
            "status": frame["status"],
        }
    )


def test_payment_bridge_adds_up_to_what_the_bank_paid() -> None:
    """Plants: 1,000 paid as recorded; 1,800 whose transfer failed (recorded, not paid); 15,000
    paid 15,100 (100 more); 500 paid 400 (100 less); 600 of which 500 in cash, the 100 rest
    paid; 300 paid twice (a second 300, 重复发放); a transfer of 250 with no record. Bank
    paid 1,000 + 15,100 + 400 + 100 + 600 + 250 = 17,450; with the cash, 17,950."""
    detail = detail_rows(
        (1, 1000, 0, 1000, "相符"),
        (1, 1800, 0, 0, "发放失败"),
        (1, 15000, 0, 15100, "金额不符"),
        (1, 500, 0, 400, "金额不符"),
        (2, 600, 500, 100, "相符"),
        (2, 300, 0, 600, "重复发放"),
        (0, 0, 0, 250, "无对应记录"),
    )
    lines = aggregate.payment_bridge(detail).set_index("item")
    amounts = (lines["amount_fen"] // 100).to_dict()
    assert amounts == {
        "系统记录的救助金额": 19_200,
        "减：现金发放（不经银行）": -500,
        "减：已记录但银行未支付": -1_800,
        "减：银行少付": -100,
        "加：银行多付": 400,
        "银行实付（有对应救助记录）": 17_200,
        "加：银行支付但无对应救助记录": 250,
        "银行成功支付合计": 17_450,
        "加：现金发放": 500,
        "实际发放合计（银行+现金）": 17_950,
    }
    assert lines.loc["加：银行多付", "statuses"] == "金额不符、重复发放"
    assert lines.loc["加：银行多付", "rows"] == 2
    assert lines.loc["减：已记录但银行未支付", "statuses"] == "发放失败"
    assert lines.loc["加：银行支付但无对应救助记录", "statuses"] == "无对应记录"
    # each total adds the lines since the previous total, that total included
    running = 0
    for item in lines.reset_index().to_dict("records"):
        if item["total"]:
            assert item["amount_fen"] == running, item["item"]
        running = item["amount_fen"] if item["total"] else running + item["amount_fen"]


def test_sample_bridge_ends_at_the_bank_statements(sample_reconciled: results.Reconciled) -> None:
    """Recorded 984,950.00 − 16,000.00 cash − 1,800.00 never paid (廖丽, R19) + 100.00 paid
    above the record (R03) = 967,250.00: every successful payment of the bank files kept."""
    lines = aggregate.payment_bridge(sample_reconciled.detail.table).set_index("item")
    bank = sample_reconciled.checked.validated.tables["bank_payments"]
    assert lines.loc["系统记录的救助金额", "amount_fen"] == 98_495_000
    assert lines.loc["减：已记录但银行未支付", "amount_fen"] == -180_000
    assert lines.loc["加：银行多付", "amount_fen"] == 10_000
    assert lines.loc["减：现金发放（不经银行）", "amount_fen"] == -1_600_000
    paid = int(bank.loc[bank["status"] == "成功", "amount_fen"].sum())
    assert lines.loc["银行成功支付合计", "amount_fen"] == paid == 96_725_000


# ---- properties -------------------------------------------------------------------------------

PEOPLE = [(ID_A, "F1"), (ID_B, "F1"), (ID_C, None), ("341503200001010011", None)]
SOURCES = [CENTRAL, UNION]
TYPES = [LIVING, MEDICAL, EDUCATION, "送温暖"]

records_strategy = st.lists(
    st.tuples(
        st.sampled_from(SOURCES),
        st.sampled_from(TYPES),
        st.sampled_from(PEOPLE),
        st.integers(1, 10**7),
        st.dates(dt.date(2020, 12, 1), dt.date(2022, 1, 31)),
    ),
    max_size=40,
).map(
    lambda drawn: aid(
        *((s, t, person, file, yuan, day.isoformat()) for s, t, (person, file), yuan, day in drawn)
    )
)
periods = st.sampled_from(["2021-01", "2021-06", "2021-11", "2021-12"])
PARAMS = params()


@settings(deadline=None, max_examples=40)
@given(records_strategy, periods)
def test_totals_add_up_and_never_double_count(records: pd.DataFrame, period: str) -> None:
    rows = aggregate.fund_usage(records, PARAMS, period)
    totals = aggregate.usage_totals(records, PARAMS, period)
    everything = totals[totals["scope"] == "all"].iloc[0]
    for scope in ("source", "aid_type"):
        group = totals[totals["scope"] == scope].set_index(scope)
        for window in ("month", "year"):
            for additive in ("amount_fen", "person_times"):
                column = f"{window}_{additive}"
                assert group[column].to_dict() == rows.groupby(scope)[column].sum().to_dict()
                assert everything[column] == rows[column].sum()
            persons = f"{window}_persons"
            summed = rows.groupby(scope)[persons].sum()
            assert (group[persons] <= summed.reindex(group.index)).all()
            assert (group[persons] >= rows.groupby(scope)[persons].max().reindex(group.index)).all()
            assert everything[persons] <= group[persons].sum()


@settings(deadline=None, max_examples=40)
@given(records_strategy, periods)
def test_figures_match_a_plain_groupby(records: pd.DataFrame, period: str) -> None:
    """The fast grouping agrees with pandas' own on amounts, 人次, 人数 and 户数."""
    window = pd.Period(period, freq="M")
    dates = records["aid_date"]
    year = records[(dates.dt.year == window.year) & (dates <= window.end_time)]
    month = year[year["aid_date"].dt.month == window.month]
    usage = aggregate.fund_usage(records, PARAMS, period).set_index(["source", "aid_type"])
    for name, part in (("year", year), ("month", month)):
        plain = part.groupby(["source", "aid_type"]).agg(
            amount_fen=("amount_fen", "sum"),
            person_times=("id_no", "size"),
            persons=("id_no", "nunique"),
        )
        assert set(plain.index) <= set(usage.index)  # a month's groups are the year's
        if name == "year":
            assert set(plain.index) == set(usage.index)
        for column in plain:
            expected = plain[column].reindex(usage.index, fill_value=0)
            assert usage[f"{name}_{column}"].tolist() == expected.tolist()
    households = year.assign(household=year["file_no"].fillna("人:" + year["id_no"]))
    plain = households.groupby(["source", "aid_type"])["household"].nunique()
    by_source = aggregate.headcounts_by_source(records, PARAMS, period)
    assert by_source.set_index(["source", "aid_type"])["households"].to_dict() == plain.to_dict()


@settings(deadline=None, max_examples=40)
@given(records_strategy, periods)
def test_headcounts_add_up_over_sources(records: pd.DataFrame, period: str) -> None:
    by_type = aggregate.headcounts(records, PARAMS, period).set_index("aid_type")
    by_source = aggregate.headcounts_by_source(records, PARAMS, period)
    summed = by_source.groupby("aid_type")[["amount_fen", "person_times", "persons"]].sum()
    assert by_type["amount_fen"].to_dict() == summed["amount_fen"].to_dict()
    assert by_type["person_times"].to_dict() == summed["person_times"].to_dict()
    assert (by_type["persons"] <= summed["persons"].reindex(by_type.index)).all()
    assert (by_type["households"] <= by_type["persons"]).all()
    assert (by_type["filed_persons"] + by_type["non_filed_persons"] == by_type["persons"]).all()


@settings(deadline=None, max_examples=40)
@given(records_strategy, periods)
def test_balances_spend_what_the_aid_paid(records: pd.DataFrame, period: str) -> None:
    """Every aid up to the period end is spent from its pair; closing follows the formula."""
    table = aggregate.balances(records, None, PARAMS, period)
    paid = records[records["aid_date"] <= pd.Period(period, freq="M").end_time]
    assert table["expenditure_fen"].sum() == paid["amount_fen"].sum()
    assert (table["closing_fen"] == table["income_fen"] - table["expenditure_fen"]).all()
