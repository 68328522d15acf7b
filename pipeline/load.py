"""Stage 1, load: every spreadsheet of a folder → one text frame per recognised sheet.

In: a folder of .xlsx/.xls/.csv/.txt files exported by the aid system, the banks and the bureaus.
Out: per file a ``LoadedFile`` — per recognised sheet a ``RawSheet`` whose frame has the kind's
canonical headers as columns (all text, exactly as exported, but for an ID or card cell that the
workbook stores as a number of 16 or more digits, shown as Excel shows it: 3.41503199001011E+17)
plus ``source_row``, the Excel row number the clerk sees; the sheets skipped for having no known
header; the file's SHA-256.

A sheet's kind is recognised from its header row (found below any title rows), never from the
file name. Blank rows, footers (合计, 制表人, 打印日期 …) and repeated header rows are not data and
are dropped here; every other row goes on to validation, so nothing is lost.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine
from isal import isal_zlib
from xlsxwriter.utility import xl_col_to_name

from pipeline import filetypes
from pipeline.errors import (
    AmbiguousKind,
    MissingColumns,
    UnknownKind,
    UnreadableFile,
    where,
)
from schemas import KINDS, SheetKind

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")
PEEK_ROWS = 40  # title rows above a header rarely exceed a handful; 40 leaves room
# A pattern string, not a compiled one: pandas runs strings in pyarrow, compiled ones row by row.
FOOTER = r"^\s*(合\s*计|总\s*计|小\s*计|制表|审核|复核|打印|负责人|填报|经办|注[:：]|说明[:：])"
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = ("\t", ",", ";", "|")
XML_HEAD_BYTES = 512 * 1024  # enough for the title, header and first rows of any export
XML_CHUNK_BYTES = 16 * 1024
XML_ROW_END = re.compile(rb"</(?:\w+:)?row>")
XML_CELL = re.compile(
    r"<(?:\w+:)?c\b(?P<attributes>[^>]*?)(?:/>|>(?P<content>.*?)</(?:\w+:)?c>)", re.DOTALL
)
XML_REFERENCE = re.compile(r'\br="(?P<column>[A-Z]+)(?P<row>\d+)"')
XML_TYPE_BYTES = re.compile(rb'\bt="(?P<type>\w+)"')
XML_SCAN_BYTES = 4 * 1024 * 1024  # compressed bytes inflated at a time when looking for cells
XML_ELEMENT_BYTES = 256  # kept before a cell reference: the start of its element
XML_VALUE = re.compile(r"<(?:\w+:)?(?:v|is)>")
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
STRAY = "表头之外的内容"  # the column that carries text found right of the table


@dataclass(frozen=True)
class SheetInfo:
    """Where a recognised sheet's data sits and what was set aside as not data."""

    file: str
    sheet: str  # empty for CSV/TXT, which have no sheets
    kind: SheetKind
    header_row: int
    cell_types: bool = False  # numbers told from text per cell (xlsx, xls), not guessed
    unused_columns: tuple[str, ...] = ()
    dropped: tuple[tuple[int, str], ...] = ()  # (row, first text) of footers and repeated headers


@dataclass(frozen=True)
class RawSheet:
    """A recognised sheet: canonical-header text columns plus ``source_row``."""

    info: SheetInfo
    frame: pd.DataFrame


@dataclass(frozen=True)
class SkippedSheet:
    file: str
    sheet: str
    reason: str


@dataclass(frozen=True)
class InputFile:
    file: str
    sha256: str
    size: int


@dataclass(frozen=True)
class LoadedFile:
    file: InputFile
    sheets: list[RawSheet]
    skipped: list[SkippedSheet]


@dataclass(frozen=True)
class _Grid:
    """A whole sheet as text; column labels are absolute column indexes (0 is column A)."""

    sheet: str
    frame: pd.DataFrame
    first_row: int  # the Excel row number of frame row 0
    numbers: NumberCells | None = None  # asks which cells are numbers; None: types unknown

    @cached_property
    def head(self) -> list[list[object]]:
        """The first rows as lists indexed by absolute column, None for an empty cell."""
        columns = [int(column) for column in self.frame.columns]
        width = max(columns, default=-1) + 1
        rows = []
        for values in self.frame.head(PEEK_ROWS).itertuples(index=False):
            row: list[object] = [None] * width
            for column, value in zip(columns, values, strict=True):
                row[column] = None if pd.isna(value) else value
            rows.append(row)
        return rows


@dataclass(frozen=True)
class _Header:
    kind: SheetKind
    row_index: int  # the header's row in the grid
    position_of: dict[str, int]  # canonical header → column position
    unused: tuple[str, ...]
    last_position: int  # the rightmost non-empty header cell


def spreadsheets(folder: Path) -> tuple[list[Path], list[str]]:
    """The files to read (name order) and the names of the others, which are not spreadsheets.

    Only the folder itself is read, not its subfolders; Excel's lock files (~$…) are ignored.
    """
    paths: list[Path] = []
    ignored: list[str] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        readable = path.suffix.lower() in SPREADSHEET_SUFFIXES and not path.name.startswith("~$")
        if readable:
            paths.append(path)
        else:
            ignored.append(path.name)
    return paths, ignored


def read_file(path: Path) -> LoadedFile:
    """Every sheet of one file: the recognised ones as text frames, the others with why."""
    data = path.read_bytes()
    filetypes.check(path.name, data)  # empty, encrypted, damaged, disguised, zip bomb
    sheets: list[RawSheet] = []
    skipped: list[SkippedSheet] = []
    grids = _grids(path, data)
    if all(_blank(grid.frame) for grid in grids):
        raise UnreadableFile(
            f"{where(path.name)}里没有任何内容（空的工作表或空表格）。请确认导出时选中了数据，"
            "重新导出后再放入输入目录"
        )
    for grid in grids:
        header = _find_header(path.name, grid.sheet, grid.head, grid.first_row)
        if header is None:
            skipped.append(SkippedSheet(path.name, grid.sheet, "没有可识别的表头"))
            continue
        sheets.append(_raw_sheet(path.name, grid, header))
    if not sheets:
        raise UnknownKind(_unknown_kind_message(path.name, skipped))
    digest = hashlib.sha256(data).hexdigest()
    return LoadedFile(InputFile(path.name, digest, len(data)), sheets, skipped)


# --- reading grids --------------------------------------------------------------------------


def _blank(frame: pd.DataFrame) -> bool:
    """No cell with content (a long frame has some: readers trim empty rows)."""
    return frame.empty or (len(frame) <= PEEK_ROWS and bool(frame.isna().all().all()))


def _grids(path: Path, data: bytes) -> list[_Grid]:
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _workbook_grids(path, _xlsx_layout(path))
        if suffix == ".xls":
            return _workbook_grids(path, _xls_layout(path))
        return [_text_grid(path, data)]
    except UnreadableFile:
        raise
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        fastexcel.FastExcelError,
        python_calamine.CalamineError,
    ) as exc:
        raise UnreadableFile(
            f"{where(path.name)}无法打开：{exc}。请确认文件完整、未加密，"
            "并用 Excel 另存为 .xlsx 后再放入输入目录"
        ) from exc


NumberCells = Callable[[list[tuple[int, int]]], set[tuple[int, int]]]
Layout = dict[str, tuple[int, NumberCells | None]]  # sheet → (first row, its cells' types)


def _workbook_grids(path: Path, layout: Layout) -> list[_Grid]:
    """Every sheet read whole by fastexcel (the fastest reader), every cell as text."""
    reader = fastexcel.read_excel(str(path))
    grids = []
    for name in reader.sheet_names:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string")
        frame = sheet.to_pandas()
        frame.columns = [info.absolute_index for info in sheet.available_columns()]
        frame = frame.loc[:, frame.notna().any()]  # a stray cell in column XFD: not 16,384
        first_row, numbers = layout.get(name, (1, None))
        grids.append(_Grid(name, frame, first_row, numbers))
    return grids


def _xlsx_layout(path: Path) -> Layout:
    """Per sheet, the Excel row its data starts on and how to ask its cells' types.

    fastexcel gives cell text only and starts at the first non-empty row; the row numbers come
    from the first bytes of each sheet's XML (never the whole sheet, never its shared strings),
    the types of the few cells that need them from the XML read again (``_xml_numbers``).
    """
    with zipfile.ZipFile(path) as archive:
        return {
            name: _xml_first_row(archive, member)
            for name, member in _sheet_members(archive).items()
        }


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip member holding its XML, from workbook.xml and its relationships."""
    relationships = {
        rel.get("Id"): rel.get("Target", "")
        for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    }
    members = {}
    for element in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
        if element.tag.endswith("}sheet"):
            target = relationships.get(element.get(RELATIONSHIP_ID), "")
            members[element.get("name", "")] = (
                target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            )
    return members


def _xml_first_row(archive: zipfile.ZipFile, member: str) -> tuple[int, NumberCells | None]:
    rows = [
        int(reference["row"])
        for match in XML_CELL.finditer(_xml_head(archive, member))
        if (reference := XML_REFERENCE.search(match["attributes"]))
        and XML_VALUE.search(match["content"] or "")
    ]
    if not rows:  # without cell references (rare writers) rows run from 1, types unknown
        return 1, None
    return min(rows), partial(_xml_numbers, Path(archive.filename or ""), member)


def _xml_head(archive: zipfile.ZipFile, member: str) -> str:
    """The sheet XML up to the end of its PEEK_ROWS-th row (or XML_HEAD_BYTES at most)."""
    head = b""
    with archive.open(member) as stream:
        while len(head) < XML_HEAD_BYTES and (chunk := stream.read(XML_CHUNK_BYTES)):
            head += chunk
            ends = [m.end() for m in XML_ROW_END.finditer(head)]
            if len(ends) >= PEEK_ROWS:
                head = head[: ends[PEEK_ROWS - 1]]
                break
    return head.decode("utf-8", errors="ignore")


def _xml_numbers(path: Path, member: str, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of the cells (Excel row, column) the sheet stores as numbers.

    Each cell is found by its reference (r="D123") in the sheet's XML, inflated chunk by chunk
    in row order, and is a number when its element has no type or t="n". One pass over the
    XML whatever the number of cells; only a window of it is held.
    """
    numbers: set[tuple[int, int]] = set()
    chunks = _inflated(path, member)
    buffer, start = b"", 0
    for row, column in sorted(cells):
        needle = b' r="%s%d"' % (xl_col_to_name(column).encode(), row)
        while (at := buffer.find(needle, start)) < 0 or (end := buffer.find(b">", at)) < 0:
            chunk = next(chunks, b"")
            if not chunk:
                return numbers  # not there: a writer without references
            keep = max(0, (at if at >= 0 else len(buffer) - len(needle)) - XML_ELEMENT_BYTES)
            buffer, start = buffer[keep:] + chunk, max(0, start - keep)
        element = buffer[buffer.rfind(b"<", 0, at) : end]
        kind = XML_TYPE_BYTES.search(element)
        if kind is None or kind["type"] == b"n":
            numbers.add((row, column))
        start = end
    return numbers


def _inflated(path: Path, member: str) -> Iterator[bytes]:
    """A zip member's bytes in chunks, inflated by ISA-L (twice zlib's speed) when deflated."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        if info.compress_type != zipfile.ZIP_DEFLATED:
            with archive.open(info) as stream:
                while chunk := stream.read(XML_SCAN_BYTES):
                    yield chunk
            return
    with path.open("rb") as raw:
        raw.seek(info.header_offset)
        name_length, extra_length = struct.unpack("<HH", raw.read(30)[26:30])
        raw.seek(info.header_offset + 30 + name_length + extra_length)
        inflater = isal_zlib.decompressobj(-15)  # a raw deflate stream, as zip members are
        left = info.compress_size
        while left > 0 and (data := raw.read(min(XML_SCAN_BYTES, left))):
            left -= len(data)
            yield inflater.decompress(data)
        yield inflater.flush()


def _xls_layout(path: Path) -> Layout:
    """The same for Excel 97 files, which calamine reads with cell types."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    layout: Layout = {}
    for name in workbook.sheet_names:
        top, _ = workbook.get_sheet_by_name(name).start or (0, 0)
        layout[name] = (top + 1, partial(_xls_numbers, path, name))
    return layout


def _xls_numbers(path: Path, sheet: str, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of the cells (Excel row, column) an .xls sheet stores as numbers (at most 65,536
    rows: the sheet is read whole with its types)."""
    found = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    top, left = found.start or (0, 0)
    rows = found.to_python(skip_empty_area=False)
    numbers = set()
    for row, column in cells:
        r, c = row - 1, column
        value = rows[r][c] if 0 <= r < len(rows) and 0 <= c < len(rows[r]) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            numbers.add((row, column))
    return numbers


def _text_grid(path: Path, data: bytes) -> _Grid:
    text = decode(path.name, data)
    return _Grid("", _read_delimited(text, _sniff_delimiter(text)), 1)  # text has no sheets


def decode(file: str, data: bytes) -> str:
    """The text of a CSV/TXT file in whichever encoding it was written (see TEXT_ENCODINGS)."""
    # A byte-order mark of UTF-16: Excel's “Unicode text” export.
    encodings = ("utf-16",) if data.startswith(UTF16_BOMS) else TEXT_ENCODINGS
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        f"{where(file)}的文字编码无法识别（已尝试 UTF-8、GBK/GB18030 和 UTF-16）："
        "请用 Excel 打开后另存为“CSV UTF-8”或 .xlsx"
    )


def _sniff_delimiter(text: str) -> str:
    sample = [line for line in itertools.islice(io.StringIO(text), PEEK_ROWS) if line.strip()]
    counts = {d: sum(line.count(d) for line in sample) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_delimited(text: str, delimiter: str) -> pd.DataFrame:
    """All lines as text columns, one grid row per physical line (blank lines kept as rows)."""
    # Counting delimiters over-counts quoted ones; extra columns only come out empty.
    width = max(map(lambda line: line.count(delimiter), text.splitlines()), default=0) + 1
    return pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        header=None,
        names=list(range(width)),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        quoting=csv.QUOTE_MINIMAL,
        engine="c",
    )


# --- recognising the header -----------------------------------------------------------------


def header_text(value: object) -> str:
    """A header cell as the schemas spell it: no spaces or line breaks, no （元） unit."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"\s+", "", text).strip("*")
    return re.sub(r"\(元\)$", "", text)


def _find_header(
    file: str, sheet: str, rows: Sequence[Sequence[object]], first_row: int
) -> _Header | None:
    for index, row in enumerate(rows):
        texts = [header_text(value) for value in row]
        fitting = [kind for kind in KINDS if kind.signature <= _mapped(kind, texts)]
        if len(fitting) > 1:
            labels = "、".join(kind.label for kind in fitting)
            raise AmbiguousKind(
                f"{where(file, sheet, first_row + index)}的表头同时符合{labels}：无法判断是哪一种数据。"
                "请把不同种类的数据分到不同的工作表"
            )
        if fitting:
            return _header(file, sheet, fitting[0], texts, index, first_row)
    return None


def _mapped(kind: SheetKind, texts: Iterable[str]) -> set[str]:
    return {kind.header_of[text] for text in texts if text in kind.header_of}


def _header(
    file: str, sheet: str, kind: SheetKind, texts: list[str], index: int, first_row: int
) -> _Header:
    position_of: dict[str, int] = {}
    for spec in kind.columns:
        names = (spec.header, *spec.aliases)
        positions = [(names.index(text), pos) for pos, text in enumerate(texts) if text in names]
        if positions:  # the canonical name wins, then the aliases in their listed order
            position_of[spec.header] = min(positions)[1]
    missing = [spec for spec in kind.columns if spec.required and spec.header not in position_of]
    if missing:
        wanted = "；".join(
            f"“{spec.header}”"
            + (f"（也可写作：{'、'.join(spec.aliases)}）" if spec.aliases else "")
            for spec in missing
        )
        raise MissingColumns(
            f"{where(file, sheet, first_row + index)}是{kind.label}的表头，但缺少列{wanted}。"
            "请检查导出模板，补上这些列后重新导出"
        )
    used = set(position_of.values())
    unused = tuple(text for pos, text in enumerate(texts) if text and pos not in used)
    last = max(pos for pos, text in enumerate(texts) if text)
    return _Header(kind, index, position_of, unused, last)


def _unknown_kind_message(file: str, skipped: list[SkippedSheet]) -> str:
    expected = "；".join(f"{kind.label}（{'、'.join(sorted(kind.signature))}）" for kind in KINDS)
    sheets = "、".join(f"“{s.sheet}”" for s in skipped) or "（无）"
    return (
        f"{where(file)}的工作表 {sheets} 都没有可识别的表头。"
        f"每种数据的表头至少应有这些列：{expected}。请确认文件是系统原样导出的"
    )


# --- building the raw frame -----------------------------------------------------------------


def _raw_sheet(file: str, grid: _Grid, header: _Header) -> RawSheet:
    header_row = grid.first_row + header.row_index
    body = grid.frame.iloc[header.row_index + 1 :].reset_index(drop=True)
    rows = pd.Series(range(header_row + 1, header_row + 1 + len(body)), dtype="int64")
    frame = pd.DataFrame(
        {name: body[pos] for name, pos in header.position_of.items() if pos in body.columns}
    )
    stray = _stray_cells(body, header)
    if stray.notna().any():
        frame[STRAY] = stray

    first_text = _first_text(body)
    footer = first_text.str.match(FOOTER).fillna(False).astype(bool)
    repeated = _repeated_header(frame, header.kind)
    dropped_mask = (footer | repeated).to_numpy()
    keep = (frame.notna().any(axis=1).to_numpy()) & ~dropped_mask
    dropped = tuple(
        (int(row), str(text))
        for row, text in zip(rows[dropped_mask], first_text[dropped_mask], strict=True)
    )
    frame = frame[keep].reset_index(drop=True)
    frame["source_row"] = rows[keep].to_numpy()
    if grid.numbers is not None:
        frame = _numbers_shown_as_numbers(frame, header, grid.numbers)
    info = SheetInfo(
        file=file,
        sheet=grid.sheet,
        kind=header.kind,
        header_row=header_row,
        cell_types=grid.numbers is not None,
        unused_columns=header.unused,
        dropped=dropped,
    )
    return RawSheet(info, frame)


def _stray_cells(body: pd.DataFrame, header: _Header) -> pd.Series:
    """Text right of the table: a row split by an unquoted comma, or notes outside the columns."""
    beyond = [pos for pos in body.columns if int(pos) > header.last_position]
    stray = pd.Series(pd.NA, index=body.index, dtype="str")
    for pos in beyond:
        stray = stray.where(stray.notna(), body[pos])
    return stray


def _first_text(body: pd.DataFrame) -> pd.Series:
    """The first non-empty cell of each row, where footers such as 合计 and 制表人 stand."""
    first = body.iloc[:, 0].copy() if body.shape[1] else pd.Series(dtype="str")
    for position in range(1, body.shape[1]):
        missing = first.isna()
        if not missing.any():
            break
        first = first.where(~missing, body.iloc[:, position])
    return first.astype("str")


def _repeated_header(frame: pd.DataFrame, kind: SheetKind) -> pd.Series:
    """Exports paginated by the system repeat the header row on every page."""
    key = next(spec for spec in kind.columns if spec.key)
    names = (key.header, *key.aliases)
    return frame[key.header].isin(names).fillna(False).astype(bool)


def _numbers_shown_as_numbers(
    frame: pd.DataFrame, header: _Header, numbers: NumberCells
) -> pd.DataFrame:
    """ID and card cells that the sheet stores as numbers, written as Excel shows such a number
    (3.41503199001011E+17), which validation rejects as digits lost.

    A double keeps 15 significant digits, so no 16-or-more-digit number survives; the reader
    prints a number cell as the double's exact digits, which a real ID typed as text can equal
    too. Only values of 16–19 digits that are exactly a double are suspects, and of those the
    cell's own type decides, wherever the cell is.
    """
    by_header = {spec.header: spec for spec in header.kind.columns}
    suspects = {
        name: _exactly_a_double(frame[name])
        for name in header.position_of
        if by_header[name].parse in ("id", "card") and name in frame
    }
    rows = frame["source_row"].to_numpy()
    cells = [(int(r), header.position_of[n]) for n, at in suspects.items() for r in rows[at]]
    stored = numbers(cells) if cells else set()
    if not stored:
        return frame
    for name, at in suspects.items():
        column = header.position_of[name]
        hit = np.flatnonzero(at)[[(int(r), column) in stored for r in rows[at]]]
        if len(hit):
            texts = frame[name].to_numpy(dtype=object)  # a copy: only sheets with such cells
            texts[hit] = [f"{float(text):.14E}" for text in texts[hit]]
            frame[name] = pd.Series(texts, index=frame.index, dtype=frame[name].dtype)
    return frame


def _exactly_a_double(column: pd.Series) -> np.ndarray:
    """Per cell, whether its text is 16–19 ASCII digits that a double holds exactly."""
    text = pa.array(column.array)
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    length = pc.binary_length(text)
    digits = pc.and_(
        pc.and_(pc.greater_equal(length, 16), pc.less_equal(length, 19)),
        pc.ascii_is_decimal(text),
    )
    digits = pc.fill_null(digits, False)
    suspect = np.asarray(digits.to_numpy(zero_copy_only=False), dtype=bool)
    if not suspect.any():
        return suspect
    values = pc.filter(text, digits)
    exact = (
        pc.cast(values, pa.uint64()).to_numpy()
        == pc.cast(pc.cast(values, pa.float64()), pa.uint64(), safe=False).to_numpy()
    )
    suspect[suspect] = exact
    return suspect
