"""Rules on funds (R20–R23): deadlines, carry-over, last year's closing, the books' balance.

In: the Context (its balances come from ``aggregate.balances``, the same figures the workbook
shows; last year's closing per source from the run history or ``--previous``). Out: findings
per source and fund year, with the ledger rows behind each figure as lineage.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from pipeline import aggregate
from pipeline.money import yuan
from pipeline.rules import Context, Lineage, Rule, findings, no_findings
from pipeline.rules.common import more_or_less


def _balances(context: Context) -> pd.DataFrame:
    return aggregate.balances(
        context.table("aid_records"), context.table("fund_ledger"), context.params, context.period
    )


def _lineage(balances: pd.DataFrame) -> list[Lineage]:
    return [tuple(rows) for rows in balances["ledger_lineage"]]


def _source_rows(balances: pd.DataFrame, amount: pd.Series) -> pd.DataFrame:
    """Balance rows shaped for ``findings``: the source, no person, no record, ``amount``."""
    return balances.assign(amount_fen=amount)


def unspent_after_deadline(context: Context) -> pd.DataFrame:
    """R20: the money of a source and fund year left at the period end, once its deadline has
    passed (``aggregate.balances``' unspent_after_deadline_fen). Where that money may carry
    over but has no document, the message says so: R21 does not list it again."""
    balances = _balances(context)
    late = balances[balances["unspent_after_deadline_fen"] > 0]
    undocumented = aggregate.uncovered_carry_over(late, context.params)
    messages = [
        f"{row['source']} {row['fund_year']} 年度资金应在 {row['deadline']:%Y-%m-%d} 前用完，"
        f"期末仍余 {yuan(row['unspent_after_deadline_fen'])} 未用完"
        + (f"，其中 {yuan(fen)} 没有结转下年的批复文件" if fen else "")
        for row, fen in zip(late.to_dict("records"), undocumented, strict=True)
    ]
    return findings(
        _source_rows(late, late["unspent_after_deadline_fen"]), messages, lineage=_lineage(late)
    )


def balance_without_carry_over(context: Context) -> pd.DataFrame:
    """R21 (December): a year-end balance with nothing to keep it. Of a source that may carry
    over, the part no 结转下年 with a 文号 covers (all of it when no 文号 is registered); of a
    source that may not and has no 使用期限, all of it: it is to be returned (上缴或调出). Against
    the whole balance. A balance already past its deadline is R20's: the same money, one
    finding."""
    if context.period.month != 12:
        return no_findings()
    balances = _balances(context)
    uncovered = aggregate.uncovered_carry_over(balances, context.params)
    at_issue = uncovered + aggregate.to_return(balances, context.params)
    open_ = balances[(at_issue > 0) & (balances["unspent_after_deadline_fen"] == 0)]
    may_carry = aggregate.may_carry_over(open_, context.params)
    messages = [
        _year_end_message(row, fen) if carry else _return_message(row)
        for row, fen, carry in zip(
            open_.to_dict("records"), at_issue[open_.index], may_carry, strict=True
        )
    ]
    return findings(
        _source_rows(open_, at_issue[open_.index]),
        messages,
        compared=open_["closing_fen"],
        lineage=_lineage(open_),
    )


def _year_end_message(row: Mapping[Hashable, Any], uncovered_fen: int) -> str:
    return (
        f"{row['source']} {row['fund_year']} 年度年末结余 {yuan(row['closing_fen'])}，"
        + (
            f"已登记结转下年 {yuan(row['carry_over_fen'])}（{row['carry_over_document']}），"
            if pd.notna(row["carry_over_document"]) and row["carry_over_fen"]
            else ""
        )
        + f"其中 {yuan(uncovered_fen)} 没有结转下年的批复文件"
    )


def _return_message(row: Mapping[Hashable, Any]) -> str:
    return (
        f"{row['source']} {row['fund_year']} 年度资金不得结转（参数·资金来源 可结转 否，"
        f"且不限使用期限），年末结余 {yuan(row['closing_fen'])} 应上缴或调出"
    )


def opening_differs_from_last_closing(context: Context) -> pd.DataFrame:
    """R22: per source, this year's 上年结转 − last year's closing, against last year's closing."""
    if context.previous_closing is None:
        return no_findings()
    rows = aggregate.opening_check(
        _balances(context), context.previous_closing, context.period.year, context.params
    ).rename(columns={"previous_closing_fen": "compared_fen", "difference_fen": "amount_fen"})
    differ = rows[rows["amount_fen"] != 0]
    messages = [
        f"{row['source']} 本年上年结转 {yuan(row['opening_fen'])}，比上年期末结余 "
        f"{yuan(row['compared_fen'])}{more_or_less(row['amount_fen'])}"
        for row in differ.to_dict("records")
    ]
    return findings(differ, messages, compared=differ["compared_fen"], lineage=_lineage(differ))


def book_balance_differs(context: Context) -> pd.DataFrame:
    """R23: the balance computed from the flows − the declared 账面余额, against the declared."""
    balances = _balances(context)
    differ = balances[balances["book_difference_fen"].fillna(0) != 0]
    computed_less_declared = -differ["book_difference_fen"]
    messages = [
        f"{row['source']} {row['fund_year']} 年度按收支计算的余额 {yuan(row['closing_fen'])}，"
        f"比登记的账面余额 {yuan(row['book_balance_fen'])}"
        f"{more_or_less(-row['book_difference_fen'])}"
        for row in differ.to_dict("records")
    ]
    return findings(
        _source_rows(differ, computed_less_declared),
        messages,
        compared=differ["book_balance_fen"],
        lineage=_lineage(differ),
    )


RULES = [
    Rule(
        "R20",
        "资金未在使用期限内用完",
        "错误",
        unspent_after_deadline,
        "使用期限已过仍未用完的余额（期末结余）",
    ),
    Rule(
        "R21",
        "年末结余可结转但未登记结转下年批复，或不得结转应上缴或调出",
        "警告",
        balance_without_carry_over,
        "无批复的结余 = 年末结余 − 有文号的结转下年；不得结转且不限期限的来源为全部年末结余；"
        "过期的归 R20",
        "年末结余",
    ),
    Rule(
        "R22",
        "本年上年结转与上年期末结余不符",
        "错误",
        opening_differs_from_last_closing,
        "差额 = 本年上年结转 − 上年期末结余（正数为多转，负数为少转）",
        "上年期末结余",
    ),
    Rule(
        "R23",
        "计算余额与登记的账面余额不符",
        "错误",
        book_balance_differs,
        "差额 = 按收支计算的余额 − 登记的账面余额（正数为计算的多，负数为计算的少）",
        "登记的账面余额",
    ),
]
