"""Big tables written chunk by chunk from arrow columns: .xlsx workbooks and CSV/TXT files.

In: per table its title rows, header, body and footer rows. The body comes as chunks (a list of
`Column`s each: every cell's text and kind), made by the caller a chunk at a time; titles,
footers and odd rows are plain Python cells (`messy.Cell`). Out:
- `write_xlsx`: a workbook whose sheet XML is built with arrow string kernels a chunk at a time
  and streamed into the zip entry (deflate level 1): text as inline strings, numbers, dates as
  numbers in a yyyy-mm-dd style, blank cells left out, title rows given as a str merged across
  the header's width, a bold bordered header. The cells are those xlsxwriter's constant_memory
  mode writes for the same values; openpyxl, calamine and LibreOffice open the result.
- `write_text`: a delimited text file, as Excel saves such a table as CSV (date cells as
  yyyy-mm-dd, fields quoted only when they must be).
Memory is one chunk's; the bytes depend only on the content (no clock is read).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name

from tests.generator.messy import DOCUMENT_CREATED, EXCEL_EPOCH, Cell, ExcelDate

# Cell kinds: what a cell is, and so how it is written.
TEXT, NUMBER, DATE = 1, 2, 3
_TEXT_SPACED, _HEADER, _TITLE, _TITLE_FILL = 4, 5, 6, 7  # the writer's own
# Per kind, what a cell's XML has between its reference and its text, and after the text. The
# style indexes are those of styles.xml (xlsxwriter's order): 1 title, 2 header, 3 date.
_CELL_XML = (
    ('"/>', ""),  # blank: never written, the cell is left out
    ('" t="inlineStr"><is><t>', "</t></is></c>"),  # TEXT
    ('"><v>', "</v></c>"),  # NUMBER
    ('" s="3"><v>', "</v></c>"),  # DATE
    ('" t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"),  # text with edge blanks
    ('" s="2" t="inlineStr"><is><t>', "</t></is></c>"),  # header
    ('" s="1" t="inlineStr"><is><t>', "</t></is></c>"),  # title
    ('" s="1"/>', ""),  # the other cells of a merged title: styled, empty
)
_OPEN = pa.array([opening for opening, _ in _CELL_XML])
_CLOSE = pa.array([closing for _, closing in _CELL_XML])
# xlsxwriter's escapes: control characters as _xHHHH_, a literal _xHHHH_ with its _ escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL_RE2 = r"[\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_"
_EXCEL_EPOCH_DAYS = (EXCEL_EPOCH - date(1970, 1, 1)).days
MAX_SHEET_ROWS = 1_048_576  # Excel's limit
_ZIP_DATE = DOCUMENT_CREATED.timetuple()[:6]
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Column:
    """One column of a chunk of rows: each cell's text (null: a blank cell) and kind (one kind
    for the whole column, or one per cell)."""

    values: pa.Array
    kinds: int | np.ndarray = TEXT


@dataclass
class Table:
    """A sheet or a text file: title rows (a str is merged across the header's width), the
    header, `body_rows` rows of body in chunks, footer rows (None is a blank row)."""

    name: str  # the sheet's name; unused in a text file
    header: Sequence[str]
    body: Iterable[list[Column]]
    body_rows: int
    titles: Sequence[str | Sequence[Cell]] = ()
    footers: Sequence[Sequence[Cell] | None] = ()


def columns_of(rows: Sequence[Sequence[Cell] | None], width: int) -> list[Column]:
    """Python rows (a few: odd rows, footers) as a chunk; None is a blank row."""
    texts: list[list[str | None]] = [[None] * len(rows) for _ in range(width)]
    kinds = np.zeros((width, len(rows)), dtype=np.int8)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row or ()):
            texts[c][r], kinds[c, r] = cell_text(cell)
    return [Column(pa.array(t, pa.string()), k) for t, k in zip(texts, kinds, strict=True)]


def cell_text(cell: Cell) -> tuple[str | None, int]:
    """A Python cell's text and kind; None and "" are blank, as xlsxwriter leaves them out."""
    if cell is None or cell == "":
        return None, 0
    if isinstance(cell, str):
        return cell, TEXT
    kind = DATE if isinstance(cell, ExcelDate) else NUMBER
    return f"{cell:.16G}", kind  # xlsxwriter's number format


# ---- xlsx -------------------------------------------------------------------------------------


def write_xlsx(path: Path, tables: Sequence[Table]) -> None:
    """The tables as the sheets of one workbook, in order."""
    with zipfile.ZipFile(path, "w") as archive:
        for number, table in enumerate(tables, start=1):
            with archive.open(
                _entry(f"xl/worksheets/sheet{number}.xml"), "w", force_zip64=True
            ) as out:
                for piece in _sheet_xml(table, selected=number == 1):
                    out.write(piece)
        names = [table.name for table in tables]
        for member, text in _package_parts(names).items():
            archive.writestr(_entry(member), text)


def _entry(member: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    # The XML is repetitive: level 1 packs it about 7:1, and fast. The attribute is public as
    # compress_level from Python 3.13 on, private before.
    level = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
    setattr(info, level, 1)
    return info


def _sheet_xml(table: Table, selected: bool) -> Iterator[bytes | memoryview]:
    width = len(table.header)
    last_row = len(table.titles) + 1 + table.body_rows + len(table.footers)
    if last_row > MAX_SHEET_ROWS:
        raise ValueError(f"{table.name}: {last_row} rows, more than a sheet holds")
    view = ' tabSelected="1"' if selected else ""
    yield (
        f'{_XML_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        f'<dimension ref="A1:{xl_col_to_name(width - 1)}{last_row}"/>'
        f'<sheetViews><sheetView{view} workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><sheetData>'
    ).encode()
    merged = []
    row = 1
    for title in table.titles:
        if isinstance(title, str):
            chunk = [Column(pa.array([title]), _TITLE)]
            chunk += [Column(pa.array([""]), _TITLE_FILL) for _ in range(width - 1)]
            merged.append(f"A{row}:{xl_col_to_name(width - 1)}{row}")
        else:
            chunk = columns_of([title], len(title))
        yield _rows_xml(row, chunk)
        row += 1
    yield _rows_xml(row, [Column(pa.array([name]), _HEADER) for name in table.header])
    row += 1
    first_body_row = row
    for chunk in table.body:
        yield _rows_xml(row, chunk)
        row += len(chunk[0].values)
    if row - first_body_row != table.body_rows:
        raise ValueError(f"{table.name}: {row - first_body_row} body rows, not {table.body_rows}")
    if table.footers:
        yield _rows_xml(row, columns_of(table.footers, max(len(f or ()) for f in table.footers)))
    yield b"</sheetData>"
    if merged:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in merged)
        yield f'<mergeCells count="{len(merged)}">{refs}</mergeCells>'.encode()
    yield b"</worksheet>"


def _rows_xml(first_row: int, chunk: list[Column]) -> memoryview | bytes:
    """The <row> elements of a chunk, as UTF-8 bytes."""
    if not chunk:
        return b""
    count = len(chunk[0].values)
    numbers = pa.array(np.arange(first_row, first_row + count)).cast(pa.string())
    cells = _joined(
        [_cells_xml(xl_col_to_name(c), numbers, column) for c, column in enumerate(chunk)]
    )
    rows = pc.binary_join_element_wise('<row r="', numbers, '">', cells, "</row>", "")
    rows = pc.if_else(pc.equal(pc.binary_length(cells), 0), "", rows)  # no cells: no row
    return _text_bytes(rows)


def _joined(texts: list[pa.Array]) -> pa.Array:
    """Element-wise concatenation, a few arrays at a time: arrow's join slows down sharply
    with many arguments."""
    while len(texts) > 1:
        texts = [
            pc.binary_join_element_wise(*texts[i : i + 6], "") for i in range(0, len(texts), 6)
        ]
    return texts[0]


def _cells_xml(letter: str, numbers: pa.Array, column: Column) -> pa.Array:
    values = _escaped(column.values)
    kinds = column.kinds
    if (np.asarray(kinds) == TEXT).any():
        # leading or trailing blanks need xml:space="preserve"
        trimmed = pc.binary_length(pc.utf8_trim_whitespace(values))
        spaced = pc.fill_null(pc.not_equal(trimmed, pc.binary_length(values)), False)
        if pc.any(spaced).as_py():
            kinds = np.where(
                spaced.to_numpy(zero_copy_only=False) & (kinds == TEXT), _TEXT_SPACED, kinds
            )
    if isinstance(kinds, np.ndarray):
        opening, closing = _OPEN.take(kinds), _CLOSE.take(kinds)
    else:
        opening, closing = _OPEN[kinds], _CLOSE[kinds]
    cells = pc.binary_join_element_wise(f'<c r="{letter}', numbers, opening, values, closing, "")
    return pc.fill_null(cells, "")  # a blank cell is left out


def _escaped(values: pa.Array) -> pa.Array:
    """Text as XML element content, with xlsxwriter's _xHHHH_ escapes of control characters."""
    if not pc.any(pc.match_substring_regex(values, f"[&<>]|{_CONTROL_RE2}")).as_py():
        return values  # nearly always: one scan
    odd = pc.fill_null(pc.match_substring_regex(values, _CONTROL_RE2), False)
    if pc.any(odd).as_py():  # rare: fixed one by one
        fixed = [_escape_controls(text) for text in pc.filter(values, odd).to_pylist()]
        values = pc.replace_with_mask(values, odd, pa.array(fixed, pa.string()))
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, char, entity)
    return values


def _escape_controls(text: str) -> str:
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    return _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def _text_bytes(texts: pa.Array) -> memoryview:
    """The concatenation of a string array's values, without copying them."""
    texts = pc.fill_null(texts, "") if texts.null_count else texts
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)
    start, end = offsets[texts.offset], offsets[texts.offset + len(texts)]
    return memoryview(texts.buffers()[2])[start:end]


def _package_parts(sheet_names: list[str]) -> dict[str, str]:
    """The workbook's parts besides its sheets: content types, relationships, styles."""
    count = len(sheet_names)
    sheet_type = f"{_TYPE}.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
        for n in range(1, count + 1)
    )
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(sheet_names, start=1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    return {
        "[Content_Types].xml": (
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELS}">{sheet_rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _STYLES,
    }


_FONT = '<sz val="{}"/><name val="Calibri"/><family val="2"/>'
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    f'<fonts count="3"><font>{_FONT.format(11)}</font><font><b/>{_FONT.format(14)}</font>'
    f"<font><b/>{_FONT.format(11)}</font></fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
    "<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1"'
    ' applyAlignment="1"><alignment horizontal="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


# ---- CSV / TXT --------------------------------------------------------------------------------


def write_text(path: Path, table: Table, delimiter: str, encoding: str) -> None:
    """The table as Excel saves it as delimited text (CRLF line ends); every Python row gives
    its own cells only, so a title is a line of one field."""
    with path.open("w", encoding=encoding, newline="") as out:
        for title in table.titles:
            out.write(_python_line([title] if isinstance(title, str) else title, delimiter))
        out.write(_python_line(table.header, delimiter))
        written = 0
        for chunk in table.body:
            fields = [_field(column, delimiter) for column in chunk]
            lines = pc.binary_join_element_wise(*fields, delimiter)
            out.write(bytes(_text_bytes(pc.binary_join_element_wise(lines, "\r\n", ""))).decode())
            written += len(lines)
        if written != table.body_rows:
            raise ValueError(f"{path.name}: {written} body rows, not {table.body_rows}")
        for footer in table.footers:
            out.write(_python_line(footer or (), delimiter))


def _python_line(cells: Sequence[Cell], delimiter: str) -> str:
    if not cells:
        return "\r\n"
    chunk = columns_of([cells], len(cells))
    fields = [_field(column, delimiter).to_pylist()[0] for column in chunk]
    return delimiter.join(fields) + "\r\n"


def _field(column: Column, delimiter: str) -> pa.Array:
    """A column's cells as fields: blank → empty, date cells as yyyy-mm-dd, quoted if need be."""
    values = column.values
    is_date = np.broadcast_to(np.asarray(column.kinds) == DATE, len(values))
    if is_date.any():
        mask = pa.array(is_date)
        serial = pc.floor(pc.cast(pc.filter(values, mask), pa.float64()))  # a time: the day
        serials = pc.cast(serial, pa.int64()).to_numpy()
        days = pa.array((serials + _EXCEL_EPOCH_DAYS).astype("datetime64[D]"))
        values = pc.replace_with_mask(values, mask, pc.strftime(days, "%Y-%m-%d"))
    values = pc.fill_null(values, "")
    special = pc.match_substring_regex(values, f'[{re.escape(delimiter)}"\r\n]')
    if pc.any(special).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
        values = pc.if_else(special, quoted, values)
    return values
