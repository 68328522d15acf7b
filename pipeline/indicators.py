"""Stage: indicators — the 绩效指标 of the workbook (contract §3.1, sheet 5), scored from the data
where the data can score them (domain.md, "Performance indicators the data can score").

In: the validated tables, the ``Parameters`` (``scoring``: every 分值 and deduction, from
参数·救助标准), the aggregate ``Figures``, the rules' findings frame and the period closed (a
``pd.Period`` month) — exactly what ``run.reconcile`` holds after aggregating.
Out: a DataFrame, one row per 三级指标 of the 100-point table of the 裕安区 2021 self-evaluation
(seed 000) in its order, then three rows that table does not have (到位率, 执行率, 人次等级;
0 points unless 救助标准 gives them some). Columns ``COLUMNS``: level1, level2, indicator,
weight (分值, Decimal), criterion (评分标准), formula, inputs (the figures used, with their
numbers), value, score (Decimal; None where the data does not score the row), basis (数据评分,
部分数据评分, 手工评分, 期限未到, or 仅列示 for a row of 0 points shown for information), note, and
scored_weight: the part of the weight the score is out of (Decimal; 0 where nothing is scored).
``total(frame)`` gives the data-scored subtotal against the full weight.

What is counted: the aid dated in the period's year up to its last day (as 本年累计), the
findings about those records, and money per fund year as ``Figures.balances`` has it at the
period end. A household is a worker file (档案编号); a person without one is a household of
their own, as in aggregate. Scores are exact Decimals; a rate is shown, and scored, to two
decimals rounded half up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from pipeline.aggregate import Figures
from pipeline.money import yuan
from pipeline.params import PLANNED_FUNDS_ITEM, Parameters
from pipeline.rules.common import among, with_files

COLUMNS = [
    "level1",
    "level2",
    "indicator",
    "weight",
    "criterion",
    "formula",
    "inputs",
    "value",
    "score",
    "basis",
    "note",
    "scored_weight",
]
BASES = ("数据评分", "部分数据评分", "手工评分", "期限未到", "仅列示")
INPUT, PROCESS, OUTPUT, EFFECT, EXTRA = "投入", "过程", "产出", "效益", "补充指标"
FISCAL, UNION = "财政", "工会经费"
CASH, LIVING = "现金", "生活救助"
ZERO, HUNDRED, CENT = Decimal(0), Decimal(100), Decimal("0.01")
MANUAL_NOTE = "数据中没有评分依据，须查阅文件手工评分"
SURVEY_NOTE = "须问卷或访谈调查，手工评分；评分标准据自评报告正文概括（种子评分表未列出此项）"
MAX_LISTED = 5  # record numbers named in an input text before "等"


@dataclass(frozen=True)
class Part:
    """One line of an indicator's 评分标准: its points and what the data says of them."""

    weight: Decimal
    score: Decimal | None = None  # None: the data cannot score this line
    pending: bool = False  # money whose spending deadline is still ahead


@dataclass(frozen=True)
class Indicator:
    level1: str
    level2: str
    name: str
    criterion: str
    parts: tuple[Part, ...]
    formula: str = "—"
    inputs: str = "—"
    value: str = "—"
    note: str = ""
    listed: bool = False  # 0 points: shown for information when the data gives a value

    def row(self) -> dict[str, object]:
        weight = sum((part.weight for part in self.parts), ZERO)
        scored = [part for part in self.parts if part.score is not None]
        pending = any(part.pending for part in self.parts)
        if pending or (self.listed and weight == 0):
            scored = []  # a deadline ahead or 0 points: nothing to add up yet
        score = sum((part.score or ZERO for part in scored), ZERO) if scored else None
        scored_weight = sum((part.weight for part in scored), ZERO)
        return {
            "level1": self.level1,
            "level2": self.level2,
            "indicator": self.name,
            "weight": weight,
            "criterion": self.criterion,
            "formula": self.formula,
            "inputs": self.inputs,
            "value": self.value,
            "score": score,
            "basis": self._basis(weight, scored_weight, pending, bool(scored)),
            "note": self.note,
            "scored_weight": scored_weight,
        }

    def _basis(self, weight: Decimal, scored_weight: Decimal, pending: bool, scored: bool) -> str:
        if pending:
            return "期限未到"
        if self.listed and weight == 0:
            return "仅列示"
        if not scored:
            return "手工评分"
        return "数据评分" if scored_weight == weight else "部分数据评分"


@dataclass(frozen=True)
class Total:
    """The frame's points: ``scored`` of ``scored_weight`` from the data, ``weight`` in all."""

    weight: Decimal  # 满分: 100 with the seed-000 table
    scored: Decimal  # the data-scored subtotal
    scored_weight: Decimal  # the points the data scored, out of which ``scored`` was given
    manual_weight: Decimal  # the points left to a person (手工评分, 期限未到, the rest of 部分)


def total(frame: pd.DataFrame) -> Total:
    """The subtotal the data scored and the full weight of an ``indicators`` frame."""
    weight = sum(frame["weight"], ZERO)
    scored_weight = sum(frame["scored_weight"], ZERO)
    return Total(
        weight=weight,
        scored=sum((s for s in frame["score"] if s is not None), ZERO),
        scored_weight=scored_weight,
        manual_weight=weight - scored_weight,
    )


@dataclass(frozen=True)
class Data:
    """What the indicators read, cut to the period once."""

    params: Parameters
    figures: Figures
    period: pd.Period
    aid: pd.DataFrame  # every aid record dated up to the period end, with _fiscal, _household
    year: pd.DataFrame  # those dated in the period's year: the 本年累计 window
    found: pd.DataFrame  # the findings about the year's records
    files: pd.DataFrame  # worker files
    balances: pd.DataFrame  # Figures.balances of the period's fund year


def indicators(
    tables: dict[str, pd.DataFrame],
    params: Parameters,
    figures: Figures,
    findings: pd.DataFrame,
    period: pd.Period,
) -> pd.DataFrame:
    """The 绩效指标 frame (``COLUMNS``), rows in the order of the seed-000 table."""
    data = _data(tables, params, figures, findings, pd.Period(period, freq="M"))
    w = params.scoring
    rows = [
        _manual(INPUT, "项目立项", "绩效目标合理性", w.goal_fitness, GOAL_FITNESS),
        _clarity(data),
        _manual(INPUT, "资金落实", "资金分配及时性", w.allocation_timeliness, ALLOCATION),
        _union_funding(data),
        _manual(PROCESS, "项目管理", "制度贯彻", w.rules_followed, RULES_FOLLOWED),
        _manual(PROCESS, "项目管理", "能力建设", w.capacity, CAPACITY),
        _information(data),
        _manual(PROCESS, "项目管理", "档案动态管理", w.file_management, FILE_MANAGEMENT),
        _manual(PROCESS, "项目管理", "资料报送情况", w.reporting, REPORTING),
        _fund_compliance(data),
        _payment_practice(data),
        _coverage(data),
        _routine(data),
        _standards(data),
        _manual(EFFECT, "项目效益", "可持续影响", w.sustainability, SUSTAINABILITY, SURVEY_NOTE),
        _manual(EFFECT, "项目效益", "帮扶效益", w.benefit, BENEFIT, SURVEY_NOTE),
        _manual(EFFECT, "项目效益", "社会满意度", w.satisfaction, SATISFACTION, SURVEY_NOTE),
        _arrival_rate(data),
        _execution_rate(data),
        _grades(data),
    ]
    frame = pd.DataFrame([row.row() for row in rows], columns=COLUMNS)
    return frame.astype({"weight": object, "score": object, "scored_weight": object})


AID_COLUMNS = (
    "record_id",
    "file_no",
    "id_no",
    "aid_type",
    "source",
    "fund_year",
    "amount_fen",
    "applied_on",
    "aid_date",
    "entered_on",
    "pay_method",
)


def _data(
    tables: dict[str, pd.DataFrame],
    params: Parameters,
    figures: Figures,
    findings: pd.DataFrame,
    period: pd.Period,
) -> Data:
    aid = tables["aid_records"][list(AID_COLUMNS)]  # only what is scored: filters copy less
    after = (period + 1).start_time  # half-open, as aggregate: any time on the last day counts
    aid = aid[(aid["aid_date"] < after).fillna(False).to_numpy(dtype=bool)]
    nature = aid["source"].map({name: rule.nature for name, rule in params.sources.items()})
    aid = aid.assign(
        _fiscal=(nature == FISCAL).fillna(False).to_numpy(dtype=bool),
        _household=aid["file_no"].fillna(aid["id_no"]),
    )
    year = aid[(aid["aid_date"] >= pd.Timestamp(period.year, 1, 1)).to_numpy(dtype=bool)]
    balances = figures.balances
    return Data(
        params=params,
        figures=figures,
        period=period,
        aid=aid,
        year=year,
        found=findings[among(findings["record_id"], year["record_id"])],
        files=tables["worker_files"],
        balances=balances[
            (balances["fund_year"] == period.year).fillna(False).to_numpy(dtype=bool)
        ],
    )


# ---- text -------------------------------------------------------------------------------------


def _num(value: Decimal | int) -> str:
    """10 → "10", Decimal("0.50") → "0.5": points and deductions as people write them."""
    return format(Decimal(value).normalize(), "f")


def _count(n: int) -> str:
    return f"{int(n):,}"


def _percent(hundredths: int) -> Decimal:
    return Decimal(hundredths).scaleb(-2)


def _rate(numerator: int, denominator: int) -> int:
    """numerator / denominator × 100 in hundredths of a percent, rounded half up (integers)."""
    hundredths, remainder = divmod(int(numerator) * 10_000, int(denominator))
    return hundredths + (2 * remainder >= denominator)


def _ids(records: Iterable[str]) -> str:
    ids = list(dict.fromkeys(records))
    return "、".join(ids[:MAX_LISTED]) + ("等" if len(ids) > MAX_LISTED else "")


def _rows(data: Data, rule: str) -> pd.DataFrame:
    return data.found[(data.found["rule"] == rule).to_numpy(dtype=bool)]


# ---- 手工评分 ------------------------------------------------------------------------------------

GOAL_FITNESS = (
    "项目符合国家法律法规、党委政府和上级工会工作部署；绩效目标能够体现精准帮扶困难职工实现解困脱困"
)
CLARITY = "生活救助、子女助学、医疗救助目标任务量化；落实了生活救助、子女助学、医疗救助各项目的标准"
ALLOCATION = (
    "帮扶救助经本级工会党组会或主席办公会集体研究决定；上级下拨资金到位后按规定时间发放到位"
)
RULES_FOLLOWED = (
    "制定或具有困难职工档案制度；制订解困脱困实施方案；困难职工建档全面进行家庭信息比对"
)
CAPACITY = "成立帮扶或解困脱困领导小组并发挥作用；配备专职帮扶人员并开展业务培训；对检查、审计发现的问题按要求整改"
FILE_MANAGEMENT = (
    "一户一档、先建档后帮扶，认定和建档标准符合规定；动态管理、定期走访；建档和帮扶公示；"
    "退档履行程序；档案规范完整，纸质档案与电子档案一致"
)
REPORTING = "资料提供及时；资料齐全、真实、准确"
SUSTAINABILITY = "建立健全常态化帮扶机制，持续关心关爱脱困职工"
BENEFIT = "随机抽取受助困难职工询问困难是否得到缓解，按满意度评分"
SATISFACTION = "问卷、电话调查社会各方对困难职工帮扶民生工程的知晓度，按知晓率评分"


def _manual(
    level1: str, level2: str, name: str, weight: Decimal, criterion: str, note: str = MANUAL_NOTE
) -> Indicator:
    return Indicator(level1, level2, name, criterion, (Part(weight),), note=note)


def _clarity(data: Data) -> Indicator:
    """绩效指标明确性: scored by hand, with the year's 目标人数 shown as what the data holds."""
    targets = data.figures.headcounts.dropna(subset=["target_persons"])
    given = "；".join(
        f"{t} {_count(n)} 人"
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


# ---- 投入 ---------------------------------------------------------------------------------------


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
        f"本级工会经费安排困难职工帮扶资金或城市困难职工解困脱困工作经费得{_num(weight)}分",
        (Part(weight, weight if met else ZERO),),
        formula="资金收支台账中工会经费来源的“本级安排”＞0，或本年有未经上级拨入的工会经费来源发放救助 → 得满分，否则 0 分",
        inputs=(
            f"{data.period.year} 年度工会经费来源本级安排 {yuan(arranged, grouped=True)}；"
            f"本年由本级工会经费来源（{'、'.join(own) or '无'}）发放救助 {yuan(spent, grouped=True)}"
        ),
        value=value,
    )


# ---- 过程 ---------------------------------------------------------------------------------------


def _information(data: Data) -> Indicator:
    """信息化建设: the 财政 aid of the year entered in time (no R16 finding) scores its part."""
    w = data.params.scoring
    limit = data.params.standards.entry_workdays
    fiscal = data.year[data.year["_fiscal"].to_numpy(dtype=bool)]
    late = _rows(data, "R16")
    late = late[among(late["record_id"], fiscal["record_id"])]
    undated = int(fiscal["entered_on"].isna().sum())
    if fiscal.empty:
        score, value = None, "本年无财政资金救助"
    elif len(late):
        score, value = (
            ZERO,
            f"{_count(len(late))} 笔超过 {limit} 个工作日录入（共 {_count(len(fiscal))} 笔）",
        )
    elif undated:
        score, value = None, f"{_count(undated)} 笔未填录入日期，无法判断"
    else:
        score, value = w.entry_in_time, f"全部按期录入（{_count(len(fiscal))} 笔）"
    return Indicator(
        PROCESS,
        "项目管理",
        "信息化建设",
        f"困难职工档案按规定录入帮扶系统得{_num(w.files_entered)}分；各级财政专项帮扶资金发放使用情况"
        f"在{limit}个工作日内录入全国工会帮扶管理系统得{_num(w.entry_in_time)}分，超过的不得分",
        (Part(w.files_entered), Part(w.entry_in_time, score)),
        formula=f"本年财政资金救助中超过 {limit} 个工作日才录入系统的笔数（规则 R16）= 0 → "
        f"{_num(w.entry_in_time)} 分，否则 0 分",
        inputs=(
            f"本年财政资金救助 {_count(len(fiscal))} 笔；超时录入（R16）{_count(len(late))} 笔"
            + (f"（救助编号 {_ids(late['record_id'])}）" if len(late) else "")
            + f"；未填录入日期 {_count(undated)} 笔"
        ),
        value=value,
        note=f"档案录入 {_num(w.files_entered)} 分须手工评分",
    )


def _fund_compliance(data: Data) -> Indicator:
    """资金使用合规性: central and provincial money spent by its deadline; 专账 by hand."""
    w = data.params.scoring
    fiscal = [name for name, rule in data.params.sources.items() if rule.nature == FISCAL]
    central = [name for name in fiscal if name.startswith("中央")]
    provincial = [name for name in fiscal if not name.startswith("中央")]
    central_part, central_text = _spent_in_time(data, central, w.central_spent)
    provincial_part, provincial_text = _spent_in_time(data, provincial, w.provincial_spent)
    pending = central_part.pending or provincial_part.pending
    return Indicator(
        PROCESS,
        "财务管理",
        "资金使用合规性",
        f"实行专账管理、专款专用得{_num(w.dedicated_account)}分；中央财政帮扶资金年度内（使用期限前）"
        f"使用完毕得{_num(w.central_spent)}分；省财政帮扶资金年度内使用完毕得{_num(w.provincial_spent)}分",
        (Part(w.dedicated_account), central_part, provincial_part),
        formula=(
            "中央财政（性质为财政、名称以“中央”开头的来源）、省财政（其他财政来源）各资金年度："
            "使用期限已过时期末结余为 0 且期限后未再发放，或期限未到已全部用完 → 得该项分值；"
            "期限已过仍有结余或期限后发放 → 0 分"
        ),
        inputs=f"中央财政：{central_text}；省财政：{provincial_text}",
        value=f"中央财政{_verdict(central_part)}；省财政{_verdict(provincial_part)}",
        note=(
            f"使用期限未到，期限过后的对账期间即可评分；专账管理 {_num(w.dedicated_account)} 分须手工评分"
            if pending
            else f"专账管理 {_num(w.dedicated_account)} 分须手工评分"
        ),
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
    return f"得 {_num(part.score)} 分（满分 {_num(part.weight)}）"


def _payment_practice(data: Data) -> Indicator:
    """资金发放规范性: 财政 aid all by card; 生活救助 paid monthly or quarterly."""
    w = data.params.scoring
    card, card_text, card_value = _card_part(data, w.card_payment)
    schedule, schedule_text, schedule_value = _schedule_part(data, w.living_schedule)
    return Indicator(
        PROCESS,
        "财务管理",
        "资金发放规范性",
        f"帮扶资金全部实行银行卡打卡发放，直接发放到困难职工家庭账户得{_num(w.card_payment)}分；"
        f"生活救助资金按月或按季发放得{_num(w.living_schedule)}分",
        (card, schedule),
        formula=(
            f"本年财政资金救助的现金发放笔数 = 0 → {_num(w.card_payment)} 分，否则 0 分；"
            f"每户生活救助同一月份至多一笔、相邻两笔不隔季度 → {_num(w.living_schedule)} 分，否则 0 分"
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
        f"本年财政资金救助 {_count(len(fiscal))} 笔，其中现金 {_count(len(cash))} 笔"
        + (f"（救助编号 {_ids(cash['record_id'])}）" if len(cash) else "")
        + (f"、未填发放方式 {_count(unknown)} 笔" if unknown else "")
        + f"；工会经费现金发放 {_count(other_cash)} 笔（不计）"
    )
    if fiscal.empty:
        return Part(weight), text, "本年无财政资金救助"
    if len(cash):
        return Part(weight, ZERO), text, f"财政资金现金发放 {_count(len(cash))} 笔"
    if unknown:
        return Part(weight), text, f"{_count(unknown)} 笔未填发放方式，无法判断"
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
        f"生活救助 {_count(households)} 户 {_count(len(living))} 笔，发放月份 {months or '无'}；"
        f"同月两笔 {_count(living.loc[twice.to_numpy(dtype=bool), '_household'].nunique())} 户，"
        f"隔季发放 {_count(living.loc[skipped.to_numpy(dtype=bool), '_household'].nunique())} 户"
    )
    if living.empty:
        return Part(weight), text, "本年无生活救助"
    if irregular:
        return Part(weight, ZERO), text, f"生活救助 {_count(irregular)} 户发放不规律"
    return Part(weight, weight), text, f"生活救助 {_count(households)} 户均按月或按季发放"


# ---- 产出 ---------------------------------------------------------------------------------------


def _coverage(data: Data) -> Indicator:
    """保障情况: households helped ÷ the year's target × 100 %, minus points per point short."""
    w = data.params.scoring
    head = data.figures.headcounts
    targets = head[(head["target_persons"].fillna(0) > 0).to_numpy(dtype=bool)]
    types = list(targets["aid_type"])
    target = int(targets["target_persons"].sum())
    helped = data.year[data.year["aid_type"].isin(types).to_numpy(dtype=bool)]
    filed = helped[helped["file_no"].notna().to_numpy(dtype=bool)]
    households = int(filed["file_no"].nunique())
    per_type = filed.groupby("aid_type")["file_no"].nunique()
    non_filed = int(helped.loc[helped["file_no"].isna().to_numpy(dtype=bool), "id_no"].nunique())
    inputs = (
        f"实际帮扶户数 {_count(households)}（"
        + "、".join(f"{t} {_count(per_type.get(t, 0))}" for t in types)
        + f" 户；未建档 {_count(non_filed)} 人不计户）；目标任务数 {_count(target)}（"
        + "、".join(
            f"{t} {_count(n)}" for t, n in zip(types, targets["target_persons"], strict=True)
        )
        + " 人）"
    )
    criterion = (
        f"实际帮扶户数/帮扶目标任务数×100%，大于等于100%的得{_num(w.coverage)}分；"
        f"低于100%的，每少1个百分点扣{_num(w.coverage_per_point)}分，直至本项不得分"
    )
    formula = (
        f"实际帮扶户数 ÷ 目标任务数 × 100%；≥100% 得 {_num(w.coverage)} 分，"
        f"否则 {_num(w.coverage)} − (100 − 完成率) × {_num(w.coverage_per_point)}，最低 0 分"
    )
    note = (
        "实际帮扶户数：本年截至期末，获得有目标人数的救助类型（年度目标）救助的不同困难职工档案"
        "（档案编号，一户多类救助只计一次）；未建档的受助人没有户，不计。目标任务数：本年年度目标"
        "各救助类型目标人数之和"
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
    rate = _percent(_rate(households, target))
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
    slow = _rows(data, "R17")
    undated = len(data.year) - len(applied)
    if applied.empty:
        score, value = None, "本年救助均未填申请日期，无法判断"
    elif len(slow):
        score, value = (
            ZERO,
            f"{_count(len(slow))} 笔超过 {limit} 个工作日（共 {_count(len(applied))} 笔）",
        )
    else:
        score, value = w.handled_in_time, f"{_count(len(applied))} 笔均在 {limit} 个工作日内救助"
    return Indicator(
        OUTPUT,
        "项目产出",
        "工作常态化",
        f"收到困难职工申请材料后，在{limit}个工作日内得到帮扶救助得{_num(w.handled_in_time)}分；"
        f"帮扶服务网络和常态化机制、帮扶联系人制度、政策宣传共{_num(w.routine_other)}分",
        (Part(w.routine_other), Part(w.handled_in_time, score)),
        formula=f"本年救助中从申请到救助超过 {limit} 个工作日的笔数（规则 R17）= 0 → "
        f"{_num(w.handled_in_time)} 分，否则 0 分",
        inputs=(
            f"本年有申请日期的救助 {_count(len(applied))} 笔；超时（R17）{_count(len(slow))} 笔"
            + (f"（救助编号 {_ids(slow['record_id'])}）" if len(slow) else "")
            + f"；未填申请日期 {_count(undated)} 笔（不判断）"
        ),
        value=value,
        note=f"服务网络、联系人制度和宣传 {_num(w.routine_other)} 分须手工评分",
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
        f"{name} {_count(n)} 户" for (_, name), n in zip(STANDARD_RULES, over, strict=True)
    )
    return Indicator(
        OUTPUT,
        "项目产出",
        "帮扶标准",
        f"生活救助、子女助学、大病（医疗）救助标准符合规定各得{'/'.join(map(_num, weights))}分；"
        f"每发现1户超标准扣{_num(w.per_household_over)}分，直至该项不得分",
        parts,
        formula=(
            f"每类 分值 − 超标准户数 × {_num(w.per_household_over)}，最低 0 分；"
            "超标准户数为规则 R10（生活）、R11（助学）、R12（医疗）的发现按户去重"
        ),
        inputs=(
            "超标准户数："
            + "；".join(
                f"{rule} {name} {_count(n)} 户"
                for (rule, name), n in zip(STANDARD_RULES, over, strict=True)
            )
        ),
        value="未发现超标准救助" if not any(over) else f"超标准：{counts}",
        note="户：救助记录的困难职工档案（无档案编号时按受助人的档案），未建档者按人",
    )


def _households_over(data: Data, rule: str) -> int:
    """Distinct households of a limit rule's findings (the household as the rules see it)."""
    found = _rows(data, rule)
    records = data.year[among(data.year["record_id"], found["record_id"])]
    if records.empty:
        return 0
    joined = with_files(records, data.files)
    return int(joined["wf_file_no"].fillna(joined["id_no"]).nunique())


# ---- 补充指标 -----------------------------------------------------------------------------------


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
    hundredths = _rate(received, planned)
    return Indicator(
        EXTRA,
        "资金到位",
        "到位率",
        criterion,
        (Part(w.arrival_rate, _share(w.arrival_rate, hundredths)),),
        formula,
        f"实际到位 {yuan(received, grouped=True)}；计划到位 {yuan(planned, grouped=True)}",
        f"{_percent(hundredths)}%",
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
    hundredths = _rate(spent, available)
    return Indicator(
        EXTRA,
        "资金执行",
        "执行率",
        "资金执行率",
        (Part(w.execution_rate, _share(w.execution_rate, hundredths)),),
        formula,
        inputs,
        f"{_percent(hundredths)}%",
        note=_extra_note(w.execution_rate, "执行率"),
        listed=True,
    )


def _share(weight: Decimal, hundredths: int) -> Decimal:
    """weight × rate, the rate at most 100 %, to the hundredth of a point (half up)."""
    return (weight * _percent(min(hundredths, 10_000)) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


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
        f"{t}：{g}（{_count(n)} 人次；{_thresholds(thresholds.loc[t])}）"
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
    return "、".join(f"{g} ≥{_count(row[c])}" for g, c in names if pd.notna(row[c]))
