"""The generator at scale: N aid records for benchmarks, written outside the repository.

In: N and a seed. Out: in OUT_DIR the same kinds of files as the reference case, in the same
messy formats: four quarterly aid-record workbooks (about four records per person, one per
quarter), bank results per quarter (xlsx, GBK CSV, GB18030 TXT, xlsx with two batches), one
worker-file workbook (about 85 % of the people are filed), civil checks (xlsx), medical checks
(CSV), the ledger (incomes sized so that every balance is positive) and the parameters. About
ten rows of each bad kind (B1-B9) are appended so that validation has something to find.

Values are drawn with numpy in one go; the workbooks are streamed with xlsxwriter's
constant_memory mode and written two at a time by a process pool that inherits the arrays.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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

TYPES = (LIVING, MEDICAL, EDUCATION, WARMTH)
SOURCES = (CENTRAL, PROVINCE, JINQIU, UNION)
BAD_PER_KIND = 10
EXTRA_PERSONS = 2 * BAD_PER_KIND  # not paid anything: the bad worker files and bad aid rows
YEAR_START = np.datetime64("2021-01-01")
EPOCH = np.datetime64(EXCEL_EPOCH.isoformat())
HOLIDAYS = np.array(sorted(d.isoformat() for d in HOLIDAYS_2021), dtype="datetime64[D]")
AMOUNT_P = np.array((40, 15, 10, 10, 5, 20)) / 100
DATE_P = np.array((35, 15, 15, 10, 10, 10, 5)) / 100
FAIL_REASONS = np.array(["户名不符", "账号不存在", "账户冻结", "已销户", "止付"])
STUDENT_GIVEN = np.array(
    ["子涵", "雨欣", "浩然", "思远", "佳怡", "梦琪", "博文", "宇航"], dtype=object
)
QUARTER_FILES = tuple(f"救助明细_2021Q{q}.xlsx" for q in range(1, 5))


@dataclass
class ScaleData:
    """Everything drawn up front; the writers only format and write it."""

    # people (P + EXTRA_PERSONS)
    names: np.ndarray
    ids: np.ndarray
    cards: np.ndarray
    filed: np.ndarray
    file_numbers: np.ndarray
    household: np.ndarray
    income_fen: np.ndarray
    hardship: np.ndarray
    filed_on: np.ndarray
    status: np.ndarray
    close_reason: np.ndarray
    # aid records (N), in 救助编号 order
    rec_person: np.ndarray
    rec_type: np.ndarray
    rec_source: np.ndarray
    rec_fen: np.ndarray
    rec_day: np.ndarray
    rec_applied: np.ndarray
    rec_announced: np.ndarray
    rec_entered: np.ndarray
    rec_cash: np.ndarray
    rec_number: np.ndarray
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


def _draw_people(rng: np.random.Generator, paid: int) -> dict[str, np.ndarray]:
    """`paid` people who get aid, then the extra ones: BAD_PER_KIND with a worker file that
    says 家庭人口 0 (B7), BAD_PER_KIND without a file whose aid rows are bad."""
    count = paid + EXTRA_PERSONS
    region, birth_digits, sequence = _unique_id_parts(rng, count)
    bodies = np.hstack([digits_of(region, 6), digits_of(birth_digits, 8), digits_of(sequence, 3)])
    ids = _join_digits(bodies).astype(object) + id_check_chars_vec(bodies).astype(object)
    # Distinct card serials: a multiplier coprime with 10**12 permutes the serial space.
    serials = rng.permutation(count).astype(np.int64) * 982_451_653 % 10**12
    card_bodies = np.hstack(
        [np.tile(digits_of(np.array([621700]), 6), (count, 1)), digits_of(serials, 12)]
    )
    cards = _join_digits(card_bodies).astype(object) + luhn_check_digits_vec(card_bodies).astype(
        str
    ).astype(object)
    surnames = np.array(list(SURNAMES), dtype=object)[rng.integers(0, len(SURNAMES), count)]
    given = np.array(list(GIVEN_CHARS), dtype=object)
    names = surnames + given[rng.integers(0, len(given), count)]
    two_chars = rng.random(count) < 0.65
    names[two_chars] += given[rng.integers(0, len(given), int(two_chars.sum()))]
    filed = rng.random(count) < 0.85
    filed[paid : paid + BAD_PER_KIND] = True
    filed[paid + BAD_PER_KIND :] = False
    household = rng.integers(1, 6, count)
    filed_on = np.datetime64("2015-01-01") + rng.integers(0, 2190, count)
    serial = np.arange(count)
    file_numbers = np.where(
        filed,
        "341503"
        + _year(filed_on).astype(str).astype(object)
        + pd.Series(serial).map("{:06d}".format).to_numpy(dtype=object),
        "",
    )
    return {
        "names": names,
        "ids": ids,
        "cards": cards,
        "filed": filed,
        "file_numbers": file_numbers,
        "household": household,
        "income_fen": household * rng.integers(300, 1300, count) * 100,
        "hardship": np.array(["深度困难", "相对困难", "意外致困"], dtype=object)[
            rng.choice(3, count, p=(0.45, 0.35, 0.2))
        ],
        "filed_on": filed_on,
        "status": np.full(count, "在档", dtype=object),
        "close_reason": np.full(count, "", dtype=object),
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
        repeated = np.setdiff1d(np.arange(count), first)
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
        "rec_number": pd.Series(np.arange(1, count + 1))
        .map("JZ2021{:07d}".format)
        .to_numpy(dtype=object),
    }


def _workday_in_month(rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
    """A working day between the 3rd and the 20th of the month (weekends and holidays off)."""
    month_start = (np.datetime64("2021-01") + (month - 1)).astype("datetime64[D]")
    first = month_start + np.timedelta64(2, "D")
    offset = rng.integers(0, 18, len(month))
    return np.busday_offset(first + offset, 0, roll="forward", holidays=HOLIDAYS)


def _close_some_files(rng: np.random.Generator, people: dict[str, np.ndarray], paid: int) -> None:
    """Files closed after the year's last aid (all aid is dated by 12-20)."""
    draw = rng.random(len(people["filed"]))
    draw[paid:] = 0.0  # the extra people's files stay open
    closed_out = people["filed"] & (draw > 0.85) & (draw <= 0.97)
    closed = people["filed"] & (draw > 0.97)
    people["status"][closed_out] = "脱困"
    people["status"][closed] = "注销"
    reasons = np.array(["退休", "解除劳动关系", "死亡", "四类排除"], dtype=object)
    people["close_reason"][closed] = reasons[rng.integers(0, 4, int(closed.sum()))]


def _draw_bank(rng: np.random.Generator, records: dict[str, np.ndarray]) -> dict:
    card_records = np.flatnonzero(~records["rec_cash"])
    day = records["rec_day"][card_records] + rng.integers(0, 8, len(card_records))
    day = np.busday_offset(day, 0, roll="forward", holidays=HOLIDAYS)
    month_of = records["rec_day"][card_records].astype("datetime64[M]")
    day = np.where(day.astype("datetime64[M]") == month_of, day, records["rec_day"][card_records])
    fen = records["rec_fen"][card_records].copy()
    fen[rng.choice(len(fen), BAD_PER_KIND, replace=False)] += 10_000  # paid 100.00 too much
    failed = rng.random(len(card_records)) < 0.002
    reason = np.where(
        failed, FAIL_REASONS[rng.integers(0, len(FAIL_REASONS), len(card_records))], ""
    )
    repaid = failed & (rng.random(len(card_records)) < 0.9)  # the rest are never re-paid
    again = np.flatnonzero(repaid)
    return {
        "bank_record": np.concatenate([card_records, card_records[again]]),
        "bank_day": np.concatenate([day, day[again] + np.timedelta64(14, "D")]),
        "bank_fen": np.concatenate([fen, records["rec_fen"][card_records[again]]]),
        "bank_ok": np.concatenate([~failed, np.ones(len(again), dtype=bool)]),
        "bank_reason": np.concatenate([reason, np.full(len(again), "")]).astype(object),
    }


def _draw_checks(rng: np.random.Generator, records: dict[str, np.ndarray]) -> dict:
    """A 符合 civil check in late December 2020 for everyone means-tested (valid all 2021),
    and a medical settlement for everyone paid 医疗救助."""
    tested = np.unique(records["rec_person"][records["rec_type"] < 3])
    medical = records["rec_type"] == 1
    medical_person, inverse = np.unique(records["rec_person"][medical], return_inverse=True)
    medical_aid = np.bincount(inverse, weights=records["rec_fen"][medical]).astype(np.int64)
    return {
        "civil_person": tested,
        "civil_day": np.datetime64("2020-12-21") + rng.integers(0, 11, len(tested)),
        "medical_person": medical_person,
        "medical_aid_fen": medical_aid,
    }


# ---- formatting -------------------------------------------------------------------------------


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return _year(days) * 10_000 + month * 100 + day


def _join_digits(digits: np.ndarray) -> np.ndarray:
    """Rows of digits as strings: (n, k) int array -> n strings of k characters."""
    chars = (digits + ord("0")).astype(np.uint8)
    return np.frombuffer(chars.tobytes(), dtype=f"S{digits.shape[1]}").astype(str)


def _style_rng(data: ScaleData, name: str) -> np.random.Generator:
    return np.random.default_rng([data.seed, zlib.crc32(name.encode())])


def date_cells(days: np.ndarray, rng: np.random.Generator) -> list[Cell]:
    """Dates as the exports write them: Excel dates, bare serials, and five text forms."""
    styles = rng.choice(len(DATE_STYLES), len(days), p=DATE_P).tolist()
    serials = (days - EPOCH).astype(np.int64).tolist()
    ymd = _yyyymmdd(days).tolist()
    return [
        _date_cell(s, serial, value) for s, serial, value in zip(styles, serials, ymd, strict=True)
    ]


def _date_cell(style: int, serial: int, ymd: int) -> Cell:
    y, m, d = ymd // 10_000, ymd // 100 % 100, ymd % 100
    if style == 0:
        return ExcelDate(serial)
    if style == 1:
        return serial
    if style == 2:
        return f"{y}/{m}/{d}"
    if style == 3:
        return str(ymd)
    if style == 4:
        return f"{y}年{m}月{d}日"
    if style == 5:
        return f"{y}-{m:02d}-{d:02d}"
    return f"{y}.{m:02d}.{d:02d}"


def amount_cells(fen: np.ndarray, rng: np.random.Generator) -> list[Cell]:
    styles = rng.choice(len(AMOUNT_STYLES), len(fen), p=AMOUNT_P).tolist()
    return [_amount_cell(style, value) for style, value in zip(styles, fen.tolist(), strict=True)]


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


def yuan_text(fen: np.ndarray) -> np.ndarray:
    return pd.Series(fen).map(lambda v: f"{v // 100}.{v % 100:02d}").to_numpy(dtype=object)


def spaced_some(cards: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    out = cards.copy()
    pick = np.flatnonzero(rng.random(len(cards)) < share)
    out[pick] = [" ".join(c[i : i + 4] for i in range(0, len(c), 4)) for c in cards[pick]]
    return out


# ---- writers ----------------------------------------------------------------------------------


def _aid_quarter(data: ScaleData, path: Path) -> None:
    quarter = QUARTER_FILES.index(path.name) + 1
    rng = _style_rng(data, path.name)
    month = data.rec_day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    rows_of = np.flatnonzero((month - 1) // 3 + 1 == quarter)
    if quarter == 2:  # B9: the last records of March exported again with April-June
        rows_of = np.concatenate(
            [np.flatnonzero((month - 1) // 3 + 1 == 1)[-BAD_PER_KIND:], rows_of]
        )
    columns = _aid_columns(data, rows_of, rng)
    bad_rows = _bad_aid_rows(data, quarter, len(columns))
    rows = itertools.chain(zip(*columns, strict=True), bad_rows)
    count = len(rows_of) + len(bad_rows)
    header = layout.AID_HEADER_H1 if quarter % 2 else layout.AID_HEADER_H2
    sheet = SheetSpec(
        "救助明细",
        header,
        rows,
        titles=(f"帮扶救助记录（2021年第{quarter}季度）",),
        footers=(None, (f"合计：{count}条",), ("打印日期：2022-01-05",)),
    )
    write_workbook(path, [sheet], constant_memory=True)


def _aid_columns(data: ScaleData, rows: np.ndarray, rng: np.random.Generator) -> list[list]:
    person = data.rec_person[rows]
    rec_type = data.rec_type[rows]
    source = data.rec_source[rows]
    cash = data.rec_cash[rows]
    source_names = np.array(SOURCES, dtype=object)[source]
    aliased = rng.random(len(rows)) < 0.3
    alias = np.array([SOURCE_ALIASES[s][0] for s in SOURCES], dtype=object)[source]
    education = rec_type == 2
    n = len(rows)
    return [
        data.rec_number[rows].tolist(),
        np.where(data.filed[person], data.file_numbers[person], None).tolist(),
        data.names[person].tolist(),
        _lower_x_some(data.ids[person], rng),
        np.array(TYPES, dtype=object)[rec_type].tolist(),
        np.where(aliased, alias, source_names).tolist(),
        [2021] * n,
        amount_cells(data.rec_fen[rows], rng),
        _none_for(date_cells(data.rec_applied[rows], rng), rec_type == 3),
        _none_for(date_cells(data.rec_announced[rows], rng), rec_type == 3),
        date_cells(data.rec_day[rows], rng),
        date_cells(data.rec_entered[rows], rng),
        np.where(cash, "现金", "银行卡").tolist(),
        np.where(cash, "是", None).tolist(),
        np.where(cash, None, spaced_some(data.cards[person], rng, 0.2)).tolist(),
        np.where(education, _students(data, person), None).tolist(),
        np.where(education, "本科", None).tolist(),
        [None] * n,
    ]


def _students(data: ScaleData, person: np.ndarray) -> np.ndarray:
    """The student of each record: the parent's surname and a given name."""
    surnames = np.array([name[0] for name in data.names[person]], dtype=object)
    return surnames + STUDENT_GIVEN[person % len(STUDENT_GIVEN)]


def _lower_x_some(ids: np.ndarray, rng: np.random.Generator) -> list[str]:
    """About half of the IDs that end in X are written with a lower-case x."""
    lower = rng.random(len(ids)) < 0.5
    return [
        i.lower() if low and i[-1] == "X" else i
        for i, low in zip(ids.tolist(), lower.tolist(), strict=True)
    ]


def _none_for(values: list, mask: np.ndarray) -> list:
    return [None if m else v for v, m in zip(values, mask.tolist(), strict=True)]


def _bad_aid_rows(data: ScaleData, quarter: int, width: int) -> list[list[Cell]]:
    """B1, B2, B4 in the first quarter's file; B3, B5, B8 in the second's."""
    kinds = {1: ("B1", "B2", "B4"), 2: ("B3", "B5", "B8")}.get(quarter, ())
    extra = len(data.names) - BAD_PER_KIND  # the people who are paid nothing
    rows = []
    for kind in kinds:
        for i in range(BAD_PER_KIND):
            person = extra + i
            row: list[Cell] = [
                f"JZ2021B{quarter}{kind}{i:02d}",
                None,
                data.names[person],
                data.ids[person],
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
                data.cards[person],
                "某某",
                "本科",
                None,
            ]
            bad_column, bad_value = {
                "B1": (7, "1,234.567"),
                "B2": (3, _wrong_check(data.ids[person])),
                "B3": (3, excel_number_of(data.ids[person])),
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


def _bank_selection(data: ScaleData, quarter: int, months: tuple[int, ...] = ()) -> np.ndarray:
    month = data.rec_day[data.bank_record].astype("datetime64[M]").astype(np.int64) % 12 + 1
    chosen = (month - 1) // 3 + 1 == quarter
    if months:
        chosen &= np.isin(month, months)
    return np.flatnonzero(chosen)


def _bank_columns(data: ScaleData, rows: np.ndarray, rng: np.random.Generator) -> dict:
    person = data.rec_person[data.bank_record[rows]]
    rec_type = data.rec_type[data.bank_record[rows]]
    return {
        "name": data.names[person],
        "card": spaced_some(data.cards[person], rng, 0.2),
        "id": data.ids[person],
        "amount": yuan_text(data.bank_fen[rows]),
        "day": data.bank_day[rows],
        "status": np.where(data.bank_ok[rows], "成功", "失败").astype(object),
        "reason": data.bank_reason[rows],
        "memo": np.array(TYPES, dtype=object)[rec_type],
    }


def _bank_xlsx_q1(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    cols = _bank_columns(data, _bank_selection(data, 1), rng)
    n = len(cols["name"])
    rows = zip(
        range(1, n + 1),
        cols["name"],
        cols["card"],
        cols["amount"],
        date_cells(cols["day"], rng),
        cols["status"],
        _blank(cols["reason"]),
        cols["memo"],
        strict=True,
    )
    sheet = SheetSpec(
        "代发明细",
        layout.BANK_HEADERS[layout.BANK_Q1],
        rows,
        titles=("中国建设银行代发业务明细", ("委托单位：六安市裕安区总工会",)),
        footers=(None, ("合计", f"{n}笔"), ("打印日期：2021-04-06",)),
    )
    write_workbook(path, [sheet], constant_memory=True)


def _blank(values: np.ndarray) -> list:
    return [v or None for v in values.tolist()]


def _bank_csv_q2(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    cols = _bank_columns(data, _bank_selection(data, 2), rng)
    frame = pd.DataFrame(
        {
            "收款人姓名": cols["name"],
            "收款账号": cols["card"],
            "代发金额": cols["amount"],
            "入账日期": pd.Series(_yyyymmdd(cols["day"])).astype(str),
            "交易状态": cols["status"],
            "备注": cols["reason"],
            "摘要": cols["memo"],
        }
    )
    extra = len(data.names) - BAD_PER_KIND
    bad = pd.DataFrame(
        {  # B6: card numbers Excel had turned into 6.21700E+18
            "收款人姓名": data.names[extra:],
            "收款账号": "6.21700E+18",
            "代发金额": "1500.00",
            "入账日期": "20210520",
            "交易状态": "成功",
            "备注": "",
            "摘要": LIVING,
        }
    )
    pd.concat([frame, bad]).to_csv(path, index=False, encoding="gbk", lineterminator="\r\n")


def _bank_txt_q3(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    cols = _bank_columns(data, _bank_selection(data, 3), rng)
    frame = pd.DataFrame(
        {
            "账户名称": cols["name"],
            "卡号": cols["card"],
            "证件号码": cols["id"],
            "金额": cols["amount"],
            "处理日期": pd.Series(cols["day"]).dt.strftime("%Y-%m-%d"),
            "状态": cols["status"],
            "备注": cols["reason"],
            "附言": cols["memo"],
        }
    )
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write("中国农业银行代发回单明细\r\n\r\n")
        frame.to_csv(out, sep="\t", index=False, lineterminator="\r\n")


def _bank_xlsx_q4(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    sheets = []
    for sheet_name, batch, months in (
        ("第一批", "DF2021Q4-01", (10, 11)),
        ("第二批", "DF2021Q4-02", (12,)),
    ):
        cols = _bank_columns(data, _bank_selection(data, 4, months), rng)
        serials = [ExcelDate(s) for s in (cols["day"] - EPOCH).astype(np.int64).tolist()]
        rows = zip(
            [batch] * len(serials),
            cols["name"],
            cols["card"],
            cols["amount"],
            serials,
            cols["status"],
            _blank(cols["reason"]),
            cols["memo"],
            strict=True,
        )
        sheets.append(SheetSpec(sheet_name, layout.BANK_HEADERS[layout.BANK_Q4], rows))
    write_workbook(path, sheets, constant_memory=True)


def _workers(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    filed = np.flatnonzero(data.filed)
    closed = data.status[filed] != "在档"
    status_day = np.where(closed, np.datetime64("2021-12-28"), np.datetime64("NaT", "D"))
    household = data.household[filed].copy()
    household[-BAD_PER_KIND:] = 0  # B7: the extra people's files
    status_cells = date_cells(np.where(closed, status_day, YEAR_START), rng)
    columns = [
        data.file_numbers[filed],
        data.names[filed],
        data.ids[filed],
        ["男" if int(i[16]) % 2 else "女" for i in data.ids[filed]],
        ["六安市恒达纺织有限公司"] * len(filed),
        ["六安市恒达纺织有限公司工会"] * len(filed),
        ["341503"] * len(filed),
        ["全国级"] * len(filed),
        data.hardship[filed],
        ["职工"] * len(filed),
        household.tolist(),
        (data.income_fen[filed] / 100).tolist(),
        ["收入低"] * len(filed),
        date_cells(data.filed_on[filed], rng),
        data.status[filed],
        _none_for(status_cells, ~closed),
        _blank(data.close_reason[filed]),
        spaced_some(data.cards[filed], rng, 0.3),
        ["中国建设银行六安分行"] * len(filed),
    ]
    rows = zip(*[list(c) for c in columns], strict=True)
    sheet = SheetSpec(
        "困难职工档案",
        layout.WORKER_HEADER,
        rows,
        titles=("裕安区困难职工档案信息表", ("导出日期：2022-01-05",)),
        footers=(None, (f"合计：{len(filed)}户",), ("制表人：王芳",)),
    )
    write_workbook(path, [sheet], constant_memory=True)


def _civil(data: ScaleData, path: Path) -> None:
    rng = _style_rng(data, path.name)
    person = data.civil_person
    income = data.income_fen[person]
    household = np.maximum(data.household[person], 1)
    columns = [
        range(1, len(person) + 1),
        data.names[person],
        data.ids[person],
        date_cells(data.civil_day, rng),
        household.tolist(),
        (income / 100).tolist(),
        (np.round(income / household) / 100).tolist(),
        ["符合"] * len(person),
        [None] * len(person),
        ["否"] * len(person),
    ]
    rows = zip(*[list(c) for c in columns], strict=True)
    sheet = SheetSpec(
        "核对结果",
        layout.CIVIL_HEADER,
        rows,
        titles=("居民家庭经济状况核对结果反馈表",),
    )
    write_workbook(path, [sheet], constant_memory=True)


def _medical(data: ScaleData, path: Path) -> None:
    rng = np.random.default_rng([data.seed, 7])
    n = len(data.medical_person)
    self_paid = 2 * data.medical_aid_fen + rng.integers(0, 2_000_000, n)
    pooled = rng.integers(2_000_000, 12_000_000, n)
    serious = rng.integers(0, 3_000_000, n)
    civil_aid = rng.integers(0, 500_000, n)
    other = rng.integers(0, 300_000, n)
    frame = pd.DataFrame(
        {
            "姓名": data.names[data.medical_person],
            "身份证号": data.ids[data.medical_person],
            "结算年度": 2021,
            "医疗总费用": yuan_text(self_paid + pooled + serious + civil_aid + other),
            "统筹基金支付": yuan_text(pooled),
            "大病保险支付": yuan_text(serious),
            "医疗救助支付": yuan_text(civil_aid),
            "其他补充支付": yuan_text(other),
            "个人自付": yuan_text(self_paid),
        }
    )
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


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
    layout.BANK_Q1: (_bank_xlsx_q1, 8),
    layout.BANK_Q2: (_bank_csv_q2, 2),
    layout.BANK_Q3: (_bank_txt_q3, 2),
    layout.BANK_Q4: (_bank_xlsx_q4, 8),
    layout.WORKERS: (_workers, 16),
    layout.CIVIL: (_civil, 9),
    layout.MEDICAL_CHECKS: (_medical, 1),
    layout.LEDGER: (_ledger, 0),
    layout.PARAMETERS: (_parameters, 0),
}
