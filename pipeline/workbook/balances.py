"""The sheet 资金结余: per 资金来源 and 资金年度, the money in, out and left.

In: the ``Context`` (``Figures.balances``; the findings of R20–R23). Out, on the first page a
core table that prints readably — 上年结转, 本年收入, 本年支出, 调出, 期末结余, 执行率 and 异常 (the
fund rules that hit the row, highlighted) — and the same figures in 万元; on the next page the
detail: income per category, spending per aid type, 使用期限 and 结转下年, and 账面余额 (no
table wider than eight columns, so that the pages print at 8 pt or more on a province's
amounts). Between them, the comparison behind R22: per source last year's closing (and where it
was read: the run history or ``--previous``), this year's 上年结转 and the difference; or, when
last year's closing is not known, a line saying so and how to give it. Every 合计 a live SUM.
``row_of`` tells 异常清单 where each row of the core table is; ``table`` writes a table of a
spec (年度结转 uses it too).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline import aggregate
from pipeline.workbook.cells import TOTAL, Sheet, WorkbookError, highlighted, own_pages
from pipeline.workbook.context import Context
from schemas.inputs import AID_TYPES

SHEET = "资金结余"
CORE_FIRST = 3  # 0-based row of the core table's first data row: title, subtitle, header
FUND_RULES = ("R20", "R21", "R22", "R23")

Spec = Sequence[tuple[str, str, str]]  # (label, column of Figures.balances, kind)
CORE: Spec = (
    ("资金来源", "source", "text"),
    ("资金年度", "fund_year", "year"),
    ("上年结转", "opening_fen", "money"),
    ("本年收入", "income_fen", "money"),
    ("本年支出", "expenditure_fen", "money"),
    ("调出", "transfer_out_fen", "money"),
    ("期末结余", "closing_fen", "money"),
    ("执行率(%)", "execution_pct", "percent"),
    ("异常", "flags", "flags"),
)
IN_WAN = ("opening_fen", "income_fen", "expenditure_fen", "transfer_out_fen", "closing_fen")
NOTE = (  # lines no wider than the table: a wider text would make the printed page smaller
    "注：执行率 = 本年支出 ÷（上年结转 + 本年收入）；期末结余 = 上年结转 + 本年收入 − 本年支出 − 调出。",
    "异常：该资金来源、年度的资金类发现（R20–R23；红色为错误，黄色为警告），详见异常清单。",
)
PAIR_SPEC: Spec = (("资金来源", "source", "text"), ("资金年度", "fund_year", "year"))
DETAILS: tuple[tuple[str, Spec], ...] = (
    (
        "本年收入明细（元）",
        (
            *PAIR_SPEC,
            *((name, name, "money") for name in aggregate.INCOME),
            ("收入小计", "income_fen", "row_sum"),
        ),
    ),
    (
        "本年支出明细（元）",
        (
            *PAIR_SPEC,
            *((name, name, "money") for name in AID_TYPES),
            ("支出小计", "expenditure_fen", "row_sum"),
        ),
    ),
    (
        "使用期限与结转（元）",
        (
            *PAIR_SPEC,
            ("期末结余", "closing_fen", "money"),
            ("使用期限", "deadline", "date"),
            ("期限状态", "deadline_state", "text"),
            ("逾期未用", "unspent_after_deadline_fen", "money"),
            ("结转下年", "carry_over_fen", "money"),
            ("结转批复文号", "carry_over_document", "wrap"),
        ),
    ),
    (
        "账面余额核对（元；账面差额 = 账面余额 − 期末结余）",
        (
            *PAIR_SPEC,
            ("期末结余", "closing_fen", "money"),
            ("账面余额", "book_balance_fen", "money"),
            ("账面差额", "book_difference_fen", "money"),
        ),
    ),
)


OPENING_CHECK: Spec = (
    *PAIR_SPEC,
    ("上年期末结余", "previous_closing_fen", "money"),
    ("本年上年结转", "opening_fen", "money"),
    ("差额", "difference_fen", "money"),
)


def fill(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    balances = _with_rates(context.reconciled.figures.balances, _flags(context))
    width = max(len(spec) for spec in (CORE, *(spec for _, spec in DETAILS)))
    row = sheet.title_block(f"{context.period_text}帮扶资金结余情况表", width, context)
    first, total, row = table(sheet, row, CORE, balances)
    if first != CORE_FIRST:  # row_of tells 异常清单 these rows
        raise WorkbookError(f"{SHEET} 核心表应从第 {CORE_FIRST + 1} 行开始，实为第 {first + 1} 行")
    _mark(sheet, balances, first)
    for line in NOTE:
        sheet.text(row, 0, line, f.note, fit=False)
        row += 1
    row = _in_wan(sheet, first, total, row + 1)
    row = _opening_check(sheet, context, row + 1)
    breaks = [row + 1]  # the detail on a page of its own
    for title, spec in DETAILS:
        sheet.text(row + 1, 0, title, f.heading, fit=False)
        _, _, row = table(sheet, row + 2, spec, balances)
    sheet.signatures(row + 1, width)
    own_pages(sheet, width, (CORE_FIRST - 1, CORE_FIRST - 1), breaks, freeze_cols=2)


def row_of(context: Context) -> dict[tuple[str, int], tuple[str, int]]:
    """For each (资金来源, 资金年度): the sheet and 1-based row of its row in the core table,
    for 异常清单 to link a fund finding to."""
    balances = context.reconciled.figures.balances
    pairs = zip(balances["source"].astype("str"), balances["fund_year"], strict=True)
    return {
        (source, int(year)): (SHEET, CORE_FIRST + index + 1)
        for index, (source, year) in enumerate(pairs)
    }


def _flags(context: Context) -> dict[tuple[str, int], dict[str, str]]:
    """Per (source, fund year), the codes of the fund rules that found something there, with
    their severity."""
    flags: dict[tuple[str, int], dict[str, str]] = {}
    for pair, rule, severity in fund_findings(context).itertuples(index=False):
        flags.setdefault(pair, {})[rule] = severity
    return flags


def fund_findings(context: Context) -> pd.DataFrame:
    """The fund findings (R20–R23), indexed as in the findings: pair (资金来源, 资金年度, the
    row of the core table they are about), rule, severity."""
    findings = context.reconciled.findings
    fund = findings[findings["rule"].isin(FUND_RULES) & findings["fund_year"].notna()]
    pairs = zip(fund["source"].astype("str"), fund["fund_year"].astype("int64"), strict=True)
    return pd.DataFrame(
        {
            "pair": pd.Series(list(pairs), index=fund.index, dtype=object),
            "rule": fund["rule"].astype("str"),
            "severity": fund["severity"].astype("str"),
        }
    )


def _with_rates(
    balances: pd.DataFrame, flags: dict[tuple[str, int], dict[str, str]]
) -> pd.DataFrame:
    """The balances with execution_pct (``aggregate.percent``), flags (codes joined with 、)
    and severity (the worst of them)."""
    pairs = list(zip(balances["source"].astype("str"), balances["fund_year"], strict=True))
    found = [flags.get((source, int(year)), {}) for source, year in pairs]
    available = balances["opening_fen"] + balances["income_fen"]
    return balances.assign(
        execution_pct=[
            aggregate.percent(spent, whole)
            for spent, whole in zip(balances["expenditure_fen"], available, strict=True)
        ],
        flags=["、".join(sorted(codes)) for codes in found],
        severity=[
            "错误" if "错误" in codes.values() else ("警告" if codes else "") for codes in found
        ],
    )


def table(sheet: Sheet, row: int, spec: Spec, balances: pd.DataFrame) -> tuple[int, int, int]:
    """One table of the balances (or of figures like them): header, a row per row of
    ``balances``, 合计 (money as SUMs checked against the figures, 执行率 of the sums). Returns
    its first data row, its 合计 row and the next free row."""
    f = sheet.formats
    first = sheet.header(row, [(None, label) for label, _, _ in spec])
    row = first
    where = {column: col for col, (_, column, _) in enumerate(spec)}
    for item in balances.to_dict("records"):
        for col, (_, column, kind) in enumerate(spec):
            value = item[column]
            if kind == "money":
                sheet.money(row, col, value)
            elif kind == "row_sum":  # the money columns before it
                parts = [(row, c) for c, (_, _, k) in enumerate(spec[:col]) if k == "money"]
                sheet.total(row, col, parts, int(value), fmt=f.money)
            elif kind == "year":
                sheet.count(row, col, value, f.year)
            elif kind == "date":
                sheet.date(row, col, value)
            elif kind == "percent":
                sheet.decimal(row, col, value, f.percent)
            elif kind == "wrap":  # a long text wraps rather than widening the page
                sheet.text(row, col, value, f.wrap, fit=False)
            else:
                sheet.text(row, col, value, f.text)
        row += 1
    for col, (_, column, kind) in enumerate(spec):
        if kind in ("money", "row_sum"):
            expected = int(balances[column].fillna(0).sum())
            sheet.total(row, col, [(r, col) for r in range(first, row)], expected)
        elif kind == "percent":
            spent = sheet.exact.get((row, where["expenditure_fen"]), 0)
            whole = sheet.exact.get((row, where["opening_fen"]), 0)
            whole += sheet.exact.get((row, where["income_fen"]), 0)
            sheet.decimal(row, col, aggregate.percent(spent, whole), f.percent)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    return first, row, row + 1


def _mark(sheet: Sheet, balances: pd.DataFrame, first: int) -> None:
    """The 异常 cells of rows with fund findings, coloured by their worst severity."""
    col = [column for _, column, _ in CORE].index("flags")
    formats = {severity: highlighted(sheet.formats, severity) for severity in ("错误", "警告")}
    for offset, (codes, severity) in enumerate(
        zip(balances["flags"], balances["severity"], strict=True)
    ):
        if codes:
            sheet.text(first + offset, col, codes, formats[severity])


def _in_wan(sheet: Sheet, first: int, total: int, row: int) -> int:
    """The core figures again in 万元, as the seeds report them, each cell ROUND(yuan/10000, 6)
    of the core table; returns the next free row."""
    f = sheet.formats
    where = {column: col for col, (_, column, _) in enumerate(CORE)}
    labels = {column: label for label, column, _ in CORE}
    sheet.text(row, 0, "以上主要数字（万元）", f.heading, fit=False)
    sheet.header(row + 1, [(None, labels[c]) for c in ("source", "fund_year", *IN_WAN)])
    for offset, source_row in enumerate(range(first, total + 1)):
        at = row + 2 + offset
        for col in (0, 1):
            copied = sheet.cells.get((source_row, where["source"] + col))
            if copied is not None:
                sheet.cells[at, col] = copied
        for col, column in enumerate(IN_WAN, start=2):
            sheet.wan(at, col, (source_row, where[column]), bold=source_row == total)
    return row + 2 + total - first + 1


def _opening_check(sheet: Sheet, context: Context, row: int) -> int:
    """The comparison behind R22 (``Figures.opening_check``), headed by where last year's
    closing was read; or, not known, why and how to give it. Returns the next free row."""
    f = sheet.formats
    figures = context.reconciled.figures
    previous = figures.previous_closing
    sheet.text(row, 0, "上年结转核对（R22）", f.heading, fit=False)
    if previous is None:
        last_year = context.reconciled.period.year - 1
        lines = (
            f"上年期末结余未知：输出目录的运行记录里没有 {last_year} 年的对账，运行时也没有用 "
            "--previous 指定上年的 summary.json，本年上年结转未与之核对。",
            "每月在同一输出目录对账，次年即自动核对；首次使用或换了输出目录时，"
            "请用 --previous 指定上年 12 月对账输出的 summary.json。",
        )
        for offset, line in enumerate(lines, start=1):
            sheet.text(row + offset, 0, line, f.note, fit=False)
        return row + len(lines) + 1
    sheet.text(
        row + 1,
        0,
        f"上年期末结余取自{previous.origin}（各资金年度合计）；"
        "差额 = 本年上年结转 − 上年期末结余，正数为多转，负数为少转，不为 0 即 R22。",
        f.note,
        fit=False,
    )
    _, _, row = table(sheet, row + 2, OPENING_CHECK, figures.opening_check)
    return row
