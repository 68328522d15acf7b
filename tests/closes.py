"""The sample year as the clerk has it at a month's close, for issue 14's three-close scenario.

- ``folder_as_of(source, as_of, target)``: a copy of an input folder as the clerk would have
  exported and collected it on ``as_of``.
- ``three_closes(target)``: the sample's folders at the October, November and December closes
  (``CLOSES``), with the two planted differences ``IN_TRANSIT`` and ``FIXED`` below.

Which rows a folder holds on ``as_of`` is decided by the pipeline's own reading: each sheet is
read as text by ``pipeline.load`` and the deciding date parsed by ``pipeline.normalize``
(``AS_OF_DATES``); the files are then written again, each in its own format, without the rows
that did not exist yet. A sheet left with no data row is not there at all, nor a file left with
none (a batch the bank has not returned yet, an export not made yet). What is approximated:

- the national system is taken to export a record once it is entered (录入日期, else 救助日期)
  and a worker file once it is filed (建档日期), with the contents of the final export: a record
  corrected after ``as_of`` shows the correction (unless planted otherwise, as ``FIXED`` is);
- a worker file closed (脱困, 注销) after ``as_of`` is exported 在档, with no 状态变更日期 and no
  注销原因; any other change of a file after ``as_of`` is not undone;
- rows whose deciding date cannot be read stay (validation rejects them as in the full folder);
  medical-insurance checks have no date (one row per person and year) and stay whole, as does
  the parameters workbook;
- footers (合计, 打印日期) keep their text, though their totals and dates are the final
  export's; the loader sets footers aside, so no figure depends on them;
- xlsx files are rewritten by openpyxl: values, number formats, sheet names and header rows
  stay; row heights and merged cells below a removed row do not move up (the sample's merged
  cells are title rows above the header). A CSV/TXT file keeps its encoding, delimiter and line
  endings (only a row whose cells are changed is quoted anew). An .xls or .xlsm file that would
  need a change is refused.

A file unchanged on ``as_of`` is copied byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import load, normalize
from pipeline.load import RawSheet, SheetInfo
from pipeline.money import yuan_text
from schemas import SheetKind
from tests.builders import SAMPLE

# The dates that say whether a row exists on a given day, per sheet kind: the first one a row
# has decides. Kinds not listed (医保核对, the parameters) are kept whole.
AS_OF_DATES: dict[str, tuple[str, ...]] = {
    "aid_records": ("录入日期", "救助日期"),
    "bank_payments": ("交易日期",),
    "fund_ledger": ("到账日期",),
    "civil_checks": ("核对日期",),
    "worker_files": ("建档日期",),
}
# A worker file closed after the export was still open in it.
REOPENED: dict[str, object] = {"档案状态": "在档", "状态变更日期": None, "注销原因": None}
TEXT_SUFFIXES = (".csv", ".txt")

CLOSES = {
    "2021-10": dt.date(2021, 10, 31),
    "2021-11": dt.date(2021, 11, 30),
    "2021-12": dt.date(2021, 12, 31),
}


class InTransit(NamedTuple):
    """A card-paid record of one close paid by the bank after it, and its transfer."""

    record_id: str
    file_no: str
    name: str
    id_no: str
    card_no: str
    aid_type: str
    source: str
    amount_fen: int
    applied_on: dt.date
    announced_on: dt.date
    aid_date: dt.date
    entered_on: dt.date
    records_file: str  # the aid-record file and sheet it is added to, after the last record
    records_sheet: str
    paid_on: dt.date
    bank_file: str  # the bank file and sheet (batch) its transfer is added to
    bank_sheet: str
    batch: str


# 胡凯松 is filed (全国级, 在档, the card below on file), had no 生活救助 in 2021 (his one record
# is a 医疗救助 of March) and no finding; his 民政核对 of 2021-02-04 (符合) covers the aid date.
IN_TRANSIT = InTransit(
    record_id="JZ20210261",
    file_no="34150320150002",
    name="胡凯松",
    id_no="341522198101085033",
    card_no="6228482372167044859",
    aid_type="生活救助",
    source="中央财政专项帮扶资金",
    amount_fen=60_000,
    applied_on=dt.date(2021, 11, 15),
    announced_on=dt.date(2021, 11, 22),
    aid_date=dt.date(2021, 11, 26),
    entered_on=dt.date(2021, 11, 26),
    records_file="救助明细_6-12月.xlsx",
    records_sheet="救助记录",
    paid_on=dt.date(2021, 12, 2),
    bank_file="代发明细_2021Q4.xlsx",
    bank_sheet="第二批",
    batch="DF2021Q4-02",
)


class Fixed(NamedTuple):
    """A record whose finding the clerk has fixed in the system by a close."""

    record_id: str
    rule: str
    file: str
    column: str
    before: str
    after: str
    fixed_by: str  # the first close whose folder has the correction


# The sample's R15 (A6): cash 送温暖 of 2021-09-10 without the recipient's signature.
FIXED = Fixed("JZ20210210", "R15", "救助明细_6-12月.xlsx", "实名签收", "否", "是", "2021-12")
# The year's ledger of the closes: 中央's 账面余额 of 12-31 is the sample's less IN_TRANSIT, the
# books having paid it on 12-02.
LEDGER_FILE = "资金收支台账2021.xlsx"
BOOK_BALANCE = {"资金来源": IN_TRANSIT.source, "收支类别": "账面余额"}


def three_closes(target: Path) -> dict[str, Path]:
    """The sample's folders at the October, November and December closes: target/<period>.

    Each is ``folder_as_of`` of the sample at its date in ``CLOSES``, with these differences:

    - ``IN_TRANSIT``, a November record in transit at the close: JZ20210261, 胡凯松's 生活救助
      of 600.00 from 中央财政专项帮扶资金 by card, applied for on 11-15, announced on 11-22,
      dated and entered on 11-26, added after the last record of 救助明细_6-12月.xlsx / 救助记录:
      in the November and December folders, not in October's. Its successful transfer of
      600.00 to 胡凯松's card on file, dated 12-02, added after the last row of
      代发明细_2021Q4.xlsx / 第二批 (batch DF2021Q4-02): in the December folder only (in the
      November one that sheet, all of it December, is not there). December's ledger has 中央's
      账面余额 of 12-31 lowered by the 600.00 (1,136.40 → 536.40), so the payment leaves the
      books in balance (no R23).
    - ``FIXED``, a finding fixed by December: JZ20210210 (cash, 2021-09-10, 实名签收 “否”, the
      sample's R15) is in the October and November folders as it is and in the December folder
      with 实名签收 “是”.

    Everything else is the sample as of each date; no other rule is meant to fire on the planted
    rows.
    """
    with tempfile.TemporaryDirectory() as scratch:
        year = Path(scratch) / "全年"
        shutil.copytree(SAMPLE, year)
        _plant_in_transit(year)
        folders = {
            period: folder_as_of(year, as_of, target / period) for period, as_of in CLOSES.items()
        }
    _set_cells(
        folders[FIXED.fixed_by] / FIXED.file,
        {"救助编号": FIXED.record_id},
        {FIXED.column: FIXED.after},
    )
    return folders


def _plant_in_transit(year: Path) -> None:
    """IN_TRANSIT's record and transfer, and 中央's 12-31 book balance without its amount."""
    planted = IN_TRANSIT
    _append_row(
        year / planted.records_file,
        planted.records_sheet,
        {
            "救助编号": planted.record_id,
            "档案编号": planted.file_no,
            "姓名": planted.name,
            "身份证号": planted.id_no,
            "救助类型": planted.aid_type,
            "资金来源": planted.source,
            "资金年度": planted.aid_date.year,
            "救助金额": yuan_text(planted.amount_fen),
            "申请日期": planted.applied_on,
            "公示日期": planted.announced_on,
            "救助日期": planted.aid_date,
            "录入日期": planted.entered_on,
            "发放方式": "银行卡",
            "收款卡号": planted.card_no,
        },
    )
    _append_row(
        year / planted.bank_file,
        planted.bank_sheet,
        {
            "批次号": planted.batch,
            "户名": planted.name,
            "账号": planted.card_no,
            "金额": yuan_text(planted.amount_fen),
            "交易日期": planted.paid_on,
            "状态": "成功",
            "摘要": "2021年11月生活救助",
        },
    )
    raw, row = _row_where(year / LEDGER_FILE, BOOK_BALANCE)
    balance = normalize.money_fen(raw.frame.loc[raw.frame["source_row"] == row, "金额"])
    lowered = int(balance.values.iloc[0]) - planted.amount_fen
    _set_cells(year / LEDGER_FILE, BOOK_BALANCE, {"金额": yuan_text(lowered)})


# --- a folder as of a date -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Cut:
    """What a sheet loses on ``as_of``: rows not yet there, and files not yet closed."""

    info: SheetInfo
    dropped: frozenset[int]  # Excel rows (CSV/TXT: lines)
    reopened: frozenset[int]
    left: int  # data rows left

    @property
    def changes(self) -> bool:
        return bool(self.dropped or self.reopened)


def folder_as_of(source: Path, as_of: dt.date, target: Path) -> Path:
    """A copy of ``source`` as exported and collected on ``as_of`` (see the module docstring):
    aid records entered by then (录入日期, else 救助日期), bank rows paid by then, ledger and
    民政核对 rows dated by then, worker files filed by then and not yet closed after it; the
    rest as it is. Returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    spreadsheets, others = load.spreadsheets(source)
    for name in others:
        shutil.copy2(source / name, target / name)
    for path in spreadsheets:
        cuts = [_cut(raw, as_of) for raw in load.read_file(path).sheets]
        if not any(cut.changes for cut in cuts):
            shutil.copy2(path, target / path.name)
        elif all(cut.left == 0 for cut in cuts):
            continue  # nothing of it existed yet
        elif path.suffix.lower() == ".xlsx":
            _write_workbook(path, target / path.name, [cut for cut in cuts if cut.changes])
        elif path.suffix.lower() in TEXT_SUFFIXES:
            _write_text(path, target / path.name, cuts[0])
        else:
            raise ValueError(f"{path.name}: only .xlsx, .csv and .txt files can be cut to a date")
    return target


def _cut(raw: RawSheet, as_of: dt.date) -> _Cut:
    """The sheet's rows dated after ``as_of`` (``AS_OF_DATES``), and its files closed after it."""
    frame, kind, day = raw.frame, raw.info.kind, pd.Timestamp(as_of)
    later = np.zeros(len(frame), dtype=bool)
    closed_later = np.zeros(len(frame), dtype=bool)
    headers = AS_OF_DATES.get(kind.name, ())
    if headers:
        dated = _dates(frame, headers[0])
        for header in headers[1:]:
            dated = dated.fillna(_dates(frame, header))
        later = (dated > day).to_numpy(dtype=bool)
    if kind.name == "worker_files":
        closed_later = (_dates(frame, "状态变更日期") > day).to_numpy(dtype=bool) & ~later
    rows = frame["source_row"].to_numpy()
    return _Cut(
        raw.info,
        frozenset(int(row) for row in rows[later]),
        frozenset(int(row) for row in rows[closed_later]),
        int((~later).sum()),
    )


def _dates(frame: pd.DataFrame, header: str) -> pd.Series:
    return normalize.dates(frame[header]).values


def _write_workbook(source: Path, target: Path, cuts: Sequence[_Cut]) -> None:
    """The workbook without its cut rows, a sheet left with no data row removed."""
    book = openpyxl.load_workbook(source)
    for cut in cuts:
        sheet = book[cut.info.sheet]
        if cut.left == 0:
            book.remove(sheet)
            book.active = 0  # the active sheet may have been this one
            continue
        for row in cut.reopened:
            _write_cells(sheet, cut.info, row, REOPENED)
        for first, count in _runs_from_the_bottom(cut.dropped):
            sheet.delete_rows(first, count)
    book.save(target)


def _runs_from_the_bottom(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive rows as (first, count), the lowest last: deleting them in this order leaves
    the rows still to delete where they were."""
    runs = itertools.groupby(enumerate(sorted(rows)), key=lambda pair: pair[1] - pair[0])
    blocks = [[row for _, row in run] for _, run in runs]
    return [(block[0], len(block)) for block in reversed(blocks)]


def _write_text(source: Path, target: Path, cut: _Cut) -> None:
    """The CSV/TXT file without its cut lines, in its own encoding, delimiter and line ends."""
    data = source.read_bytes()
    encoding = _encoding(data)
    lines = io.StringIO(data.decode(encoding), newline="").readlines()
    header = lines[cut.info.header_row - 1]
    delimiter = max(load.DELIMITERS, key=header.count)
    columns = _columns(next(csv.reader([header], delimiter=delimiter)), cut.info.kind)
    kept = [
        _edited_line(line, delimiter, columns) if number in cut.reopened else line
        for number, line in enumerate(lines, start=1)
        if number not in cut.dropped
    ]
    target.write_bytes("".join(kept).encode(encoding))


def _encoding(data: bytes) -> str:
    """The encoding ``load.decode`` reads the bytes in, spelled so that encoding the text again
    gives the same bytes (a UTF-8 byte-order mark kept, none added)."""
    if data.startswith(load.UTF16_BOMS):
        return "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _edited_line(line: str, delimiter: str, columns: Mapping[str, int]) -> str:
    """A worker file's line reopened (``REOPENED``), its other cells as they were."""
    text = line.rstrip("\r\n")
    cells = next(csv.reader([text], delimiter=delimiter))
    for header, value in REOPENED.items():
        cells[columns[header]] = "" if value is None else str(value)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line[len(text) :]).writerow(cells)
    return buffer.getvalue()


# --- cells by their canonical headers ------------------------------------------------------------


def _columns(header_cells: Sequence[object], kind: SheetKind) -> dict[str, int]:
    """Canonical header → 0-based column, as the loader maps them (the canonical name first,
    then the aliases in their listed order)."""
    texts = [load.header_text(value) for value in header_cells]
    columns = {}
    for spec in kind.columns:
        names = (spec.header, *spec.aliases)
        found = [(names.index(text), pos) for pos, text in enumerate(texts) if text in names]
        if found:
            columns[spec.header] = min(found)[1]
    return columns


def _write_cells(sheet: Worksheet, info: SheetInfo, row: int, values: Mapping[str, object]) -> None:
    columns = _columns([cell.value for cell in sheet[info.header_row]], info.kind)
    for header, value in values.items():
        sheet.cell(row, columns[header] + 1).value = value


def _row_where(path: Path, match: Mapping[str, str]) -> tuple[RawSheet, int]:
    """The one sheet and Excel row of the workbook whose cells read ``match`` (text as
    exported)."""
    hits = []
    for raw in load.read_file(path).sheets:
        if not set(match) <= set(raw.frame.columns):
            continue
        where = pd.concat([raw.frame[h] == text for h, text in match.items()], axis=1).all(axis=1)
        hits += [(raw, int(row)) for row in raw.frame.loc[where, "source_row"]]
    if len(hits) != 1:
        raise ValueError(f"{path.name}: {len(hits)} rows read {dict(match)}, not one")
    return hits[0]


def _set_cells(path: Path, match: Mapping[str, str], values: Mapping[str, object]) -> None:
    """The workbook with the row that reads ``match`` given ``values``, in place."""
    raw, row = _row_where(path, match)
    book = openpyxl.load_workbook(path)
    _write_cells(book[raw.info.sheet], raw.info, row, values)
    book.save(path)


def _append_row(path: Path, sheet_name: str, values: Mapping[str, object]) -> None:
    """A row after the sheet's last data row (above its footers), in place."""
    raw = next(raw for raw in load.read_file(path).sheets if raw.info.sheet == sheet_name)
    row = int(raw.frame["source_row"].max()) + 1
    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name]
    sheet.insert_rows(row)
    _write_cells(sheet, raw.info, row, values)
    book.save(path)
