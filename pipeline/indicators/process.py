"""一级指标 过程: its 三级指标 in the order of the seed-000 table (``INDICATORS``)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from pipeline.indicators.common import (
    CASH,
    FISCAL,
    LIVING,
    PROCESS,
    ZERO,
    Data,
    Indicator,
    Part,
    count,
    ids,
    manual,
    num,
    rows_of,
)
from pipeline.money import yuan
from pipeline.rules.common import among

RULES_FOLLOWED = (
    "制定或具有困难职工档案制度；制订解困脱困实施方案；困难职工建档全面进行家庭信息比对"
)
CAPACITY = "成立帮扶或解困脱困领导小组并发挥作用；配备专职帮扶人员并开展业务培训；对检查、审计发现的问题按要求整改"
FILE_MANAGEMENT = (
    "一户一档、先建档后帮扶，认定和建档标准符合规定；动态管理、定期走访；建档和帮扶公示；"
    "退档履行程序；档案规范完整，纸质档案与电子档案一致"
)
REPORTING = "资料提供及时；资料齐全、真实、准确"


def _information(data: Data) -> Indicator:
    """信息化建设: the 财政 aid of the year entered in time (no R16 finding) scores its part."""
    w = data.params.scoring
    limit = data.params.standards.entry_workdays
    fiscal = data.year[data.year["_fiscal"].to_numpy(dtype=bool)]
    late = rows_of(data, "R16")
    late = late[among(late["record_id"], fiscal["record_id"])]
    undated = int(fiscal["entered_on"].isna().sum())
    if fiscal.empty:
        score, value = None, "本年无财政资金救助"
    elif len(late):
        score, value = (
            ZERO,
            f"{count(len(late))} 笔超过 {limit} 个工作日录入（共 {count(len(fiscal))} 笔）",
        )
    elif undated:
        score, value = None, f"{count(undated)} 笔未填录入日期，无法判断"
    else:
        score, value = w.entry_in_time, f"全部按期录入（{count(len(fiscal))} 笔）"
    return Indicator(
        PROCESS,
        "项目管理",
        "信息化建设",
        f"困难职工档案按规定录入帮扶系统得{num(w.files_entered)}分；各级财政专项帮扶资金发放使用情况"
        f"在{limit}个工作日内录入全国工会帮扶管理系统得{num(w.entry_in_time)}分，超过的不得分",
        (Part(w.files_entered), Part(w.entry_in_time, score)),
        formula=f"本年财政资金救助中超过 {limit} 个工作日才录入系统的笔数（规则 R16）= 0 → "
        f"{num(w.entry_in_time)} 分，否则 0 分",
        inputs=(
            f"本年财政资金救助 {count(len(fiscal))} 笔；超时录入（R16）{count(len(late))} 笔"
            + (f"（救助编号 {ids(late['record_id'])}）" if len(late) else "")
            + f"；未填录入日期 {count(undated)} 笔"
        ),
        value=value,
        note=f"档案录入 {num(w.files_entered)} 分须手工评分",
    )


def _fund_compliance(data: Data) -> Indicator:
    """资金使用合规性: central and provincial money spent by its deadline; 专账 by hand."""
    w = data.params.scoring
    fiscal = [name for name, rule in data.params.sources.items() if rule.nature == FISCAL]
    central = [name for name in fiscal if name.startswith("中央")]
    provincial = [name for name in fiscal if not name.startswith("中央")]
    central_part, central_text = _spent_in_time(data, central, w.central_spent)
    provincial_part, provincial_text = _spent_in_time(data, provincial, w.provincial_spent)
    pending = [
        f"{name} {num(part.weight)} 分"
        for name, part in (("中央财政", central_part), ("省财政", provincial_part))
        if part.pending
    ]
    return Indicator(
        PROCESS,
        "财务管理",
        "资金使用合规性",
        f"实行专账管理、专款专用得{num(w.dedicated_account)}分；中央财政帮扶资金年度内（使用期限前）"
        f"使用完毕得{num(w.central_spent)}分；省财政帮扶资金年度内使用完毕得{num(w.provincial_spent)}分",
        (Part(w.dedicated_account), central_part, provincial_part),
        formula=(
            "中央财政（性质为财政、名称以“中央”开头的来源）、省财政（其他财政来源）各资金年度："
            "使用期限已过时期末结余为 0 且期限后未再发放，或期限未到已全部用完 → 得该项分值；"
            "期限已过仍有结余或期限后发放 → 0 分"
        ),
        inputs=f"中央财政：{central_text}；省财政：{provincial_text}",
        value=f"中央财政{_verdict(central_part)}；省财政{_verdict(provincial_part)}",
        note=(
            f"{'、'.join(pending)}使用期限未到，不计入数据评分，期限过后的对账期间即可评分；"
            if pending
            else ""
        )
        + f"专账管理 {num(w.dedicated_account)} 分须手工评分",
    )


def _spent_in_time(data: Data, sources: list[str], weight: Decimal) -> tuple[Part, str]:
    """Whether the money of ``sources`` was spent by its deadline, per fund year held at the
    period end (every fund year, not only the period's: last year's money is due this year)."""
    rows = data.figures.balances
    rows = rows[rows["source"].isin(sources).to_numpy(dtype=bool)]
    if rows.empty:
        return Part(weight), "本期无此类资金"
    texts, failed, pending, judged = [], False, False, False
    for row in rows.to_dict("records"):
        name, year, closing = str(row["source"]), int(row["fund_year"]), int(row["closing_fen"])
        if row["deadline_state"] == "不限期" or pd.isna(row["deadline"]):
            texts.append(f"{name} {year} 年度结余 {yuan(closing, grouped=True)}，未设使用期限")
            continue
        deadline = pd.Timestamp(row["deadline"])
        late = _spent_after(data.aid, name, year, deadline)
        when = f"使用期限 {deadline:%Y-%m-%d}"
        if row["deadline_state"] == "已到期":
            judged = True
            failed = failed or closing > 0 or late > 0
            texts.append(
                f"{name} {year} 年度期末结余 {yuan(closing, grouped=True)}，{when}（已到期）"
                + (f"，期限后发放 {yuan(late, grouped=True)}" if late else "")
            )
        elif closing > 0:
            pending = True
            texts.append(f"{name} {year} 年度结余 {yuan(closing, grouped=True)}，{when}（未到期）")
        else:
            judged = True  # nothing left to spend: met before the deadline
            texts.append(f"{name} {year} 年度已全部用完，{when}（未到期）")
    if failed:
        part = Part(weight, ZERO)
    elif pending:
        part = Part(weight, pending=True)
    else:
        part = Part(weight, weight if judged else None)
    return part, "；".join(texts)


def _spent_after(aid: pd.DataFrame, source: str, year: int, deadline: pd.Timestamp) -> int:
    """Aid paid from a source's fund year after its deadline (and up to the period end)."""
    late = (aid["source"] == source) & (aid["fund_year"] == year) & (aid["aid_date"] > deadline)
    return int(aid.loc[late.fillna(False).to_numpy(dtype=bool), "amount_fen"].sum())


def _verdict(part: Part) -> str:
    if part.pending:
        return "期限未到"
    if part.score is None:
        return "无法由数据判断"
    return f"得 {num(part.score)} 分（满分 {num(part.weight)}）"


def _payment_practice(data: Data) -> Indicator:
    """资金发放规范性: 财政 aid all by card; 生活救助 paid monthly or quarterly."""
    w = data.params.scoring
    card, card_text, card_value = _card_part(data, w.card_payment)
    schedule, schedule_text, schedule_value = _schedule_part(data, w.living_schedule)
    return Indicator(
        PROCESS,
        "财务管理",
        "资金发放规范性",
        f"帮扶资金全部实行银行卡打卡发放，直接发放到困难职工家庭账户得{num(w.card_payment)}分；"
        f"生活救助资金按月或按季发放得{num(w.living_schedule)}分",
        (card, schedule),
        formula=(
            f"本年财政资金救助的现金发放笔数 = 0 → {num(w.card_payment)} 分，否则 0 分；"
            f"每户生活救助同一月份至多一笔、相邻两笔不隔季度 → {num(w.living_schedule)} 分，否则 0 分"
        ),
        inputs=f"{card_text}；{schedule_text}",
        value=f"{card_value}；{schedule_value}",
        note=(
            "现金：发放方式为“现金”的财政资金救助，有无实名签收都算（评分标准要求全部打卡发放）；"
            "工会经费的现金发放（如入户送温暖）不计。按月或按季：按户（档案编号，未建档者按人）看生活救助，"
            "同一月份两笔或相邻两笔之间整整空过一个季度即为不规律；全年只发一笔的户不计为不规律"
        ),
    )


def _card_part(data: Data, weight: Decimal) -> tuple[Part, str, str]:
    """All 财政 aid of the year by card; a cash payment, signed for or not, is not by card."""
    fiscal = data.year[data.year["_fiscal"].to_numpy(dtype=bool)]
    method = fiscal["pay_method"]
    cash = fiscal[(method == CASH).fillna(False).to_numpy(dtype=bool)]
    unknown = int(method.isna().sum())
    other_cash = int(
        ((data.year["pay_method"] == CASH) & ~data.year["_fiscal"]).fillna(False).sum()
    )
    text = (
        f"本年财政资金救助 {count(len(fiscal))} 笔，其中现金 {count(len(cash))} 笔"
        + (f"（救助编号 {ids(cash['record_id'])}）" if len(cash) else "")
        + (f"、未填发放方式 {count(unknown)} 笔" if unknown else "")
        + f"；工会经费现金发放 {count(other_cash)} 笔（不计）"
    )
    if fiscal.empty:
        return Part(weight), text, "本年无财政资金救助"
    if len(cash):
        return Part(weight, ZERO), text, f"财政资金现金发放 {count(len(cash))} 笔"
    if unknown:
        return Part(weight), text, f"{count(unknown)} 笔未填发放方式，无法判断"
    return Part(weight, weight), text, "财政资金全部银行卡发放"


def _schedule_part(data: Data, weight: Decimal) -> tuple[Part, str, str]:
    """生活救助 按月或按季: per household, at most one payment a month and no quarter skipped
    between two payments (monthly pays 3 a quarter, quarterly 1; both pass)."""
    living = data.year[(data.year["aid_type"] == LIVING).to_numpy(dtype=bool)]
    living = living.sort_values(["_household", "aid_date"], kind="stable")
    month = living["aid_date"].dt.month
    quarter = (month - 1) // 3
    twice = living.assign(_month=month).duplicated(["_household", "_month"])
    skipped = quarter.groupby(living["_household"]).diff() > 1
    irregular = living.loc[(twice | skipped).to_numpy(dtype=bool), "_household"].nunique()
    households = living["_household"].nunique()
    months = "、".join(f"{m} 月" for m in sorted(month.unique()))
    text = (
        f"生活救助 {count(households)} 户 {count(len(living))} 笔，发放月份 {months or '无'}；"
        f"同月两笔 {count(living.loc[twice.to_numpy(dtype=bool), '_household'].nunique())} 户，"
        f"隔季发放 {count(living.loc[skipped.to_numpy(dtype=bool), '_household'].nunique())} 户"
    )
    if living.empty:
        return Part(weight), text, "本年无生活救助"
    if irregular:
        return Part(weight, ZERO), text, f"生活救助 {count(irregular)} 户发放不规律"
    return Part(weight, weight), text, f"生活救助 {count(households)} 户均按月或按季发放"


INDICATORS = (
    manual(PROCESS, "项目管理", "制度贯彻", lambda w: w.rules_followed, RULES_FOLLOWED),
    manual(PROCESS, "项目管理", "能力建设", lambda w: w.capacity, CAPACITY),
    _information,
    manual(PROCESS, "项目管理", "档案动态管理", lambda w: w.file_management, FILE_MANAGEMENT),
    manual(PROCESS, "项目管理", "资料报送情况", lambda w: w.reporting, REPORTING),
    _fund_compliance,
    _payment_practice,
)
