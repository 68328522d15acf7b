"""Parameters (pipeline.params): the 绩效 items of 救助标准 — the seed-000 defaults, and the
values refused (a negative weight, planned funds with a third decimal)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.errors import ReconcileError
from pipeline.params import SCORING_ITEMS, parameters
from pipeline.run import Config, check, reconcile
from tests.builders import AID_HEADER, AID_ROW, PARAMETER_SHEETS, context, write_xlsx


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


def _findings_with(folder: Path, out: Path, standards: list[list[object]]) -> list[str]:
    write_xlsx(
        folder / "参数.xlsx",
        {**PARAMETER_SHEETS, "救助标准": [*PARAMETER_SHEETS["救助标准"], *standards]},
    )
    result = reconcile(Config(folder, out))
    payments = {"R01", "R02", "R03", "R06"}
    return sorted(rule for rule in result.findings["rule"] if rule in payments)


def test_matching_window_duplicate_and_in_transit_days_come_from_the_parameters_workbook(
    folder: Path, tmp_path_factory
) -> None:
    """Planted: JZ1 (100.00, 03-05) is paid on 03-10, five days later; JZ2 and JZ3 (200.00,
    04-01 and 04-21) are alike 20 days apart, each paid the next day; April is closed (the
    latest aid date's month). With the defaults (60 days after, 15 days for a duplicate)
    nothing is found; with 匹配窗口后天数 3 JZ1 is unpaid (R01) and its transfer has no record
    (R02); with 重复判定天数 30 JZ3 repeats JZ2 (R06); with 匹配窗口前天数 0 the transfer of
    04-20 cannot pay JZ3 of the next day, and pays JZ2 a second time (R06): JZ3 is unpaid but
    9 days old at 04-30, 在途 with the default 发放在途天数 10, R01 with 发放在途天数 8."""
    records = [AID_ROW, [*AID_ROW[:6], "200", "2021-04-01"], [*AID_ROW[:6], "200", "2021-04-21"]]
    records = [[f"JZ{n}", *row[1:]] for n, row in enumerate(records, start=1)]
    records = [row[:8] + AID_ROW[8:] for row in records]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, *records]})
    bank = [
        ["户名", "账号", "金额", "交易日期", "状态"],
        ["张三", "6217001234567893", "100", "2021-03-10", "成功"],
        ["张三", "6217001234567893", "200", "2021-04-02", "成功"],
        ["张三", "6217001234567893", "200", "2021-04-20", "成功"],
    ]
    write_xlsx(folder / "bank.xlsx", {"代发": bank})
    out = tmp_path_factory.mktemp("out")
    assert _findings_with(folder, out, []) == []
    assert _findings_with(folder, out, [["匹配窗口后天数", 3]]) == ["R01", "R02"]
    assert _findings_with(folder, out, [["重复判定天数", 30]]) == ["R06"]
    assert _findings_with(folder, out, [["匹配窗口前天数", 0]]) == ["R06"]
    in_transit_8 = [["匹配窗口前天数", 0], ["发放在途天数", 8]]
    assert _findings_with(folder, out, in_transit_8) == ["R01", "R06"]
