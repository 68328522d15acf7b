"""The generator at scale: N aid records for benchmarks, written outside the repository.

In: N and a seed. Out: in OUT_DIR the same kinds of files as the reference case, in the same
messy formats: four quarterly aid-record workbooks (about four records per person, one per
quarter), bank results per quarter (a UTF-8 CSV with title lines, a GBK CSV, a GB18030 TXT, a
workbook with two batch sheets), one worker-file workbook (about 85 % of the people are filed),
civil checks (xlsx), medical checks (CSV), the ledger (incomes sized so that every balance is
positive) and the parameters. About ten rows of each bad kind (B1-B9) are appended so that
validation has something to find. A workbook of more than MAX_FILE_ROWS rows is written as
parts (救助明细_2021Q1_1.xlsx, _2 ...; a batch sheet as 第一批, 第一批(2) ...): a sheet holds
1,048,576 rows, and the pipeline refuses a workbook that unpacks to more than 2 GiB.

Values are drawn with numpy in one go, per person or record as numbers and fixed-width text (no
Python object per row); the files are written a chunk of rows at a time by `streamed` (the
sheet XML built with arrow string kernels), two files at a time by a process pool that inherits
the drawn arrays. Text that takes a few forms (dates and amounts in their export styles) is
formatted once per distinct value, rows only index it. The same seed gives the same records
whatever the chunk or part sizes.
"""

from __future__ import annotations

import multiprocessing
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tests.generator import layout
from tests.generator.ids import (
    GIVEN_CHARS,
    HOLIDAYS_2021,
    SURNAMES,
    digits_of,
    excel_number_of,
    id_check_chars_vec,
    luhn_check_digits_vec,
)
from tests.generator.messy import (
    AMOUNT_STYLES,
    DATE_STYLES,
    EXCEL_EPOCH,
    Cell,
    ExcelDate,
    SheetSpec,
    write_workbook,
)
from tests.generator.reference import (
    BIRTH_REGIONS,
    CENTRAL,
    EDUCATION,
    JINQIU,
    LIVING,
    MEDICAL,
    PROVINCE,
    SOURCE_ALIASES,
    UNION,
    WARMTH,
)
from tests.generator.streamed import (
    DATE,
    NUMBER,
    Column,
    Table,
    cell_text,
    columns_of,
    write_text,
    write_xlsx,
)

TYPES = (LIVING, MEDICAL, EDUCATION, WARMTH)
SOURCES = (CENTRAL, PROVINCE, JINQIU, UNION)
HARDSHIPS = ("深度困难", "相对困难", "意外致困")
STATUSES = ("在档", "脱困", "注销")
CLOSE_REASONS = ("退休", "解除劳动关系", "死亡", "四类排除")
BAD_PER_KIND = 10
EXTRA_PERSONS = 2 * BAD_PER_KIND  # not paid anything: the bad worker files and bad aid rows
YEAR_START = np.datetime64("2021-01-01")
EPOCH = np.datetime64(EXCEL_EPOCH.isoformat())
HOLIDAYS = np.array(sorted(d.isoformat() for d in HOLIDAYS_2021), dtype="datetime64[D]")
AMOUNT_P = np.array((40, 15, 10, 10, 5, 20)) / 100
DATE_P = np.array((35, 15, 15, 10, 10, 10, 5)) / 100
FAIL_REASONS = ("户名不符", "账号不存在", "账户冻结", "已销户", "止付")
STUDENT_GIVEN = ("子涵", "雨欣", "浩然", "思远", "佳怡", "梦琪", "博文", "宇航")
QUARTER_FILES = tuple(f"救助明细_2021Q{q}.xlsx" for q in range(1, 5))
BANK_Q1_CSV = "代发明细_2021Q1.csv"  # the reference case's Q1 is a workbook (layout.BANK_Q1)
CARD_DIGITS = 19
CHUNK_ROWS = 50_000  # rows formatted at a time: a few tens of MB of XML
MAX_FILE_ROWS = 1_000_000  # data rows per workbook (see the module docstring)
NULL_TEXT = pa.scalar(None, pa.string())


@dataclass
class ScaleData:
    """Everything drawn up front; the writers only format and write it. Text is arrow arrays,
    categories are codes into the tuples above (-1: none)."""

    # people (P + EXTRA_PERSONS)
    names: pa.Array
    ids: pa.Array
    cards: pa.Array
    filed: np.ndarray
    file_numbers: pa.Array  # null for the people without a file
    household: np.ndarray
    income_fen: np.ndarray
    hardship: np.ndarray
    filed_on: np.ndarray
    status: np.ndarray
    close_reason: np.ndarray
    # aid records (N), in 救助编号 order: record i is JZ2021 and i + 1 in seven digits
    rec_person: np.ndarray
    rec_type: np.ndarray
    rec_source: np.ndarray
    rec_fen: np.ndarray
    rec_day: np.ndarray
    rec_applied: np.ndarray
    rec_announced: np.ndarray
    rec_entered: np.ndarray
    rec_cash: np.ndarray
    # bank rows, in order of record then attempt
    bank_record: np.ndarray
    bank_day: np.ndarray
    bank_fen: np.ndarray
    bank_ok: np.ndarray
    bank_reason: np.ndarray
    # checks
    civil_person: np.ndarray
    civil_day: np.ndarray
    medical_person: np.ndarray
    medical_aid_fen: np.ndarray
    seed: int


_DATA: ScaleData | None = None  # set before the pool forks, so workers inherit it


def generate_scale(out_dir: Path, records: int, seed: int) -> dict[str, float]:
    """Write the files; returns seconds per phase."""
    global _DATA
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    _DATA = draw(records, seed)
    drawn = time.perf_counter()
    jobs = sorted(WRITERS, key=lambda name: -WRITERS[name][1])  # biggest files first
    with multiprocessing.get_context("fork").Pool(2) as pool:
        # chunksize 1: one file per task, so that neither process idles at the end
        pool.starmap(_write_job, [(name, str(out_dir)) for name in jobs], chunksize=1)
    return {
        "draw": drawn - started,
        "write": time.perf_counter() - drawn,
        "total": time.perf_counter() - started,
    }


def _write_job(name: str, out_dir: str) -> None:
    assert _DATA is not None
    WRITERS[name][0](_DATA, Path(out_dir) / name)


# ---- drawing ----------------------------------------------------------------------------------


def draw(record_count: int, seed: int) -> ScaleData:
    rng = np.random.default_rng(seed)
    paid = -(-record_count // 4)
    people = _draw_people(rng, paid)
    records = _draw_records(rng, record_count, people["filed"][:paid])
    _close_some_files(rng, people, paid)
    bank = _draw_bank(rng, records)
    checks = _draw_checks(rng, records)
    return ScaleData(**people, **records, **bank, **checks, seed=seed)


def _draw_people(rng: np.random.Generator, paid: int) -> dict:
    """`paid` people who get aid, then the extra ones: BAD_PER_KIND with a worker file that
    says 家庭人口 0 (B7), BAD_PER_KIND without a file whose aid rows are bad."""
    count = paid + EXTRA_PERSONS
    region, birth_digits, sequence = _unique_id_parts(rng, count)
    bodies = np.hstack([digits_of(region, 6), digits_of(birth_digits, 8), digits_of(sequence, 3)])
    check_chars = id_check_chars_vec(bodies).astype("S1").view(np.uint8)
    ids = _fixed_width_text(np.hstack([bodies + ord("0"), check_chars[:, None]]))
    # Distinct card serials: a multiplier coprime with 10**12 permutes the serial space.
    serials = rng.permutation(count).astype(np.int64) * 982_451_653 % 10**12
    card_bodies = np.hstack(
        [np.tile(digits_of(np.array([621700]), 6), (count, 1)), digits_of(serials, 12)]
    )
    card_digits = np.hstack([card_bodies, luhn_check_digits_vec(card_bodies)[:, None]])
    surname = rng.integers(0, len(SURNAMES), count)
    given = rng.integers(0, len(GIVEN_CHARS), count)
    two_chars = rng.random(count) < 0.65
    second = np.zeros(count, dtype=np.int64)
    second[two_chars] = rng.integers(0, len(GIVEN_CHARS), int(two_chars.sum()))
    given_chars = pa.array(list(GIVEN_CHARS))
    names = pc.binary_join_element_wise(
        pa.array(list(SURNAMES)).take(surname),
        given_chars.take(given),
        pc.if_else(two_chars, given_chars.take(second), ""),
        "",
    )
    filed = rng.random(count) < 0.85
    filed[paid : paid + BAD_PER_KIND] = True
    filed[paid + BAD_PER_KIND :] = False
    household = rng.integers(1, 6, count)
    filed_on = np.datetime64("2015-01-01") + rng.integers(0, 2190, count)
    file_numbers = pc.binary_join_element_wise(
        "341503", _int_text(_year(filed_on)), pc.utf8_lpad(_int_text(np.arange(count)), 6, "0"), ""
    )
    return {
        "names": names,
        "ids": ids,
        "cards": _fixed_width_text(card_digits + ord("0")),
        "filed": filed,
        "file_numbers": pc.if_else(filed, file_numbers, NULL_TEXT),
        "household": household,
        "filed_on": filed_on,
        "income_fen": household * rng.integers(300, 1300, count) * 100,
        "hardship": rng.choice(3, count, p=(0.45, 0.35, 0.2)),
        "status": np.zeros(count, dtype=np.int8),
        "close_reason": np.full(count, -1, dtype=np.int8),
    }


def _unique_id_parts(
    rng: np.random.Generator, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Region, birth date (yyyymmdd) and sequence number of `count` different people."""
    regions = np.array([int(r) for r in BIRTH_REGIONS])
    region = regions[rng.integers(0, len(regions), count)]
    birth_day = rng.integers(0, 10_000, count)  # born 1962-1989
    sequence = rng.integers(1, 1000, count)
    while True:
        key = (region * 10_000 + birth_day) * 1000 + sequence
        _, first = np.unique(key, return_index=True)
        repeated = np.ones(count, dtype=bool)
        repeated[first] = False
        repeated = np.flatnonzero(repeated)  # (setdiff1d's hashing takes seconds here)
        if len(repeated) == 0:
            break
        sequence[repeated] = rng.integers(1, 1000, len(repeated))
    birth = np.datetime64("1962-01-01") + birth_day
    return region, _yyyymmdd(birth), sequence


def _draw_records(rng: np.random.Generator, count: int, filed: np.ndarray) -> dict[str, np.ndarray]:
    person = np.arange(count) // 4
    quarter = np.arange(count) % 4
    persons = len(filed)
    # One aid type and source per person; filed people get the three means-tested types.
    person_type = np.where(
        filed,
        rng.choice(3, persons, p=(0.45, 0.3, 0.25)),
        rng.choice([2, 3], persons, p=(0.6, 0.4)),
    )
    person_source = np.select(
        [person_type == 3, ~filed],
        [3, rng.choice([2, 3], persons)],
        rng.choice([0, 1], persons, p=(0.68, 0.32)),
    )
    living_fen = rng.integers(15, 20, persons) * 10_000
    rec_type = person_type[person]
    fen = np.select(
        [rec_type == 0, rec_type == 1, rec_type == 2],
        [
            living_fen[person],
            rng.integers(5, 36, count) * 10_000,
            rng.integers(8, 17, count) * 10_000,
        ],
        50_000,
    )
    # The middle month of each quarter: a person's quarterly payments lie about three months
    # apart, never within the 15 days that make two records alike (R06).
    month = quarter * 3 + 2
    day = _workday_in_month(rng, month)
    order = np.lexsort((person, day))
    day, person, rec_type, fen = day[order], person[order], rec_type[order], fen[order]
    return {
        "rec_person": person,
        "rec_type": rec_type,
        "rec_source": person_source[person],
        "rec_fen": fen,
        "rec_day": day,
        "rec_applied": day - rng.integers(8, 26, count),
        "rec_announced": day - rng.integers(2, 7, count),
        "rec_entered": day + rng.integers(1, 19, count),
        "rec_cash": rng.random(count) < 0.02,
    }


def _workday_in_month(rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
    """A working day between the 3rd and the 20th of the month (weekends and holidays off)."""
    month_start = (np.datetime64("2021-01") + (month - 1)).astype("datetime64[D]")
    first = month_start + np.timedelta64(2, "D")
    offset = rng.integers(0, 18, len(month))
    return np.busday_offset(first + offset, 0, roll="forward", holidays=HOLIDAYS)


def _close_some_files(rng: np.random.Generator, people: dict, paid: int) -> None:
    """Files closed after the year's last aid (all aid is dated by 12-20)."""
    draw = rng.random(len(people["filed"]))
    draw[paid:] = 0.0  # the extra people's files stay open
    closed_out = people["filed"] & (draw > 0.85) & (draw <= 0.97)
    closed = people["filed"] & (draw > 0.97)
    people["status"][closed_out] = STATUSES.index("脱困")
    people["status"][closed] = STATUSES.index("注销")
    people["close_reason"][closed] = rng.integers(0, len(CLOSE_REASONS), int(closed.sum()))


def _draw_bank(rng: np.random.Generator, records: dict[str, np.ndarray]) -> dict:
    card_records = np.flatnonzero(~records["rec_cash"])
    day = records["rec_day"][card_records] + rng.integers(0, 8, len(card_records))
    day = np.busday_offset(day, 0, roll="forward", holidays=HOLIDAYS)
    month_of = records["rec_day"][card_records].astype("datetime64[M]")
    day = np.where(day.astype("datetime64[M]") == month_of, day, records["rec_day"][card_records])
    fen = records["rec_fen"][card_records].copy()
    fen[rng.choice(len(fen), BAD_PER_KIND, replace=False)] += 10_000  # paid 100.00 too much
    failed = rng.random(len(card_records)) < 0.002
    reason = np.where(failed, rng.integers(0, len(FAIL_REASONS), len(card_records)), -1)
    repaid = failed & (rng.random(len(card_records)) < 0.9)  # the rest are never re-paid
    again = np.flatnonzero(repaid)
    return {
        "bank_record": np.concatenate([card_records, card_records[again]]),
        "bank_day": np.concatenate([day, day[again] + np.timedelta64(14, "D")]),
        "bank_fen": np.concatenate([fen, records["rec_fen"][card_records[again]]]),
        "bank_ok": np.concatenate([~failed, np.ones(len(again), dtype=bool)]),
        "bank_reason": np.concatenate([reason, np.full(len(again), -1)]).astype(np.int8),
    }


def _draw_checks(rng: np.random.Generator, records: dict[str, np.ndarray]) -> dict:
    """A 符合 civil check in late December 2020 for everyone means-tested (valid all 2021),
    and a medical settlement for everyone paid 医疗救助."""
    # People in ascending order, counted (np.unique hashes: seconds at 10m records)
    person, persons = records["rec_person"], records["rec_person"].max() + 1
    tested = np.flatnonzero(np.bincount(person[records["rec_type"] < 3], minlength=persons))
    medical = records["rec_type"] == 1
    medical_person = np.flatnonzero(np.bincount(person[medical], minlength=persons))
    aid = np.bincount(person[medical], weights=records["rec_fen"][medical], minlength=persons)
    medical_aid = aid[medical_person].astype(np.int64)
    return {
        "civil_person": tested,
        "civil_day": np.datetime64("2020-12-21") + rng.integers(0, 11, len(tested)),
        "medical_person": medical_person,
        "medical_aid_fen": medical_aid,
    }


def _fixed_width_text(codes: np.ndarray) -> pa.Array:
    """Rows of ASCII codes as strings: an (n, k) array -> n strings of k characters."""
    count, width = codes.shape
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    data = codes.astype(np.uint8).tobytes()
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))


# ---- formatting -------------------------------------------------------------------------------


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return _year(days) * 10_000 + month * 100 + day


def _int_text(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def _style_rng(data: ScaleData, name: str) -> np.random.Generator:
    return np.random.default_rng([data.seed, zlib.crc32(name.encode())])


def _styled(values: np.ndarray, styles: np.ndarray | int, cell_of: Callable) -> Column:
    """Cells `cell_of(style, value)`, each distinct (style, value) formatted once in Python:
    the rows only index the table of forms."""
    unique, index = np.unique(values, return_inverse=True)
    styles = np.broadcast_to(styles, len(values))
    style_count = int(styles.max(initial=0)) + 1
    forms = [cell_text(cell_of(s, v)) for s in range(style_count) for v in unique.tolist()]
    texts = pa.array([text for text, _ in forms], pa.string())
    kinds = np.array([kind for _, kind in forms], dtype=np.int8)
    at = styles * len(unique) + index
    return Column(texts.take(at), kinds[at])


def _dates(days: np.ndarray, styles: np.ndarray | int) -> Column:
    """Dates as the exports write them: Excel dates, bare serials, and five text forms."""
    return _styled((days - EPOCH).astype(np.int64), styles, _date_cell)


def _date_cell(style: int, serial: int) -> Cell:
    day = EXCEL_EPOCH + timedelta(days=serial)
    y, m, d = day.year, day.month, day.day
    if style == 0:
        return ExcelDate(serial)
    if style == 1:
        return serial
    if style == 2:
        return f"{y}/{m}/{d}"
    if style == 3:
        return f"{y}{m:02d}{d:02d}"
    if style == 4:
        return f"{y}年{m}月{d}日"
    if style == 5:
        return f"{y}-{m:02d}-{d:02d}"
    return f"{y}.{m:02d}.{d:02d}"


COMPACT_DATE, ISO_DATE = DATE_STYLES.index("compact"), DATE_STYLES.index("iso")
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _amount_cell(style: int, fen: int) -> Cell:
    text = f"{fen // 100}.{fen % 100:02d}"
    if style == 0:
        return fen / 100
    if style == 1:
        return f"{fen // 100:,}.{fen % 100:02d}"
    if style == 2:
        return "￥" + text
    if style == 3:
        return text + "元"
    if style == 4:
        return text.translate(FULLWIDTH)
    return text


def _numbers(values: np.ndarray) -> Column:
    """Number cells of values with few distinct ones (counts, incomes)."""
    return _styled(values, 0, lambda _style, value: value)


def _counting(first: int, count: int) -> Column:
    """Number cells first, first + 1, ..."""
    return Column(_int_text(np.arange(first, first + count)), NUMBER)


def _yuan_text(fen: np.ndarray) -> pa.Array:
    """Exact yuan text with two decimals ("1800.00") of non-negative fen."""
    cents = pc.utf8_lpad(_int_text(fen % 100), 2, "0")
    return pc.binary_join_element_wise(_int_text(fen // 100), cents, ".")


def _constant(text: str, count: int) -> Column:
    return Column(pa.repeat(text, count))


def _where(mask: np.ndarray, text: str) -> Column:
    """`text` where mask is set, blank elsewhere."""
    return Column(pc.if_else(mask, text, NULL_TEXT))


def _categories(names: Sequence[str], codes: np.ndarray) -> Column:
    """Text of category codes; code -1 is a blank cell."""
    return Column(pa.array(names).take(pa.array(codes, mask=codes < 0)))


def _blank_where(column: Column, mask: np.ndarray) -> Column:
    return Column(pc.if_else(mask, NULL_TEXT, column.values), column.kinds)


def _spaced_some(cards: pa.Array, spaced: np.ndarray) -> pa.Array:
    """The cards picked by `spaced` in groups of four, as people copy them from the card."""
    groups = [pc.utf8_slice_codeunits(cards, i, i + 4) for i in range(0, CARD_DIGITS, 4)]
    return pc.if_else(spaced, pc.binary_join_element_wise(*groups, " "), cards)


def _lower_x_some(ids: pa.Array, lower: np.ndarray) -> pa.Array:
    """The picked IDs that end in X written with a lower-case x."""
    return pc.if_else(pc.and_(lower, pc.ends_with(ids, "X")), pc.utf8_lower(ids), ids)


def _text_at(values: pa.Array, index: int) -> str:
    return values[index].as_py()


# ---- splitting in chunks and parts ------------------------------------------------------------


def _spans(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + size, stop)) for lo in range(start, stop, size)]


def _parts(count: int) -> list[tuple[int, int]]:
    """Row ranges of about equal size, none longer than MAX_FILE_ROWS."""
    parts = max(1, -(-count // MAX_FILE_ROWS))
    bounds = [count * k // parts for k in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _body(
    start: int,
    stop: int,
    drawn: int,
    chunk_of: Callable[[int, int], list[Column]],
    odd_rows: Sequence[Sequence[Cell]] = (),
    width: int = 0,
) -> Iterator[list[Column]]:
    """Rows start..stop of a body whose first `drawn` rows are formatted by `chunk_of` and the
    rest are `odd_rows` (Python cells), a chunk at a time."""
    for lo, hi in _spans(start, min(stop, drawn), CHUNK_ROWS):
        yield chunk_of(lo, hi)
    odd = odd_rows[max(start - drawn, 0) : max(stop - drawn, 0)]
    if odd:
        yield columns_of(odd, width)


def _write_parts(path: Path, rows: int, table_of: Callable[[int, int], Table]) -> None:
    """One workbook, or several named NAME_1.xlsx ... when it has more than MAX_FILE_ROWS."""
    parts = _parts(rows)
    for number, (lo, hi) in enumerate(parts, start=1):
        part = path if len(parts) == 1 else path.with_stem(f"{path.stem}_{number}")
        write_xlsx(part, [table_of(lo, hi)])


# ---- aid records ------------------------------------------------------------------------------


def _aid_quarter(data: ScaleData, path: Path) -> None:
    quarter = QUARTER_FILES.index(path.name) + 1
    rng = _style_rng(data, path.name)
    quarter_of = (data.rec_day.astype("datetime64[M]").astype(np.int64) % 12) // 3 + 1
    rows = np.flatnonzero(quarter_of == quarter)
    if quarter == 2:  # B9: the last records of March exported again with April-June
        rows = np.concatenate([np.flatnonzero(quarter_of == 1)[-BAD_PER_KIND:], rows])
    header = layout.AID_HEADER_H1 if quarter % 2 else layout.AID_HEADER_H2
    styles = _aid_styles(rng, len(rows))
    bad_rows = _bad_aid_rows(data, quarter, len(header))

    def chunk_of(lo: int, hi: int) -> list[Column]:
        return _aid_columns(data, rows[lo:hi], {k: v[lo:hi] for k, v in styles.items()})

    def table_of(lo: int, hi: int) -> Table:
        return Table(
            "救助明细",
            header,
            _body(lo, hi, len(rows), chunk_of, bad_rows, len(header)),
            hi - lo,
            titles=(f"帮扶救助记录（2021年第{quarter}季度）",),
            footers=(None, (f"合计：{hi - lo}条",), ("打印日期：2022-01-05",)),
        )

    _write_parts(path, len(rows) + len(bad_rows), table_of)


def _aid_styles(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    """Per record how its cells are written, drawn in one go (in the order the cells were
    drawn when they were written row by row: the same seed gives the same files)."""
    return {
        "aliased": rng.random(count) < 0.3,
        "lower_x": rng.random(count) < 0.5,
        "amount": rng.choice(len(AMOUNT_STYLES), count, p=AMOUNT_P),
        "applied": rng.choice(len(DATE_STYLES), count, p=DATE_P),
        "announced": rng.choice(len(DATE_STYLES), count, p=DATE_P),
        "day": rng.choice(len(DATE_STYLES), count, p=DATE_P),
        "entered": rng.choice(len(DATE_STYLES), count, p=DATE_P),
        "spaced": rng.random(count) < 0.2,
    }


def _aid_columns(data: ScaleData, rows: np.ndarray, styles: dict[str, np.ndarray]) -> list[Column]:
    person = data.rec_person[rows]
    rec_type = data.rec_type[rows]
    cash = data.rec_cash[rows]
    warmth = rec_type == TYPES.index(WARMTH)
    education = rec_type == TYPES.index(EDUCATION)
    aliases = [SOURCE_ALIASES[s][0] for s in SOURCES]
    source = data.rec_source[rows] + np.where(styles["aliased"], len(SOURCES), 0)
    cards = _spaced_some(data.cards.take(person), styles["spaced"])
    students = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(data.names.take(person), 0, 1),  # the parent's surname
        pa.array(STUDENT_GIVEN).take(person % len(STUDENT_GIVEN)),
        "",
    )
    numbers = pc.utf8_lpad(_int_text(rows + 1), 7, "0")
    count = len(rows)
    return [
        Column(pc.binary_join_element_wise("JZ2021", numbers, "")),
        Column(data.file_numbers.take(person)),
        Column(data.names.take(person)),
        Column(_lower_x_some(data.ids.take(person), styles["lower_x"])),
        _categories(TYPES, rec_type),
        _categories(SOURCES + tuple(aliases), source),
        Column(pa.repeat("2021", count), NUMBER),
        _styled(data.rec_fen[rows], styles["amount"], _amount_cell),
        _blank_where(_dates(data.rec_applied[rows], styles["applied"]), warmth),
        _blank_where(_dates(data.rec_announced[rows], styles["announced"]), warmth),
        _dates(data.rec_day[rows], styles["day"]),
        _dates(data.rec_entered[rows], styles["entered"]),
        _categories(("银行卡", "现金"), cash.astype(np.int8)),
        _where(cash, "是"),
        Column(pc.if_else(cash, NULL_TEXT, cards)),
        Column(pc.if_else(education, students, NULL_TEXT)),
        _where(education, "本科"),
        Column(pa.nulls(count, pa.string())),
    ]


def _bad_aid_rows(data: ScaleData, quarter: int, width: int) -> list[list[Cell]]:
    """B1, B2, B4 in the first quarter's file; B3, B5, B8 in the second's."""
    kinds = {1: ("B1", "B2", "B4"), 2: ("B3", "B5", "B8")}.get(quarter, ())
    extra = len(data.names) - BAD_PER_KIND  # the people who are paid nothing
    rows = []
    for kind in kinds:
        for i in range(BAD_PER_KIND):
            person = extra + i
            id_number = _text_at(data.ids, person)
            row: list[Cell] = [
                f"JZ2021B{quarter}{kind}{i:02d}",
                None,
                _text_at(data.names, person),
                id_number,
                EDUCATION,
                UNION,
                2021,
                "1500.00",
                None,
                None,
                f"2021-0{quarter * 3 - 1}-15",
                f"2021-0{quarter * 3}-02",
                "银行卡",
                None,
                _text_at(data.cards, person),
                "某某",
                "本科",
                None,
            ]
            bad_column, bad_value = {
                "B1": (7, "1,234.567"),
                "B2": (3, _wrong_check(id_number)),
                "B3": (3, excel_number_of(id_number)),
                "B4": (10, "2021-02-30"),
                "B5": (5, "市慈善总会资金"),
                "B8": (7, "-500.00"),
            }[kind]
            row[bad_column] = bad_value
            rows.append(row[:width])
    return rows


def _wrong_check(id_number: str) -> str:
    last = id_number[-1]
    return id_number[:17] + ("1" if last != "1" else "2")


# ---- bank results -----------------------------------------------------------------------------


def _bank_selection(data: ScaleData, quarter: int, months: tuple[int, ...] = ()) -> np.ndarray:
    month = data.rec_day[data.bank_record].astype("datetime64[M]").astype(np.int64) % 12 + 1
    chosen = (month - 1) // 3 + 1 == quarter
    if months:
        chosen &= np.isin(month, months)
    return np.flatnonzero(chosen)


def _bank_columns(data: ScaleData, rows: np.ndarray, spaced: np.ndarray) -> dict[str, Column]:
    person = data.rec_person[data.bank_record[rows]]
    rec_type = data.rec_type[data.bank_record[rows]]
    return {
        "name": Column(data.names.take(person)),
        "card": Column(_spaced_some(data.cards.take(person), spaced)),
        "id": Column(data.ids.take(person)),
        "amount": Column(_yuan_text(data.bank_fen[rows])),
        "status": _categories(("失败", "成功"), data.bank_ok[rows].astype(np.int8)),
        "reason": _categories(FAIL_REASONS, data.bank_reason[rows]),
        "memo": _categories(TYPES, rec_type),
    }


def _bank_row(cols: dict[str, Column], day: Column, *before_day: str) -> list[Column]:
    """The columns of a bank file: `before_day`, the day, then status, reason, memo."""
    return [*(cols[name] for name in before_day), day, cols["status"], cols["reason"], cols["memo"]]


def _spaced_draw(rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.random(count) < 0.2


def _bank_csv_q1(data: ScaleData, path: Path) -> None:
    """UTF-8 CSV as 建设银行's online banking saves its workbook: title lines, and date cells
    as yyyy-mm-dd beside the dates typed as text."""
    rng = _style_rng(data, layout.BANK_Q1)  # the workbook's name: the draws it had
    rows = _bank_selection(data, 1)
    count = len(rows)
    spaced = _spaced_draw(rng, count)
    date_styles = rng.choice(len(DATE_STYLES), count, p=DATE_P)

    def chunk_of(lo: int, hi: int) -> list[Column]:
        cols = _bank_columns(data, rows[lo:hi], spaced[lo:hi])
        day = _dates(data.bank_day[rows[lo:hi]], date_styles[lo:hi])
        return [_counting(lo + 1, hi - lo), *_bank_row(cols, day, "name", "card", "amount")]

    table = Table(
        "",
        layout.BANK_HEADERS[layout.BANK_Q1],
        _body(0, count, count, chunk_of),
        count,
        titles=("中国建设银行代发业务明细", ("委托单位：六安市裕安区总工会",)),
        footers=(None, ("合计", f"{count}笔"), ("打印日期：2021-04-06",)),
    )
    write_text(path, table, ",", "utf-8-sig")


def _bank_csv_q2(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    rows = _bank_selection(data, 2)
    spaced = _spaced_draw(rng, len(rows))
    extra = len(data.names) - BAD_PER_KIND
    bad_rows = [  # B6: card numbers Excel had turned into 6.21700E+18
        (_text_at(data.names, p), "6.21700E+18", "1500.00", "20210520", "成功", "", LIVING)
        for p in range(extra, len(data.names))
    ]

    def chunk_of(lo: int, hi: int) -> list[Column]:
        cols = _bank_columns(data, rows[lo:hi], spaced[lo:hi])
        day = _dates(data.bank_day[rows[lo:hi]], COMPACT_DATE)
        return _bank_row(cols, day, "name", "card", "amount")

    header = layout.BANK_HEADERS[layout.BANK_Q2]
    body = _body(0, len(rows) + len(bad_rows), len(rows), chunk_of, bad_rows, len(header))
    write_text(path, Table("", header, body, len(rows) + len(bad_rows)), ",", "gbk")


def _bank_txt_q3(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    rows = _bank_selection(data, 3)
    spaced = _spaced_draw(rng, len(rows))

    def chunk_of(lo: int, hi: int) -> list[Column]:
        cols = _bank_columns(data, rows[lo:hi], spaced[lo:hi])
        day = _dates(data.bank_day[rows[lo:hi]], ISO_DATE)
        return _bank_row(cols, day, "name", "card", "id", "amount")

    table = Table(
        "",
        layout.BANK_HEADERS[layout.BANK_Q3],
        _body(0, len(rows), len(rows), chunk_of),
        len(rows),
        titles=("中国农业银行代发回单明细", ()),
    )
    write_text(path, table, "\t", "gb18030")


def _bank_xlsx_q4(data: ScaleData, path: Path) -> None:
    """Two batch sheets; one of more than MAX_FILE_ROWS rows goes on in 第一批(2) ..."""
    rng = _style_rng(data, path.name)
    tables = []
    for sheet_name, batch, months in (
        ("第一批", "DF2021Q4-01", (10, 11)),
        ("第二批", "DF2021Q4-02", (12,)),
    ):
        rows = _bank_selection(data, 4, months)
        spaced = _spaced_draw(rng, len(rows))
        parts = _parts(len(rows))
        for number, (start, stop) in enumerate(parts, start=1):
            name = sheet_name if number == 1 else f"{sheet_name}({number})"
            body = _body(start, stop, stop, _batch_chunk(data, batch, rows, spaced))
            tables.append(Table(name, layout.BANK_HEADERS[layout.BANK_Q4], body, stop - start))
    write_xlsx(path, tables)


def _batch_chunk(
    data: ScaleData, batch: str, rows: np.ndarray, spaced: np.ndarray
) -> Callable[[int, int], list[Column]]:
    def chunk_of(lo: int, hi: int) -> list[Column]:
        cols = _bank_columns(data, rows[lo:hi], spaced[lo:hi])
        serials = (data.bank_day[rows[lo:hi]] - EPOCH).astype(np.int64)
        day = Column(_int_text(serials), DATE)
        return [_constant(batch, hi - lo), *_bank_row(cols, day, "name", "card", "amount")]

    return chunk_of


# ---- worker files and checks ------------------------------------------------------------------


def _workers(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    filed = np.flatnonzero(data.filed)
    count = len(filed)
    status_styles = rng.choice(len(DATE_STYLES), count, p=DATE_P)
    filed_on_styles = rng.choice(len(DATE_STYLES), count, p=DATE_P)
    spaced = rng.random(count) < 0.3
    household = data.household[filed].copy()
    household[-BAD_PER_KIND:] = 0  # B7: the extra people's files

    def chunk_of(lo: int, hi: int) -> list[Column]:
        people = filed[lo:hi]
        n = hi - lo
        ids = data.ids.take(people)
        male = pc.equal(
            pc.bit_wise_and(pc.cast(pc.utf8_slice_codeunits(ids, 16, 17), pa.int8()), 1), 1
        )
        closed = data.status[people] != STATUSES.index("在档")
        status_days = np.where(closed, np.datetime64("2021-12-28"), YEAR_START)
        return [
            Column(data.file_numbers.take(people)),
            Column(data.names.take(people)),
            Column(ids),
            Column(pc.if_else(male, "男", "女")),
            _constant("六安市恒达纺织有限公司", n),
            _constant("六安市恒达纺织有限公司工会", n),
            _constant("341503", n),
            _constant("全国级", n),
            _categories(HARDSHIPS, data.hardship[people]),
            _constant("职工", n),
            _numbers(household[lo:hi]),
            _numbers(data.income_fen[people] / 100),
            _constant("收入低", n),
            _dates(data.filed_on[people], filed_on_styles[lo:hi]),
            _categories(STATUSES, data.status[people]),
            _blank_where(_dates(status_days, status_styles[lo:hi]), ~closed),
            _categories(CLOSE_REASONS, data.close_reason[people]),
            Column(_spaced_some(data.cards.take(people), spaced[lo:hi])),
            _constant("中国建设银行六安分行", n),
        ]

    def table_of(lo: int, hi: int) -> Table:
        return Table(
            "困难职工档案",
            layout.WORKER_HEADER,
            _body(lo, hi, hi, chunk_of),
            hi - lo,
            titles=("裕安区困难职工档案信息表", ("导出日期：2022-01-05",)),
            footers=(None, (f"合计：{hi - lo}户",), ("制表人：王芳",)),
        )

    _write_parts(path, count, table_of)


def _civil(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    count = len(data.civil_person)
    date_styles = rng.choice(len(DATE_STYLES), count, p=DATE_P)

    def chunk_of(lo: int, hi: int) -> list[Column]:
        person = data.civil_person[lo:hi]
        income = data.income_fen[person]
        household = np.maximum(data.household[person], 1)
        n = hi - lo
        return [
            _counting(lo + 1, n),
            Column(data.names.take(person)),
            Column(data.ids.take(person)),
            _dates(data.civil_day[lo:hi], date_styles[lo:hi]),
            _numbers(household),
            _numbers(income / 100),
            _numbers(np.round(income / household) / 100),
            _constant("符合", n),
            Column(pa.nulls(n, pa.string())),
            _constant("否", n),
        ]

    def table_of(lo: int, hi: int) -> Table:
        return Table(
            "核对结果",
            layout.CIVIL_HEADER,
            _body(lo, hi, hi, chunk_of),
            hi - lo,
            titles=("居民家庭经济状况核对结果反馈表",),
        )

    _write_parts(path, count, table_of)


def _medical(data: ScaleData, path: Path) -> None:
    rng = np.random.default_rng([data.seed, 7])
    count = len(data.medical_person)
    self_paid = 2 * data.medical_aid_fen + rng.integers(0, 2_000_000, count)
    pooled = rng.integers(2_000_000, 12_000_000, count)
    serious = rng.integers(0, 3_000_000, count)
    civil_aid = rng.integers(0, 500_000, count)
    other = rng.integers(0, 300_000, count)
    total = self_paid + pooled + serious + civil_aid + other

    def chunk_of(lo: int, hi: int) -> list[Column]:
        person = data.medical_person[lo:hi]
        amounts = (total, pooled, serious, civil_aid, other, self_paid)
        return [
            Column(data.names.take(person)),
            Column(data.ids.take(person)),
            Column(pa.repeat("2021", hi - lo), NUMBER),
            *[Column(_yuan_text(fen[lo:hi])) for fen in amounts],
        ]

    header = "姓名 身份证号 结算年度 医疗总费用 统筹基金支付 大病保险支付 医疗救助支付 其他补充支付 个人自付"
    table = Table("", header.split(), _body(0, count, count, chunk_of), count)
    write_text(path, table, ",", "utf-8-sig")


def _ledger(data: ScaleData, path: Path) -> None:
    """Income sized 2 % above spending, so that every balance is positive."""
    spent = np.bincount(data.rec_source, weights=data.rec_fen, minlength=4).astype(np.int64)
    income = (spent * 102 // 100 // 1_000_000 + 1) * 1_000_000
    interest = 8_640
    balance = income - spent
    balance[0] += interest
    rows: list[Sequence[Cell] | None] = []
    categories = ("上级拨入", "上级拨入", "上级拨入", "本级安排")
    for source, category, fen in zip(SOURCES, categories, income.tolist(), strict=True):
        rows.append((source, 2021, category, fen / 100, ExcelDate(44204), "文号〔2021〕1号", None))
    rows.append((CENTRAL, 2021, "利息收入", interest / 100, ExcelDate(44551), None, "专户利息"))
    rows.append(
        (
            UNION,
            2021,
            "结转下年",
            int(balance[3]) / 100,
            ExcelDate(44561),
            "裕工字〔2021〕48号",
            None,
        )
    )
    for source, fen in zip(SOURCES, balance.tolist(), strict=True):
        if fen > 0:
            rows.append((source, 2021, "账面余额", fen / 100, ExcelDate(44561), None, None))
    write_workbook(
        path,
        [
            SheetSpec(
                "收支台账",
                ("资金来源", "资金年度", "收支类别", "金额", "到账日期", "文号", "备注"),
                rows,
            )
        ],
    )


def _parameters(data: ScaleData, path: Path) -> None:
    layout.write_parameters(path)  # the same parameters as the reference case


# file name -> (writer, relative size, for scheduling the biggest first)
WRITERS: dict[str, tuple[Callable[[ScaleData, Path], None], int]] = {
    **{name: (_aid_quarter, 18) for name in QUARTER_FILES},
    BANK_Q1_CSV: (_bank_csv_q1, 3),
    layout.BANK_Q2: (_bank_csv_q2, 2),
    layout.BANK_Q3: (_bank_txt_q3, 2),
    layout.BANK_Q4: (_bank_xlsx_q4, 8),
    layout.WORKERS: (_workers, 16),
    layout.CIVIL: (_civil, 9),
    layout.MEDICAL_CHECKS: (_medical, 1),
    layout.LEDGER: (_ledger, 0),
    layout.PARAMETERS: (_parameters, 0),
}
