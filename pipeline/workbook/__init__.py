"""Stage 7, the workbook (contract §3.1): the one package that holds xlsxwriter code.

In: ``pipeline.results.Reconciled``. Out: ``write(target, reconciled, mask)`` writes 封面, 资金使用,
资金结余, 年度结转 (December only), 救助人次, 绩效指标, 异常清单, 数据校验, 对账明细, 图表 and
规则说明, in that order (the summary sheets, then the findings, then the longest sheet last;
年度结转 right after the balances it closes); a detail sheet longer than
Excel's 1,048,576 rows continues on 对账明细(2) … right after it, and 封面 says so.

How it is made, the way a Chinese finance office prints its reports:
- summary sheets open with a title block (unit, period, 单位：元) and close with 制表人 / 审核人 /
  负责人 lines; detail sheets have frozen headers and filters, and 对账明细 and 异常清单 a title
  block too; 对账明细 longer than ``reconciliation.PRINT_PAGES_MAX`` pages prints only its title
  block unless the print area is cleared (its note says how);
- money is integer fen until the moment a cell is written, as yuan with two decimals and
  thousands separators; every 合计 and 小计 is a live ``SUM`` whose cached value is the sum, in
  integer fen, of the cells it adds (and is checked against the computed figure); 万元 cells
  are ``ROUND(yuan/10000, 6)`` of the yuan cell beside them, exact at six decimals and shown
  with the decimals the amount needs (at least two);
- text from the inputs is always a string cell: never a formula or a link, whatever it starts
  with; every ``write_*`` return code is checked (xlsxwriter returns −1 instead of raising);
- with ``mask`` (``--mask``), every text cell of every sheet passes ``privacy.mask_text``: no
  full ID or card number is left in the file;
- column widths are computed here, CJK characters counting double;
- A4 landscape, one page wide where that prints at 8 pt or more (else at that size, the key
  column repeated), header rows repeated (资金使用 and 资金结余 hold several tables: their first
  table's header is frozen, not repeated over the others); every page's header names the unit,
  the sheet and the period, its footer the page number, the program and when the workbook was
  made;
- the created time and 编制日期 are when the run made it, or SOURCE_DATE_EPOCH when set, so the
  same inputs can give the same bytes.

The workbook is written in xlsxwriter's constant-memory mode: each row goes to disk once the
next one starts, so a province's detail sheets never sit in memory. Rows must therefore be
written in order: summary sheets collect their cells in a ``Sheet`` and write them sorted by
row when finished (they are small); detail sheets are written row by row from columns prepared
once, with the columns' formats set on the columns. Merges span one row only: a merge over
several rows would write into rows already gone to disk.

Where things are: ``cells`` (formats, ``Sheet``, totals, widths, print setup), ``detail`` (the
long sheets' writer), ``context`` (what every sheet is made from), and one module per sheet —
``cover`` 封面, ``usage`` 资金使用, ``balances`` 资金结余, ``year_end`` 年度结转, ``headcounts``
救助人次, ``indicators`` 绩效指标, ``reconciliation`` 对账明细, ``findings`` 异常清单, ``rejections``
数据校验, ``charts`` 图表, ``rules`` 规则说明 — each with ``fill(sheet, context)`` (a summary
sheet) or ``table(...)`` (a detail sheet's columns). ``Book`` below puts them together in ``SHEETS`` order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import xlsxwriter

from pipeline.progress import Advance, ignore
from pipeline.reconciliation import Reconciliation
from pipeline.results import Checked, Reconciled
from pipeline.workbook import (
    balances,
    charts,
    cover,
    findings,
    headcounts,
    indicators,
    reconciliation,
    rejections,
    rules,
    usage,
    year_end,
)
from pipeline.workbook.cells import Formats, Sheet, page_headers
from pipeline.workbook.context import PROGRAM, Context, made_at, unit_of, version
from pipeline.workbook.detail import (
    EXCEL_ROWS,
    Detail,
    Part,
    add_sheets,
    masked,
    parts,
    write_detail,
)

SHEETS = (
    "封面",
    "资金使用",
    "资金结余",
    year_end.SHEET,
    "救助人次",
    "绩效指标",
    "异常清单",
    "数据校验",
    "对账明细",
    "图表",
    "规则说明",
)


class Book:
    """The workbook while it is written, to ``target``, a file or a stream (the caller makes it
    atomic). ``mask``: every ID and card number masked, on every sheet.

    Every worksheet is added, in ``SHEETS`` order, by ``reconciliation``, which then writes
    对账明细: it needs only the matched rows and the findings, so that it is written while the
    figures are computed in another process. ``rest`` fills the other sheets, added empty,
    once everything is known. Constant memory needs each sheet's rows in order, not the
    sheets. ``max_rows`` is Excel's limit of rows per worksheet; tests lower it. ``scratch`` is
    the folder for xlsxwriter's temporary files (each sheet's rows until closing, then the
    package's parts), the system's temporary folder when None: a run gives its staging folder,
    beside the outputs, so that a killed run's rows (names, ID numbers) are removed by the next.
    """

    def __init__(
        self,
        target: Path | BinaryIO,
        period: pd.Period,
        mask: bool,
        max_rows: int = EXCEL_ROWS,
        *,
        scratch: Path | None = None,
    ) -> None:
        self.period, self.mask, self.max_rows = period, mask, max_rows
        self.made = made_at()
        options = {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "tmpdir": None if scratch is None else str(scratch),
        }
        self.book = xlsxwriter.Workbook(
            str(target) if isinstance(target, Path) else target, options
        )
        self.book.set_properties(
            {"title": f"帮扶资金对账_{period}", "author": PROGRAM, "created": self.made}
        )
        self.formats = Formats(self.book)
        self.period_text = f"{period.year}年{period.month}月"
        self.unit = ""  # named by ``reconciliation``, from the inputs
        self.layout: dict[str, list[Part]] = {}
        self.summaries: dict[str, Sheet] = {}  # added, filled by ``rest``
        self.details: dict[str, list[Any]] = {}  # the worksheets of each detail table

    def __enter__(self) -> Book:
        return self

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        """Closing writes the file (and removes xlsxwriter's own temporary files)."""
        try:
            self.book.close()
        except Exception as error:
            if failed is None:  # else the block's own error is the one to tell
                cause = error.args[0] if error.args else None  # FileCreateError wraps OSError
                if isinstance(cause, OSError):
                    raise cause from error
                raise

    @property
    def sheets(self) -> tuple[str, ...]:
        """``SHEETS`` of this period: 年度结转 in December only, the year-end close."""
        return tuple(n for n in SHEETS if n != year_end.SHEET or self.period.month == 12)

    def reconciliation(
        self,
        checked: Checked,
        detail: Reconciliation,
        findings: pd.DataFrame,
        advance: Advance = ignore,
    ) -> Detail:
        """Every sheet of ``sheets`` added, in order; 对账明细 written (``advance(n)`` as its rows
        are), linked to the findings' rows of 异常清单 (which is filled by ``rest``). Returned:
        the table it was written from, unmasked (its worksheets: ``layout["对账明细"]``), for
        the CSV beside the workbook."""
        validated = checked.validated
        self.unit = unit_of(validated.tables)
        counts = {
            "异常清单": len(findings),
            "数据校验": len(validated.rejected) + len(validated.warnings),
            "对账明细": len(detail.table),
        }
        for name in self.sheets:
            if name in counts:
                self.layout[name] = parts(name, counts[name], self.max_rows, name in TITLED)
                self.details[name] = add_sheets(self.book, self.layout[name])
            else:
                self._add_summary(name)
        table = reconciliation.table(detail, self.layout["异常清单"])
        self._detail(table, advance)
        return table

    def rest(self, reconciled: Reconciled) -> None:
        """The other detail sheets, then the summary sheets, now that everything is known."""
        context = Context(
            reconciled, self.unit, self.period_text, self.made, self.layout, self.max_rows
        )
        for make in DETAILS.values():
            self._detail(make(context), ignore)
        for name, sheet in self.summaries.items():  # in SHEETS order: 图表 uses earlier sheets
            SUMMARIES[name](sheet, context)
        made = f"{PROGRAM} {version()} 编制于 {self.made:%Y-%m-%d %H:%M}"
        page_headers(self.book.worksheets(), self.unit, self.period_text, made)

    def _add_summary(self, name: str) -> None:
        self.summaries[name] = Sheet(self.book.add_worksheet(name), self.formats, mask=self.mask)

    def _detail(self, detail: Detail, advance: Advance) -> None:
        shown = masked(detail) if self.mask else detail
        name = detail.name
        write_detail(self.details[name], self.formats, shown, self.layout[name], self, advance)


def write(
    target: Path | BinaryIO, reconciled: Reconciled, mask: bool = False, max_rows: int = EXCEL_ROWS
) -> None:
    """The whole workbook of ``reconciled`` at once."""
    with Book(target, reconciled.period, mask, max_rows) as book:
        book.reconciliation(reconciled.checked, reconciled.detail, reconciled.close.worklist)
        book.rest(reconciled)


SUMMARIES: dict[str, Callable[[Sheet, Context], None]] = {
    "封面": cover.fill,
    "资金使用": usage.fill,
    "资金结余": balances.fill,
    year_end.SHEET: year_end.fill,
    "救助人次": headcounts.fill,
    "绩效指标": indicators.fill,
    "图表": charts.fill,
    "规则说明": rules.fill,
}
DETAILS: dict[str, Callable[[Context], Detail]] = {  # 对账明细: Book.reconciliation
    "异常清单": findings.table,
    "数据校验": rejections.table,
}
TITLED = ("异常清单", "数据校验", "对账明细")  # detail sheets under a title block
