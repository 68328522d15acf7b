"""The sheet 资金结余."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline import aggregate
from pipeline.workbook.cells import TOTAL, Sheet, row_header_last
from pipeline.workbook.context import Context
from schemas.inputs import AID_TYPES


def _balance_columns() -> list[tuple[str | None, str, str, str]]:
    """(group, label, column, kind) of the 资金结余 table."""
    return [
        (None, "资金来源", "source", "text"),
        (None, "资金年度", "fund_year", "year"),
        (None, "上年结转", "opening_fen", "money"),
        *(("本年收入", name, name, "money") for name in aggregate.INCOME),
        ("本年收入", "收入小计", "income_fen", "money"),
        *(("本年支出", name, name, "money") for name in AID_TYPES),
        ("本年支出", "支出小计", "expenditure_fen", "money"),
        (None, "调出", "transfer_out_fen", "money"),
        (None, "期末结余", "closing_fen", "money"),
        (None, "使用期限", "deadline", "date"),
        (None, "期限状态", "deadline_state", "text"),
        (None, "逾期未用", "unspent_after_deadline_fen", "money"),
        (None, "结转下年", "carry_over_fen", "money"),
        (None, "结转批复文号", "carry_over_document", "text"),
        (None, "账面余额", "book_balance_fen", "money"),
        (None, "账面差额", "book_difference_fen", "money"),
    ]


def fill(sheet: Sheet, context: Context) -> None:
    f, balances = sheet.formats, context.reconciled.figures.balances
    spec = _balance_columns()
    columns = [(group, label) for group, label, _, _ in spec]
    width = len(columns)
    row = sheet.title_block(f"{context.period_text}帮扶资金结余情况表", width, context)
    header_first = row
    row = sheet.header(row, columns)
    first = row
    for item in balances.to_dict("records"):
        for col, (_, _, column, kind) in enumerate(spec):
            value = item[column]
            if kind == "money":
                sheet.money(row, col, value)
            elif kind == "year":
                sheet.count(row, col, value, f.year)
            elif kind == "date":
                sheet.date(row, col, value)
            else:
                sheet.text(row, col, value, f.text)
        row += 1
    for col, (_, _, column, kind) in enumerate(spec):
        if kind == "money":
            expected = int(balances[column].fillna(0).sum())
            sheet.total(row, col, [(r, col) for r in range(first, row)], expected)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    end = _balances_in_wan(sheet, spec, first, row, row + 2)
    sheet.signatures(end + 1, width)
    sheet.finish((header_first, row_header_last(header_first, columns)), width, freeze_cols=2)


WAN_BALANCES = ("opening_fen", "income_fen", "expenditure_fen", "transfer_out_fen", "closing_fen")


def _balances_in_wan(
    sheet: Sheet, spec: Sequence[tuple[str | None, str, str, str]], first: int, total: int, row: int
) -> int:
    """The main figures again in 万元, as the seeds report them, each cell ROUND(yuan/10000, 6)
    of the table above; returns the next free row."""
    f = sheet.formats
    where = {column: col for col, (_, _, column, _) in enumerate(spec)}
    labels = {column: label for _, label, column, _ in spec}
    sheet.text(row, 0, "单位：万元", f.heading, fit=False)
    sheet.header(row + 1, [(None, labels[c]) for c in ("source", "fund_year", *WAN_BALANCES)])
    for offset, source_row in enumerate(range(first, total + 1)):
        at, bold = row + 2 + offset, source_row == total
        for col in (0, 1):
            copied = sheet.cells.get((source_row, where["source"] + col))
            if copied is not None:
                sheet.cells[at, col] = copied
        for col, column in enumerate(WAN_BALANCES, start=2):
            sheet.wan(at, col, (source_row, where[column]), bold=bold)
    return row + 2 + total - first + 1
