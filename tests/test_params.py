"""Parameters (pipeline.params): the 绩效 items of 救助标准 — the seed-000 defaults, and the
values refused (a negative weight, planned funds with a third decimal)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.errors import ReconcileError
from pipeline.params import SCORING_ITEMS, parameters
from pipeline.run import check
from tests.conftest import AID_HEADER, ID_A, PARAMETER_SHEETS, write_xlsx
from tests.rules_fixtures import context

AID_ROW = [
    "JZ1",
    "F001",
    "张三",
    ID_A,
    "生活救助",
    "中央财政",
    "100",
    "2021-03-05",
    "2021-03-08",
    "银行卡",
]


def test_default_weights_are_the_seed_table() -> None:
    defaults = {item: default for item, (_, default) in SCORING_ITEMS.items()}
    weights = {k: v for k, v in defaults.items() if k.endswith("分值")}
    assert sum(weights.values()) == 100
    assert defaults["绩效·保障情况每点扣分"] == Decimal("0.5")
    assert defaults["绩效·超标准每户扣分"] == Decimal("0.1")
    assert parameters(context().tables).scoring.planned_funds_fen is None


def test_a_negative_weight_or_a_third_decimal_is_refused() -> None:
    with pytest.raises(ReconcileError, match="不能为负数"):
        context(standards={"绩效·保障情况分值": -1})
    with pytest.raises(ReconcileError, match="最多两位小数"):
        context(standards={"计划到位资金": "1000.005"})
    assert (
        context(standards={"计划到位资金": "1000.05"}).params.scoring.planned_funds_fen == 100_005
    )


def test_scoring_items_are_read_from_the_parameters_workbook(folder: Path) -> None:
    standards = [
        *PARAMETER_SHEETS["救助标准"],
        ["绩效·保障情况分值", 12],
        ["绩效•到位率分值", "2"],
        ["计划到位资金", "1,000,000.50"],
    ]
    write_xlsx(folder / "参数.xlsx", {**PARAMETER_SHEETS, "救助标准": standards})
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW]})
    params = parameters(check(folder).validated.tables)
    assert (params.scoring.coverage, params.scoring.arrival_rate) == (Decimal(12), Decimal(2))
    assert params.scoring.planned_funds_fen == 100_000_050
    assert params.scoring.coverage_per_point == Decimal("0.5")  # not given: the default
    assert params.standards.entry_workdays == 30  # the other items as before
