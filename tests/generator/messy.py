"""Cell values written the way real exports write them, and the writers for xlsx, csv and txt.

In: exact values (amounts in fen, dates) and a style. Out: the cell value a particular export
would contain ("1,800.00", "￥1800.00", an Excel serial number, "2021年1月20日" ...), and files
whose bytes depend only on their content (fixed document dates, no clocks).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

# Every workbook claims this creation time, so that the same content gives the same bytes.
DOCUMENT_CREATED = datetime(2022, 1, 5, 9, 0, 0)
EXCEL_EPOCH = date(1899, 12, 30)

AMOUNT_STYLES = ("number", "comma", "yen", "yuan", "fullwidth", "plain")
DATE_STYLES = ("excel", "serial", "slash", "compact", "chinese", "iso", "dotted")
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


class ExcelDate(float):
    """An Excel serial day number that is to be shown with a date format."""


def yuan(fen: int) -> str:
    """Exact yuan text with two decimals, from integer fen."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def amount_cell(fen: int, style: str) -> float | str:
    text = yuan(fen)
    if style == "number":
        return float(text)
    if style == "comma":
        whole, cents = text.split(".")
        return f"{int(whole):,}.{cents}"
    if style == "yen":
        return "￥" + text
    if style == "yuan":
        return text + "元"
    if style == "fullwidth":
        return text.translate(FULLWIDTH)
    if style == "plain":
        return text
    raise ValueError(style)


def serial_of(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def date_cell(day: date, style: str) -> ExcelDate | int | str:
    if style == "excel":
        return ExcelDate(serial_of(day))
    if style == "serial":  # a date cell that lost its format: Excel shows 44216
        return serial_of(day)
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if style == "compact":
        return f"{day:%Y%m%d}"
    if style == "chinese":
        return f"{day.year}年{day.month}月{day.day}日"
    if style == "iso":
        return day.isoformat()
    if style == "dotted":
        return f"{day:%Y.%m.%d}"
    raise ValueError(style)


Cell = str | int | float | ExcelDate | None


@dataclass
class SheetSpec:
    """One sheet: title rows, a header, data rows (None = a blank row), footer rows.

    A title row given as a str is written merged across the width of the header.
    """

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell] | None]
    titles: Sequence[str | Sequence[Cell]] = ()
    footers: Sequence[Sequence[Cell] | None] = ()
    widths: Sequence[int] = field(default_factory=tuple)
    free_text: bool = False  # a 说明 sheet: titles only, no header

    @property
    def header_row(self) -> int:
        """The Excel row number (1-based) of the header."""
        return len(self.titles) + 1


def write_workbook(path: Path, sheets: Sequence[SheetSpec]) -> None:
    """Write the sheets in order (small workbooks: the big ones are `streamed`)."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    workbook.set_properties({"created": DOCUMENT_CREATED, "author": "裕安区总工会职工服务中心"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    title_format = workbook.add_format({"bold": True, "align": "center", "font_size": 14})
    header_format = workbook.add_format({"bold": True, "border": 1, "align": "center"})
    for spec in sheets:
        _write_sheet(
            workbook.add_worksheet(spec.name), spec, date_format, title_format, header_format
        )
    workbook.close()


def _write_sheet(sheet, spec: SheetSpec, date_format, title_format, header_format) -> None:
    for col, width in enumerate(spec.widths):
        sheet.set_column(col, col, width)
    last_col = max(len(spec.header) - 1, 0)
    row = 0
    for title in spec.titles:
        if isinstance(title, str):
            if last_col > 0:
                sheet.merge_range(row, 0, row, last_col, title, title_format)
            else:
                sheet.write_string(row, 0, title)
        else:
            _write_cells(sheet, row, title, date_format)
        row += 1
    if spec.free_text:
        return
    for col, name in enumerate(spec.header):
        sheet.write_string(row, col, name, header_format)
    row += 1
    for values in spec.rows:
        if values is not None:
            _write_cells(sheet, row, values, date_format)
        row += 1
    for values in spec.footers:
        if values is not None:
            _write_cells(sheet, row, values, date_format)
        row += 1


def _write_cells(sheet, row: int, values: Sequence[Cell], date_format) -> None:
    write_string, write_number = sheet.write_string, sheet.write_number
    for col, value in enumerate(values):
        kind = type(value)
        if value is None:
            continue
        if kind is str:
            if value:
                write_string(row, col, value)
        elif kind is ExcelDate:
            write_number(row, col, value, date_format)
        else:
            write_number(row, col, value)


def write_delimited(
    path: Path, lines: Iterable[Sequence[Cell] | None], delimiter: str, encoding: str
) -> None:
    """A CSV or tab-separated text file; None is a blank line. Values must already be text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for line in lines:
        writer.writerow([] if line is None else ["" if v is None else str(v) for v in line])
    path.write_bytes(buffer.getvalue().encode(encoding))
