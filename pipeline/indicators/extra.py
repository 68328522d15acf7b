"""补充指标: three rows the seed-000 table does not have (到位率, 执行率, 人次等级), 0 points unless
救助标准 gives them some (``INDICATORS``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from pipeline.indicators.common import (
    CENT,
    EXTRA,
    HUNDRED,
    ZERO,
    Data,
    Indicator,
    Part,
    count,
    percent,
    rate_hundredths,
)
from pipeline.money import yuan
from pipeline.params import PLANNED_FUNDS_ITEM


def _arrival_rate(data: Data) -> Indicator:
    """到位率: money received (上级拨入 + 本级安排 of the year's fund year) ÷ the planned funds."""
    w = data.params.scoring
    received = int(data.balances["上级拨入"].sum() + data.balances["本级安排"].sum())
    planned = data.params.scoring.planned_funds_fen
    formula = "实际到位资金（本年度资金的上级拨入 + 本级安排）÷ 计划到位资金 × 100%；得分 = 分值 × 到位率（至多 100%）"
    criterion = "根据帮扶实际到位资金占计划的比重计算得分"
    if not planned:
        return Indicator(
            EXTRA,
            "资金到位",
            "到位率",
            criterion,
            (Part(w.arrival_rate),),
            formula,
            f"实际到位 {yuan(received, grouped=True)}；计划到位资金未填",
            "—",
            note=f"在参数表“救助标准”中加一行：项目“{PLANNED_FUNDS_ITEM}”，数值为计划到位资金（元），即可计算到位率",
        )
    hundredths = rate_hundredths(received, planned)
    return Indicator(
        EXTRA,
        "资金到位",
        "到位率",
        criterion,
        (Part(w.arrival_rate, _share(w.arrival_rate, hundredths)),),
        formula,
        f"实际到位 {yuan(received, grouped=True)}；计划到位 {yuan(planned, grouped=True)}",
        f"{percent(hundredths)}%",
        note=_extra_note(w.arrival_rate, "到位率"),
        listed=True,
    )


def _execution_rate(data: Data) -> Indicator:
    """执行率: aid paid ÷ money available (上年结转 + income) of the period's fund year."""
    w = data.params.scoring
    opening = int(data.balances["opening_fen"].sum())
    income = int(data.balances["income_fen"].sum())
    spent = int(data.balances["expenditure_fen"].sum())
    available = opening + income
    inputs = f"已使用 {yuan(spent, grouped=True)}；可用资金 {yuan(available, grouped=True)}（上年结转 {yuan(opening, grouped=True)} + 本年收入 {yuan(income, grouped=True)}）"
    formula = "已使用（本年度资金发放的救助）÷ 可用资金（上年结转 + 本年各项收入）× 100%；得分 = 分值 × 执行率（至多 100%）"
    if available <= 0:
        return Indicator(
            EXTRA,
            "资金执行",
            "执行率",
            "资金执行率",
            (Part(w.execution_rate),),
            formula,
            inputs,
            "本年度无可用资金",
            note="资金收支台账中没有本年度的结转或收入",
        )
    hundredths = rate_hundredths(spent, available)
    return Indicator(
        EXTRA,
        "资金执行",
        "执行率",
        "资金执行率",
        (Part(w.execution_rate, _share(w.execution_rate, hundredths)),),
        formula,
        inputs,
        f"{percent(hundredths)}%",
        note=_extra_note(w.execution_rate, "执行率"),
        listed=True,
    )


def _share(weight: Decimal, hundredths: int) -> Decimal:
    """weight × rate, the rate at most 100 %, to the hundredth of a point (half up)."""
    return (weight * percent(min(hundredths, 10_000)) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def _extra_note(weight: Decimal, name: str) -> str:
    if weight:
        return "裕安区评分表没有此项：分值来自参数表“救助标准”"
    return f"裕安区评分表没有此项，仅列示；在“救助标准”中给“绩效·{name}分值”一个分值即计分"


def _grades(data: Data) -> Indicator:
    """人次等级: 优/良/中/差 of each aid type's 人次 against the year's thresholds, listed."""
    head = data.figures.headcounts
    graded = head[head["grade"].notna().to_numpy(dtype=bool)]
    targets = data.params.targets  # graded rows exist only where the year's targets grade
    mine = targets[targets["year"] == data.period.year] if len(graded) else targets[:0]
    thresholds = mine.drop_duplicates("aid_type", keep="last").set_index("aid_type")
    texts = [
        f"{t}：{g}（{count(n)} 人次；{_thresholds(thresholds.loc[t])}）"
        for t, g, n in zip(graded["aid_type"], graded["grade"], graded["person_times"], strict=True)
    ]
    return Indicator(
        EXTRA,
        "帮扶人次",
        "人次等级",
        "本年各救助类型帮扶人次对照年度目标的优、良、中门槛评定等级，低于“中”为差",
        (Part(ZERO),),
        formula="人次 ≥ 优门槛为优，≥ 良门槛为良，≥ 中门槛为中，否则为差",
        inputs="；".join(texts) or "年度目标未设人次等级门槛",
        value="；".join(
            f"{t} {g}" for t, g in zip(graded["aid_type"], graded["grade"], strict=True)
        )
        or "—",
        note="仅列示，不计分",
        listed=True,
    )


def _thresholds(row: pd.Series) -> str:
    names = (("优", "grade_excellent"), ("良", "grade_good"), ("中", "grade_fair"))
    return "、".join(f"{g} ≥{count(row[c])}" for g, c in names if pd.notna(row[c]))


INDICATORS = (_arrival_rate, _execution_rate, _grades)
