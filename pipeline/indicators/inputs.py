"""一级指标 投入: its 三级指标 in the order of the seed-000 table (``INDICATORS``)."""

from __future__ import annotations

from pipeline.indicators.common import (
    INPUT,
    MANUAL_NOTE,
    UNION,
    ZERO,
    Data,
    Indicator,
    Part,
    count,
    manual,
    num,
)
from pipeline.money import yuan

GOAL_FITNESS = (
    "项目符合国家法律法规、党委政府和上级工会工作部署；绩效目标能够体现精准帮扶困难职工实现解困脱困"
)
CLARITY = "生活救助、子女助学、医疗救助目标任务量化；落实了生活救助、子女助学、医疗救助各项目的标准"
ALLOCATION = (
    "帮扶救助经本级工会党组会或主席办公会集体研究决定；上级下拨资金到位后按规定时间发放到位"
)


def _clarity(data: Data) -> Indicator:
    """绩效指标明确性: scored by hand, with the year's 目标人数 shown as what the data holds."""
    targets = data.figures.headcounts.dropna(subset=["target_persons"])
    given = "；".join(
        f"{t} {count(n)} 人"
        for t, n in zip(targets["aid_type"], targets["target_persons"], strict=True)
    )
    return Indicator(
        INPUT,
        "项目立项",
        "绩效指标明确性",
        CLARITY,
        (Part(data.params.scoring.indicator_clarity),),
        inputs=f"{data.period.year} 年度目标人数：{given or '未设'}",
        note=MANUAL_NOTE,
    )


def _union_funding(data: Data) -> Indicator:
    """工会经费投入: the union's own money (本级安排 to a 工会经费 source, or aid paid from a
    工会经费 source that received nothing from above) scores the whole weight."""
    weight = data.params.scoring.union_funding
    union = [name for name, rule in data.params.sources.items() if rule.nature == UNION]
    rows = data.balances[data.balances["source"].isin(union).to_numpy(dtype=bool)]
    arranged = int(rows["本级安排"].sum())
    from_above = set(rows.loc[(rows["上级拨入"] > 0).to_numpy(dtype=bool), "source"])
    own = [name for name in union if name not in from_above]  # the upper union's money is not 本级
    spent = int(
        data.year.loc[data.year["source"].isin(own).to_numpy(dtype=bool), "amount_fen"].sum()
    )
    met = arranged > 0 or spent > 0
    value = (
        f"本级安排 {yuan(arranged, grouped=True)}"
        if arranged
        else f"本级工会经费发放 {yuan(spent, grouped=True)}"
    )
    if not met:
        value = "未见本级工会经费投入"
    return Indicator(
        INPUT,
        "资金落实",
        "工会经费投入",
        f"本级工会经费安排困难职工帮扶资金或城市困难职工解困脱困工作经费得{num(weight)}分",
        (Part(weight, weight if met else ZERO),),
        formula="资金收支台账中工会经费来源的“本级安排”＞0，或本年有未经上级拨入的工会经费来源发放救助 → 得满分，否则 0 分",
        inputs=(
            f"{data.period.year} 年度工会经费来源本级安排 {yuan(arranged, grouped=True)}；"
            f"本年由本级工会经费来源（{'、'.join(own) or '无'}）发放救助 {yuan(spent, grouped=True)}"
        ),
        value=value,
    )


INDICATORS = (
    manual(INPUT, "项目立项", "绩效目标合理性", lambda w: w.goal_fitness, GOAL_FITNESS),
    _clarity,
    manual(INPUT, "资金落实", "资金分配及时性", lambda w: w.allocation_timeliness, ALLOCATION),
    _union_funding,
)
