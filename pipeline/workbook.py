"""Stage 7, the workbook (contract §3.1): the one module that holds xlsxwriter code.

In: ``pipeline.run.Reconciled``. Out: ``write(target, reconciled, mask)`` writes 封面, 资金使用,
资金结余, 救助人次, 绩效指标, 对账明细, 异常清单, 数据校验, 图表 and 规则说明, in that order; a
detail sheet longer than Excel's 1,048,576 rows continues on 对账明细(2) … right after it, and
封面 says so.

How it is made, the way a Chinese finance office prints its reports:
- summary sheets open with a title block (unit, period, 单位：元) and close with 制表人 / 审核人 /
  负责人 lines; detail sheets have frozen headers and filters;
- money is integer fen until the moment a cell is written, as yuan with two decimals and
  thousands separators; every 合计 and 小计 is a live ``SUM`` whose cached value is the sum, in
  integer fen, of the cells it adds (and is checked against the computed figure); 万元 cells
  are ``ROUND(yuan/10000, 6)`` of the yuan cell beside them, exact at six decimals;
- text from the inputs is always a string cell: never a formula or a link, whatever it starts
  with; every ``write_*`` return code is checked (xlsxwriter returns −1 instead of raising);
- with ``mask`` (``--mask``), every text cell of every sheet passes ``privacy.mask_text``: no
  full ID or card number is left in the file;
- column widths are computed here, CJK characters counting double;
- A4 landscape, one page wide, header rows repeated, page numbers in the footer;
- the document's created time is the period end, so the same inputs give the same cells.

The workbook is written in xlsxwriter's constant-memory mode: each row goes to disk once the
next one starts, so a province's detail sheets never sit in memory. Rows must therefore be
written in order: summary sheets collect their cells in a ``Sheet`` and write them sorted by
row when finished (they are small); detail sheets are written row by row from columns prepared
once, with the columns' formats set on the columns. Merges span one row only: a merge over
several rows would write into rows already gone to disk.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from pipeline import aggregate, privacy
from pipeline.match import PENDING
from pipeline.money import capital_amount, wan_text, yuan_text
from pipeline.outputs import EXCEPTION_HEADER, places
from pipeline.progress import Advance, ignore
from pipeline.reconciliation import Reconciliation
from pipeline.results import Reconciled
from pipeline.rules.catalogue import CATALOGUE
from schemas import KIND_BY_NAME
from schemas.inputs import AID_TYPES

SHEETS = (
    "封面",
    "资金使用",
    "资金结余",
    "救助人次",
    "绩效指标",
    "对账明细",
    "异常清单",
    "数据校验",
    "图表",
    "规则说明",
)
PROGRAM = "aid-fund-reconcile"
MONEY, COUNT, YEAR, DATE, PERCENT = "#,##0.00", "#,##0", "0", "yyyy-mm-dd", "0.00"
WAN = "#,##0.000000"  # 万元 with six decimals: exact to the fen
SCORE = "0.0#"
MAX_WIDTH = 70
WRAP_WIDTH = 40  # a wrapped column of a detail sheet
MAX_TEXT = 32_767  # characters in one cell
CUT = "…（过长已截断，完整内容见 exceptions.csv）"
SIGNATURES = ("制表人：", "审核人：", "负责人：")
TOTAL, SUBTOTAL = "合计", "小计"
LINE_HEIGHT = 13.5  # points per line of 10-point text
EXCEL_ROWS = 1_048_576
EXCEL_LINKS = 65_530  # hyperlinks Excel keeps on one worksheet
ADVANCE_EVERY = 10_000  # detail rows between two updates of the progress display


class WorkbookError(RuntimeError):
    """xlsxwriter refused a cell, or a total would not equal its figure: a bug, not bad input."""


def _check(code: object, where: str) -> None:
    if code not in (0, None):
        raise WorkbookError(f"写入工作簿失败：{where}（xlsxwriter 返回 {code}）")


# ---- cells ---------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns of text: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value  # NaN


def _text(value: object) -> str:
    """The cell text of a value, cut to Excel's limit with a note saying so."""
    text = "" if _blank(value) else str(value)
    if len(text) > MAX_TEXT:  # only a very long lineage comes near it
        text = text[: MAX_TEXT - len(CUT)] + CUT
    return text


class Formats:
    """The workbook's cell formats (and the workbook, which charts are added to)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        font = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = {**font, "border": 1}

        def make(base: dict[str, Any], **props: Any) -> Any:
            return book.add_format({**base, **props})

        header = {**cell, "bold": True, "align": "center", "text_wrap": True}
        self.title = make(font, bold=True, font_size=16, align="center")
        self.sub = make(font)
        self.sub_right = make(font, align="right")
        self.heading = make(font, bold=True, font_size=12)
        self.header = make(header, bg_color="#D9E1F2")
        # a label over two header rows: two cells that read as one (no border between them)
        self.header_top = make(header, bg_color="#D9E1F2", bottom=0)
        self.header_bottom = make(header, bg_color="#D9E1F2", top=0)
        self.text = make(cell)
        self.wrap = make(cell, text_wrap=True)
        self.money = make(cell, num_format=MONEY)
        self.wan = make(cell, num_format=WAN)
        self.count = make(cell, num_format=COUNT)
        self.year = make(cell, num_format=YEAR, align="center")
        self.date = make(cell, num_format=DATE, align="center")
        self.percent = make(cell, num_format=PERCENT)
        self.score = make(cell, num_format=SCORE)
        self.total_text = make(cell, bold=True, align="center")
        self.total_money = make(cell, bold=True, num_format=MONEY)
        self.total_wan = make(cell, bold=True, num_format=WAN)
        self.total_count = make(cell, bold=True, num_format=COUNT)
        self.total_score = make(cell, bold=True, num_format=SCORE)
        # detail sheets: the format of the column, cells without one (gridlines when printed)
        self.plain_money = make(font, num_format=MONEY)
        self.plain_count = make(font, num_format=COUNT)
        self.plain_wrap = make(font, text_wrap=True)
        self.plain_text = make(font)
        self.link = make(font, font_color="#0563C1", underline=1)
        self.note = make(font, italic=True, font_color="#595959")
        self.error = make({}, bold=True, font_color="#9C0006", bg_color="#FFC7CE")
        self.warning = make({}, font_color="#7F6000", bg_color="#FFEB9C")


@dataclass
class Sheet:
    """One summary worksheet: cells collected, then written in row order by ``finish``.

    Keeps the exact integer behind every number (fen or a count), so that a 合计 is cached as
    the exact sum of what it adds, and the widest text of every column.
    """

    worksheet: Any
    formats: Formats
    widths: dict[int, int] = field(default_factory=dict)
    exact: dict[tuple[int, int], int] = field(default_factory=dict)  # fen or counts per cell
    cells: dict[tuple[int, int], tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    fixed: dict[int, int] = field(default_factory=dict)  # column widths set, not fitted
    mask: bool = False  # ID and card numbers in its texts masked (``--mask``)

    @property
    def name(self) -> str:
        return str(self.worksheet.name)

    def _fit(self, col: int, text: str) -> None:
        self.widths[col] = max(self.widths.get(col, 0), display_width(text))

    def _put(self, row: int, col: int, method: str, *args: Any) -> None:
        self.cells[row, col] = (method, args)

    def text(
        self,
        row: int,
        col: int,
        value: object,
        fmt: Any = None,
        fit: bool = True,
        personal: bool = True,
    ) -> None:
        """Text, from the inputs or not: always a string cell, never a formula. Not
        ``personal``: a text that cannot hold personal data (a checksum), never masked."""
        text = self._shown(value, personal)
        if text:
            self._put(row, col, "write_string", text, fmt)
        else:
            self._put(row, col, "write_blank", None, fmt)
        if fit:
            self._fit(col, text)

    def _shown(self, value: object, personal: bool) -> str:
        """The text of a cell; masked where it may hold an ID or card number."""
        text = _text(value)
        return privacy.mask_text(text) if self.mask and personal else text

    def integer(self, row: int, col: int, value: object, fmt: Any, fen: bool = False) -> None:
        """An integer count, or integer fen written as yuan (the only float is in the cell)."""
        if _blank(value):
            self.text(row, col, None, fmt)
            return
        number = int(value)  # type: ignore[call-overload]
        self.exact[row, col] = number
        shown = number / 100 if fen else number
        self._put(row, col, "write_number", shown, fmt)
        self._fit(col, yuan_text(number, grouped=True) if fen else f"{number:,}")

    def money(self, row: int, col: int, fen: object, fmt: Any = None) -> None:
        self.integer(row, col, fen, fmt or self.formats.money, fen=True)

    def count(self, row: int, col: int, value: object, fmt: Any = None) -> None:
        self.integer(row, col, value, fmt or self.formats.count)

    def decimal(self, row: int, col: int, value: object, fmt: Any) -> None:
        if _blank(value):
            self.text(row, col, None, fmt)
            return
        number = Decimal(str(value))
        self._put(row, col, "write_number", float(number), fmt)
        self._fit(col, str(number))

    def date(self, row: int, col: int, value: object) -> None:
        if _blank(value):
            self.text(row, col, None, self.formats.date)
            return
        day = pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)  # type: ignore[arg-type]
        self._put(row, col, "write_datetime", day, self.formats.date)
        self._fit(col, "2021-12-31")

    def total(
        self,
        row: int,
        col: int,
        cells: Sequence[tuple[int, int]],
        expected: int | None = None,
        fen: bool = True,
        fmt: Any = None,
    ) -> None:
        """``=SUM(cells)``, cached as the integer sum of those cells; ``expected`` must match."""
        value = sum(self.exact.get(cell, 0) for cell in cells)
        if expected is not None and value != expected:
            raise WorkbookError(
                f"{self.name} 合计 {xl_rowcol_to_cell(row, col)} 的各项之和 {value} "
                f"不等于计算结果 {expected}"
            )
        self.exact[row, col] = value
        fmt = fmt or (self.formats.total_money if fen else self.formats.total_count)
        shown = value / 100 if fen else value
        self._put(row, col, "write_formula", f"=SUM({_ranges(cells)})", fmt, shown)
        self._fit(col, yuan_text(value, grouped=True) if fen else f"{value:,}")

    def wan(self, row: int, col: int, yuan_cell: tuple[int, int], bold: bool = False) -> None:
        """万元 of a yuan cell of this sheet, as ``ROUND(cell/10000,6)``: exact to the fen."""
        if yuan_cell not in self.exact:
            self.text(row, col, None, self.formats.wan)
            return
        fen = self.exact[yuan_cell]
        fmt = self.formats.total_wan if bold else self.formats.wan
        formula = f"=ROUND({xl_rowcol_to_cell(*yuan_cell)}/10000,6)"
        self._put(row, col, "write_formula", formula, fmt, fen / 1_000_000)
        self._fit(col, wan_text(fen))

    def merge(
        self, row: int, first: int, last: int, text: str, fmt: Any, personal: bool = True
    ) -> None:
        """Text over the columns ``first``..``last`` of one row."""
        if first == last:
            self.text(row, first, text, fmt, personal=personal)
            return
        self._put(row, first, "merge_range", last, self._shown(text, personal), fmt)
        for col in range(first + 1, last + 1):
            self._put(row, col, "covered")

    def header(self, row: int, columns: Sequence[tuple[str | None, str]]) -> int:
        """A header of (group, label): grouped labels under their group's merged cell,
        ungrouped labels over both rows. One row when there are no groups. Returns the first
        data row."""
        fmt = self.formats
        if all(group is None for group, _ in columns):
            for col, (_, label) in enumerate(columns):
                self.text(row, col, label, fmt.header)
            return row + 1
        col = 0
        while col < len(columns):
            group, label = columns[col]
            if group is None:
                self.text(row, col, None, fmt.header_top)
                self.text(row + 1, col, label, fmt.header_bottom)
                col += 1
                continue
            end = col
            while end + 1 < len(columns) and columns[end + 1][0] == group:
                end += 1
            self.merge(row, col, end, group, fmt.header)
            for inner in range(col, end + 1):
                self.text(row + 1, inner, columns[inner][1], fmt.header)
            col = end + 1
        return row + 2

    def title_block(self, title: str, columns: int, context: Context, unit: str = "元") -> int:
        """Title, then unit, period and 单位; returns the next free row."""
        self.merge(0, 0, columns - 1, title, self.formats.title)
        self.text(1, 0, f"编制单位：{context.unit or '（未注明）'}", self.formats.sub, fit=False)
        self.text(1, columns // 2, f"期间：{context.period_text}", self.formats.sub, fit=False)
        self.text(1, columns - 1, f"单位：{unit}", self.formats.sub_right, fit=False)
        return 2

    def signatures(self, row: int, columns: int) -> int:
        for index, label in enumerate(SIGNATURES):
            self.text(row, index * columns // len(SIGNATURES), label, self.formats.sub, fit=False)
        return row + 1

    def finish(
        self,
        header: tuple[int, int] | None,
        columns: int,
        filter_to: int | None = None,
        freeze_cols: int = 0,
    ) -> None:
        """The cells in row order (each row at the height its wrapped texts need), then widths,
        frozen header, filter, A4 landscape."""
        ws = self.worksheet
        widths = [
            self.fixed.get(c, min(max(self.widths.get(c, 0), 4) + 2, MAX_WIDTH))
            for c in range(columns)
        ]
        heights = self._heights(widths)
        for (row, col), (method, args) in sorted(self.cells.items()):
            if row in heights:
                _check(ws.set_row(row, heights.pop(row)), f"{self.name} 行高 {row + 1}")
            if method == "covered":
                continue
            if method == "merge_range":
                last, text, fmt = args
                _check(ws.merge_range(row, col, row, last, text, fmt), f"{self.name} 合并 {text}")
            else:
                where = f"{self.name} {xl_rowcol_to_cell(row, col)}"
                _check(getattr(ws, method)(row, col, *args), where)
        for col, width in enumerate(widths):
            _check(ws.set_column(col, col, width), f"{self.name} 列宽 {col + 1}")
        _page_setup(ws, header, filter_to, freeze_cols, columns)

    def _heights(self, widths: Sequence[int]) -> dict[int, float]:
        """Rows whose wrapped text needs more than one line: no program fits them on opening
        (LibreOffice keeps the default height of a row written without one)."""
        heights: dict[int, float] = {}
        for (row, col), (method, args) in self.cells.items():
            if method not in ("write_string", "merge_range"):
                continue
            text, fmt = (args[0], args[1]) if method == "write_string" else (args[1], args[2])
            if not getattr(fmt, "text_wrap", 0):
                continue
            last = args[0] if method == "merge_range" else col
            room = max(sum(widths[col : last + 1]) - 1, 1)
            lines = sum(-(-max(display_width(part), 1) // room) for part in text.split("\n"))
            if lines > 1:
                heights[row] = max(heights.get(row, 0.0), LINE_HEIGHT * lines)
        return heights


def _page_setup(
    ws: Any,
    header: tuple[int, int] | None,
    filter_to: int | None,
    freeze_cols: int,
    columns: int,
) -> None:
    """Frozen header, filter over the data, A4 landscape one page wide, page numbers."""
    if header is not None:
        first, last = header
        ws.freeze_panes(last + 1, freeze_cols)
        _check(ws.repeat_rows(first, last), f"{ws.name} 打印标题行")
        if filter_to is not None:
            _check(ws.autofilter(last, 0, max(filter_to, last), columns - 1), "筛选")
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def _ranges(cells: Sequence[tuple[int, int]]) -> str:
    """'C5:C9' or 'B5:E5' for one run of adjacent cells, else the runs joined with commas
    ('C5:C7,C9')."""
    runs: list[list[tuple[int, int]]] = []
    for cell in cells:
        run = runs[-1] if runs else []
        step = (cell[0] - run[-1][0], cell[1] - run[-1][1]) if run else None
        direction = (run[1][0] - run[0][0], run[1][1] - run[0][1]) if len(run) > 1 else step
        if step in ((1, 0), (0, 1)) and step == direction:
            run.append(cell)
        else:
            runs.append([cell])
    return ",".join(_span(run[0], run[-1]) for run in runs) or "0"


def _span(first: tuple[int, int], last: tuple[int, int], sheet: str | None = None) -> str:
    """'C5', 'C5:C9', or with a sheet "'对账明细(2)'!C2:C9"."""
    prefix = f"{quote_sheetname(sheet)}!" if sheet else ""
    low = xl_rowcol_to_cell(*first)
    return prefix + (low if first == last else f"{low}:{xl_rowcol_to_cell(*last)}")


# ---- detail sheets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a detail sheet, its cells prepared once for all its rows."""

    label: str
    kind: str  # text, money (yuan, float), count, or link (a (sheet, row) target or None)
    values: pd.Series | list[Any]  # links: a list; else turned into Python a chunk at a time
    width: int
    exact_sum: int | None = None  # fen or count, when the column has a 合计
    lines: np.ndarray | None = None  # a wrapped column: the lines each value takes

    def chunk(self, start: int, stop: int) -> list[Any]:
        """The cell values of rows ``start``..``stop``: Python objects only for these rows, so
        that a province's detail sheet never sits in memory as Python strings."""
        if isinstance(self.values, list):
            return [None] * (stop - start)  # links are written one by one
        part = self.values.iloc[start:stop]
        values = part.tolist()
        return [None if _blank(v) else v for v in values] if part.hasnans else values


def text_column(label: str, series: pd.Series, wrap: bool = False) -> Column:
    """Text cells; ``wrap``: at most WRAP_WIDTH wide, a longer value on several lines."""
    text = series.astype("string").fillna("")
    long = text.str.len() > MAX_TEXT
    if long.any():
        text = text.where(~long, text.str.slice(0, MAX_TEXT - len(CUT)) + CUT)
    widths = _widths(text)
    width = max(display_width(label), int(widths.max(initial=0)))
    text = text.reset_index(drop=True)
    if not wrap or width <= WRAP_WIDTH:
        return Column(label, "text", text, width)
    lines = -(-np.maximum(widths, 1) // (WRAP_WIDTH + 1))  # the column is WRAP_WIDTH + 2 wide
    return Column(label, "wrap", text, WRAP_WIDTH, lines=lines)


def _widths(text: pd.Series) -> np.ndarray:
    """Each text's width, CJK counting two: a three-byte UTF-8 character is CJK."""
    values = pa.array(text.to_numpy(dtype=object), type=pa.string())
    chars, size = pc.utf8_length(values), pc.binary_length(values)
    widths = pc.add(chars, pc.divide(pc.subtract(size, chars), 2))
    return widths.to_numpy(zero_copy_only=False).astype(np.int64)


def number_column(label: str, series: pd.Series, fen: bool, total: bool = False) -> Column:
    """Integer fen shown as yuan, or a count; blank where missing."""
    numbers = series.astype("Int64").reset_index(drop=True)
    shown = numbers.to_numpy(dtype="float64", na_value=np.nan) / (100 if fen else 1)
    largest = int(numbers.abs().max(skipna=True)) if numbers.notna().any() else 0
    width = len("-" + (yuan_text(largest, grouped=True) if fen else f"{largest:,}"))
    exact = int(numbers.sum()) if total else None
    values = pd.Series(shown) if fen else numbers
    return Column(
        label, "money" if fen else "count", values, max(display_width(label), width), exact
    )


@dataclass(frozen=True)
class Part:
    """The rows ``start``..``stop`` of a detail table, on the worksheet ``sheet``."""

    sheet: str
    start: int
    stop: int


def parts(name: str, rows: int, max_rows: int) -> list[Part]:
    """A table longer than a worksheet continues on name(2), name(3) …; every part keeps room
    for its header and, on the last, a blank row and the 合计."""
    capacity = max_rows - 3
    count = max(1, -(-rows // capacity))
    return [
        Part(name if i == 0 else f"{name}({i + 1})", i * capacity, min(rows, (i + 1) * capacity))
        for i in range(count)
    ]


def place_of(layout: Sequence[Part], position: int) -> tuple[str, int]:
    """The worksheet and Excel row number of a table row."""
    for part in layout:
        if part.start <= position < part.stop:
            return part.sheet, position - part.start + 2
    raise WorkbookError(f"第 {position + 1} 行不在任何工作表中")


@dataclass(frozen=True)
class Detail:
    name: str
    columns: Sequence[Column]
    total: bool = False  # a 合计 row of SUMs under the last part
    freeze_cols: int = 0
    highlights: Sequence[tuple[str, str]] = ()  # (condition on row 2, Formats attribute)
    empty: str = "无"


def masked(detail: Detail) -> Detail:
    """``detail`` with the ID and card numbers of its text columns masked (same widths)."""
    columns = [
        replace(column, values=privacy.mask_numbers(column.values))
        if isinstance(column.values, pd.Series) and column.kind in ("text", "wrap")
        else column
        for column in detail.columns
    ]
    return replace(detail, columns=columns)


def write_detail(
    book: Any, formats: Formats, detail: Detail, layout: Sequence[Part], advance: Advance
) -> None:
    """Each part: header, rows in order (constant memory), filter, print setup; the 合计 under
    the last part adds every part."""
    column_formats = {"text": formats.plain_text, "link": None, "wrap": formats.plain_wrap}
    column_formats |= {"money": formats.plain_money, "count": formats.plain_count}
    widths = [min(max(column.width, 4) + 2, MAX_WIDTH) for column in detail.columns]
    for part in layout:
        ws = book.add_worksheet(part.sheet)
        for col, column in enumerate(detail.columns):
            _check(ws.write_string(0, col, column.label, formats.header), f"{part.sheet} 表头")
            _check(ws.set_column(col, col, widths[col], column_formats[column.kind]), "列宽")
        _write_rows(ws, formats, detail.columns, part, advance)
        last = part.stop - part.start
        if last == 0 and part.start == 0:
            _check(ws.write_string(1, 0, detail.empty, formats.text), f"{part.sheet} 空表")
        for condition, fmt in detail.highlights if last else ():
            rule = {"type": "formula", "criteria": condition, "format": getattr(formats, fmt)}
            _check(ws.conditional_format(1, 0, last, len(widths) - 1, rule), "条件格式")
        if detail.total and part is layout[-1]:
            _write_detail_total(ws, formats, detail.columns, layout, last + 2)
        ws.hide_gridlines(0)  # gridlines printed: the detail cells have no borders
        _page_setup(ws, (0, 0), max(last, 1), detail.freeze_cols, len(widths))


def _write_rows(
    ws: Any, formats: Formats, columns: Sequence[Column], part: Part, advance: Advance
) -> None:
    """The one loop per row of the program: xlsxwriter's ``write_row`` of prepared values,
    a row's height first where a wrapped text needs more than one line, then its links."""
    links = [col for col, column in enumerate(columns) if column.kind == "link"]
    tall = _tall_rows(columns, part)
    write_row, set_row = ws.write_row, ws.set_row
    kept = 0
    for start in range(part.start, part.stop, ADVANCE_EVERY):
        stop = min(start + ADVANCE_EVERY, part.stop)
        cells = [column.chunk(start, stop) for column in columns]
        for row, values in enumerate(zip(*cells, strict=True), start=start - part.start + 1):
            height = tall.get(row)
            if height is not None:
                set_row(row, height)
            if write_row(row, 0, values):
                raise WorkbookError(f"写入工作簿失败：{part.sheet} 第 {row + 1} 行")
            for col in links:
                target = columns[col].values[part.start + row - 1]
                if target is not None:
                    kept += _write_link(ws, formats, row, col, target, kept < EXCEL_LINKS)
        advance(stop - start)


def _tall_rows(columns: Sequence[Column], part: Part) -> dict[int, float]:
    """Sheet row → height, for the rows of the part whose wrapped texts need several lines."""
    wrapped = [c.lines[part.start : part.stop] for c in columns if c.lines is not None]
    if not wrapped:
        return {}
    lines = np.maximum.reduce(wrapped)
    tall = np.flatnonzero(lines > 1)
    return dict(zip((tall + 1).tolist(), (lines[tall] * LINE_HEIGHT).tolist(), strict=True))


def _write_link(
    ws: Any, formats: Formats, row: int, col: int, target: tuple[str, int], linked: bool
) -> int:
    """A link to a row of another sheet; past Excel's limit of links per sheet, its text."""
    sheet, target_row = target
    text = f"{sheet} 第{target_row}行"
    if not linked:
        _check(ws.write_string(row, col, text), f"{ws.name} 链接")
        return 0
    url = f"internal:{quote_sheetname(sheet)}!A{target_row}"
    _check(ws.write_url(row, col, url, formats.link, text), f"{ws.name} 链接")
    return 1


def _write_detail_total(
    ws: Any, formats: Formats, columns: Sequence[Column], layout: Sequence[Part], row: int
) -> None:
    _check(ws.write_string(row, 0, TOTAL, formats.total_text), f"{ws.name} 合计")
    for col, column in enumerate(columns):
        if column.exact_sum is None:
            continue
        ranges = ",".join(
            _span(
                (1, col),
                (part.stop - part.start, col),
                None if part.sheet == ws.name else part.sheet,
            )
            for part in layout
            if part.stop > part.start
        )
        fen = column.kind == "money"
        shown = column.exact_sum / 100 if fen else column.exact_sum
        fmt = formats.total_money if fen else formats.total_count
        _check(ws.write_formula(row, col, f"=SUM({ranges or '0'})", fmt, shown), f"{ws.name} 合计")


# ---- the workbook --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    reconciled: Reconciled
    unit: str
    period_text: str
    period_end: dt.datetime
    layout: dict[str, list[Part]]  # each detail table's worksheets
    max_rows: int  # rows per worksheet (Excel's limit; lower in tests)
    # where the charts' data are, filled in by the sheets that hold them (written before 图表)
    charts: dict[str, ChartData] = field(default_factory=dict)


class Book:
    """The workbook while it is written, to ``target``, a file or a stream (the caller makes it
    atomic). ``mask``: every ID and card number masked, on every sheet.

    Worksheets are added in ``SHEETS`` order as their content becomes known, so that 对账明细,
    which needs only the matched rows, is written while the rules are still being applied in
    another process (``reconciliation``); the summary sheets before it are added empty then,
    and filled by ``rest`` with everything else. Constant memory needs each sheet's rows in
    order, not the sheets. ``max_rows`` is Excel's limit of rows per worksheet; tests lower it.
    """

    def __init__(
        self, target: Path | BinaryIO, period: pd.Period, mask: bool, max_rows: int = EXCEL_ROWS
    ) -> None:
        self.period, self.mask, self.max_rows = period, mask, max_rows
        self.end = dt.datetime.combine(period.end_time.date(), dt.time())
        options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        self.book = xlsxwriter.Workbook(
            str(target) if isinstance(target, Path) else target, options
        )
        self.book.set_properties(
            {"title": f"帮扶资金对账_{period}", "author": PROGRAM, "created": self.end}
        )
        self.formats = Formats(self.book)
        self.layout: dict[str, list[Part]] = {}
        self.summaries: dict[str, Sheet] = {}  # added, filled by ``rest``

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

    def reconciliation(self, detail: Reconciliation, advance: Advance = ignore) -> None:
        """对账明细 (``advance(n)`` as its rows are written), after the sheets before it."""
        for name in SHEETS[: SHEETS.index("对账明细")]:
            self._add_summary(name)
        self.layout["对账明细"] = parts("对账明细", len(detail.table), self.max_rows)
        self._detail(_reconciliation(detail), advance)

    def rest(self, reconciled: Reconciled) -> None:
        """The sheets after 对账明细, then the summary sheets, now that everything is known."""
        validated = reconciled.checked.validated
        counts = {"异常清单": len(reconciled.findings)}
        counts["数据校验"] = len(validated.rejected) + len(validated.warnings)
        for name, count in counts.items():
            self.layout[name] = parts(name, count, self.max_rows)
        period_text = f"{self.period.year}年{self.period.month}月"
        unit = _unit(reconciled)
        context = Context(reconciled, unit, period_text, self.end, self.layout, self.max_rows)
        for name in SHEETS[SHEETS.index("对账明细") + 1 :]:
            if name in DETAILS:
                self._detail(DETAILS[name](context), ignore)
            else:
                self._add_summary(name)
        for name, sheet in self.summaries.items():  # in SHEETS order: 图表 uses earlier sheets
            SUMMARIES[name](sheet, context)

    def _add_summary(self, name: str) -> None:
        self.summaries[name] = Sheet(self.book.add_worksheet(name), self.formats, mask=self.mask)

    def _detail(self, detail: Detail, advance: Advance) -> None:
        shown = masked(detail) if self.mask else detail
        write_detail(self.book, self.formats, shown, self.layout[detail.name], advance)


def write(
    target: Path | BinaryIO, reconciled: Reconciled, mask: bool = False, max_rows: int = EXCEL_ROWS
) -> None:
    """The whole workbook of ``reconciled`` at once."""
    with Book(target, reconciled.period, mask, max_rows) as book:
        book.reconciliation(reconciled.detail)
        book.rest(reconciled)


def version() -> str:
    try:
        return importlib.metadata.version(PROGRAM)
    except importlib.metadata.PackageNotFoundError:
        return "未安装"


def _unit(reconciled: Reconciled) -> str:
    """The region the worker files mostly belong to, named as the 低保标准 sheet names it."""
    tables = reconciled.checked.validated.tables
    standards, files = tables.get("dibao_standards"), tables.get("worker_files")
    if standards is None or standards.empty or "region_name" not in standards:
        return ""
    names = standards.dropna(subset=["region_name"]).drop_duplicates("region_code")
    by_code = dict(zip(names["region_code"].astype("str"), names["region_name"], strict=True))
    if files is not None and not files.empty and files["region_code"].notna().any():
        counts = files["region_code"].astype("str").value_counts()
        top = sorted(counts[counts == counts.max()].index)[0]
        if top in by_code:
            return str(by_code[top])
    return str(names["region_name"].iloc[0]) if len(names) else ""


def _kind_label(kind: str) -> str:
    return KIND_BY_NAME[kind].label if kind in KIND_BY_NAME else kind


# ---- 封面 ------------------------------------------------------------------------------------------


COVER_WIDTHS = (28, 18, 16, 10, 10, 10, 12, 36)  # eight columns that fit A4 landscape


def _cover(sheet: Sheet, context: Context) -> None:
    """Facts, then five tables sharing eight columns of fixed width: a wide text spans the
    columns to its right, so that the page prints at a readable size."""
    f, reconciled = sheet.formats, context.reconciled
    columns = len(COVER_WIDTHS)
    sheet.merge(0, 0, columns - 1, "困难职工帮扶资金对账报告", f.title)
    totals = reconciled.figures.usage_totals
    everything = totals[totals["scope"] == "all"].iloc[0]
    year_fen, month_fen = int(everything["year_amount_fen"]), int(everything["month_amount_fen"])
    facts: list[tuple[str, Callable[[int], None]]] = [
        ("编制单位", lambda r: sheet.merge(r, 1, 4, context.unit or "（未注明）", f.text)),
        ("对账期间", lambda r: sheet.merge(r, 1, 4, context.period_text, f.text)),
        ("编制日期（期末）", lambda r: sheet.date(r, 1, context.period_end)),
        ("程序版本", lambda r: sheet.merge(r, 1, 4, f"{PROGRAM} {version()}", f.text)),
        ("本月支出（元）", lambda r: sheet.money(r, 1, month_fen)),
        ("本年累计支出（元）", lambda r: sheet.money(r, 1, year_fen)),
        ("本年累计支出大写", lambda r: sheet.merge(r, 1, 4, capital_amount(year_fen), f.text)),
    ]
    row = 2
    for label, put in facts:
        sheet.text(row, 0, label, f.header, fit=False)
        put(row)
        row += 1
    row = _cover_inputs(sheet, context, row + 1)
    row = _cover_counts(sheet, context, row + 1)
    row = _cover_not_read(sheet, context, row + 1)
    row = _cover_findings(sheet, context, row + 1)
    row = _cover_sheets(sheet, context, row + 1)
    sheet.signatures(row + 1, columns)
    sheet.fixed.update(enumerate(COVER_WIDTHS))
    sheet.finish(None, columns)


def _cover_header(sheet: Sheet, row: int, spans: Sequence[tuple[str, int, int]]) -> int:
    """A one-row header whose labels may span several columns; returns the next row."""
    for label, first, last in spans:
        sheet.merge(row, first, last, label, sheet.formats.header)
    return row + 1


def _cover_inputs(sheet: Sheet, context: Context, row: int) -> int:
    f, inputs = sheet.formats, context.reconciled.summary.inputs
    sheet.text(row, 0, "一、输入文件", f.heading, fit=False)
    spans = [("文件", 0, 0), ("类型", 1, 1), ("读取行数", 2, 2), ("拒收行数", 3, 3)]
    row = _cover_header(sheet, row + 1, [*spans, ("SHA-256", 4, 7)])
    first = row
    for item in inputs:
        sheet.text(row, 0, item.file, f.wrap)
        sheet.text(row, 1, "、".join(map(_kind_label, item.kinds)), f.wrap)
        sheet.count(row, 2, item.read)
        sheet.count(row, 3, item.rejected)
        sheet.merge(row, 4, 7, item.sha256, f.text, personal=False)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    for col, total in ((2, sum(i.read for i in inputs)), (3, sum(i.rejected for i in inputs))):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, total, fen=False)
    sheet.merge(row, 4, 7, "", f.total_text)
    return row + 1


def _cover_counts(sheet: Sheet, context: Context, row: int) -> int:
    """Per sheet: rows read = kept + rejected, said in words."""
    f, counts = sheet.formats, context.reconciled.checked.validated.counts
    sheet.text(row, 0, "二、行数核对（读取 = 保留 + 拒收）", f.heading, fit=False)
    labels = ("文件", "工作表", "类型", "读取", "保留", "拒收", "其中重复导出", "核对")
    row = _cover_header(sheet, row + 1, [(label, c, c) for c, label in enumerate(labels)])
    first = row
    for item in counts.to_dict("records"):
        sheet.text(row, 0, item["source_file"], f.wrap)
        sheet.text(row, 1, item["source_sheet"], f.wrap)
        sheet.text(row, 2, _kind_label(item["kind"]), f.wrap)
        for col, column in enumerate(("read", "kept", "rejected", "duplicates"), start=3):
            sheet.count(row, col, item[column])
        adds_up = int(item["read"]) == int(item["kept"]) + int(item["rejected"])
        sheet.text(row, 7, "相符" if adds_up else "不符", f.text)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    sheet.text(row, 2, None, f.total_text)
    for col, column in enumerate(("read", "kept", "rejected", "duplicates"), start=3):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, int(counts[column].sum()), fen=False)
    read, kept, rejected = (int(counts[c].sum()) for c in ("read", "kept", "rejected"))
    sheet.text(row, 7, "相符" if read == kept + rejected else "不符", f.total_text)
    return row + 1


def _cover_not_read(sheet: Sheet, context: Context, row: int) -> int:
    f, checked = sheet.formats, context.reconciled.checked
    sheet.text(row, 0, "三、未读取的工作表和文件", f.heading, fit=False)
    row = _cover_header(sheet, row + 1, [("文件", 0, 0), ("工作表", 1, 1), ("原因", 2, 7)])
    entries = [(s.file, s.sheet, s.reason) for s in checked.skipped]
    entries += [(name, "", "不是表格文件，未读取") for name in checked.ignored]
    for file, sheet_name, reason in entries or [("无", "", "")]:
        sheet.text(row, 0, file, f.wrap)
        sheet.text(row, 1, sheet_name, f.wrap)
        sheet.merge(row, 2, 7, reason, f.text)
        row += 1
    return row


def _cover_findings(sheet: Sheet, context: Context, row: int) -> int:
    f, found = sheet.formats, context.reconciled.summary.findings
    sheet.text(row, 0, "四、异常统计", f.heading, fit=False)
    spans = [("规则", 0, 0), ("严重程度", 1, 1), ("说明", 2, 6), ("条数", 7, 7)]
    row = _cover_header(sheet, row + 1, spans)
    first = row
    for rule in found:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        sheet.merge(row, 2, 6, rule.title, f.text)
        sheet.count(row, 7, rule.count)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    sheet.merge(row, 2, 6, "", f.total_text)
    total = sum(rule.count for rule in found)
    sheet.total(row, 7, [(r, 7) for r in range(first, row)], total, fen=False)
    return row + 1


def _cover_sheets(sheet: Sheet, context: Context, row: int) -> int:
    """The detail tables' worksheets and rows: a table over Excel's limit continues."""
    f = sheet.formats
    sheet.text(row, 0, "五、明细工作表", f.heading, fit=False)
    spans = [("明细", 0, 0), ("工作表", 1, 1), ("行数", 2, 2), ("说明", 3, 7)]
    row = _cover_header(sheet, row + 1, spans)
    for name, layout in context.layout.items():
        for part in layout:
            sheet.text(row, 0, name, f.text)
            sheet.text(row, 1, part.sheet, f.text)
            sheet.count(row, 2, part.stop - part.start)
            note = ""
            if len(layout) > 1:
                note = (
                    f"每表上限 {context.max_rows:,} 行，分 {len(layout)} 表；"
                    f"本表第 {part.start + 1:,}–{part.stop:,} 行"
                )
            sheet.merge(row, 3, 7, note, f.text)
            row += 1
    return row


# ---- 资金使用 ----------------------------------------------------------------------------------------

USAGE_MEASURES = (("amount_fen", "金额"), ("person_times", "人次"), ("persons", "人数"))
WINDOWS = (("month", "本月"), ("year", "本年累计"))


def _usage(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    columns: list[tuple[str | None, str]] = [(None, "资金来源"), (None, "救助类型")]
    columns += [(label, measure) for _, label in WINDOWS for _, measure in USAGE_MEASURES]
    columns.append((WINDOWS[-1][1], "金额（万元）"))
    width = len(columns)
    row = sheet.title_block(f"{context.period_text}帮扶资金使用情况表", width, context)
    header_first = row
    row = sheet.header(row, columns)
    totals = figures.usage_totals
    per_source = totals[totals["scope"] == "source"].set_index("source")
    everything = totals[totals["scope"] == "all"].iloc[0]
    subtotals = []
    for source, rows in figures.fund_usage.groupby("source", sort=False):
        first = row
        for item in rows.to_dict("records"):
            sheet.text(row, 0, source, f.text)
            sheet.text(row, 1, item["aid_type"], f.text)
            _usage_cells(sheet, row, item)
            row += 1
        sheet.text(row, 0, source, f.total_text)
        sheet.text(row, 1, SUBTOTAL, f.total_text)
        _usage_totals(sheet, row, [range(first, row)], per_source.loc[source])
        subtotals.append(row)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    _usage_totals(sheet, row, [subtotals], everything)
    sheet.text(
        row + 1,
        0,
        "注：人数为去重人数，同一人多次受助只计一次，故小计、合计的人数不是各行相加。",
        f.note,
        fit=False,
    )
    row = sheet.signatures(row + 3, width)
    year_fen = int(everything["year_amount_fen"])
    row = _usage_by_type(sheet, context, figures.fund_usage, year_fen, row + 1)
    sheet.finish((header_first, row_header_last(header_first, columns)), width, freeze_cols=2)


def row_header_last(first: int, columns: Sequence[tuple[str | None, str]]) -> int:
    return first + (0 if all(group is None for group, _ in columns) else 1)


def _usage_cells(sheet: Sheet, row: int, item: dict[Any, Any]) -> None:
    col = 2
    for window, _ in WINDOWS:
        sheet.money(row, col, item[f"{window}_amount_fen"])
        sheet.count(row, col + 1, item[f"{window}_person_times"])
        sheet.count(row, col + 2, item[f"{window}_persons"])
        col += 3
    sheet.wan(row, col, (row, col - 3))


def _usage_totals(sheet: Sheet, row: int, groups: list[Any], figure: Any) -> None:
    """Amount and 人次 as SUMs of the rows (checked against the figure); 人数 distinct."""
    rows = [r for group in groups for r in group]
    col = 2
    for window, _ in WINDOWS:
        amount, times = int(figure[f"{window}_amount_fen"]), int(figure[f"{window}_person_times"])
        sheet.total(row, col, [(r, col) for r in rows], amount)
        sheet.total(row, col + 1, [(r, col + 1) for r in rows], times, fen=False)
        sheet.count(row, col + 2, figure[f"{window}_persons"], sheet.formats.total_count)
        col += 3
    sheet.wan(row, col, (row, col - 3), bold=True)


def _usage_by_type(
    sheet: Sheet, context: Context, usage: pd.DataFrame, year_fen: int, row: int
) -> int:
    """本年累计 spending as a table of 资金来源 × 救助类型 (the data of a chart on 图表)."""
    f = sheet.formats
    table = usage.pivot_table(
        index="source", columns="aid_type", values="year_amount_fen", aggfunc="sum", sort=False
    )
    types = [t for t in AID_TYPES if t in table.columns]
    sheet.text(row, 0, "本年累计支出：资金来源 × 救助类型（元）", f.heading, fit=False)
    header = row + 1
    sheet.header(header, [(None, label) for label in ("资金来源", *types, TOTAL)])
    first = header + 1
    for offset, (source, amounts) in enumerate(table.iterrows()):
        sheet.text(first + offset, 0, source, f.text)
        for col, aid_type in enumerate(types, start=1):
            sheet.money(first + offset, col, 0 if pd.isna(amounts[aid_type]) else amounts[aid_type])
        cells = [(first + offset, col) for col in range(1, len(types) + 1)]
        sheet.total(first + offset, len(types) + 1, cells, fen=True)
    last = first + len(table) - 1
    total_row = last + 1
    sheet.text(total_row, 0, TOTAL, f.total_text)
    for col in range(1, len(types) + 2):
        expected = year_fen if col == len(types) + 1 else None
        sheet.total(total_row, col, [(r, col) for r in range(first, last + 1)], expected)
    if len(table) and types:
        series = range(1, len(types) + 1)
        chart = ChartData(sheet.name, header, first, last, tuple(series))
        context.charts["spending"] = chart
    return total_row + 1


# ---- 资金结余 ----------------------------------------------------------------------------------------


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


def _balances(sheet: Sheet, context: Context) -> None:
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


# ---- 救助人次 ----------------------------------------------------------------------------------------


def _headcounts(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    spec = [
        ("救助类型", "aid_type", "text"),
        ("目标人数", "target_persons", "sum"),
        ("实际人数", "persons", "count"),
        ("人次", "person_times", "sum"),
        ("户数", "households", "count"),
        ("建档人数", "filed_persons", "count"),
        ("非建档人数", "non_filed_persons", "count"),
        ("救助金额", "amount_fen", "money"),
        ("目标人次", "target_times", "sum"),
        ("人数完成率(%)", "completion_pct", "percent"),
        ("等级", "grade", "text"),
    ]
    width = len(spec)
    row = sheet.title_block(f"{context.period_text}救助人次统计表", width, context)
    header_first = row
    row = sheet.header(row, [(None, label) for label, _, _ in spec])
    header_last = row - 1
    first = row
    table = figures.headcounts
    for item in table.to_dict("records"):
        for col, (_, column, kind) in enumerate(spec):
            value = item[column]
            if kind == "money":
                sheet.money(row, col, value)
            elif kind in ("sum", "count"):
                sheet.count(row, col, value)
            elif kind == "percent":
                sheet.decimal(row, col, value, f.percent)
            else:
                sheet.text(row, col, value, f.text)
        row += 1
    everything = figures.usage_totals[figures.usage_totals["scope"] == "all"].iloc[0]
    for col, (_, column, kind) in enumerate(spec):
        cells = [(r, col) for r in range(first, row)]
        if kind == "money":
            sheet.total(row, col, cells, int(table[column].fillna(0).sum()))
        elif kind == "sum":
            sheet.total(row, col, cells, int(table[column].fillna(0).sum()), fen=False)
        elif column == "persons":
            sheet.count(row, col, everything["year_persons"], f.total_count)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    row += 1
    sheet.text(
        row,
        0,
        "注：本年累计至期末。合计人数为去重人数；户数、建档人数按救助类型分别去重，不合计。",
        f.note,
        fit=False,
    )
    row = _worker_files(sheet, figures.worker_files, row + 2)
    if len(table):  # 目标人数 (B) beside 实际人数 (C) per 救助类型
        last = first + len(table) - 1
        context.charts["completion"] = ChartData(sheet.name, header_last, first, last, (1, 2))
    sheet.signatures(row + 1, width)
    sheet.finish((header_first, header_last), width)


def _worker_files(sheet: Sheet, files: pd.DataFrame, row: int) -> int:
    """Worker files per status and category; each 合计 a SUM, a shortfall shown as 未注明."""
    f = sheet.formats
    sheet.text(row, 0, "困难职工档案（在档为期末数，脱困、注销为本年数）", f.heading, fit=False)
    row = sheet.header(row + 1, [(None, h) for h in ("档案状态", "类别", "档案数")])
    status_totals = []
    for status, group in files[files["status"] != TOTAL].groupby("status", sort=False):
        first = row
        parts = group[group["category"] != TOTAL]
        for item in parts.to_dict("records"):
            sheet.text(row, 0, status, f.text)
            sheet.text(row, 1, item["category"], f.text)
            sheet.count(row, 2, item["files"])
            row += 1
        total = int(group.loc[group["category"] == TOTAL, "files"].sum())
        missing = total - int(parts["files"].sum())
        if missing:
            sheet.text(row, 0, status, f.text)
            sheet.text(row, 1, "未注明", f.text)
            sheet.count(row, 2, missing)
            row += 1
        sheet.text(row, 0, status, f.total_text)
        sheet.text(row, 1, TOTAL, f.total_text)
        sheet.total(row, 2, [(r, 2) for r in range(first, row)], total, fen=False)
        status_totals.append(row)
        row += 1
    grand = int(files.loc[(files["status"] == TOTAL), "files"].sum())
    other = grand - sum(sheet.exact[r, 2] for r in status_totals)
    if other:
        sheet.text(row, 0, "其他状态", f.text)
        sheet.text(row, 1, "本年注销或脱困以外", f.text)
        sheet.count(row, 2, other)
        status_totals.append(row)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, TOTAL, f.total_text)
    sheet.total(row, 2, [(r, 2) for r in status_totals], grand, fen=False)
    return row + 1


# ---- 图表 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartData:
    """A table on another sheet: categories in column A of rows first..last, one series per
    column of ``series``, named by the header row."""

    sheet: str
    header: int
    first: int
    last: int
    series: tuple[int, ...]


CHARTS = (
    (
        "spending",
        {"type": "column", "subtype": "stacked"},
        "本年累计支出：资金来源 × 救助类型",
        "元",
    ),
    ("completion", {"type": "column"}, "救助人数：目标与实际", "人"),
)
CHART_ROWS = 22  # rows a chart covers (at x_scale 1.6, y_scale 1.4)


def _charts(sheet: Sheet, context: Context) -> None:
    """Charts where a reader would rather look than read; their data stay on their sheets."""
    f = sheet.formats
    sheet.merge(0, 0, 9, f"{context.period_text}帮扶资金图表", f.title)
    row = 2
    for key, kind, title, unit in CHARTS:
        data = context.charts.get(key)
        if data is None:
            sheet.text(row, 0, f"{title}：无数据", f.note, fit=False)
            row += 2
            continue
        chart = f.book.add_chart(kind)
        for col in data.series:
            chart.add_series(
                {
                    "name": [data.sheet, data.header, col],
                    "categories": [data.sheet, data.first, 0, data.last, 0],
                    "values": [data.sheet, data.first, col, data.last, col],
                    "data_labels": {"value": kind.get("subtype") != "stacked"},
                }
            )
        chart.set_title({"name": title})
        chart.set_y_axis({"name": unit, "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
        options = {"x_scale": 1.6, "y_scale": 1.4}
        _check(sheet.worksheet.insert_chart(row, 0, chart, options), f"{sheet.name} {title}")
        sheet.text(row + CHART_ROWS, 0, f"数据见“{data.sheet}”表。", f.note, fit=False)
        row += CHART_ROWS + 2
    sheet.fixed.update((col, 11) for col in range(10))  # the charts' width, the title centred
    sheet.finish(None, 10)
    sheet.worksheet.fit_to_pages(1, 1)


# ---- 绩效指标 ----------------------------------------------------------------------------------------

INDICATOR_COLUMNS = (  # (header, column, width): 142 characters fit A4 landscape
    ("一级指标", "level1", 5),
    ("二级指标", "level2", 8),
    ("三级指标", "indicator", 12),
    ("分值", "weight", 6),
    ("评分标准", "criterion", 26),
    ("计算方法", "formula", 16),
    ("数据", "inputs", 20),
    ("指标值", "value", 14),
    ("得分", "score", 6),
    ("其中数据评分分值", "scored_weight", 8),
    ("评分方式", "basis", 7),
    ("说明", "note", 16),
)
WRAPPED = {
    "level1",
    "level2",
    "indicator",
    "criterion",
    "formula",
    "inputs",
    "value",
    "basis",
    "note",
}
SCORED = {"weight", "score", "scored_weight"}


def _indicators(sheet: Sheet, context: Context) -> None:
    """Every indicator of the scoring table: those the data can score with their inputs, value
    and score; the others listed to be scored by hand. Scores in hundredths of a point."""
    f, table = sheet.formats, context.reconciled.indicators
    width = len(INDICATOR_COLUMNS)
    row = sheet.title_block(f"{context.period_text}帮扶资金绩效评价指标", width, context, "分")
    header = row
    row = sheet.header(row, [(None, label) for label, _, _ in INDICATOR_COLUMNS])
    first = row
    for item in table.to_dict("records"):
        for col, (_, column, _) in enumerate(INDICATOR_COLUMNS):
            value = item[column]
            if column in SCORED:
                sheet.integer(row, col, _hundredths(value), f.score, fen=True)
            else:
                sheet.text(row, col, value, f.wrap if column in WRAPPED else f.text, fit=False)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    for col, (_, column, _) in enumerate(INDICATOR_COLUMNS[1:], start=1):
        if column in SCORED:
            cells = [(r, col) for r in range(first, row)]
            sheet.total(row, col, cells, fmt=f.total_score)
        else:
            sheet.text(row, col, None, f.total_text)
    sheet.text(
        row + 1,
        0,
        "注：得分只合计数据能评分的部分（其中数据评分分值）；评分方式为“手工评分”“部分数据评分”"
        "或“期限未到”的指标，请评价人员按评分标准打分后填入，合计随之更新。"
        "分值和扣分标准取自参数·救助标准（绩效·…）。",
        f.note,
        fit=False,
    )
    sheet.fixed.update((col, width) for col, (_, _, width) in enumerate(INDICATOR_COLUMNS))
    sheet.signatures(row + 3, width)
    sheet.finish((header, header), width)


def _hundredths(value: object) -> int | None:
    if _blank(value):
        return None
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ---- 对账明细, 异常清单, 数据校验 -----------------------------------------------------------------


def _reconciliation(detail: Reconciliation) -> Detail:
    table = detail.table
    columns = [
        text_column("姓名", table["name"]),
        text_column("身份证号", table["id_no"]),
        text_column("资金来源", table["source"]),
        number_column("笔数", table["records"], fen=False, total=True),
        number_column("系统金额", table["system_fen"], fen=True, total=True),
        number_column("其中现金", table["cash_fen"], fen=True, total=True),
        number_column("银行实发", table["paid_fen"], fen=True, total=True),
        number_column("差额（实发－应发）", table["difference_fen"], fen=True, total=True),
        text_column("状态", table["status"]),
        text_column("匹配方式", table["match_how"]),
        text_column("救助编号", table["record_ids"], wrap=True),
        text_column("来源", table["lineage"], wrap=True),
    ]
    status, how = xl_col_to_name(8), xl_col_to_name(9)
    condition = (
        f'=OR(AND(${status}2<>"相符",${status}2<>"现金"),ISNUMBER(SEARCH("{PENDING}",${how}2)))'
    )
    return Detail(
        "对账明细", columns, total=True, freeze_cols=1, highlights=[(condition, "warning")]
    )


def _exceptions(context: Context) -> Detail:
    """Findings as the rules sorted them (severity, rule, first source row), each linked to its
    row of 对账明细 where it has one."""
    findings = context.reconciled.findings
    targets = _reconciliation_rows(findings, context.reconciled.detail.rows)
    layout = context.layout["对账明细"]
    links = [None if pd.isna(p) else place_of(layout, int(p)) for p in targets]
    link_width = max([display_width(f"{link[0]} 第{link[1]}行") for link in links if link] or [0])
    texts = ("rule", "severity", "message", "name", "id_no", "source", "aid_type", "record_id")
    columns = [
        *(
            text_column(label, findings[c], wrap=c == "message")
            for label, c in zip(EXCEPTION_HEADER, texts, strict=False)
        ),
        number_column(EXCEPTION_HEADER[8], findings["amount_fen"], fen=True),
        number_column(EXCEPTION_HEADER[9], findings["compared_fen"], fen=True),
        text_column(EXCEPTION_HEADER[10], findings["lineage"].map(places), wrap=True),
        Column("对账明细", "link", links, max(link_width, display_width("对账明细"))),
    ]
    highlights = [(f'=$B2="{severity}"', fmt) for severity, fmt in SEVERITY_FORMATS]
    return Detail("异常清单", columns, freeze_cols=2, highlights=highlights, empty="无异常")


SEVERITY_FORMATS = (("错误", "error"), ("警告", "warning"))


def _reconciliation_rows(findings: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Each finding's row of 对账明细: that of the first of its input rows found there."""
    places_of = findings["lineage"].explode().dropna()
    if places_of.empty:
        return pd.Series(pd.NA, index=findings.index, dtype="Int64")
    keys = pd.DataFrame(
        places_of.tolist(), columns=["source_file", "source_sheet", "source_row"]
    ).assign(finding=places_of.index.to_numpy())
    keys["source_row"] = keys["source_row"].astype("int64")
    found = keys.merge(rows, on=["source_file", "source_sheet", "source_row"], how="inner")
    first = found.groupby("finding", sort=False)["position"].first()
    return first.reindex(findings.index).astype("Int64")


def _rejections(context: Context) -> Detail:
    validated = context.reconciled.checked.validated
    frame = pd.concat(
        [validated.rejected.assign(category="拒收"), validated.warnings.assign(category="警告")],
        ignore_index=True,
    )
    columns = [
        text_column("类别", frame["category"]),
        text_column("文件", frame["source_file"]),
        text_column("工作表", frame["source_sheet"]),
        number_column("行号", frame["source_row"], fen=False),
        text_column("数据类型", frame["kind"].astype("string").map(_kind_label)),
        text_column("记录", frame["record"], wrap=True),
        text_column("姓名/户名", frame["person"]),
        text_column("列", frame["column"]),
        text_column("值", frame["value"], wrap=True),
        text_column("原因", frame["reason"], wrap=True),
    ]
    return Detail("数据校验", columns)


# ---- 规则说明 ----------------------------------------------------------------------------------------


def _rules(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    row = sheet.header(0, [(None, label) for label in ("规则", "严重程度", "说明")])
    for rule in CATALOGUE:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        sheet.text(row, 2, rule.title, f.text)
        row += 1
    sheet.finish((0, 0), 3, filter_to=row - 1)


# ---- which function writes which sheet -----------------------------------------------------------

SUMMARIES: dict[str, Callable[[Sheet, Context], None]] = {
    "封面": _cover,
    "资金使用": _usage,
    "资金结余": _balances,
    "救助人次": _headcounts,
    "绩效指标": _indicators,
    "图表": _charts,
    "规则说明": _rules,
}
DETAILS: dict[str, Callable[[Context], Detail]] = {  # 对账明细: Book.reconciliation
    "异常清单": _exceptions,
    "数据校验": _rejections,
}
