"""Stage: aggregate — the figures of the sheets 资金使用, 资金结余 and 救助人次 (contract §3.1).

In: validated tables — ``aid_records``, ``worker_files``, ``fund_ledger``, each of which may be
None or an empty frame (the folder had none) — the ``Parameters``, and the period: the month
being closed, a ``pd.Period`` (or "YYYY-MM").
Out: one DataFrame per table, with plain columns and a RangeIndex. Money is integer fen (Int64)
and counts are Int64: nothing is ever summed as a float. Completion rates are exact Decimals.

Counting windows: 本年累计 is aid dated in the period's year up to the period's last day, 本月
is aid dated in the period's month; the balances count every ledger row and every aid dated up
to the period's last day. 人次 = records (disbursements), 人数 = distinct 身份证号, 户数 =
distinct 档案编号, a person without a file counting as a household of their own. A total of
people is distinct over its whole group, never the sum of its rows (one person can be in many).

Functions: ``fund_usage`` and ``usage_totals`` (资金使用), ``fiscal_sources`` and ``group_label``
(the sources its 财政 subtotal groups), ``execution`` (到位 and 执行率 per source), ``balances``
(资金结余) with ``uncovered_carry_over`` (R20, R21) and ``opening_check`` (R22: this year's
上年结转 against last year's closing), ``year_end`` (年度结转, December), ``headcounts``,
``headcounts_by_source`` and ``worker_file_counts`` (救助人次); ``figures`` computes them all,
preparing the year's aid once. ``payment_bridge`` takes 对账明细
(``pipeline.reconciliation``) from recorded spending to what the bank paid; ``percent`` is the
one rate of the sheets (完成率, 执行率).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from pipeline.history import PreviousClosing
from pipeline.params import Parameters
from schemas.inputs import AID_TYPES, CLOSE_REASONS, HARDSHIP_TYPES

Period = pd.Period | str

OPENING, TRANSFER_OUT, CARRY_OVER, BOOK_BALANCE = "上年结转", "调出", "结转下年", "账面余额"
INCOME = ("上级拨入", "本级安排", "利息收入", "追缴收回", "其他转入")
SUMMED_CATEGORIES = (OPENING, *INCOME, TRANSFER_OUT, CARRY_OVER)  # 账面余额 is a reading
PAIR = ["source", "fund_year"]
TOTAL = "合计"
GRADES = (("优", "grade_excellent"), ("良", "grade_good"), ("中", "grade_fair"))
TARGETS = ["target_persons", "target_times", "target_amount_fen"]

# The columns read from each table, typed as validation types them: an absent table becomes
# an empty frame of these, so every function has one code path.
AID_COLUMNS = {
    "file_no": "str",
    "id_no": "str",
    "aid_type": "str",
    "source": "str",
    "fund_year": "Int64",
    "amount_fen": "Int64",
    "aid_date": "datetime64[us]",
}
LEDGER_COLUMNS = {
    "source": "str",
    "fund_year": "Int64",
    "category": "str",
    "amount_fen": "Int64",
    "booked_on": "datetime64[us]",
    "document_no": "str",
    "source_file": "str",
    "source_sheet": "str",
    "source_row": "int64",
}
FILE_COLUMNS = {
    "hardship_type": "str",
    "filed_on": "datetime64[us]",
    "status": "str",
    "status_changed_on": "datetime64[us]",
    "close_reason": "str",
}

# Distinct counts: output column → the integer code column of _year_to_date it counts.
PERSONS = {"persons": "person"}
HEADCOUNT_DISTINCT = {**PERSONS, "households": "household", "filed_persons": "filed_person"}
USAGE = ["amount_fen", "person_times", "persons"]
USAGE_COLUMNS = [f"{window}_{measure}" for window in ("month", "year") for measure in USAGE]
HEADCOUNT = ["amount_fen", "person_times", *HEADCOUNT_DISTINCT, "non_filed_persons"]
BALANCE_COLUMNS = [
    *PAIR,
    "opening_fen",
    *INCOME,
    "income_fen",
    *AID_TYPES,
    "expenditure_fen",
    "transfer_out_fen",
    "closing_fen",
    "deadline",
    "deadline_state",
    "unspent_after_deadline_fen",
    "carry_over_fen",
    "carry_over_document",
    "book_balance_fen",
    "book_difference_fen",
    "ledger_lineage",
]
FLOWS = ["opening_fen", "income_fen", "expenditure_fen", "transfer_out_fen", "closing_fen"]
YEAR_END_COLUMNS = [
    *PAIR,
    *FLOWS,
    "carry_fen",
    "carry_document",
    "due_back_fen",
    "due_back_reason",
    "undecided_fen",
    "undecided_reason",
]
OPENING_CHECK_COLUMNS = [
    "source",
    "fund_year",
    "previous_closing_fen",
    "opening_fen",
    "difference_fen",
    "ledger_lineage",
]


@dataclass(frozen=True)
class Figures:
    fund_usage: pd.DataFrame
    usage_totals: pd.DataFrame
    balances: pd.DataFrame
    headcounts: pd.DataFrame
    headcounts_by_source: pd.DataFrame
    worker_files: pd.DataFrame
    fiscal_sources: tuple[str, ...]  # ``fiscal_sources``
    fiscal_usage: pd.DataFrame  # usage_totals' measures over them, one row
    execution: pd.DataFrame  # see ``execution``
    year_end: pd.DataFrame  # ``year_end`` in December; no rows in other months
    previous_closing: PreviousClosing | None  # last year's closing and where it came from
    opening_check: pd.DataFrame  # ``opening_check`` against it; no rows when it is not known


def figures(
    tables: dict[str, pd.DataFrame],
    params: Parameters,
    period: Period,
    previous: PreviousClosing | None = None,
) -> Figures:
    """Every table of this module from the validated tables, the year's aid prepared once;
    ``previous``: last year's closing, when the history or ``--previous`` knows it."""
    aid = tables.get("aid_records")
    rows = _year_to_date(aid, period)
    totals = _usage_totals(rows, params)
    fiscal = fiscal_sources(params)
    balance = balances(aid, tables.get("fund_ledger"), params, period)
    year = _month(period).year
    return Figures(
        fund_usage=_fund_usage(rows, params),
        usage_totals=totals,
        balances=balance,
        headcounts=_headcounts(rows, params, _month(period).year),
        headcounts_by_source=_headcounts_by_source(rows, params),
        worker_files=worker_file_counts(tables.get("worker_files"), period),
        fiscal_sources=tuple(fiscal),
        fiscal_usage=_usage(rows[rows["source"].isin(fiscal)], []),
        execution=execution(totals, balance, params, year),
        year_end=year_end(balance if _month(period).month == 12 else balance.iloc[:0], params),
        previous_closing=previous,
        opening_check=opening_check(
            balance, None if previous is None else previous.by_source, year, params
        ),
    )


# ---- windows and inputs ---------------------------------------------------------------------


def _month(period: Period) -> pd.Period:
    return pd.Period(period, freq="M")


def period_bounds(period: Period) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """(first day of the year, first day of the month, first day after the period).

    Windows are half-open (``date < after``) so that an aid on 12-31 counts in December
    whatever time of day its date carries.
    """
    month = _month(period)
    return pd.Timestamp(month.year, 1, 1), month.start_time, (month + 1).start_time


def _table(frame: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
    """The validated table, or an empty one with the columns read when the folder had none."""
    if frame is None or frame.columns.empty:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    return frame


def _year_to_date(aid: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """The year-to-date aid as a narrow frame that groups fast.

    Sources and aid types become categoricals and people and households integer codes,
    factorised once here rather than hashing 18-character strings again in every grouping;
    ``filed_person`` is the person where the record names a file, −1 where it does not;
    ``in_month`` marks 本月.
    """
    aid = _table(aid, AID_COLUMNS)
    year_start, month_start, after = period_bounds(period)
    dates = aid["aid_date"]
    rows = aid.loc[(dates >= year_start) & (dates < after), list(AID_COLUMNS)]
    person = pd.factorize(rows["id_no"])[0]
    file = pd.factorize(rows["file_no"])[0]  # -1 where the record names no file
    filed = file >= 0
    # A person without a file is a household of their own: codes after the files' codes.
    household = np.where(filed, file, np.max(file, initial=-1) + 1 + person)
    return pd.DataFrame(
        {
            "source": rows["source"].astype("category").array,
            "aid_type": rows["aid_type"].astype("category").array,
            "amount_fen": rows["amount_fen"].to_numpy(dtype="int64"),
            "person": person,
            "household": household,
            "filed_person": np.where(filed, person, -1),
            "in_month": (rows["aid_date"] >= month_start).to_numpy(),
        }
    )


# ---- grouping ---------------------------------------------------------------------------------


def _group_numbers(rows: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Each row's group as one integer, mixed-radix from the keys' categorical codes.

    The numbers depend only on the categories, so a subset of the rows (本月) numbers its
    groups as the whole year does, and the two align by index.
    """
    number = np.zeros(len(rows), dtype=np.int64)
    for key in keys:
        column = rows[key].array
        number = number * (len(column.categories) + 1) + (column.codes + 1)  # NA code −1 → 0
    return number


def _distinct(group: np.ndarray, values: np.ndarray) -> pd.Series:
    """Per group number, how many distinct values ≥ 0 it holds (−1 marks no value).

    One hash of (group, value) pairs: pandas' groupby-nunique takes several times as long on
    a million rows.
    """
    present = values >= 0
    base = int(values.max(initial=0)) + 1
    pairs = pd.unique(group[present] * base + values[present])
    return pd.Series(pairs // base).value_counts()


def _measures(rows: pd.DataFrame, keys: list[str], distinct: dict[str, str]) -> pd.DataFrame:
    """The keys, amount_fen, person_times and the ``distinct`` counts per group number.

    Without keys: one row for all the rows, even when there are none.
    """
    group = _group_numbers(rows, keys)
    by = pd.Series(rows["amount_fen"].to_numpy()).groupby(group)
    measures = pd.DataFrame({"amount_fen": by.sum(), "person_times": by.size()})
    if not keys:
        measures = measures.reindex([0], fill_value=0)
    for name, column in distinct.items():
        counts = _distinct(group, rows[column].to_numpy())
        measures[name] = counts.reindex(measures.index, fill_value=0)
    firsts = pd.Series(group).drop_duplicates()  # each group's first row holds its key values
    labels = rows[keys].iloc[firsts.index.to_numpy()].set_axis(firsts.to_numpy())
    return labels.join(measures.astype("Int64"), how="right")


def _rank(order: Iterable[str]) -> dict[str, int]:
    return {name: rank for rank, name in enumerate(order)}


def _in_order(frame: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    """Rows by source in the parameters' order, fund year, then aid type in AID_TYPES order.

    Also turns the categoricals of ``_year_to_date`` back into text. Names outside the orders
    (none after validation) go last rather than being dropped.
    """
    ranks = {"source": _rank(params.sources), "aid_type": _rank(AID_TYPES)}
    frame = frame.astype({name: "str" for name in ranks if name in frame})
    keys = [column for column in ("source", "fund_year", "aid_type") if column in frame]
    if keys:
        frame = frame.sort_values(
            keys,
            key=lambda column: column.map(ranks[column.name]) if column.name in ranks else column,
            kind="stable",
        )
    return frame.reset_index(drop=True)


# ---- 资金使用 -----------------------------------------------------------------------------------


def fund_usage(aid: pd.DataFrame | None, params: Parameters, period: Period) -> pd.DataFrame:
    """Per 资金来源 × 救助类型 with aid in the year to date: the 本月 and 本年累计 figures.

    Columns: source, aid_type, month_amount_fen, month_person_times, month_persons,
    year_amount_fen, year_person_times, year_persons. No total rows: see ``usage_totals``.
    """
    return _fund_usage(_year_to_date(aid, period), params)


def usage_totals(aid: pd.DataFrame | None, params: Parameters, period: Period) -> pd.DataFrame:
    """The totals of ``fund_usage``: per source, per aid type, and over everything.

    Columns: scope ("source", "aid_type" or "all"), source (NA unless per source), aid_type
    (NA unless per aid type) and the measures of ``fund_usage``. Amounts and 人次 equal the
    sums of the rows; 人数 are distinct over the group, so a person paid from two sources is
    one person in the aid type's total.
    """
    return _usage_totals(_year_to_date(aid, period), params)


def _usage(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The keys, then 本月 and 本年累计 amount, 人次 and 人数 as columns month_… and year_…."""
    year = _measures(rows, keys, PERSONS)
    month = _measures(rows[rows["in_month"]], keys, PERSONS)[USAGE]
    month = month.reindex(year.index, fill_value=0)  # a group paid earlier in the year only
    return pd.concat(
        [year[keys], month.add_prefix("month_"), year[USAGE].add_prefix("year_")], axis=1
    )


def _fund_usage(rows: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    return _in_order(_usage(rows, ["source", "aid_type"]), params)


def _usage_totals(rows: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    scopes = {"source": ["source"], "aid_type": ["aid_type"], "all": []}
    totals = pd.concat(
        [
            _in_order(_usage(rows, keys), params).assign(scope=scope)
            for scope, keys in scopes.items()
        ],
        ignore_index=True,
    )
    totals[["source", "aid_type"]] = totals.reindex(columns=["source", "aid_type"]).astype("str")
    return totals[["scope", "source", "aid_type", *USAGE_COLUMNS]]


FISCAL = "财政"  # 性质 of government money: the seeds' 中央+省财政专项帮扶资金


def fiscal_sources(params: Parameters) -> list[str]:
    """The sources whose 性质 is 财政, in the parameters' order: the seeds report their
    spending together (裕安区 2021: 中央+省财政专项帮扶资金 91.695 万元)."""
    return [name for name, rule in params.sources.items() if rule.nature == FISCAL]


def group_label(sources: Sequence[str]) -> str:
    """A name for sources reported together, as the seeds write it: 中央财政专项帮扶资金 and
    省财政专项帮扶资金 → 中央+省财政专项帮扶资金 (the beginnings joined by + before the common
    ending); names with no common ending are joined by + whole."""
    ending = os.path.commonprefix([name[::-1] for name in sources])[::-1]
    heads = [name[: len(name) - len(ending)] for name in sources]
    if not ending or not all(heads):
        return "+".join(sources)
    return "+".join(heads) + ending


def execution(
    totals: pd.DataFrame, balance: pd.DataFrame, params: Parameters, year: int
) -> pd.DataFrame:
    """Per source, the year's money against its spending, as the seeds report 执行率.

    In: ``usage_totals``, ``balances`` and the period's year. Columns: source, opening_fen
    (上年结转 of the year's fund year), income_fen (到位: the fund year's income, as 资金结余
    counts it), available_fen (their sum), spent_fen (本年累计 spending, as 资金使用 counts it)
    and execution_pct (spent / available, ``percent``; NA when nothing was available). Every
    source with spending or with a balance row of the year, in the parameters' order.
    """
    spent = totals[totals["scope"] == "source"].set_index("source")["year_amount_fen"]
    this_year = balance[(balance["fund_year"] == year).fillna(False).to_numpy(dtype=bool)]
    money = this_year.groupby("source")[["opening_fen", "income_fen"]].sum()
    sources = money.index.union(spent.index)
    table = money.reindex(sources, fill_value=0).astype("int64")
    table["available_fen"] = table["opening_fen"] + table["income_fen"]
    table["spent_fen"] = spent.reindex(sources, fill_value=0).astype("int64")
    table["execution_pct"] = pd.Series(
        [percent(s, a) for s, a in zip(table["spent_fen"], table["available_fen"], strict=True)],
        index=table.index,
        dtype=object,
    )
    return _in_order(table.rename_axis("source").reset_index(), params)


def percent(part: Any, whole: Any) -> Any:
    """part / whole × 100 to 2 decimals, rounded half up in integers: a Decimal, exact; NA
    without a whole (none, or 0)."""
    if pd.isna(whole) or whole == 0:
        return pd.NA
    hundredths, remainder = divmod(int(part) * 10_000, int(whole))
    return Decimal(hundredths + (2 * remainder >= int(whole))).scaleb(-2)


# ---- 支出与银行实付的勾稽 -------------------------------------------------------------------------

UNPAID_STATUSES = ("未发放", "发放失败", "在途")  # 在途: recorded, paid after the close


def payment_bridge(detail: pd.DataFrame) -> pd.DataFrame:
    """From recorded spending to what the bank paid, each line the sum of 对账明细 rows.

    In: the table of ``pipeline.reconciliation`` (system_fen, cash_fen, paid_fen,
    difference_fen = paid − (system − cash), status, records). Out: columns item, amount_fen
    (a deduction negative), rows (对账明细 rows behind it), statuses (their 状态, joined with
    、) and total (a line that adds the lines since the previous total, itself included in the
    next). The record rows' differences are split three ways — rows 未发放, 发放失败 or 在途
    (recorded, not paid), other rows paid less, other rows paid more — so the lines add up exactly:
    system − cash + differences = bank paid for records; + transfers paying no record = the
    bank's successful payments; + cash = everything paid.
    """
    record = detail["records"] > 0
    difference = detail["difference_fen"]
    unpaid = record & detail["status"].isin(UNPAID_STATUSES)
    less = record & ~unpaid & (difference < 0)
    more = record & ~unpaid & (difference > 0)
    cash = record & (detail["cash_fen"] > 0)
    every = pd.Series(True, index=detail.index)
    # (item, amounts, rows, a total, its rows named by their 状态)
    lines = [
        ("系统记录的救助金额", detail["system_fen"], record, False, False),
        ("减：现金发放（不经银行）", -detail["cash_fen"], cash, False, False),
        ("减：已记录但银行未支付", difference, unpaid, False, True),
        ("减：银行少付", difference, less, False, True),
        ("加：银行多付", difference, more, False, True),
        ("银行实付（有对应救助记录）", detail["paid_fen"], record, True, False),
        ("加：银行支付但无对应救助记录", detail["paid_fen"], ~record, False, True),
        ("银行成功支付合计", detail["paid_fen"], every, True, False),
        ("加：现金发放", detail["cash_fen"], cash, False, False),
        ("实际发放合计（银行+现金）", detail["paid_fen"] + detail["cash_fen"], every, True, False),
    ]
    return pd.DataFrame(
        [
            {
                "item": item,
                "amount_fen": int(amounts[rows].sum()),
                "rows": int(rows.sum()),
                "statuses": "、".join(pd.unique(detail.loc[rows, "status"].astype("str")))
                if named
                else "",
                "total": total,
            }
            for item, amounts, rows, total, named in lines
        ],
        columns=["item", "amount_fen", "rows", "statuses", "total"],
    ).astype({"amount_fen": "int64", "rows": "int64", "total": "bool"})


# ---- 资金结余 -----------------------------------------------------------------------------------


def balances(
    aid: pd.DataFrame | None,
    ledger: pd.DataFrame | None,
    params: Parameters,
    period: Period,
) -> pd.DataFrame:
    """Per 资金来源 × 资金年度 (any pair in the ledger or the aid up to the period end): 资金结余.

    Columns: source, fund_year, opening_fen (上年结转), one column per income category
    (上级拨入 … 其他转入), income_fen (their sum, without the opening), one column per aid type
    and expenditure_fen (aid paid from the pair up to the period end), transfer_out_fen (调出),
    closing_fen = opening + income − expenditure − transfers out; deadline (datetime, NaT when
    the source has no 使用期限), deadline_state (已到期: the deadline is on or before the period
    end; 未到期; 不限期), unspent_after_deadline_fen (a positive closing past its deadline, else
    0), carry_over_fen and carry_over_document (the 结转下年 declarations, documents joined with
    、), book_balance_fen (the latest 账面余额, NA without one) and book_difference_fen (book −
    closing), and ledger_lineage: the (file, sheet, row) of each ledger row counted.
    Ledger rows and aid dated after the period end — flows and declarations alike — are not
    counted.
    """
    _, _, after = period_bounds(period)
    ledger = _table(ledger, LEDGER_COLUMNS)
    ledger = ledger[ledger["booked_on"] < after]
    aid = _table(aid, AID_COLUMNS)
    aid = aid[aid["aid_date"] < after]
    flows = _sums(ledger, "category", SUMMED_CATEGORIES)
    spent = _sums(aid, "aid_type", AID_TYPES)
    pairs = flows.index.union(spent.index)
    table = pd.concat(
        [flows.reindex(pairs, fill_value=0), spent.reindex(pairs, fill_value=0)], axis=1
    )
    table = table.assign(
        opening_fen=table[OPENING],
        income_fen=table[list(INCOME)].sum(axis=1),
        expenditure_fen=table[list(AID_TYPES)].sum(axis=1),
        transfer_out_fen=table[TRANSFER_OUT],
        carry_over_fen=table[CARRY_OVER],
        carry_over_document=_carry_over_documents(ledger).reindex(pairs).astype("str"),
        book_balance_fen=_book_balances(ledger).reindex(pairs).astype("Int64"),
        ledger_lineage=_lineage(ledger, pairs),
    )
    table["closing_fen"] = (
        table["opening_fen"]
        + table["income_fen"]
        - table["expenditure_fen"]
        - table["transfer_out_fen"]
    )
    table["book_difference_fen"] = table["book_balance_fen"] - table["closing_fen"]
    table = table.reset_index()
    table = pd.concat([table, _deadlines(table, params, _month(period).end_time.date())], axis=1)
    overdue = (table["deadline_state"] == "已到期") & (table["closing_fen"] > 0)
    table["unspent_after_deadline_fen"] = table["closing_fen"].where(overdue, 0)
    return _in_order(table[BALANCE_COLUMNS], params)


def _sums(rows: pd.DataFrame, column: str, values: Sequence[str]) -> pd.DataFrame:
    """Amounts per (source, fund_year) and each of ``values`` of ``column``, 0 where none."""
    sums = rows.groupby([*PAIR, column], observed=True)["amount_fen"].sum()
    wide = sums.unstack(column, fill_value=0)
    return wide.reindex(columns=list(values), fill_value=0).astype("Int64")


def _carry_over_documents(ledger: pd.DataFrame) -> pd.Series:
    """Per pair, the documents of its 结转下年 declarations, joined with 、 in ledger order."""
    declared = ledger[(ledger["category"] == CARRY_OVER) & ledger["document_no"].notna()]
    return declared.groupby(PAIR)["document_no"].agg(lambda docs: "、".join(dict.fromkeys(docs)))


def _book_balances(ledger: pd.DataFrame) -> pd.Series:
    """Per pair, the latest 账面余额 (the ledger is already cut at the period end)."""
    book = ledger[ledger["category"] == BOOK_BALANCE].sort_values("booked_on", kind="stable")
    return book.groupby(PAIR)["amount_fen"].last()


def _lineage(ledger: pd.DataFrame, pairs: pd.Index) -> pd.Series:
    """Per pair, the (file, sheet, row) of every ledger row behind its figures ([] if none)."""
    cells = zip(
        ledger["source_file"].astype("str"),
        ledger["source_sheet"].astype("str").fillna(""),  # CSV and TXT have no sheet
        ledger["source_row"].astype("int64"),
        strict=True,
    )
    where = pd.Series([(f, s, int(r)) for f, s, r in cells], index=ledger.index, dtype=object)
    grouped = where.groupby([ledger["source"], ledger["fund_year"]]).agg(list).reindex(pairs)
    return pd.Series(
        [cell if isinstance(cell, list) else [] for cell in grouped], index=pairs, dtype=object
    )


def _deadlines(pairs: pd.DataFrame, params: Parameters, last_day: dt.date) -> pd.DataFrame:
    """Each pair's spending deadline (使用期限 of its source) and whether it has passed."""
    deadlines: list[dt.date | None] = []
    states: list[str | None] = []
    for source, year in zip(pairs["source"], pairs["fund_year"], strict=True):
        rule = params.sources.get(source)
        deadline = None if rule is None else rule.deadline_for(int(year))
        deadlines.append(deadline)
        if rule is None:  # not a parameters source (validation rejects those): nothing known
            states.append(None)
        elif deadline is None:
            states.append("不限期")
        else:
            states.append("已到期" if deadline <= last_day else "未到期")
    return pd.DataFrame(
        {
            "deadline": pd.to_datetime(pd.Series(deadlines, dtype=object)).astype("datetime64[us]"),
            "deadline_state": pd.Series(states, dtype="str"),
        }
    )


def may_carry_over(balances: pd.DataFrame, params: Parameters) -> pd.Series:
    """Per balance row, whether its source may carry a balance over (资金来源 可结转 是); False
    for a source the parameters do not name."""
    sources = params.sources
    return (
        balances["source"]
        .map(lambda source: source in sources and sources[source].may_carry_over)
        .astype(bool)
    )


def uncovered_carry_over(balances: pd.DataFrame, params: Parameters) -> pd.Series:
    """Per balance row, the part of a balance that may carry over (可结转 是) which no 结转下年
    with a 文号 covers (all of it when none is registered): R21's money, or R20's once the
    deadline has passed; 0 for other sources and for a balance of 0 or less."""
    documented = balances["carry_over_document"].notna()
    covered = balances["carry_over_fen"].fillna(0).where(documented, 0)
    uncovered = (balances["closing_fen"] - covered).clip(lower=0)
    return uncovered.where(may_carry_over(balances, params), 0)


def to_return(balances: pd.DataFrame, params: Parameters) -> pd.Series:
    """Per balance row, the balance of a source that may not carry over and has no 使用期限:
    nothing lets it stay past the year end, so all of it is to be returned (上缴或调出; R21 in
    December); 0 otherwise. A deadline still ahead (次年02-28) lets the money be spent until
    then; one already passed is R20's."""
    kept = ~may_carry_over(balances, params) & balances["deadline"].isna()
    return balances["closing_fen"].clip(lower=0).where(kept, 0)


def opening_check(
    balances: pd.DataFrame, previous: Mapping[str, int] | None, year: int, params: Parameters
) -> pd.DataFrame:
    """R22's comparison, per source of this year's balances or of ``previous`` (last year's
    closing per source, all its fund years; None when not known, and then no rows).

    Columns: source, fund_year (``year``), previous_closing_fen, opening_fen (上年结转 of the
    fund year ``year``), difference_fen = opening − previous (R22's 金额 where not 0) and
    ledger_lineage (the ledger rows of the year's balances), in the parameters' order.
    """
    if previous is None:
        return pd.DataFrame(columns=OPENING_CHECK_COLUMNS)
    this_year = balances[(balances["fund_year"] == year).fillna(False).to_numpy(dtype=bool)]
    opening = this_year.groupby("source")["opening_fen"].sum()
    lineage = this_year.groupby("source")["ledger_lineage"].sum()
    sources = sorted(set(opening.index) | set(previous))
    rows = pd.DataFrame(
        {
            "source": sources,
            "fund_year": year,
            "previous_closing_fen": [int(previous.get(s, 0)) for s in sources],
            "opening_fen": [int(opening.get(s, 0)) for s in sources],
            "ledger_lineage": [list(lineage.get(s, [])) for s in sources],
        }
    )
    rows["difference_fen"] = rows["opening_fen"] - rows["previous_closing_fen"]
    return _in_order(rows[OPENING_CHECK_COLUMNS], params)


# ---- 年度结转 -----------------------------------------------------------------------------------


def year_end(balances: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    """How each balance ends the year (年度结转, the December run), per pair of ``balances``.

    Columns: source, fund_year, opening_fen, income_fen, expenditure_fen, transfer_out_fen and
    closing_fen as in ``balances``; then the closing split three ways, adding up to it on every
    row:
    - carry_fen (可结转): of a source that may carry over, as much as its 结转下年 with a 文号
      covers; carry_document, that 文号;
    - due_back_fen (应上缴或调出): the rest of a balance whose spending deadline has passed
      (R20), or of a source that may not carry over and has no deadline ahead; due_back_reason;
    - undecided_fen (待定): the rest — a balance that may carry over but has no 文号 (R21), money
      that may not carry over but may still be spent until a deadline in the next year (次年
      02-28: spent by then or returned), a negative balance; undecided_reason.
    """
    closing = balances["closing_fen"].astype("int64")
    may_carry = may_carry_over(balances, params)
    carry = (closing.clip(lower=0) - uncovered_carry_over(balances, params)).where(may_carry, 0)
    rest = closing - carry
    overdue = (balances["deadline_state"] == "已到期").fillna(False).astype(bool)
    due_back = rest.where((rest > 0) & overdue, 0) + to_return(balances, params)
    undecided = rest - due_back
    rows = zip(balances["deadline"], may_carry, due_back, undecided, strict=True)
    reasons = [_year_end_reasons(*row) for row in rows]  # a row per source and fund year: few
    table = balances[[*PAIR, *FLOWS]].assign(
        carry_fen=carry.astype("Int64"),
        carry_document=balances["carry_over_document"].where(carry > 0),
        due_back_fen=due_back.astype("Int64"),
        due_back_reason=pd.Series([due for due, _ in reasons], index=balances.index, dtype="str"),
        undecided_fen=undecided.astype("Int64"),
        undecided_reason=pd.Series(
            [left for _, left in reasons], index=balances.index, dtype="str"
        ),
    )
    return table.astype({"carry_document": "str"}).reset_index(drop=True)


def _year_end_reasons(
    deadline: Any, may_carry: bool, due_back: int, undecided: int
) -> tuple[str | None, str | None]:
    """Why a balance is 应上缴或调出 and why (part of) it is 待定 (``year_end``); None where
    there is no such amount."""
    due = None
    if due_back:
        due = (
            f"使用期限 {deadline:%Y-%m-%d} 已过仍未用完（R20）"
            + ("，没有结转下年批复" if may_carry else "")
            if pd.notna(deadline)
            else "该资金来源不可结转（参数设置·资金来源）"
        )
    left = None
    if undecided < 0:
        left = "期末结余为负：支出超过可用资金，请核对收支"
    elif undecided and may_carry:
        left = "可结转，但没有登记结转下年批复文号（R21）"
    elif undecided:
        left = f"不可结转；可在使用期限 {deadline:%Y-%m-%d} 前继续使用，到期未用完的应上缴或调出"
    return due, left


# ---- 救助人次 -----------------------------------------------------------------------------------


def headcounts(aid: pd.DataFrame | None, params: Parameters, period: Period) -> pd.DataFrame:
    """Per 救助类型 with aid in the year to date or a 年度目标 for the period's year.

    Columns: aid_type, amount_fen, person_times, persons, households, filed_persons,
    non_filed_persons, target_persons, target_times, target_amount_fen (NA without a target),
    completion_pct (persons / target_persons × 100, a Decimal with 2 places rounded half up,
    NA without a target) and grade (优/良/中 of person_times against the year's thresholds,
    差 below them all, NA without thresholds).
    """
    return _headcounts(_year_to_date(aid, period), params, _month(period).year)


def headcounts_by_source(
    aid: pd.DataFrame | None, params: Parameters, period: Period
) -> pd.DataFrame:
    """Per 资金来源 × 救助类型, the year to date: source, aid_type, amount_fen, person_times,
    persons, households, filed_persons, non_filed_persons."""
    return _headcounts_by_source(_year_to_date(aid, period), params)


def _headcount(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The keys, amount, 人次, 人数, 户数, filed and non-filed 人数 per group.

    A person is filed when any of their records in the group names a file, so filed and
    non-filed people add up to the group's people.
    """
    counts = _measures(rows, keys, HEADCOUNT_DISTINCT)
    counts["non_filed_persons"] = counts["persons"] - counts["filed_persons"]
    return counts[[*keys, *HEADCOUNT]]


def _headcounts_by_source(rows: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    return _in_order(_headcount(rows, ["source", "aid_type"]), params)


def _headcounts(rows: pd.DataFrame, params: Parameters, year: int) -> pd.DataFrame:
    counts = _headcount(rows, ["aid_type"]).astype({"aid_type": "str"}).set_index("aid_type")
    targets = _targets(params, year)
    types = counts.index.union(targets.index)
    table = counts.reindex(types, fill_value=0).join(targets.reindex(types).astype("Int64"))
    # One row per aid type: plain Python keeps the Decimal exact and the grading readable.
    table["completion_pct"] = pd.Series(
        [percent(row["persons"], row["target_persons"]) for _, row in table.iterrows()],
        index=table.index,
        dtype=object,
    )
    table["grade"] = pd.Series(
        [_grade(row["person_times"], row) for _, row in table.iterrows()],
        index=table.index,
        dtype="str",
    )
    table = _in_order(table.rename_axis("aid_type").reset_index(), params)
    return table[["aid_type", *HEADCOUNT, *TARGETS, "completion_pct", "grade"]]


def _targets(params: Parameters, year: int) -> pd.DataFrame:
    """The 年度目标 of a year per aid type (a later row for the same type wins)."""
    columns = ["aid_type", *TARGETS, *(field for _, field in GRADES)]
    targets = params.targets
    if targets.columns.empty:
        return pd.DataFrame(columns=columns).set_index("aid_type")
    mine = targets[targets["year"] == year].drop_duplicates("aid_type", keep="last")
    return mine[columns].set_index("aid_type")


def _grade(times: int, thresholds: pd.Series) -> str | None:
    """优/良/中 by 人次 against the thresholds given; below them all 差; None without any."""
    given = [(grade, thresholds[field]) for grade, field in GRADES if pd.notna(thresholds[field])]
    if not given:
        return None
    return next((grade for grade, least in given if times >= least), "差")


def worker_file_counts(files: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """Worker files: 在档 at the period end per 困难类型; 脱困 per 困难类型 and 注销 per
    注销原因 whose status changed in the period's year up to its end; each with its 合计; and
    a last row 合计/合计, the year's caseload (every file counted once).

    Files come as exported, with today's status: a file filed after the period end is not
    counted yet, and one closed after the period end was still 在档 at it.
    Columns: status, category, files.
    """
    files = _table(files, FILE_COLUMNS)
    year_start, _, after = period_bounds(period)
    changed = files["status_changed_on"]
    exists = files["filed_on"].isna() | (files["filed_on"] < after)
    open_at_end = exists & ((files["status"] == "在档") | (changed >= after))
    closed_in_year = exists & ~open_at_end & (changed >= year_start) & (changed < after)
    closed = files[closed_in_year]
    rows = [
        *_count_rows(files[open_at_end], "在档", "hardship_type", HARDSHIP_TYPES),
        *_count_rows(closed[closed["status"] == "脱困"], "脱困", "hardship_type", HARDSHIP_TYPES),
        *_count_rows(closed[closed["status"] == "注销"], "注销", "close_reason", CLOSE_REASONS),
        (TOTAL, TOTAL, int(open_at_end.sum() + closed_in_year.sum())),
    ]
    counts = pd.DataFrame(rows, columns=["status", "category", "files"])
    return counts.astype({"status": "str", "category": "str", "files": "Int64"})


def _count_rows(
    files: pd.DataFrame, status: str, column: str, values: Sequence[str]
) -> list[tuple[str, str, int]]:
    """(status, category, files) per value of ``column``, then the status's 合计."""
    counts = files[column].value_counts().reindex(list(values), fill_value=0)
    return [(status, str(value), int(n)) for value, n in counts.items()] + [
        (status, TOTAL, len(files))
    ]
