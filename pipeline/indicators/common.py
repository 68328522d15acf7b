"""What every indicator is made of: ``Part`` and ``Indicator`` (a row of 绩效指标), ``Data``
(what they read, cut to the period once), ``manual`` (an indicator scored by hand), and the
rates and texts they share. Scores are exact Decimals; rates are integer hundredths of a percent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from pipeline.aggregate import Figures
from pipeline.params import Parameters, Scoring
from pipeline.rules.common import among

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
    "manual_weight",
    "pending_weight",
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
    pending: bool = False  # money whose spending deadline is still ahead: no score yet


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
        """The frame's row. A part whose deadline is ahead has no score yet and waits alone:
        the parts the data did score beside it still count (中央 期限未到 beside 省财政's 0)."""
        weight = sum((part.weight for part in self.parts), ZERO)
        scored = [part for part in self.parts if part.score is not None]
        if self.listed and weight == 0:
            scored = []  # 0 points: nothing to add up
        score = sum((part.score or ZERO for part in scored), ZERO) if scored else None
        scored_weight = sum((part.weight for part in scored), ZERO)
        pending = [part for part in self.parts if part.pending]
        pending_weight = sum((part.weight for part in pending), ZERO)
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
            "basis": self._basis(weight, scored_weight, bool(pending), bool(scored)),
            "note": self.note,
            "scored_weight": scored_weight,
            "manual_weight": weight - scored_weight,
            "pending_weight": pending_weight,
        }

    def _basis(self, weight: Decimal, scored_weight: Decimal, pending: bool, scored: bool) -> str:
        if self.listed and weight == 0:
            return "仅列示"
        if not scored:
            return "期限未到" if pending else "手工评分"
        return "数据评分" if scored_weight == weight else "部分数据评分"


@dataclass(frozen=True)
class Total:
    """The frame's points: ``scored`` of ``scored_weight`` from the data, ``weight`` in all."""

    weight: Decimal  # 满分: 100 with the seed-000 table
    scored: Decimal  # the data-scored subtotal
    scored_weight: Decimal  # the points the data scored, out of which ``scored`` was given
    manual_weight: Decimal  # the points left to a person (手工评分, 期限未到, the rest of 部分)
    pending_weight: Decimal  # of ``manual_weight``, the parts whose spending deadline is ahead


def total(frame: pd.DataFrame) -> Total:
    """The subtotal the data scored and the full weight of an ``indicators`` frame."""
    return Total(
        weight=sum(frame["weight"], ZERO),
        scored=sum((s for s in frame["score"] if s is not None), ZERO),
        scored_weight=sum(frame["scored_weight"], ZERO),
        manual_weight=sum(frame["manual_weight"], ZERO),
        pending_weight=sum(frame["pending_weight"], ZERO),
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


def prepare(
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


def num(value: Decimal | int) -> str:
    """10 → "10", Decimal("0.50") → "0.5": points and deductions as people write them."""
    return format(Decimal(value).normalize(), "f")


def count(n: int) -> str:
    return f"{int(n):,}"


def percent(hundredths: int) -> Decimal:
    return Decimal(hundredths).scaleb(-2)


def rate_hundredths(numerator: int, denominator: int) -> int:
    """numerator / denominator × 100 in hundredths of a percent, rounded half up (integers)."""
    hundredths, remainder = divmod(int(numerator) * 10_000, int(denominator))
    return hundredths + (2 * remainder >= denominator)


def ids(records: Iterable[str]) -> str:
    ids = list(dict.fromkeys(records))
    return "、".join(ids[:MAX_LISTED]) + ("等" if len(ids) > MAX_LISTED else "")


def rows_of(data: Data, rule: str) -> pd.DataFrame:
    return data.found[(data.found["rule"] == rule).to_numpy(dtype=bool)]


def manual(
    level1: str,
    level2: str,
    name: str,
    weight: Callable[[Scoring], Decimal],
    criterion: str,
    note: str = MANUAL_NOTE,
) -> Callable[[Data], Indicator]:
    """An indicator the data cannot score: listed with its 评分标准, to be scored by hand."""

    def listed(data: Data) -> Indicator:
        return Indicator(
            level1, level2, name, criterion, (Part(weight(data.params.scoring)),), note=note
        )

    return listed
