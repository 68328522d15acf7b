"""The 绩效指标 (pipeline.indicators): the 裕安区 2021 sample scored by hand, and tiny planted
tables for each edge of the scoring.

The sample, worked by hand from tests/generator/generate.py (EXPECTED and the planted anomalies):
- 工会经费投入: the ledger's 本级安排 to 本级工会经费 is 47,680.00 元 (the report's 4.768万) → 5.
- 信息化建设: 财政 aid = 中央 100 + 36 + 3 and 省财政 14 + 31 = 184 records; A7 (JZ20210227,
  中央 医疗救助) was entered on the 45th working day (R16) → 0 of its 2 points; 3 by hand.
- 资金使用合规性: 中央 2021 closes at 1,136.40 元 and 省财政 at 2,000.00 元, both due by
  2022-02-28, after the period end → 期限未到, no score.
- 资金发放规范性: one 财政 record is cash (JZ20210063, 中央 医疗救助, signed; the two 送温暖
  cash payments are union money) → 0 of 3; 生活救助 paid in January, April, July and October
  to 26 households, one payment per household per quarter → 2 of 2. Score 2.
- 保障情况: per aid type with a target, 救助人次's 户数 — 26 生活, 47 医疗, 56 助学 (34 filed
  students' households and the 22 non-filed students, each a household of their own, as the
  report counts 56 against 20) — 129 ÷ targets 20 + 10 + 20 = 50 → 258.00 % → 10.
- 工作常态化: 206 records have an application date (the 48 送温暖 have none), none more than 30
  working days before the aid → 2 of its 2 points; 4 by hand.
- 帮扶标准: no R10, R11 or R12 finding → 9.
- 执行率 (listed): spent 984,950.00 of 997,766.40 元 available → 98.72 %; 到位率: no planned
  funds → by hand; 人次等级: 生活救助 100 人次 against 优 80 → 优.
Data-scored subtotal 5 + 0 + 2 + 10 + 2 + 9 = 28 of the 33 points the data scores; 67 left to
a person, 3 of them (资金使用合规性's 中央 2 and 省 1) because their deadline is ahead; 100 in all.

Planted (each test says which): completion of 99 % and 80 %, households helped with two types
and non-filed students (the old count, distinct filed households across types, gave 0 where
each type is at 100 %), money past its deadline with a balance and spent after it, a deadline
still ahead beside a deadline passed, 31 households above the 生活救助 limit,
one late entry, cash, 生活救助 twice in a month or a quarter skipped, a slow application, the
union's own money, planned funds for 到位率, and weights changed through 救助标准.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import pandas as pd
import pytest

from pipeline import aggregate, results, rules
from pipeline.indicators import indicators
from pipeline.indicators.common import BASES, COLUMNS, Total, total
from pipeline.params import parameters
from pipeline.rules import Context
from pipeline.rules.catalogue import CATALOGUE
from tests.builders import ID_ELSEWHERE, context, table

DECEMBER = pd.Period("2021-12", freq="M")
SEED_TABLE = [
    ("投入", "项目立项", "绩效目标合理性", 4),
    ("投入", "项目立项", "绩效指标明确性", 6),
    ("投入", "资金落实", "资金分配及时性", 5),
    ("投入", "资金落实", "工会经费投入", 5),
    ("过程", "项目管理", "制度贯彻", 4),
    ("过程", "项目管理", "能力建设", 4),
    ("过程", "项目管理", "信息化建设", 5),
    ("过程", "项目管理", "档案动态管理", 10),
    ("过程", "项目管理", "资料报送情况", 2),
    ("过程", "财务管理", "资金使用合规性", 5),
    ("过程", "财务管理", "资金发放规范性", 5),
    ("产出", "项目产出", "保障情况", 10),
    ("产出", "项目产出", "工作常态化", 6),
    ("产出", "项目产出", "帮扶标准", 9),
    ("效益", "项目效益", "可持续影响", 6),
    ("效益", "项目效益", "帮扶效益", 10),
    ("效益", "项目效益", "社会满意度", 4),
    ("补充指标", "资金到位", "到位率", 0),
    ("补充指标", "资金执行", "执行率", 0),
    ("补充指标", "帮扶人次", "人次等级", 0),
]


# ---- the sample: 裕安区 2021 ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_reconciled: results.Reconciled) -> pd.DataFrame:
    """The indicators of the sample run's tables, figures and findings (every rule)."""
    tables = sample_reconciled.checked.validated.tables
    found, figures = sample_reconciled.findings, sample_reconciled.figures
    return indicators(tables, parameters(tables), figures, found, DECEMBER)


def by_name(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    return {str(row["indicator"]): row for row in frame.to_dict("records")}


def test_sample_rows_are_the_seed_table_in_order(sample: pd.DataFrame) -> None:
    assert list(sample.columns) == COLUMNS
    rows = list(
        zip(sample["level1"], sample["level2"], sample["indicator"], sample["weight"], strict=True)
    )
    assert rows == [(a, b, c, Decimal(w)) for a, b, c, w in SEED_TABLE]
    assert all(isinstance(w, Decimal) for w in sample["weight"])
    assert set(sample["basis"]) <= set(BASES)
    weights = sample.groupby("level1", sort=False)["weight"].sum()
    assert weights.to_dict() == {"投入": 20, "过程": 35, "产出": 25, "效益": 20, "补充指标": 0}


def test_sample_data_scored_values_and_scores(sample: pd.DataFrame) -> None:
    rows = by_name(sample)
    expected = {
        "工会经费投入": ("本级安排 47,680.00 元", Decimal(5), "数据评分", Decimal(5)),
        "信息化建设": (
            "1 笔超过 30 个工作日录入（共 184 笔）",
            Decimal(0),
            "部分数据评分",
            Decimal(2),
        ),
        "资金使用合规性": ("中央财政期限未到；省财政期限未到", None, "期限未到", Decimal(0)),
        "资金发放规范性": (
            "财政资金现金发放 1 笔；生活救助 26 户均按月或按季发放",
            Decimal(2),
            "数据评分",
            Decimal(5),
        ),
        "保障情况": ("258.00%", Decimal(10), "数据评分", Decimal(10)),
        "工作常态化": ("206 笔均在 30 个工作日内救助", Decimal(2), "部分数据评分", Decimal(2)),
        "帮扶标准": ("未发现超标准救助", Decimal(9), "数据评分", Decimal(9)),
        "执行率": ("98.72%", None, "仅列示", Decimal(0)),
        "人次等级": ("生活救助 优", None, "仅列示", Decimal(0)),
        "到位率": ("—", None, "手工评分", Decimal(0)),
    }
    for name, (value, score, basis, scored_weight) in expected.items():
        row = rows[name]
        assert (row["value"], row["score"], row["basis"], row["scored_weight"]) == (
            value,
            score,
            basis,
            scored_weight,
        ), name


def test_sample_inputs_name_the_figures(sample: pd.DataFrame) -> None:
    rows = by_name(sample)
    assert rows["保障情况"]["inputs"] == (
        "实际帮扶户数 129；目标任务数 50；各类型 户数/目标人数：生活救助 26/20（130.00%）、"
        "医疗救助 47/10（470.00%）、助学救助 56/20（280.00%）"
    )
    assert rows["资金使用合规性"]["inputs"] == (
        "中央财政：中央财政专项帮扶资金 2021 年度结余 1,136.40 元，使用期限 2022-02-28（未到期）；"
        "省财政：省财政专项帮扶资金 2021 年度结余 2,000.00 元，使用期限 2022-02-28（未到期）"
    )
    assert "JZ20210227" in rows["信息化建设"]["inputs"]
    assert "JZ20210063" in rows["资金发放规范性"]["inputs"]
    assert "工会经费现金发放 2 笔（不计）" in rows["资金发放规范性"]["inputs"]
    assert rows["执行率"]["inputs"] == (
        "已使用 984,950.00 元；可用资金 997,766.40 元（上年结转 0.00 元 + 本年收入 997,766.40 元）"
    )
    assert rows["到位率"]["inputs"] == "实际到位 997,680.00 元；计划到位资金未填"
    assert "计划到位资金" in rows["到位率"]["note"]


def test_sample_manual_rows(sample: pd.DataFrame) -> None:
    manual = sample[sample["basis"] == "手工评分"]
    assert list(manual["indicator"]) == [
        "绩效目标合理性",
        "绩效指标明确性",
        "资金分配及时性",
        "制度贯彻",
        "能力建设",
        "档案动态管理",
        "资料报送情况",
        "可持续影响",
        "帮扶效益",
        "社会满意度",
        "到位率",
    ]
    assert manual["score"].isna().all() and (manual["criterion"].str.len() > 0).all()


def test_sample_total(sample: pd.DataFrame) -> None:
    assert total(sample) == Total(
        weight=Decimal(100),
        scored=Decimal(28),
        scored_weight=Decimal(33),
        manual_weight=Decimal(67),
        pending_weight=Decimal(3),
    )
    assert (sample["weight"] == sample["scored_weight"] + sample["manual_weight"]).all()


# ---- planted ------------------------------------------------------------------------------------

LIVING_TARGET = {"year": 2021, "aid_type": "生活救助", "target_persons": 100}


def scored(
    aid: Iterable[Mapping[str, object]] = ({},),
    *,
    files: Iterable[Mapping[str, object]] = ({},),
    ledger: Iterable[Mapping[str, object]] = (),
    standards: Mapping[str, object] | None = None,
    targets: Iterable[Mapping[str, object]] = (),
    period: str = "2021-12",
) -> dict[str, dict[str, object]]:
    """The indicators of a few rows over the defaults of tests.builders (one 1,000.00
    生活救助 of 中央财政 to 张三, F001, on 2021-03-10 by card), after every rule; every row's
    分值 split into the data's and the scorer's, and no row giving points with 得分 empty."""
    built = context(aid=aid, files=files, ledger=ledger, standards=standards, period=period)
    tables = {**built.tables, "annual_targets": table("annual_targets", targets)}
    params = parameters(tables)
    found = rules.apply(Context(tables, params, built.period_end, built.matched), CATALOGUE)
    month = pd.Period(period, freq="M")
    frame = indicators(tables, params, aggregate.figures(tables, params, month), found, month)
    assert sum(frame["weight"]) == total(frame).weight
    assert (frame["weight"] == frame["scored_weight"] + frame["manual_weight"]).all()
    for row in frame.to_dict("records"):  # a value that gives points has its score shown
        assert row["score"] is not None or "得 " not in row["value"], row["indicator"]
    return by_name(frame)


def households(n: int, **row: object) -> list[dict[str, object]]:
    """n households, each its own file F001… and person (IDs need not be valid here)."""
    return [{"file_no": f"F{i:03d}", "id_no": f"3415031990010{i:05d}", **row} for i in range(n)]


def test_99_percent_loses_half_a_point() -> None:
    row = scored(households(99, amount_fen=100), targets=[LIVING_TARGET])["保障情况"]
    assert (row["value"], row["score"], row["basis"]) == ("99.00%", Decimal("9.5"), "数据评分")
    assert row["inputs"] == (
        "实际帮扶户数 99；目标任务数 100；各类型 户数/目标人数：生活救助 99/100（99.00%）"
    )


def test_80_percent_scores_nothing() -> None:
    row = scored(households(80, amount_fen=100), targets=[LIVING_TARGET])["保障情况"]
    assert (row["value"], row["score"]) == ("80.00%", Decimal(0))


def test_a_household_counts_once_per_type_and_a_non_filed_person_as_one() -> None:
    """F000 paid twice in 生活救助 is one household; a person without a file is their own."""
    aid = [*households(3), {"file_no": "F000"}, {"file_no": None, "id_no": ID_ELSEWHERE}]
    target = {**LIVING_TARGET, "target_persons": 4}
    row = scored(aid, targets=[target])["保障情况"]
    assert (row["value"], row["score"]) == ("100.00%", Decimal(10))  # 4 of 4


def test_coverage_is_each_types_households_against_its_target() -> None:
    """40 households each helped with 生活 and 医疗, 20 non-filed students with 助学; targets
    40, 40 and 20, so 救助人次 shows every type at 100 %. Counting distinct filed households
    once against the summed targets gave 40 ÷ 100 = 40 % → 0; the types' households give
    40 + 40 + 20 = 100 % → full marks."""
    both = households(40)
    aid = [
        *both,
        *({**row, "aid_type": "医疗救助"} for row in both),
        *(
            {"file_no": None, "id_no": f"3415032000010{i:05d}", "aid_type": "助学救助"}
            for i in range(20)
        ),
    ]
    targets = [
        LIVING_TARGET | {"target_persons": 40},
        LIVING_TARGET | {"aid_type": "医疗救助", "target_persons": 40},
        LIVING_TARGET | {"aid_type": "助学救助", "target_persons": 20},
    ]
    row = scored(aid, files=both, targets=targets)["保障情况"]
    assert (row["value"], row["score"], row["basis"]) == ("100.00%", Decimal(10), "数据评分")
    assert row["inputs"] == (
        "实际帮扶户数 100；目标任务数 100；各类型 户数/目标人数：生活救助 40/40（100.00%）、"
        "医疗救助 40/40（100.00%）、助学救助 20/20（100.00%）"
    )


def test_no_target_leaves_coverage_to_a_person() -> None:
    row = scored()["保障情况"]
    assert (row["score"], row["basis"]) == (None, "手工评分")


CENTRAL_2021 = {"source": "中央财政专项帮扶资金", "fund_year": 2021}


def test_money_left_after_its_deadline_scores_nothing() -> None:
    """中央 2021: 2,000.00 in, 1,000.00 paid, due 2022-02-28; judged in March 2022."""
    ledger = [{**CENTRAL_2021, "amount_fen": 200_000}]
    row = scored(ledger=ledger, period="2022-03")["资金使用合规性"]
    assert (row["score"], row["basis"], row["scored_weight"]) == (
        Decimal(0),
        "部分数据评分",
        Decimal(2),
    )
    assert "2021 年度期末结余 1,000.00 元，使用期限 2022-02-28（已到期）" in row["inputs"]
    assert "省财政：本期无此类资金" in row["inputs"]


def test_money_spent_after_its_deadline_scores_nothing() -> None:
    ledger = [{**CENTRAL_2021, "amount_fen": 200_000}]
    aid = [{}, {"aid_date": "2022-03-10", "entered_on": "2022-03-11", "fund_year": 2021}]
    row = scored(aid, ledger=ledger, period="2022-03")["资金使用合规性"]
    assert row["score"] == Decimal(0)
    assert "期限后发放 1,000.00 元" in row["inputs"]


def test_money_spent_by_its_deadline_scores_its_points() -> None:
    ledger = [{**CENTRAL_2021, "amount_fen": 100_000}]
    row = scored(ledger=ledger, period="2022-03")["资金使用合规性"]
    assert (row["score"], row["value"]) == (
        Decimal(2),
        "中央财政得 2 分（满分 2）；省财政无法由数据判断",
    )


def test_a_deadline_ahead_is_not_scored() -> None:
    ledger = [{**CENTRAL_2021, "amount_fen": 200_000}]
    row = scored(ledger=ledger)["资金使用合规性"]
    assert (row["score"], row["basis"], row["scored_weight"]) == (None, "期限未到", Decimal(0))
    assert "2021 年度结余 1,000.00 元，使用期限 2022-02-28（未到期）" in row["inputs"]


def test_a_deadline_passed_is_scored_beside_a_deadline_ahead() -> None:
    """省财政 2020: 500.00 received, nothing paid, due 2021-02-28 → 0 of its 1 point; 中央
    2021: 1,000.00 left, due 2022-02-28, after December → its 2 points wait. The row shows the
    0 it says (it once said 省财政得 0 分 beside an empty 得分)."""
    ledger = [
        {**CENTRAL_2021, "amount_fen": 200_000},
        {"source": "省财政专项帮扶资金", "fund_year": 2020, "amount_fen": 50_000},
    ]
    row = scored(ledger=ledger)["资金使用合规性"]
    assert row["value"] == "中央财政期限未到；省财政得 0 分（满分 1）"
    assert (row["score"], row["basis"]) == (Decimal(0), "部分数据评分")
    assert (row["scored_weight"], row["manual_weight"], row["pending_weight"]) == (
        Decimal(1),
        Decimal(4),
        Decimal(2),
    )
    assert row["note"].startswith("中央财政 2 分使用期限未到，不计入数据评分")


def test_money_already_spent_before_its_deadline_scores_its_points() -> None:
    ledger = [{**CENTRAL_2021, "amount_fen": 100_000}]
    row = scored(ledger=ledger)["资金使用合规性"]
    assert (row["score"], row["basis"]) == (Decimal(2), "部分数据评分")


def test_31_households_above_the_living_limit_take_all_3_points() -> None:
    """The 2021 limit of region 341503 is 6 × 620 + 6 × 659 = 7,674.00; each pays 8,000.00."""
    aid = households(31, amount_fen=800_000)
    files = households(31)
    row = scored(aid, files=files)["帮扶标准"]
    assert (row["score"], row["value"]) == (
        Decimal(6),
        "超标准：生活救助 31 户、助学救助 0 户、医疗救助 0 户",
    )


def test_each_household_above_a_limit_costs_a_tenth() -> None:
    aid = households(2, amount_fen=800_000)
    row = scored(aid, files=households(2))["帮扶标准"]
    assert row["score"] == Decimal("8.8")


def test_one_late_entry_takes_the_2_points() -> None:
    late = {"aid_date": "2021-09-01", "entered_on": "2021-10-20"}  # the 31st working day
    row = scored([late, {}])["信息化建设"]
    assert (row["score"], row["value"]) == (Decimal(0), "1 笔超过 30 个工作日录入（共 2 笔）")
    in_time = {"aid_date": "2021-09-01", "entered_on": "2021-10-19"}  # the 30th
    row = scored([in_time, {}])["信息化建设"]
    assert (row["score"], row["value"]) == (Decimal(2), "全部按期录入（2 笔）")


def test_late_entry_of_union_money_does_not_count() -> None:
    late = {"aid_date": "2021-09-01", "entered_on": "2021-10-20", "source": "本级工会经费"}
    assert scored([late, {}])["信息化建设"]["score"] == Decimal(2)


def test_cash_of_government_money_takes_the_card_points() -> None:
    cash = {"pay_method": "现金", "signed": "是", "aid_date": "2021-06-10"}
    row = scored([cash, {}])["资金发放规范性"]
    assert (row["score"], row["value"]) == (
        Decimal(2),
        "财政资金现金发放 1 笔；生活救助 1 户均按月或按季发放",
    )
    union_cash = {**cash, "source": "本级工会经费", "aid_type": "送温暖"}
    assert scored([union_cash, {}])["资金发放规范性"]["score"] == Decimal(5)


@pytest.mark.parametrize(
    ("dates", "score"),
    [
        (["2021-01-20", "2021-04-20", "2021-07-20", "2021-10-20"], Decimal(5)),  # quarterly
        (["2021-01-05", "2021-02-05", "2021-03-05", "2021-04-05"], Decimal(5)),  # monthly
        (["2021-01-20", "2021-01-28"], Decimal(3)),  # twice in January
        (["2021-01-20", "2021-07-20"], Decimal(3)),  # the second quarter skipped
    ],
)
def test_living_aid_monthly_or_quarterly(dates: list[str], score: Decimal) -> None:
    aid = [{"aid_date": day, "entered_on": day, "applied_on": None} for day in dates]
    assert scored(aid)["资金发放规范性"]["score"] == score


def test_slow_handling_takes_the_2_points() -> None:
    slow = {"applied_on": "2021-09-01", "aid_date": "2021-10-20", "entered_on": "2021-10-20"}
    row = scored([slow, {}])["工作常态化"]
    assert (row["score"], row["basis"]) == (Decimal(0), "部分数据评分")
    assert "JZ001" in row["inputs"]


def test_union_funding_needs_the_unions_own_money() -> None:
    assert scored()["工会经费投入"]["score"] == Decimal(0)
    arranged = {"source": "本级工会经费", "category": "本级安排", "amount_fen": 500_000}
    row = scored(ledger=[arranged])["工会经费投入"]
    assert (row["score"], row["value"]) == (Decimal(5), "本级安排 5,000.00 元")
    from_above = {"source": "省总金秋助学资金", "aid_type": "助学救助", "student": "张小"}
    jinqiu = {"source": "省总金秋助学资金", "category": "上级拨入", "amount_fen": 100_000}
    assert scored([from_above], ledger=[jinqiu])["工会经费投入"]["score"] == Decimal(0)


def test_arrival_rate_with_planned_funds_and_a_weight() -> None:
    ledger = [{**CENTRAL_2021, "amount_fen": 100_000}]
    planned = {"计划到位资金": "4000.00"}
    row = scored(ledger=ledger, standards=planned)["到位率"]
    assert (row["value"], row["score"], row["basis"]) == ("25.00%", None, "仅列示")
    weighted = {**planned, "绩效·到位率分值": 2}
    row = scored(ledger=ledger, standards=weighted)["到位率"]
    assert (row["value"], row["score"], row["basis"], row["weight"]) == (
        "25.00%",
        Decimal("0.50"),
        "数据评分",
        Decimal(2),
    )


def test_execution_rate_scores_when_given_a_weight() -> None:
    ledger = [{**CENTRAL_2021, "amount_fen": 300_000}]
    row = scored(ledger=ledger, standards={"绩效·执行率分值": 3})["执行率"]
    assert (row["value"], row["score"]) == ("33.33%", Decimal("1.00"))


def test_weights_come_from_the_parameters() -> None:
    standards = {"绩效·保障情况每点扣分": 1, "绩效•资金录入时限分值": 4, "绩效.帮扶效益分值": 0}
    rows = scored(households(99, amount_fen=100), standards=standards, targets=[LIVING_TARGET])
    assert rows["保障情况"]["score"] == Decimal(9)  # 1 point short × 1
    assert (rows["信息化建设"]["weight"], rows["信息化建设"]["score"]) == (Decimal(7), Decimal(4))
    assert rows["帮扶效益"]["weight"] == Decimal(0)
    assert sum(row["weight"] for row in rows.values()) == Decimal(100) + 2 - 10  # type: ignore[misc]
