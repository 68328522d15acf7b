"""The sheet 年度结转, in the December workbook only: how each balance of 资金结余 ends the year.

In: the ``Context`` (``Figures.year_end``). Out: per 资金来源 and 资金年度, 期初（上年结转）, 收入,
支出, 调出 (where any balance has one), 期末结余, then where it goes — 可结转, 应上缴或调出 and
待定, which add up to 期末结余 on every row — each 合计 a live SUM; below, per row, the 文号 of
what carries over and why the rest is due back or left undecided. It stands right after
资金结余: an auditor reads the balances, then what becomes of them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from pipeline.money import yuan
from pipeline.workbook.balances import PAIR_SPEC, Spec, table
from pipeline.workbook.cells import Sheet, own_pages
from pipeline.workbook.context import Context

SHEET = "年度结转"
COLUMNS: Spec = (
    *PAIR_SPEC,
    ("期初（上年结转）", "opening_fen", "money"),
    ("收入", "income_fen", "money"),
    ("支出", "expenditure_fen", "money"),
    ("调出", "transfer_out_fen", "money"),
    ("期末结余", "closing_fen", "money"),
    ("可结转", "carry_fen", "money"),
    ("应上缴或调出", "due_back_fen", "money"),
    ("待定", "undecided_fen", "money"),
)
PARTS = (  # (label, amount, its 文号 or reason, what joins them) of the figures' columns
    ("可结转", "carry_fen", "carry_document", "，批复文号 "),
    ("应上缴或调出", "due_back_fen", "due_back_reason", "："),
    ("待定", "undecided_fen", "undecided_reason", "："),
)
MONEY_WIDTH = 12  # the headers wrap to it rather than widen the page (a wider number widens it)
NOTE = (  # lines no wider than the table: a wider text would make the printed page smaller
    "注：期末结余 = 期初 + 收入 − 支出 − 调出 = 可结转 + 应上缴或调出 + 待定。",
    "可结转：资金来源可结转（参数设置·资金来源），且登记了结转下年批复文号的部分。",
    "应上缴或调出：使用期限已过仍未用完的（R20），或资金来源不可结转、也没有使用期限可延用的。",
    "待定：可结转但没有批复文号的（R21）；不可结转、使用期限在次年的（到期前用完，未用完的上缴）；负结余。",
)


def fill(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    year_end = context.reconciled.figures.year_end
    has_transfers = bool(year_end["transfer_out_fen"].any())
    spec = [column for column in COLUMNS if has_transfers or column[1] != "transfer_out_fen"]
    width = len(spec)
    title = f"{context.reconciled.period.year}年帮扶资金年度结转表"
    header = sheet.title_block(title, width, context)
    _, _, row = table(sheet, header, spec, year_end)
    for line in NOTE:
        sheet.text(row, 0, line, f.note, fit=False)
        row += 1
    row = _reasons(sheet, year_end, row + 1, width)
    sheet.signatures(row + 1, width)
    sheet.fixed.update({col: MONEY_WIDTH for col, (*_, kind) in enumerate(spec) if kind == "money"})
    own_pages(sheet, width, (header, header), freeze_cols=2)


def _reasons(sheet: Sheet, year_end: pd.DataFrame, row: int, width: int) -> int:
    """Per source and fund year, where its balance goes in words: the 文号 of what carries
    over, why the rest is due back or undecided. Returns the next free row."""
    f = sheet.formats
    sheet.text(row, 0, "结余去向说明", f.heading, fit=False)
    for col, label in enumerate(("资金来源", "资金年度")):
        sheet.text(row + 1, col, label, f.header)
    sheet.merge(row + 1, 2, width - 1, "说明", f.header)
    row += 2
    for item in year_end.to_dict("records"):
        sheet.text(row, 0, item["source"], f.text)
        sheet.count(row, 1, item["fund_year"], f.year)
        sheet.merge(row, 2, width - 1, _where_it_goes(item), f.wrap)
        row += 1
    return row


def _where_it_goes(item: Mapping[Hashable, Any]) -> str:
    """'可结转 9,680.00 元，批复文号 …；待定 …：why' — the parts of a balance that are not 0."""
    parts = [
        f"{label} {yuan(int(item[amount]), grouped=True)}{joint}{item[basis]}"
        for label, amount, basis, joint in PARTS
        if item[amount]
    ]
    return "；".join(parts) + "。" if parts else "期末无结余。"
