"""Rules on funds (R20–R23): deadlines, carry-over, last year's closing, the books' balance.

In: the Context (its balances come from ``aggregate.balances``, the same figures the workbook
shows; last year's closing per source from the run history or ``--previous``). Out: findings
per source and fund year, with the ledger rows behind each figure as lineage.
"""

from __future__ import annotations

import pandas as pd

from pipeline import aggregate
from pipeline.money import yuan
from pipeline.rules import Context, Lineage, Rule, findings


def _balances(context: Context) -> pd.DataFrame:
    return aggregate.balances(
        context.table("aid_records"), context.table("fund_ledger"), context.params, context.period
    )


def _lineage(balances: pd.DataFrame) -> list[Lineage]:
    return [tuple(rows) for rows in balances["ledger_lineage"]]


def _source_rows(balances: pd.DataFrame) -> pd.DataFrame:
    """Balance rows shaped for ``findings``: the source, no person, no record."""
    return balances.assign(amount_fen=balances["closing_fen"])


def unspent_after_deadline(context: Context) -> pd.DataFrame:
    balances = _balances(context)
    late = balances[balances["unspent_after_deadline_fen"] > 0]
    messages = [
        f"{row['source']} {row['fund_year']} 年度资金应在 {row['deadline']:%Y-%m-%d} 前用完，"
        f"期末仍余 {yuan(row['closing_fen'])}"
        for row in late.to_dict("records")
    ]
    return findings(_source_rows(late), messages, lineage=_lineage(late))


def balance_without_carry_over(context: Context) -> pd.DataFrame:
    if context.period.month != 12:
        return findings(pd.DataFrame(columns=["source_file", "source_sheet", "source_row"]), [])
    balances = _balances(context)
    may_carry = balances["source"].map(
        lambda source: (
            context.params.sources[source].may_carry_over
            if source in context.params.sources
            else False
        )
    )
    covered = balances["carry_over_document"].notna() & (
        balances["carry_over_fen"].fillna(0) >= balances["closing_fen"]
    )
    open_ = balances[may_carry.astype(bool) & (balances["closing_fen"] > 0) & ~covered]
    messages = [
        f"{row['source']} {row['fund_year']} 年度年末结余 {yuan(row['closing_fen'])}，"
        f"结转下年的批复文件未登记"
        + (
            f"（已登记结转 {yuan(row['carry_over_fen'])}）"
            if pd.notna(row["carry_over_fen"]) and row["carry_over_fen"]
            else ""
        )
        for row in open_.to_dict("records")
    ]
    return findings(_source_rows(open_), messages, lineage=_lineage(open_))


def opening_differs_from_last_closing(context: Context) -> pd.DataFrame:
    if context.previous_closing is None:
        return findings(pd.DataFrame(columns=["source_file", "source_sheet", "source_row"]), [])
    balances = _balances(context)
    this_year = balances[balances["fund_year"] == context.period.year]
    opening = this_year.groupby("source")["opening_fen"].sum()
    lineage = this_year.groupby("source")["ledger_lineage"].sum()
    sources = sorted(set(opening.index) | set(context.previous_closing))
    rows = pd.DataFrame(
        {
            "source": sources,
            "amount_fen": [int(opening.get(s, 0)) for s in sources],
            "compared_fen": [int(context.previous_closing.get(s, 0)) for s in sources],
            "ledger_lineage": [tuple(lineage.get(s, ())) for s in sources],
        }
    )
    differ = rows[rows["amount_fen"] != rows["compared_fen"]]
    messages = [
        f"{row['source']} 本年上年结转 {yuan(row['amount_fen'])}，"
        f"与上年期末结余 {yuan(row['compared_fen'])}不符"
        for row in differ.to_dict("records")
    ]
    return findings(differ, messages, compared=differ["compared_fen"], lineage=_lineage(differ))


def book_balance_differs(context: Context) -> pd.DataFrame:
    balances = _balances(context)
    differ = balances[balances["book_difference_fen"].fillna(0) != 0]
    messages = [
        f"{row['source']} {row['fund_year']} 年度账面余额 {yuan(row['book_balance_fen'])}，"
        f"按收支计算应为 {yuan(row['closing_fen'])}，相差 "
        f"{yuan(row['book_difference_fen'])}"
        for row in differ.to_dict("records")
    ]
    return findings(
        _source_rows(differ).assign(amount_fen=differ["book_balance_fen"]),
        messages,
        compared=differ["closing_fen"],
        lineage=_lineage(differ),
    )


RULES = [
    Rule("R20", "资金未在使用期限内用完", "错误", unspent_after_deadline),
    Rule("R21", "年末结余可结转但未登记结转下年批复", "警告", balance_without_carry_over),
    Rule("R22", "本年上年结转与上年期末结余不符", "错误", opening_differs_from_last_closing),
    Rule("R23", "计算余额与登记的账面余额不符", "错误", book_balance_differs),
]
