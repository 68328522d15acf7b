"""一级指标 产出: its 三级指标 in the order of the seed-000 table (``INDICATORS``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from pipeline.indicators.common import (
    CENT,
    HUNDRED,
    OUTPUT,
    ZERO,
    Data,
    Indicator,
    Part,
    count,
    ids,
    num,
    percent,
    rate_hundredths,
    rows_of,
)
from pipeline.rules.common import among, with_files


def _coverage(data: Data) -> Indicator:
    """保障情况: households helped ÷ the year's target × 100 %, minus points per point short.

    The 年度目标 give 目标人数 per aid type and no household target, so each type's target is
    met by the households helped with that type: 救助人次's 户数 (a household counted once per
    type; a person without a file a household of their own, as the seed counts its 56 助学 with
    22 non-filed against 20). A household helped with two types fills two types' targets, as
    it counts in both of their completion rates."""
    w = data.params.scoring
    head = data.figures.headcounts
    targets = head[(head["target_persons"].fillna(0) > 0).to_numpy(dtype=bool)]
    helped, target = int(targets["households"].sum()), int(targets["target_persons"].sum())
    per_type = "、".join(
        f"{t} {count(h)}/{count(n)}（{percent(rate_hundredths(int(h), int(n)))}%）"
        for t, h, n in zip(
            targets["aid_type"], targets["households"], targets["target_persons"], strict=True
        )
    )
    inputs = (
        f"实际帮扶户数 {count(helped)}；目标任务数 {count(target)}；"
        f"各类型 户数/目标人数：{per_type or '无'}"
    )
    criterion = (
        f"实际帮扶户数/帮扶目标任务数×100%，大于等于100%的得{num(w.coverage)}分；"
        f"低于100%的，每少1个百分点扣{num(w.coverage_per_point)}分，直至本项不得分"
    )
    formula = (
        f"各救助类型户数之和 ÷ 各类型目标人数之和 × 100%；≥100% 得 {num(w.coverage)} 分，"
        f"否则 {num(w.coverage)} − (100 − 完成率) × {num(w.coverage_per_point)}，最低 0 分"
    )
    note = (
        "年度目标只有各类型的目标人数：按类型以救助人次表的户数对照目标人数（同一类型内一户只计"
        "一次，未建档者各计一户），各类型相加"
    )
    if target == 0:
        return Indicator(
            OUTPUT,
            "项目产出",
            "保障情况",
            criterion,
            (Part(w.coverage),),
            formula,
            inputs,
            "年度目标未设目标人数",
            note="在参数表“年度目标”中填写本年各救助类型的目标人数即可评分",
        )
    rate = percent(rate_hundredths(helped, target))
    short = max(HUNDRED - rate, ZERO) * w.coverage_per_point
    score = max(w.coverage - short, ZERO).quantize(CENT, ROUND_HALF_UP)
    return Indicator(
        OUTPUT,
        "项目产出",
        "保障情况",
        criterion,
        (Part(w.coverage, score),),
        formula,
        inputs,
        f"{rate}%",
        note=note,
    )


def _routine(data: Data) -> Indicator:
    """工作常态化: aid within the handling limit of its application (no R17 finding)."""
    w = data.params.scoring
    limit = data.params.standards.handling_workdays
    applied = data.year[data.year["applied_on"].notna().to_numpy(dtype=bool)]
    slow = rows_of(data, "R17")
    undated = len(data.year) - len(applied)
    if applied.empty:
        score, value = None, "本年救助均未填申请日期，无法判断"
    elif len(slow):
        score, value = (
            ZERO,
            f"{count(len(slow))} 笔超过 {limit} 个工作日（共 {count(len(applied))} 笔）",
        )
    else:
        score, value = w.handled_in_time, f"{count(len(applied))} 笔均在 {limit} 个工作日内救助"
    return Indicator(
        OUTPUT,
        "项目产出",
        "工作常态化",
        f"收到困难职工申请材料后，在{limit}个工作日内得到帮扶救助得{num(w.handled_in_time)}分；"
        f"帮扶服务网络和常态化机制、帮扶联系人制度、政策宣传共{num(w.routine_other)}分",
        (Part(w.routine_other), Part(w.handled_in_time, score)),
        formula=f"本年救助中从申请到救助超过 {limit} 个工作日的笔数（规则 R17）= 0 → "
        f"{num(w.handled_in_time)} 分，否则 0 分",
        inputs=(
            f"本年有申请日期的救助 {count(len(applied))} 笔；超时（R17）{count(len(slow))} 笔"
            + (f"（救助编号 {ids(slow['record_id'])}）" if len(slow) else "")
            + f"；未填申请日期 {count(undated)} 笔（不判断）"
        ),
        value=value,
        note=f"服务网络、联系人制度和宣传 {num(w.routine_other)} 分须手工评分",
    )


STANDARD_RULES = (("R10", "生活救助"), ("R11", "助学救助"), ("R12", "医疗救助"))


def _standards(data: Data) -> Indicator:
    """帮扶标准: each of 生活/助学/医疗 loses points per household found above its limit."""
    w = data.params.scoring
    weights = (w.living_standard, w.study_standard, w.medical_standard)
    over = [_households_over(data, rule) for rule, _ in STANDARD_RULES]
    parts = tuple(
        Part(weight, max(weight - w.per_household_over * n, ZERO))
        for weight, n in zip(weights, over, strict=True)
    )
    counts = "、".join(
        f"{name} {count(n)} 户" for (_, name), n in zip(STANDARD_RULES, over, strict=True)
    )
    return Indicator(
        OUTPUT,
        "项目产出",
        "帮扶标准",
        f"生活救助、子女助学、大病（医疗）救助标准符合规定各得{'/'.join(map(num, weights))}分；"
        f"每发现1户超标准扣{num(w.per_household_over)}分，直至该项不得分",
        parts,
        formula=(
            f"每类 分值 − 超标准户数 × {num(w.per_household_over)}，最低 0 分；"
            "超标准户数为规则 R10（生活）、R11（助学）、R12（医疗）的发现按户去重"
        ),
        inputs=(
            "超标准户数："
            + "；".join(
                f"{rule} {name} {count(n)} 户"
                for (rule, name), n in zip(STANDARD_RULES, over, strict=True)
            )
        ),
        value="未发现超标准救助" if not any(over) else f"超标准：{counts}",
        note="户：救助记录的困难职工档案（无档案编号时按受助人的档案），未建档者按人",
    )


def _households_over(data: Data, rule: str) -> int:
    """Distinct households of a limit rule's findings (the household as the rules see it)."""
    found = rows_of(data, rule)
    records = data.year[among(data.year["record_id"], found["record_id"])]
    if records.empty:
        return 0
    joined = with_files(records, data.files)
    return int(joined["wf_file_no"].fillna(joined["id_no"]).nunique())


INDICATORS = (_coverage, _routine, _standards)
