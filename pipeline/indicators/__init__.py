"""Stage: indicators — the 绩效指标 of the workbook (contract §3.1, sheet 5), scored from the data
where the data can score them (domain.md, "Performance indicators the data can score").

In: the validated tables, the ``Parameters`` (``scoring``: every 分值 and deduction, from
参数·救助标准), the aggregate ``Figures``, the rules' findings frame and the period closed (a
``pd.Period`` month) — exactly what ``pipeline.run`` holds after aggregating.
Out: a DataFrame, one row per 三级指标 of the 100-point table of the 裕安区 2021 self-evaluation
(seed 000) in its order, then three rows that table does not have (到位率, 执行率, 人次等级;
0 points unless 救助标准 gives them some). Columns ``COLUMNS``: level1, level2, indicator,
weight (分值, Decimal), criterion (评分标准), formula, inputs (the figures used, with their
numbers), value, score (Decimal; None where the data does not score the row), basis (数据评分,
部分数据评分 (some parts scored, the rest by hand or not yet due), 手工评分, 期限未到, or 仅列示 for
a row of 0 points shown for information), note, scored_weight (the part of the weight the score
is out of; 0 where nothing is scored), manual_weight (the rest of the weight, for a person to
score: weight − scored_weight) and pending_weight (of manual_weight, the parts whose spending
deadline is still ahead), all Decimal. ``total(frame)`` adds them up: the data-scored subtotal
against the points the data scored, the points left to a person, and the full weight.

What is counted: the aid dated in the period's year up to its last day (as 本年累计), the
findings about those records, and money per fund year as ``Figures.balances`` has it at the
period end. A household is a worker file (档案编号); a person without one is a household of
their own, as in aggregate. Scores are exact Decimals; a rate is shown, and scored, to two
decimals rounded half up.

One module per 一级指标 — ``inputs`` 投入, ``process`` 过程, ``output`` 产出, ``effects`` 效益 — and
``extra`` for the 补充指标, each listing its ``INDICATORS`` in order; ``CATALOGUE`` below puts them
together as the rules catalogue does the rules. ``common`` holds what they share.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.aggregate import Figures
from pipeline.indicators import effects, extra, inputs, output, process
from pipeline.indicators.common import COLUMNS, Data, Indicator, prepare
from pipeline.params import Parameters

CATALOGUE: tuple[Callable[[Data], Indicator], ...] = (
    *inputs.INDICATORS,
    *process.INDICATORS,
    *output.INDICATORS,
    *effects.INDICATORS,
    *extra.INDICATORS,
)


def indicators(
    tables: dict[str, pd.DataFrame],
    params: Parameters,
    figures: Figures,
    findings: pd.DataFrame,
    period: pd.Period,
) -> pd.DataFrame:
    """The 绩效指标 frame (``COLUMNS``), rows in the order of the seed-000 table."""
    data = prepare(tables, params, figures, findings, pd.Period(period, freq="M"))
    rows = [indicator(data).row() for indicator in CATALOGUE]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    points = ("weight", "score", "scored_weight", "manual_weight", "pending_weight")
    return frame.astype(dict.fromkeys(points, object))
