"""Detail sheets (对账明细, 异常清单, 数据校验): columns prepared once, written row by row in
constant memory, continued on name(2), name(3) … past Excel's limit of rows per worksheet.

A detail sheet with a ``title`` opens, like the summary sheets, with a title block (title; unit,
period and 单位：元; a note row) above its frozen header row (``TITLE_ROWS``); without one, its
header is the first row. Worksheets are added (``add_sheets``) in the workbook's order before
they are filled (``write_detail``), which may come later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import quote_sheetname

from pipeline import privacy
from pipeline.money import yuan_text
from pipeline.progress import Advance
from pipeline.workbook.cells import (
    CUT,
    LINE_HEIGHT,
    MAX_TEXT,
    MAX_WIDTH,
    TOTAL,
    WRAP_WIDTH,
    Formats,
    Heading,
    WorkbookError,
    bands,
    blank,
    check,
    display_width,
    page_setup,
    span,
)

EXCEL_ROWS = 1_048_576

EXCEL_LINKS = 65_530  # hyperlinks Excel keeps on one worksheet

ADVANCE_EVERY = 10_000  # detail rows between two updates of the progress display

TITLE_ROWS = 3  # title; 编制单位, 期间, 单位; note — above the header of a titled detail sheet


@dataclass(frozen=True)
class Column:
    """One column of a detail sheet, its cells prepared once for all its rows."""

    label: str
    kind: str  # text, wrap, money (integer fen, shown as yuan), count, or link
    # links: a list of (sheet, row) targets or None; else turned into Python a chunk at a time
    values: pd.Series | list[Any]
    width: int
    exact_sum: int | None = None  # fen or count, when the column has a 合计
    lines: np.ndarray | None = None  # a wrapped column: the lines each value takes
    choices: tuple[str, ...] = ()  # a column the reader fills in: a drop-down of these
    to_fill: bool = False  # a column the reader fills in (shaded)

    def chunk(self, start: int, stop: int) -> list[Any]:
        """The cell values of rows ``start``..``stop``: Python objects only for these rows, so
        that a province's detail sheet never sits in memory as Python strings."""
        if isinstance(self.values, list):
            return [None] * (stop - start)  # links are written one by one
        part = self.values.iloc[start:stop]
        if self.kind == "money":  # yuan only as the cell is written: a float of the exact fen
            part = pd.Series(part.to_numpy(dtype="float64", na_value=np.nan) / 100)
        values = part.tolist()
        return [None if blank(v) else v for v in values] if part.hasnans else values


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
    largest = int(numbers.abs().max(skipna=True)) if numbers.notna().any() else 0
    width = len("-" + (yuan_text(largest, grouped=True) if fen else f"{largest:,}"))
    exact = int(numbers.sum()) if total else None
    return Column(
        label, "money" if fen else "count", numbers, max(display_width(label), width), exact
    )


def link_column(label: str, targets: list[tuple[str, int] | None]) -> Column:
    """Links to rows of another sheet, (sheet, Excel row) or None for no link."""
    widths = {display_width(link_text(target)) for target in targets if target}
    return Column(label, "link", targets, max([*widths, display_width(label)]))


def column_widths(columns: Sequence[Column]) -> list[int]:
    """The widths the columns are set to: their widest text's (4 at least, 2 more for the
    filter's button), ``MAX_WIDTH`` at most (longer texts wrap)."""
    return [min(max(column.width, 4) + 2, MAX_WIDTH) for column in columns]


@dataclass(frozen=True)
class Part:
    """The rows ``start``..``stop`` of a detail table, on the worksheet ``sheet``."""

    sheet: str
    start: int
    stop: int
    top: int = 0  # the header row (0-based): TITLE_ROWS under a title block


def parts(name: str, rows: int, max_rows: int, titled: bool = False) -> list[Part]:
    """A table longer than a worksheet continues on name(2), name(3) …; every part keeps room
    for its title block (``titled``), its header and, on the last, a blank row and the 合计."""
    top = TITLE_ROWS if titled else 0
    capacity = max_rows - 3 - top
    count = max(1, -(-rows // capacity))
    return [
        Part(
            name if i == 0 else f"{name}({i + 1})",
            i * capacity,
            min(rows, (i + 1) * capacity),
            top,
        )
        for i in range(count)
    ]


def place_of(layout: Sequence[Part], position: int) -> tuple[str, int]:
    """The worksheet and Excel row number of a table row."""
    for part in layout:
        if part.start <= position < part.stop:
            return part.sheet, position - part.start + part.top + 2
    raise WorkbookError(f"第 {position + 1} 行不在任何工作表中")


def link_text(target: tuple[str, int]) -> str:
    sheet, row = target
    return f"{sheet} 第{row}行"


@dataclass(frozen=True)
class Detail:
    name: str
    columns: Sequence[Column]
    total: bool = False  # a 合计 row of SUMs under the last part
    freeze_cols: int = 0
    # (condition on the first data row, its number written {row}; a Formats attribute), the
    # first that holds wins
    highlights: Sequence[tuple[str, str]] = ()
    empty: str = "无"
    title: str | None = None  # after the period: a title block above the header (``parts``)
    note: str = ""  # the title block's last row
    print_title_only: bool = False  # the print area is the title block: too long to print


def masked(detail: Detail) -> Detail:
    """``detail`` with the ID and card numbers of its text columns masked (same widths)."""
    columns = [
        replace(column, values=privacy.mask_numbers(column.values))
        if isinstance(column.values, pd.Series) and column.kind in ("text", "wrap")
        else column
        for column in detail.columns
    ]
    return replace(detail, columns=columns)


def add_sheets(book: Any, layout: Sequence[Part]) -> list[Any]:
    """The worksheets of a detail table, added now (the workbook's order), filled later."""
    return [book.add_worksheet(part.sheet) for part in layout]


def write_detail(
    worksheets: Sequence[Any],
    formats: Formats,
    detail: Detail,
    layout: Sequence[Part],
    heading: Heading,
    advance: Advance,
) -> None:
    """Each part: title block, header, rows in order (constant memory), filter, print setup;
    the 合计 under the last part adds every part."""
    column_formats = {"text": formats.plain_text, "link": None, "wrap": formats.plain_wrap}
    column_formats |= {"money": formats.plain_money, "count": formats.plain_count}
    to_fill = {"text": formats.to_fill, "wrap": formats.to_fill_wrap}
    widths = column_widths(detail.columns)
    printed = _first_page(detail, widths)
    for number, (ws, part) in enumerate(zip(worksheets, layout, strict=True), start=1):
        top = part.top
        if (detail.title is None) != (top == 0):
            raise WorkbookError(f"{part.sheet} 的标题与版式不符")  # ``parts(titled=…)``
        if detail.title is not None:
            title = heading.period_text + detail.title + (f"（续表{number}）" if number > 1 else "")
            _write_title_block(ws, formats, title, detail.note, heading, widths[:printed])
        for col, column in enumerate(detail.columns):
            check(ws.write_string(top, col, column.label, formats.header), f"{part.sheet} 表头")
            fmt = (to_fill if column.to_fill else column_formats)[column.kind]
            check(ws.set_column(col, col, widths[col], fmt), "列宽")
        _write_rows(ws, formats, detail.columns, part, advance)
        last = part.stop - part.start
        _drop_downs(ws, detail.columns, top, last)
        if last == 0 and part.start == 0:
            check(ws.write_string(top + 1, 0, detail.empty, formats.text), f"{part.sheet} 空表")
        for condition, fmt in detail.highlights if last else ():
            rule = {
                "type": "formula",
                "criteria": condition.format(row=top + 2),
                "format": getattr(formats, fmt),
                "stop_if_true": True,
            }
            check(ws.conditional_format(top + 1, 0, top + last, len(widths) - 1, rule), "条件格式")
        if detail.total and part is layout[-1]:
            _write_detail_total(ws, formats, detail.columns, layout, top + last + 2)
        ws.hide_gridlines(0)  # gridlines printed: the detail cells have no borders
        page_setup(ws, (top, top), top + max(last, 1), detail.freeze_cols, widths)
        if detail.print_title_only:  # on one page, at least as large as the table would print
            check(ws.print_area(0, 0, top - 1, printed - 1), f"{part.sheet} 打印区域")
            ws.fit_to_pages(1, 1)


def _drop_downs(ws: Any, columns: Sequence[Column], top: int, rows: int) -> None:
    """The columns with choices: a drop-down list on their rows, as Excel and WPS show it
    (a value not on the list is refused, with the list in the message)."""
    for col, column in enumerate(columns):
        if column.choices and rows:
            options = {
                "validate": "list",
                "source": list(column.choices),
                "error_title": column.label,
                "error_message": "请从下拉列表中选择：" + "、".join(column.choices),
            }
            check(ws.data_validation(top + 1, col, top + rows, col, options), "下拉列表")


def _first_page(detail: Detail, widths: Sequence[int]) -> int:
    """How many columns the first printed page across holds: the title block spans them, so
    that it is whole on the page where the table starts."""
    starts = bands(widths, detail.freeze_cols)
    return starts[1] if len(starts) > 1 else len(widths)


def _write_title_block(
    ws: Any, formats: Formats, title: str, note: str, heading: Heading, widths: Sequence[int]
) -> None:
    """As ``Sheet.title_block`` does on a summary sheet, over the columns of ``widths``, and a
    note row under it, wrapped over them."""
    last = len(widths) - 1
    check(ws.merge_range(0, 0, 0, last, title, formats.title), f"{ws.name} 标题")
    unit = heading.unit or "（未注明）"
    texts = (
        (0, f"编制单位：{unit}", formats.sub),
        (len(widths) // 2, f"期间：{heading.period_text}", formats.sub),
        (last, "单位：元", formats.sub_right),
    )
    for col, text, fmt in texts:
        check(ws.write_string(1, col, text, fmt), f"{ws.name} 表头说明")
    if note:
        lines = -(-display_width(note) // max(sum(widths) - 1, 1))
        check(ws.set_row(2, LINE_HEIGHT * lines), f"{ws.name} 说明行高")
        check(ws.merge_range(2, 0, 2, last, note, formats.plain_wrap), f"{ws.name} 说明")


def _write_rows(
    ws: Any, formats: Formats, columns: Sequence[Column], part: Part, advance: Advance
) -> None:
    """The one loop per row of the program: xlsxwriter's ``write_row`` of prepared values,
    a row's height first where a wrapped text needs more than one line, then its links."""
    links = [col for col, column in enumerate(columns) if column.kind == "link"]
    tall = _tall_rows(columns, part)
    write_row, set_row = ws.write_row, ws.set_row
    first = part.top + 1 - part.start  # the sheet row of the table row 0
    kept = 0
    for start in range(part.start, part.stop, ADVANCE_EVERY):
        stop = min(start + ADVANCE_EVERY, part.stop)
        cells = [column.chunk(start, stop) for column in columns]
        for position, values in enumerate(zip(*cells, strict=True), start=start):
            row = first + position
            height = tall.get(row)
            if height is not None:
                set_row(row, height)
            if write_row(row, 0, values):
                raise WorkbookError(f"写入工作簿失败：{part.sheet} 第 {row + 1} 行")
            for col in links:
                target = columns[col].values[position]
                if target is not None:
                    kept += _write_link(ws, formats, row, col, target, kept < EXCEL_LINKS)
        advance(stop - start)


def _tall_rows(columns: Sequence[Column], part: Part) -> dict[int, float]:
    """Sheet row → height, for the rows of the part whose wrapped texts need several lines."""
    wrapped = [c.lines[part.start : part.stop] for c in columns if c.lines is not None]
    if not wrapped:
        return {}
    lines = np.max(wrapped, axis=0)
    tall = np.flatnonzero(lines > 1)
    rows = tall + part.top + 1
    return dict(zip(rows.tolist(), (lines[tall] * LINE_HEIGHT).tolist(), strict=True))


def _write_link(
    ws: Any, formats: Formats, row: int, col: int, target: tuple[str, int], linked: bool
) -> int:
    """A link to a row of another sheet; past Excel's limit of links per sheet, its text."""
    sheet, target_row = target
    text = link_text(target)
    if not linked:
        check(ws.write_string(row, col, text), f"{ws.name} 链接")
        return 0
    url = f"internal:{quote_sheetname(sheet)}!A{target_row}"
    check(ws.write_url(row, col, url, formats.link, text), f"{ws.name} 链接")
    return 1


def _write_detail_total(
    ws: Any, formats: Formats, columns: Sequence[Column], layout: Sequence[Part], row: int
) -> None:
    check(ws.write_string(row, 0, TOTAL, formats.total_text), f"{ws.name} 合计")
    for col, column in enumerate(columns):
        if column.exact_sum is None:
            continue
        ranges = ",".join(
            span(
                (part.top + 1, col),
                (part.top + part.stop - part.start, col),
                None if part.sheet == ws.name else part.sheet,
            )
            for part in layout
            if part.stop > part.start
        )
        fen = column.kind == "money"
        shown = column.exact_sum / 100 if fen else column.exact_sum
        fmt = formats.total_money if fen else formats.total_count
        check(ws.write_formula(row, col, f"=SUM({ranges or '0'})", fmt, shown), f"{ws.name} 合计")
