"""The parameters workbook as the rules read it: limits, deadlines, source rules, 低保 standards.

In: the validated parameter tables (``dibao_standards``, ``fund_sources``, ``aid_standards``,
``annual_targets``, the optional ``holidays``). Out: ``Parameters`` — typed values with the
national defaults where the workbook is silent, and the lookups every later stage shares (a
source's deadline for a fund year, the 低保 standard of a region on a day, a household's yearly
limit, the holidays of years chinesecalendar does not know).

Everything numeric about the trade lives in the workbook (domain.md: provinces differ); the
defaults below are the national rules, used only for items the workbook leaves out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from pipeline.errors import ReconcileError, where
from schemas.inputs import FILE_LEVELS

# 救助标准 项目 → (field, default). Money items are in yuan in the workbook.
STANDARD_ITEMS = {
    "生活救助年度上限月数": ("living_months", Decimal(12)),
    "助学年度上限月数": ("study_months", Decimal(10)),
    "医疗救助比例": ("medical_ratio", Decimal("0.5")),
    "医疗救助封顶": ("medical_cap_yuan", Decimal(15000)),
    "录入时限工作日": ("entry_workdays", Decimal(30)),
    "办理时限工作日": ("handling_workdays", Decimal(30)),
    "核对有效期月数": ("check_valid_months", Decimal(12)),
    "重复判定天数": ("duplicate_days", Decimal(15)),
    "匹配窗口前天数": ("window_before_days", Decimal(5)),
    "匹配窗口后天数": ("window_after_days", Decimal(60)),
    "发放在途天数": ("in_transit_days", Decimal(10)),
}
# 救助标准 项目 → (field, default) for the 绩效指标 (pipeline.indicators): each 分值 (points) and
# deduction of the 100-point table of the 裕安区 2021 self-evaluation (seed 000), so a province
# with another table changes the workbook, not the code. Where an indicator is scored partly from
# the data, its points are split into the part the data scores and the part left to a person.
SCORING_ITEMS = {
    "绩效·绩效目标合理性分值": ("goal_fitness", Decimal(4)),
    "绩效·绩效指标明确性分值": ("indicator_clarity", Decimal(6)),
    "绩效·资金分配及时性分值": ("allocation_timeliness", Decimal(5)),
    "绩效·工会经费投入分值": ("union_funding", Decimal(5)),
    "绩效·制度贯彻分值": ("rules_followed", Decimal(4)),
    "绩效·能力建设分值": ("capacity", Decimal(4)),
    "绩效·档案录入系统分值": ("files_entered", Decimal(3)),
    "绩效·资金录入时限分值": ("entry_in_time", Decimal(2)),
    "绩效·档案动态管理分值": ("file_management", Decimal(10)),
    "绩效·资料报送情况分值": ("reporting", Decimal(2)),
    "绩效·专账管理分值": ("dedicated_account", Decimal(2)),
    "绩效·中央财政资金用完分值": ("central_spent", Decimal(2)),
    "绩效·省财政资金用完分值": ("provincial_spent", Decimal(1)),
    "绩效·银行卡发放分值": ("card_payment", Decimal(3)),
    "绩效·生活救助按月按季分值": ("living_schedule", Decimal(2)),
    "绩效·保障情况分值": ("coverage", Decimal(10)),
    "绩效·保障情况每点扣分": ("coverage_per_point", Decimal("0.5")),
    "绩效·及时帮扶分值": ("handled_in_time", Decimal(2)),
    "绩效·工作常态化其余分值": ("routine_other", Decimal(4)),
    "绩效·生活救助标准分值": ("living_standard", Decimal(3)),
    "绩效·助学标准分值": ("study_standard", Decimal(3)),
    "绩效·医疗救助标准分值": ("medical_standard", Decimal(3)),
    "绩效·超标准每户扣分": ("per_household_over", Decimal("0.1")),
    "绩效·可持续影响分值": ("sustainability", Decimal(6)),
    "绩效·帮扶效益分值": ("benefit", Decimal(10)),
    "绩效·社会满意度分值": ("satisfaction", Decimal(4)),
    "绩效·到位率分值": ("arrival_rate", Decimal(0)),
    "绩效·执行率分值": ("execution_rate", Decimal(0)),
}
# The planned funds (yuan) that 到位率 compares the money received with; no default: without it
# 到位率 is left to a person.
PLANNED_FUNDS_ITEM = "计划到位资金"
SCORING_PREFIX = re.compile(r"^绩效\s*[·•．.・]?\s*")  # 绩效·, 绩效•, 绩效. and 绩效 alike
DEADLINE = re.compile(r"^(当年|次年)(\d{2})-(\d{2})$")
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class Standards:
    living_months: int
    study_months: int
    medical_ratio: Decimal
    medical_cap_fen: int
    entry_workdays: int
    handling_workdays: int
    check_valid_months: int
    duplicate_days: int
    window_before_days: int
    window_after_days: int
    in_transit_days: int  # unpaid this long at the period end is still 在途, not R01/R19


@dataclass(frozen=True)
class Scoring:
    """The 绩效指标 weights and deductions (SCORING_ITEMS), and the planned funds for 到位率."""

    goal_fitness: Decimal
    indicator_clarity: Decimal
    allocation_timeliness: Decimal
    union_funding: Decimal
    rules_followed: Decimal
    capacity: Decimal
    files_entered: Decimal
    entry_in_time: Decimal
    file_management: Decimal
    reporting: Decimal
    dedicated_account: Decimal
    central_spent: Decimal
    provincial_spent: Decimal
    card_payment: Decimal
    living_schedule: Decimal
    coverage: Decimal
    coverage_per_point: Decimal
    handled_in_time: Decimal
    routine_other: Decimal
    living_standard: Decimal
    study_standard: Decimal
    medical_standard: Decimal
    per_household_over: Decimal
    sustainability: Decimal
    benefit: Decimal
    satisfaction: Decimal
    arrival_rate: Decimal
    execution_rate: Decimal
    planned_funds_fen: int | None = None


@dataclass(frozen=True)
class SourceRule:
    """How one funding source may be used (参数·资金来源)."""

    source: str
    nature: str  # 财政 or 工会经费
    deadline: tuple[int, int, int] | None  # (years after the fund year, month, day)
    allowed_aid_types: frozenset[str] | None  # None: any aid type
    filed_levels: frozenset[str] | None  # None: anyone; otherwise the file levels allowed
    may_carry_over: bool

    def deadline_for(self, fund_year: int) -> dt.date | None:
        """The last day a fund year's money may be spent (次年02-28 of 2021 → 2022-02-28)."""
        if self.deadline is None:
            return None
        years, month, day = self.deadline
        return dt.date(fund_year + years, month, day)


@dataclass(frozen=True)
class Parameters:
    standards: Standards
    sources: dict[str, SourceRule]
    dibao: pd.DataFrame  # region_code, effective_on, monthly_fen, sorted
    targets: pd.DataFrame  # annual_targets as validated
    # 参数·节假日: day → True for a working day (调休), False for a day off; a year with any day
    # here is counted from these instead of chinesecalendar (pipeline.workdays)
    overrides: dict[dt.date, bool] = field(default_factory=dict)
    scoring: Scoring = field(default_factory=lambda: _scoring(None))

    def monthly_standard(self, region_code: str, day: dt.date) -> int | None:
        """The 低保 standard (fen per month) in force in a region on a day, None if none yet."""
        rows = self.dibao[
            (self.dibao["region_code"] == region_code)
            & (self.dibao["effective_on"] <= pd.Timestamp(day))
        ]
        return None if rows.empty else int(rows["monthly_fen"].iloc[-1])

    def yearly_dibao_fen(self, region_code: str, year: int) -> int | None:
        """The sum of the year's monthly standards (each month's standard on its first day).

        When the standard changes mid-year (六安 raised it to 659 on 2021-07-01), the yearly
        limit is 6 × 620 + 6 × 659, not 12 times either.
        """
        months = [self.monthly_standard(region_code, dt.date(year, m, 1)) for m in range(1, 13)]
        known = [fen for fen in months if fen is not None]
        return sum(known) if known else None


def parameters(tables: dict[str, pd.DataFrame]) -> Parameters:
    """The parameters of the validated tables (fund_sources is required by validation)."""
    return Parameters(
        standards=_standards(tables.get("aid_standards")),
        sources={rule.source: rule for rule in map(_source_rule, _records(tables["fund_sources"]))},
        dibao=_dibao(tables.get("dibao_standards")),
        targets=tables.get("annual_targets", pd.DataFrame()),
        overrides=_overrides(tables.get("holidays")),
        scoring=_scoring(tables.get("aid_standards")),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [
        {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _standards(frame: pd.DataFrame | None) -> Standards:
    given = {} if frame is None else dict(zip(frame["item"], frame["value"], strict=True))
    values = {field: given.get(item, default) for item, (field, default) in STANDARD_ITEMS.items()}
    return Standards(
        living_months=int(values["living_months"]),
        study_months=int(values["study_months"]),
        medical_ratio=Decimal(values["medical_ratio"]),
        medical_cap_fen=int(Decimal(values["medical_cap_yuan"]) * 100),
        entry_workdays=int(values["entry_workdays"]),
        handling_workdays=int(values["handling_workdays"]),
        check_valid_months=int(values["check_valid_months"]),
        duplicate_days=int(values["duplicate_days"]),
        window_before_days=int(values["window_before_days"]),
        window_after_days=int(values["window_after_days"]),
        in_transit_days=int(values["in_transit_days"]),
    )


def _scoring(frame: pd.DataFrame | None) -> Scoring:
    """The 绩效 items of 救助标准 over the seed-000 defaults; a negative one cannot be a weight."""
    given: dict[str, tuple[Decimal, pd.Series]] = {}
    if frame is not None:
        for _, row in frame.iterrows():
            item = SCORING_PREFIX.sub("绩效·", str(row["item"]).strip())
            given[item] = (Decimal(row["value"]), row)
    for item, (value, row) in given.items():
        if value < 0 and (item in SCORING_ITEMS or item == PLANNED_FUNDS_ITEM):
            raise ReconcileError(
                f"{where(row['source_file'], row['source_sheet'], row['source_row'])}："
                f"救助标准“{item}”为 {value}，分值、扣分和计划资金不能为负数"
            )
    weights = {
        name: given[item][0] if item in given else default
        for item, (name, default) in SCORING_ITEMS.items()
    }
    planned = given.get(PLANNED_FUNDS_ITEM)
    return Scoring(**weights, planned_funds_fen=None if planned is None else _fen(*planned))


def _fen(yuan: Decimal, row: pd.Series) -> int:
    """Yuan of a 救助标准 item as integer fen; a third decimal is refused, never rounded."""
    fen = yuan * 100
    if fen != fen.to_integral_value():
        raise ReconcileError(
            f"{where(row['source_file'], row['source_sheet'], row['source_row'])}："
            f"救助标准“{row['item']}”为 {yuan} 元，金额最多两位小数"
        )
    return int(fen)


def _source_rule(row: dict[str, object]) -> SourceRule:
    return SourceRule(
        source=str(row["source"]),
        nature=str(row["nature"]),
        deadline=_deadline(row["deadline"]),
        allowed_aid_types=_word_set(row["allowed_aid_types"]),
        filed_levels=_filed_levels(row["filed_only"]),
        may_carry_over=row["may_carry_over"] == "是",
    )


def _deadline(text: object) -> tuple[int, int, int] | None:
    if text is None:
        return None
    match = DEADLINE.match(str(text))
    if match is None:  # validation admits only these forms
        raise ReconcileError(f"使用期限“{text}”无法识别：应写成“次年02-28”或“当年12-31”")
    return (1 if match[1] == "次年" else 0, int(match[2]), int(match[3]))


def _word_set(text: object) -> frozenset[str] | None:
    words = frozenset(w for w in LIST_SEPARATORS.split(str(text or "")) if w)
    return words or None


def _filed_levels(text: object) -> frozenset[str] | None:
    """限建档对象: 否 (anyone), 是 (any filed person), or the file levels allowed."""
    words = _word_set(text)
    if words is None or words == {"否"}:
        return None
    if words == {"是"}:
        return frozenset(FILE_LEVELS)
    return words


def _dibao(frame: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["region_code", "effective_on", "monthly_fen"]
    if frame is None:
        return pd.DataFrame(columns=columns)
    return frame[columns].sort_values(["region_code", "effective_on"]).reset_index(drop=True)


def _overrides(frame: pd.DataFrame | None) -> dict[dt.date, bool]:
    """参数·节假日 → {day: is a working day}; a day listed both ways cannot be decided."""
    if frame is None or frame.empty:
        return {}
    working = frame["day_type"] == "工作日"
    both = working.groupby(frame["day"]).transform("nunique") > 1
    if both.any():
        row = frame[both].iloc[0]
        raise ReconcileError(
            f"{where(row['source_file'], row['source_sheet'], row['source_row'])}："
            f"节假日表中 {row['day']:%Y-%m-%d} 既写成休息日又写成工作日，请只保留一行"
        )
    return {day.date(): bool(w) for day, w in zip(frame["day"], working, strict=True)}
