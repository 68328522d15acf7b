"""The cell and format layer: formats, a summary sheet's cells collected and written in row
order, widths, totals, print setup. Every ``write_*`` return code is checked here.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import pandas as pd
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from pipeline import privacy
from pipeline.money import WAN_DECIMALS, wan_text, yuan_text

MONEY, COUNT, YEAR, DATE, PERCENT = "#,##0.00", "#,##0", "0", "yyyy-mm-dd", "0.00"
# 万元 with the decimals the amount needs, as the seeds write it (91.695, 550.239739): at least
# two, up to the six that are exact to the fen
WAN = "#,##0.00" + "#" * (WAN_DECIMALS - 2)
SCORE = "0.0#"
MAX_WIDTH = 70
WRAP_WIDTH = 40  # a wrapped column of a detail sheet
MAX_TEXT = 32_767  # characters in one cell
CUT = "…（过长已截断，完整内容见 exceptions.csv）"
SIGNATURES = ("制表人：", "审核人：", "负责人：")
TOTAL, SUBTOTAL = "合计", "小计"
LINE_HEIGHT = 13.5  # points per line of 10-point text
BODY_PT = 10  # the smallest font of every sheet (cells, notes, chart labels)
SMALLEST_PRINTED_PT = 8  # nothing prints smaller: the floor of every page's scale
FLOOR_SCALE = 100 * SMALLEST_PRINTED_PT // BODY_PT  # percent
# A4 landscape between xlsxwriter's default side margins (0.7 in each), in points
PRINTABLE_WIDTH = 841.89 - 2 * 0.7 * 72


class Heading(Protocol):
    """What a sheet's title block names: the unit and the period."""

    @property
    def unit(self) -> str: ...

    @property
    def period_text(self) -> str: ...


class WorkbookError(RuntimeError):
    """xlsxwriter refused a cell, or a total would not equal its figure: a bug, not bad input."""


def check(code: object, where: str) -> None:
    if code not in (0, None):
        raise WorkbookError(f"写入工作簿失败：{where}（xlsxwriter 返回 {code}）")


def display_width(text: str) -> int:
    """Columns of text: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value  # NaN


def cell_text(value: object) -> str:
    """The cell text of a value, cut to Excel's limit with a note saying so."""
    text = "" if blank(value) else str(value)
    if len(text) > MAX_TEXT:  # only a very long lineage comes near it
        text = text[: MAX_TEXT - len(CUT)] + CUT
    return text


class Formats:
    """The workbook's cell formats (and the workbook, which charts are added to)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        font = {"font_name": "宋体", "font_size": BODY_PT, "valign": "vcenter"}
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
        self.to_fill = make(font, bg_color="#FFF2CC")  # a cell the clerk fills in
        self.to_fill_wrap = make(font, bg_color="#FFF2CC", text_wrap=True)
        self.note = make(font, italic=True, font_color="#595959")
        self.error = make({}, bold=True, font_color="#9C0006", bg_color="#FFC7CE")
        self.warning = make({}, font_color="#7F6000", bg_color="#FFEB9C")
        self.resolved = make({}, font_color="#375623", bg_color="#E2EFDA")


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
    numbers: dict[int, int] = field(default_factory=dict)  # the widest number of each column
    mask: bool = False  # ID and card numbers in its texts masked (``--mask``)

    @property
    def name(self) -> str:
        return str(self.worksheet.name)

    def _fit(self, col: int, text: str, number: bool = False) -> None:
        self.widths[col] = max(self.widths.get(col, 0), display_width(text))
        if number:  # a fixed width gives way to it: a number too wide shows as ###
            self.numbers[col] = max(self.numbers.get(col, 0), len(text))

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
        text = cell_text(value)
        return privacy.mask_text(text) if self.mask and personal else text

    def integer(self, row: int, col: int, value: object, fmt: Any, fen: bool = False) -> None:
        """An integer count, or integer fen written as yuan (the only float is in the cell)."""
        if blank(value):
            self.text(row, col, None, fmt)
            return
        number = int(value)  # type: ignore[call-overload]
        self.exact[row, col] = number
        shown = number / 100 if fen else number
        self._put(row, col, "write_number", shown, fmt)
        self._fit(col, yuan_text(number, grouped=True) if fen else f"{number:,}", number=True)

    def money(self, row: int, col: int, fen: object, fmt: Any = None) -> None:
        self.integer(row, col, fen, fmt or self.formats.money, fen=True)

    def count(self, row: int, col: int, value: object, fmt: Any = None) -> None:
        self.integer(row, col, value, fmt or self.formats.count)

    def decimal(self, row: int, col: int, value: object, fmt: Any) -> None:
        if blank(value):
            self.text(row, col, None, fmt)
            return
        number = Decimal(str(value))
        self._put(row, col, "write_number", float(number), fmt)
        self._fit(col, str(number), number=True)

    def date(self, row: int, col: int, value: object) -> None:
        if blank(value):
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
        self._put(row, col, "write_formula", f"=SUM({ranges(cells)})", fmt, shown)
        self._fit(col, yuan_text(value, grouped=True) if fen else f"{value:,}", number=True)

    def wan(self, row: int, col: int, yuan_cell: tuple[int, int], bold: bool = False) -> None:
        """万元 of a yuan cell of this sheet, as ``ROUND(cell/10000,6)``: exact to the fen."""
        if yuan_cell not in self.exact:
            self.text(row, col, None, self.formats.wan)
            return
        fen = self.exact[yuan_cell]
        fmt = self.formats.total_wan if bold else self.formats.wan
        formula = f"=ROUND({xl_rowcol_to_cell(*yuan_cell)}/10000,{WAN_DECIMALS})"
        self._put(row, col, "write_formula", formula, fmt, fen / 1_000_000)
        self._fit(col, wan_text(fen), number=True)

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

    def title_block(self, title: str, columns: int, context: Heading, unit: str = "元") -> int:
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
        """The cells in row order (each row at the height its wrapped texts need), then widths
        (a fixed width widened where a number needs more), frozen header, filter, A4
        landscape."""
        ws = self.worksheet
        fitted = [min(max(self.widths.get(c, 0), 4) + 2, MAX_WIDTH) for c in range(columns)]
        widths = [
            max(self.fixed[c], self.numbers.get(c, 0) + 2) if c in self.fixed else fitted[c]
            for c in range(columns)
        ]
        heights = self._heights(widths)
        for (row, col), (method, args) in sorted(self.cells.items()):
            if row in heights:
                check(ws.set_row(row, heights.pop(row)), f"{self.name} 行高 {row + 1}")
            if method == "covered":
                continue
            if method == "merge_range":
                last, text, fmt = args
                check(ws.merge_range(row, col, row, last, text, fmt), f"{self.name} 合并 {text}")
            else:
                where = f"{self.name} {xl_rowcol_to_cell(row, col)}"
                check(getattr(ws, method)(row, col, *args), where)
        for col, width in enumerate(widths):
            check(ws.set_column(col, col, width), f"{self.name} 列宽 {col + 1}")
        page_setup(ws, header, filter_to, freeze_cols, widths)

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


def row_header_last(first: int, columns: Sequence[tuple[str | None, str]]) -> int:
    return first + (0 if all(group is None for group, _ in columns) else 1)


def page_setup(
    ws: Any,
    header: tuple[int, int] | None,
    filter_to: int | None,
    freeze_cols: int,
    widths: Sequence[float],
) -> None:
    """Frozen header, filter over the data, A4 landscape at the scale the columns' ``widths``
    (in characters, as set) need (``print_scale``). Headers and footers: ``page_headers``."""
    if header is not None:
        first, last = header
        ws.freeze_panes(last + 1, freeze_cols)
        check(ws.repeat_rows(first, last), f"{ws.name} 打印标题行")
        if filter_to is not None:
            check(ws.autofilter(last, 0, max(filter_to, last), len(widths) - 1), "筛选")
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.center_horizontally()
    if print_scale(widths) is None:
        ws.fit_to_pages(1, 0)
    else:  # too wide to fit at a readable size: the columns go on over further pages,
        ws.set_print_scale(FLOOR_SCALE)  # the key columns repeated, and a row's pages follow
        check(ws.repeat_columns(0, max(freeze_cols, 1) - 1), f"{ws.name} 打印标题列")
        ws.print_across()  # one another (across, then down), so they can be laid side by side


def bands(widths: Sequence[float], freeze_cols: int) -> list[int]:
    """The first column of each page across (``page_setup``): [0] when the columns fit one
    page wide, else as many pages as they take at ``FLOOR_SCALE``, each page after the first
    starting with the repeated key columns."""
    if print_scale(widths) is None:
        return [0]
    room = PRINTABLE_WIDTH * 0.95 * 100 / FLOOR_SCALE
    points = [width * 7 + 5 for width in widths]
    repeated = sum(points[: max(freeze_cols, 1)])
    starts, used = [0], 0.0
    for col, point in enumerate(points):
        if used + point > room and used > repeated:
            starts.append(col)
            used = repeated
        used += point
    return starts


def print_scale(widths: Sequence[float]) -> int | None:
    """None when the columns fit one page wide at ``FLOOR_SCALE`` or more (they are then
    fitted to the page's width), else ``FLOOR_SCALE``: shrinking further would print text
    below ``SMALLEST_PRINTED_PT``. A column of width w is w·7+5 pixels in Excel (Calibri's
    digits), but LibreOffice without Calibri draws it w·7+5 points wide: the wider reading
    decides, with a twentieth kept in hand for rounding."""
    points = sum(width * 7 + 5 for width in widths)
    return None if points * FLOOR_SCALE / 100 <= PRINTABLE_WIDTH * 0.95 else FLOOR_SCALE


def page_headers(worksheets: Sequence[Any], unit: str, period_text: str, made: str) -> None:
    """Every page says where it belongs, so that a loose page can be put back: the unit, the
    sheet (&A) and the period at its head; page N of M, the program and when the workbook was
    made at its foot. Set last, once the unit is known (page setup is written on closing)."""

    def literal(text: str) -> str:
        return text.replace("&", "&&")  # & starts a header code

    head = f"&L编制单位：{literal(unit or '（未注明）')}&C&A&R期间：{literal(period_text)}"
    foot = f"&L{literal(made)}&C第 &P 页，共 &N 页"
    for ws in worksheets:
        check(ws.set_header(head), f"{ws.name} 页眉")
        check(ws.set_footer(foot), f"{ws.name} 页脚")


def ranges(cells: Sequence[tuple[int, int]]) -> str:
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
    return ",".join(span(run[0], run[-1]) for run in runs) or "0"


def span(first: tuple[int, int], last: tuple[int, int], sheet: str | None = None) -> str:
    """'C5', 'C5:C9', or with a sheet "'对账明细(2)'!C2:C9"."""
    prefix = f"{quote_sheetname(sheet)}!" if sheet else ""
    low = xl_rowcol_to_cell(*first)
    return prefix + (low if first == last else f"{low}:{xl_rowcol_to_cell(*last)}")


def own_pages(
    sheet: Sheet,
    columns: int,
    header: tuple[int, int],
    breaks: Sequence[int] = (),
    freeze_cols: int = 0,
) -> None:
    """``finish`` for a summary sheet of several tables: the first table's header frozen but
    not repeated on every printed page (it would stand over the other tables), and a page
    break before each row of ``breaks``."""
    sheet.finish(None, columns)
    sheet.worksheet.freeze_panes(header[1] + 1, freeze_cols)
    if breaks:
        check(sheet.worksheet.set_h_pagebreaks(list(breaks)), f"{sheet.name} 分页")


def highlighted(formats: Formats, severity: str) -> Any:
    """A bordered text cell coloured as 异常清单 colours its severity: 错误 red, 警告 yellow."""
    colour = formats.error if severity == "错误" else formats.warning
    return formats.book.add_format(
        {
            "font_name": formats.text.font_name,
            "font_size": formats.text.font_size,
            "valign": "vcenter",
            "border": 1,
            "bold": colour.bold,
            "font_color": colour.font_color,
            "bg_color": colour.bg_color,
        }
    )


def label(sheet: Sheet, row: int, col: int, text: str, total: bool = False) -> None:
    """A label that wraps within its column instead of widening it, so that a long name in a
    lower table (a group's 小计, a line of a bridge) does not shrink the printed page; bold and
    centred as a total's label when ``total``."""
    fmt = _total_wrap(sheet.formats) if total else sheet.formats.wrap
    sheet.text(row, col, text, fmt, fit=False)


@functools.lru_cache(maxsize=16)  # one format per workbook, not one per cell
def _total_wrap(formats: Formats) -> Any:
    text = formats.total_text
    return formats.book.add_format(
        {
            "font_name": text.font_name,
            "font_size": text.font_size,
            "valign": "vcenter",
            "border": 1,
            "bold": True,
            "align": "center",
            "text_wrap": True,
        }
    )
