"""The sheet 异常清单: the findings list numbered (序号), each finding linked to the row it is
about, with its history and the clerk's note.

In: the ``Context`` (the findings list of the close: the findings in the order the rules sorted
them, then those resolved this period; 对账明细's rows and layout, 资金结余's rows). Out: the
``Detail`` of the sheet, under a title block whose note counts the findings by severity and
state. A finding about records or transfers links to the 对账明细 row of the first of its input
rows found there; a fund finding (R20–R23) to its source and fund year's row of 资金结余, where
the same codes are marked. 处理状态 (a drop-down) and 处理说明 are shaded: the clerk fills them
in and saves the workbook in place; the next run reads them back (``pipeline.notes``) by the
header names and 异常编号, wherever the columns stand.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from pipeline.carry import NOTE_STATUSES, STATES
from pipeline.outputs import EXCEPTION_HEADER, places
from pipeline.rules import SEVERITIES
from pipeline.workbook import balances
from pipeline.workbook.context import Context
from pipeline.workbook.detail import Detail, link_column, number_column, place_of, text_column

SEVERITY_FORMATS = (("错误", "error"), ("警告", "warning"))
FINDING_TEXTS = ("rule", "severity", "message", "name", "id_no", "source", "aid_type", "record_id")
# exceptions.csv's order, except that the amounts, the person and the link come before the
# identifiers: on paper the first page across is the working paper, the second the references
FIRST = ("规则", "严重程度", "说明")
AFTER = ("身份证号", "资金来源", "救助类型", "救助编号")


def table(context: Context) -> Detail:
    """Findings as the rules sorted them (severity, rule, first source row), each linked to its
    row of 对账明细 or of 资金结余."""
    findings = context.reconciled.close.worklist
    first = context.reconciled.detail.finding_rows
    layout = context.layout["对账明细"]
    links: list[tuple[str, int] | None] = [None] * len(findings)
    for finding, position in zip(first.index.tolist(), first.tolist(), strict=True):
        links[finding] = place_of(layout, position)
    rows_of_pairs = balances.row_of(context)
    fund = balances.fund_findings(context)["pair"]
    for finding, pair in zip(fund.index.tolist(), fund.tolist(), strict=True):
        links[finding] = rows_of_pairs.get(pair)
    text = dict(zip(EXCEPTION_HEADER, FINDING_TEXTS, strict=False))
    columns = [  # what a page holds first when the columns print over two pages across
        number_column("序号", pd.Series(np.arange(1, len(findings) + 1)), fen=False),
        *(text_column(label, findings[text[label]], wrap=label == "说明") for label in FIRST),
        number_column("金额", findings["amount_fen"], fen=True),
        number_column("比较金额", findings["compared_fen"], fen=True),
        text_column("姓名", findings["name"]),
        link_column("所在行", links),
        text_column("状态", findings["state"]),
        text_column("首次发现", findings["first_period"]),
        number_column("账龄（天）", findings["age_days"], fen=False),
        replace(
            text_column("处理状态", findings["note_status"]), choices=NOTE_STATUSES, to_fill=True
        ),
        replace(text_column("处理说明", findings["note_text"], wrap=True), to_fill=True),
        text_column("异常编号", findings["finding_id"]),
        *(text_column(label, findings[text[label]]) for label in AFTER),
        text_column("来源", findings["lineage"].map(places), wrap=True),
    ]
    state = next(i for i, column in enumerate(columns) if column.label == "状态")
    highlights = [(f'=${_letter(state)}{{row}}="本月解决"', "resolved")]
    highlights += [(f'=$C{{row}}="{severity}"', fmt) for severity, fmt in SEVERITY_FORMATS]
    return Detail(
        "异常清单",
        columns,
        freeze_cols=3,
        highlights=highlights,
        empty="无异常",
        title="帮扶资金异常清单",
        note=_note(findings),
    )


def _note(findings: pd.DataFrame) -> str:
    found = findings[findings["state"] != "本月解决"]
    counts = found["severity"].value_counts()
    by_severity = "，".join(f"{s} {int(counts.get(s, 0)):,} 条" for s in SEVERITIES)
    states = findings["state"].value_counts()
    by_state = "，".join(f"{s} {int(states.get(s, 0)):,} 条" for s in STATES)
    return (
        f"本期发现 {len(found):,} 条：{by_severity}；其中{by_state.replace('本月解决', '另有本月解决')}"
        "（列在最后）。按严重程度、规则编号排列；链接指向对账明细或资金结余中的行。"
        "请在底色标出的“处理状态”（下拉选择）和“处理说明”两列填写核实、整改情况后直接保存本工作簿，"
        "下月对账时自动读回，并随异常编号延续。"
    )


def _letter(col: int) -> str:
    return str(xl_col_to_name(col))
