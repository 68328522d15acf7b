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
}
DEADLINE = re.compile(r"^(当年|次年)(\d{2})-(\d{2})$")
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
FILE_LEVELS = ("全国级", "省级", "地市级", "区县级", "基层")


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
    )


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
