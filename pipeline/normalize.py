"""Cell normalisers: one column of spreadsheet text in, typed values and row errors out.

The loaders read every cell as text (contract §2), so a column arrives as a pandas Series of
strings as a spreadsheet reader renders them: numbers like "1234.56", Excel dates like
"2021-12-31 00:00:00", date serials like "44561", long digit strings that Excel kept as numbers
("341503199001011328", or "3.41503E+17" once digits are lost), and whatever people typed into
a CSV. Each function returns a `Parsed` of three Series on the input's index:

- `values`: the typed value (fen as Int64, midnight datetimes, 18-character IDs ...), NA where
  the cell is empty or invalid;
- `errors`: NA, or why the cell is rejected, in plain Chinese, quoting the value and saying how
  to fix it (a row error for the validation sheet);
- `warnings`: NA, or something worth a look that does not reject the row.

Empty cells are NA without an error: whether a column is required is checked elsewhere.

The same functions run on million-row exports, so the work is vectorised over pyarrow strings:
rows already in canonical form take a fast path, the rest a general one, and Python loops only
over rows that need it (digits lost by Excel) or over small parameter sheets (`decimals`).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TEXT = pa.large_string()
_SPACE = r"[\s\p{Z}]"  # RE2's \s is ASCII only; \p{Z} adds NBSP, U+3000 and friends


@dataclass(frozen=True)
class Parsed:
    """One normalised column: typed values, row errors and warnings, all on the input's index."""

    values: pd.Series
    errors: pd.Series
    warnings: pd.Series


# ---------------------------------------------------------------------------------------------
# pyarrow plumbing

Mask: TypeAlias = pa.Array | np.ndarray  # a boolean row mask from either library


def _arrow(text: pd.Series) -> pa.Array:
    """The column as one contiguous pyarrow large_string array.

    pandas may hold a column in several chunks (a large sheet arrives so); masks built from a
    chunked array cannot index a contiguous one, so every function works on one chunk.
    """
    arr = pa.array(text.astype("str").array, type=_TEXT)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _text(value: str | None) -> pa.Scalar:
    return pa.scalar(value, _TEXT)


def _mask(condition: Mask) -> pa.Array:
    """A pyarrow boolean mask in which null (an empty cell) counts as false."""
    if isinstance(condition, np.ndarray):
        return pa.array(condition)
    return pc.fill_null(condition, False)


def _numpy(condition: Mask) -> np.ndarray:
    if isinstance(condition, np.ndarray):
        return condition
    return _mask(condition).to_numpy(zero_copy_only=False)


def _where(mask: Mask, arr: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`fn` applied only to the rows under `mask`: the costly general path for the rare rows."""
    mask = _mask(mask)
    if not pc.any(mask).as_py():
        return arr
    return pc.replace_with_mask(arr, mask, fn(pc.filter(arr, mask)).cast(arr.type))


def _matches(arr: pa.Array, pattern: str, among: Mask) -> pa.Array:
    """Whether each row matches `pattern`, testing only the rows under `among` (false elsewhere)."""
    among = _mask(among)
    return _mask(_scatter(among, pc.match_substring_regex(pc.filter(arr, among), pattern)))


def _scatter(mask: Mask, subset: pa.Array) -> pa.Array:
    """Values computed for the rows under `mask` put back in place; null elsewhere."""
    return pc.replace_with_mask(pa.nulls(len(mask), subset.type), _mask(mask), subset)


def _spread(mask: Mask, subset: np.ndarray) -> np.ndarray:
    """A boolean computed for the rows under `mask` put back in place; false elsewhere."""
    at = _numpy(mask)
    full = np.zeros(len(at), dtype=bool)
    full[at] = subset
    return full


def _trimmed(arr: pa.Array) -> pa.Array:
    """Stripped text; blank cells become null."""
    stripped = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.not_equal(stripped, _text("")), stripped, _text(None))


def _folded(arr: pa.Array) -> pa.Array:
    """NFKC (full-width digits, ￥, U+3000 become their plain forms), stripped, blank → null.

    ASCII is already NFKC, so only the other rows pay for normalisation.
    """
    ascii_only = pc.string_is_ascii(arr)
    return _trimmed(_where(pc.invert(ascii_only), arr, lambda a: pc.utf8_normalize(a, "NFKC")))


def _squeezed(arr: pa.Array) -> pa.Array:
    """NFKC-folded with every whitespace character removed."""
    return pc.replace_substring_regex(_folded(arr), _SPACE + "+", "")


_FIELD = re.compile(r"\{(\w+)\}")


def _say(mask: Mask, template: str, **values: pa.Array) -> pa.Array:
    """`template` ("金额“{raw}”…") filled in per row where `mask` holds; null elsewhere."""
    mask = _mask(mask)
    blank = pa.nulls(len(mask), _TEXT)
    if not pc.any(mask).as_py():
        return blank
    pieces = _FIELD.split(template)  # literal, name, literal, ..., literal
    parts = [
        pc.filter(values[piece], mask).cast(_TEXT) if i % 2 else _text(piece)
        for i, piece in enumerate(pieces)
    ]
    return pc.replace_with_mask(blank, mask, pc.binary_join_element_wise(*parts, _text("")))


def _sliced(arr: pa.Array, mask: Mask, start: int, stop: int) -> pa.Array:
    """Characters start:stop of the rows under `mask` (for a message), null elsewhere."""
    mask = _mask(mask)
    return _scatter(mask, pc.utf8_slice_codeunits(pc.filter(arr, mask), start, stop))


def _first(messages: list[pa.Array], length: int) -> pa.Array:
    """Per row, the first message that applies (the list is in order of precedence)."""
    return pc.coalesce(*messages) if messages else pa.nulls(length, _TEXT)


def _valid_only(values: pa.Array, errors: pa.Array) -> pa.Array:
    return pc.if_else(pc.is_null(errors), values, pa.scalar(None, values.type))


def _str_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(arr.cast(_TEXT), dtype="str"), index=index)


def _int_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    missing = pc.is_null(arr).to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.IntegerArray(values, missing), index=index)


def _parsed(values: pd.Series, errors: pa.Array, warnings: pa.Array | None = None) -> Parsed:
    index = values.index
    if warnings is None:
        warnings = pa.nulls(len(index), _TEXT)
    return Parsed(values, _str_series(errors, index), _str_series(warnings, index))


def _ints(arr: pa.Array) -> np.ndarray:
    """Digit strings as int64; null or "" → 0 (the caller masks those rows out)."""
    digits = pc.if_else(_mask(pc.not_equal(arr, _text(""))), arr, _text("0"))
    return pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)


def _char_codes(arr: pa.Array, width: int) -> np.ndarray:
    """Strings of exactly `width` ASCII characters as an (n, width) uint8 matrix of codes."""
    fixed = arr.cast(pa.large_binary()).cast(pa.binary(width))
    codes = np.frombuffer(fixed.buffers()[1], np.uint8, count=len(arr) * width)
    return codes.reshape(-1, width).copy()


def _codes_text(codes: np.ndarray) -> pa.Array:
    """The inverse of `_char_codes`: each row of ASCII codes as a string."""
    rows, width = codes.shape
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), rows, [None, pa.py_buffer(codes.tobytes())]
    )
    return fixed.cast(pa.binary()).cast(_TEXT)


def _calendar_days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] for each (year, month, day); NaT where no such day exists (02-30, 13-01)."""
    first = ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]")
    days = first.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    real = (month >= 1) & (month <= 12) & (day >= 1) & (days.astype("datetime64[M]") == first)
    return np.where(real, days, np.datetime64("NaT", "D"))


# ---------------------------------------------------------------------------------------------
# money

_PLAIN_YUAN = r"^\d{1,13}(?:\.\d{1,2})?$"  # what Excel numeric cells and careful typists give
_CURRENCY_PREFIX = r"^([+-]?)(?i:¥|RMB|CNY|人民币)"
_SIGNED_YUAN = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"  # commas only as groups of three
_MAX_WHOLE_DIGITS = 13  # under ten trillion yuan: anything longer is a broken cell
_FLOAT_NOISE = pa.array(["0000", "9999"], _TEXT)  # 3rd-6th decimals: within 1e-6 yuan of a fen
_HOW_MANY = pa.array(
    ["零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "多"], _TEXT
)

_NOT_MONEY = "“{raw}”不是有效金额：请写成 1234.56 这样的数字（可带 ¥ 或“元”，千位用逗号分隔）"
_TOO_MUCH = "金额“{raw}”大得不合理（超过十万亿元）：请核对原始金额"
_SUB_FEN = "金额“{raw}”有{count}位小数：分以下不能四舍五入，请核对原始金额"
_NEGATIVE = "金额“{raw}”是负数：这一列的金额不能为负，请核对原始金额"


def _plain_amount(arr: pa.Array) -> pa.Array:
    """Decorated amounts ("￥1,234.56元", "-¥ 12") as plain "-1234.56"; anything else → null."""
    text = _squeezed(arr)
    text = pc.replace_substring_regex(text, _CURRENCY_PREFIX, r"\1")
    text = pc.replace_substring_regex(text, "元$", "")
    text = pc.if_else(_mask(pc.match_substring_regex(text, _SIGNED_YUAN)), text, _text(None))
    return pc.replace_substring_regex(pc.replace_substring(text, ",", ""), r"^\+", "")


def _split_point(digits: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Whole and fraction digits: "1234.5" → ("1234", "5"), "12" → ("12", "")."""
    dotted = pc.if_else(
        pc.match_substring(digits, "."),
        digits,
        pc.binary_join_element_wise(digits, _text("."), _text("")),
    )
    halves = pc.split_pattern(dotted, ".", max_splits=1)
    return pc.list_element(halves, 0), pc.list_element(halves, 1)


def _fen(whole: pa.Array, fraction: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Unsigned fen from yuan digit strings, and where a third decimal is more than float noise."""
    cents = pc.utf8_rpad(pc.utf8_slice_codeunits(fraction, 0, 2), width=2, padding="0")
    beyond = pc.utf8_slice_codeunits(fraction, 2)
    noise = pc.utf8_slice_codeunits(pc.utf8_rpad(beyond, width=4, padding="0"), 0, 4)
    round_up = _numpy(pc.equal(noise, _text("9999")))
    inexact = pc.invert(pc.is_in(noise, value_set=_FLOAT_NOISE))
    return _ints(whole) * 100 + _ints(cents) + round_up, inexact


def money_fen(text: pd.Series, *, allow_negative: bool = False) -> Parsed:
    """Yuan text → integer fen (Int64), exactly: digit strings are split, never floats.

    A third decimal is refused rather than rounded, except the float noise of an Excel numeric
    cell ("1234.5600000000001"): within 1e-6 yuan of a whole fen, that fen is taken.
    """
    raw = _trimmed(_arrow(text))
    plain = _where(pc.invert(pc.match_substring_regex(raw, _PLAIN_YUAN)), raw, _plain_amount)
    negative = _numpy(pc.starts_with(plain, "-"))
    whole, fraction = _split_point(pc.utf8_ltrim(plain, characters="-"))
    too_long = _mask(pc.greater(pc.utf8_length(whole), _MAX_WHOLE_DIGITS))
    unsigned, inexact = _fen(pc.if_else(too_long, _text("0"), whole), fraction)
    signed = pa.array(np.where(negative, -unsigned, unsigned))
    fen = pc.if_else(pc.is_valid(plain), signed, pa.scalar(None, pa.int64()))

    count = pc.take(_HOW_MANY, pc.min_element_wise(pc.utf8_length(fraction), len(_HOW_MANY) - 1))
    messages = [
        _say(pc.and_(pc.is_valid(raw), pc.is_null(plain)), _NOT_MONEY, raw=raw),
        _say(too_long, _TOO_MUCH, raw=raw),
        _say(inexact, _SUB_FEN, raw=raw, count=count),
    ]
    if not allow_negative:
        messages.append(_say(negative & (unsigned > 0), _NEGATIVE, raw=raw))
    errors = _first(messages, len(raw))
    return _parsed(_int_series(_valid_only(fen, errors), text.index), errors)


# ---------------------------------------------------------------------------------------------
# dates

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?: 00:00:00)?$"  # Excel date cells as the reader renders them
_DATE = (
    r"^(?:(?P<serial>\d{5})(?:\.\d+)?"
    r"|(?P<year>\d{4})(?P<sep1>[-/.年]?)(?P<month>\d{1,2})(?P<sep2>[-/.月]?)(?P<day>\d{1,2})"
    r"(?P<sep3>日?)(?:(?:\s*T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)$"
)
# one separator used throughout; "" is the compact 20211231
_DATE_SEPARATORS = pa.array(["", "--", "//", "..", "年月", "年月日"], _TEXT)
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # 1900 date system, past Excel's fake 1900-02-29
_SERIALS = (20000, 80000)  # 1954-10-03 .. 2119-01-11: other 5-digit numbers are not dates

_NOT_DATE = "日期“{raw}”无法识别：请写成 2021-12-31 这样的日期"
_BAD_SERIAL = (
    "日期“{raw}”若是 Excel 日期序号，不在 20000–80000（1954–2119 年）之内："
    "请写成 2021-12-31 这样的日期"
)
_NO_SUCH_DAY = "日期“{raw}”是不存在的日期：请写成 2021-12-31 这样的日期"


def _date_fields(raw: pa.Array) -> dict[str, pa.Array]:
    """Per row the serial, year, month, day and separators as text; null where unrecognised."""
    iso = _mask(pc.match_substring_regex(raw, _ISO_DATE))
    fields = {
        "serial": pc.if_else(iso, _text(""), _text(None)),
        "year": pc.utf8_slice_codeunits(raw, 0, 4),
        "month": pc.utf8_slice_codeunits(raw, 5, 7),
        "day": pc.utf8_slice_codeunits(raw, 8, 10),
        "separators": pc.if_else(iso, _text("--"), _text(None)),
    }
    other = pc.and_(pc.invert(iso), pc.is_valid(raw))
    if not pc.any(other).as_py():
        return fields
    found = pc.extract_regex(_folded(pc.filter(raw, other)), _DATE)
    found_fields = {
        name: pc.struct_field(found, name) for name in ("serial", "year", "month", "day")
    }
    found_fields["separators"] = pc.binary_join_element_wise(
        *(pc.struct_field(found, f"sep{i}") for i in (1, 2, 3)), _text("")
    )
    return {
        name: pc.replace_with_mask(fields[name], other, found_fields[name].cast(_TEXT))
        for name in fields
    }


def dates(text: pd.Series) -> Parsed:
    """Date text, Excel dates and Excel serials → datetime64[us] at midnight (time dropped)."""
    raw = _trimmed(_arrow(text))
    fields = _date_fields(raw)
    is_serial = _numpy(pc.not_equal(fields["serial"], _text("")))
    two_digits = pc.and_(
        pc.equal(pc.utf8_length(fields["month"]), 2), pc.equal(pc.utf8_length(fields["day"]), 2)
    )
    compact_ok = pc.or_(pc.not_equal(fields["separators"], _text("")), two_digits)
    is_date = (
        _numpy(pc.and_(pc.is_in(fields["separators"], value_set=_DATE_SEPARATORS), compact_ok))
        & ~is_serial
    )
    serial = _ints(fields["serial"])
    calendar = _calendar_days(_ints(fields["year"]), _ints(fields["month"]), _ints(fields["day"]))
    days = np.where(is_serial, _EXCEL_EPOCH + serial.astype("timedelta64[D]"), calendar)

    out_of_range = is_serial & ((serial < _SERIALS[0]) | (serial > _SERIALS[1]))
    errors = _first(
        [
            _say(_numpy(pc.is_valid(raw)) & ~is_serial & ~is_date, _NOT_DATE, raw=raw),
            _say(out_of_range, _BAD_SERIAL, raw=raw),
            _say(is_date & np.isnat(calendar), _NO_SUCH_DAY, raw=raw),
        ],
        len(raw),
    )
    fine = (is_serial | is_date) & _numpy(pc.is_null(errors))
    values = np.where(fine, days, np.datetime64("NaT", "D")).astype("datetime64[us]")
    return _parsed(pd.Series(values, index=text.index), errors)


# ---------------------------------------------------------------------------------------------
# identity and card numbers

_ID_18 = r"^\d{17}[\dX]$"
_ID_15 = r"^\d{15}$"
_ID_CHARACTERS = r"^(?:\d{17}X|\d*)$"  # digits, and X only as the 18th character
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECKS = np.frombuffer(b"10X98765432", np.uint8)  # indexed by the weighted sum mod 11
_PROVINCES = np.array(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
    + [50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]
)
_EXCEL_SCIENTIFIC = r"^\d+(?:\.\d+)?[Ee]\+?\d+$"

_LOST_DIGITS = (
    "“{shown}”已被 Excel 存成数字，后几位已丢失，无法还原："
    "请在源系统中把这一列设为文本后重新导出，或按原件重新录入"
)
_ID_LOST = "身份证号" + _LOST_DIGITS
_ID_BAD_CHARACTERS = "身份证号“{raw}”含有数字以外的字符（只有第18位可以是 X）：请按身份证原件核对"
_ID_LENGTH = "身份证号“{raw}”有{length}位：应为18位（旧号码15位），请按身份证原件核对"
_ID_BIRTH = "身份证号“{raw}”中的出生日期“{birth}”不存在：请按身份证原件核对"
_ID_CHECK = "身份证号“{raw}”的校验位不对：按前17位应为“{check}”，请按身份证原件核对"
_ID_REGION = "身份证号“{raw}”的前两位“{region}”不是已知的省级行政区代码：请核对（旧号码可能属实）"
_CARD_LOST = "银行卡号" + _LOST_DIGITS
_CARD_CHARACTERS = "银行卡号“{raw}”含有数字以外的字符：请按银行卡核对"
_CARD_LENGTH = "银行卡号“{raw}”有{length}位：银行卡号通常为16–19位，请核对"
_CARD_LUHN = "银行卡号“{raw}”未通过 Luhn 校验：请核对卡号（部分银联卡本身不通过，核对无误可忽略）"


def _lost_digits(template: str, clean: pa.Array, lost: Mask) -> pa.Array:
    """The message for values Excel stored as numbers, quoted as Excel shows them (3.41503E+17)."""
    lost = _mask(lost)
    shown = [f"{float(number):.5E}" for number in pc.filter(clean, lost).to_pylist()]
    return _say(lost, template, shown=_scatter(lost, pa.array(shown, _TEXT)))


def _stored_as_number(clean: pa.Array, unusual: pa.Array) -> pa.Array:
    """Values that went through an Excel number: scientific notation, as Excel shows a long
    number (and as the loader writes a cell it knows Excel stored as one)."""
    return _matches(clean, _EXCEL_SCIENTIFIC, unusual)


def _clean_id(arr: pa.Array) -> pa.Array:
    return pc.utf8_upper(_squeezed(arr))


def _upgrade(old: pa.Array) -> pa.Array:
    """15 digits → 18 characters: "19" before the 2-digit birth year, "?" for the check."""
    head, tail = pc.utf8_slice_codeunits(old, 0, 6), pc.utf8_slice_codeunits(old, 6, 15)
    return pc.binary_join_element_wise(head, _text("19"), tail, _text("?"), _text(""))


def _born(digits: np.ndarray) -> np.ndarray:
    """Whether the birth date in characters 7-14 exists (and is not before 1900)."""
    birth = digits[:, 6:14].astype(np.int64) @ (10 ** np.arange(7, -1, -1))
    year, month, day = birth // 10000, birth // 100 % 100, birth % 100
    return ~np.isnat(_calendar_days(year, month, day)) & (year >= 1900)


def _rounded_by_excel(numbers: pa.Array, suspect: np.ndarray) -> np.ndarray:
    """Which suspects are 18 digits that are exactly a double: an ID Excel held as a number,
    printed back as that double's integer (every 18-digit number is above 2**53)."""
    rows = np.flatnonzero(suspect)
    values = pc.take(numbers, pa.array(rows)).to_pylist()
    rounded = np.zeros(len(suspect), dtype=bool)
    rounded[rows] = [v.isdigit() and int(v) == int(float(v)) for v in values]
    return rounded


def _id_candidates(
    raw: pa.Array, clean: pa.Array, cell_types: bool
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Errors, warnings and IDs of the rows shaped like an ID (15 digits, or 17 and a digit/X).

    Without ``cell_types`` (CSV, TXT) an ID whose check character fails and that is exactly a
    double is said to have lost its digits: most likely Excel held it as a number once."""
    old = _numpy(pc.match_substring_regex(clean, _ID_15))
    codes = _char_codes(_where(old, clean, _upgrade), 18)
    digits = codes[:, :17] - ord("0")
    check = _ID_CHECKS[np.einsum("ij,j->i", digits, _ID_WEIGHTS) % 11]
    born = _born(digits)
    wrong = born & ~old & (codes[:, 17] != check)
    codes[:, 17] = check
    ids = _codes_text(codes)
    rounded = np.zeros(len(wrong), dtype=bool) if cell_types else _rounded_by_excel(clean, wrong)
    errors = _first(
        [
            _lost_digits(_ID_LOST, clean, rounded),
            _say(~born, _ID_BIRTH, raw=raw, birth=_sliced(ids, ~born, 6, 14)),
            _say(wrong, _ID_CHECK, raw=raw, check=_sliced(ids, wrong, 17, 18)),
        ],
        len(raw),
    )
    unknown = ~np.isin(digits[:, 0] * 10 + digits[:, 1], _PROVINCES) & _numpy(pc.is_null(errors))
    warnings = _say(unknown, _ID_REGION, raw=raw, region=_sliced(ids, unknown, 0, 2))
    return errors, warnings, _valid_only(ids, errors)


def id_numbers(text: pd.Series, *, cell_types: bool = False) -> Parsed:
    """身份证号 → 18 characters with an upper-case X; 15-digit numbers are upgraded.

    `cell_types`: the reader told number cells from text (the loader wrote numbers of 16 or
    more digits in scientific notation), so plain digits are text and never guessed lost.
    """
    raw = _trimmed(_arrow(text))
    canonical = _mask(pc.match_substring_regex(raw, _ID_18))
    unusual = pc.and_(pc.invert(canonical), pc.is_valid(raw))
    clean = _where(unusual, raw, _clean_id)
    lost = _stored_as_number(clean, unusual)
    shaped = pc.and_(
        pc.or_(canonical, _matches(clean, _ID_18 + "|" + _ID_15, unusual)), pc.invert(lost)
    )
    malformed = pc.and_(unusual, pc.invert(pc.or_(shaped, lost)))
    readable = _matches(clean, _ID_CHARACTERS, malformed)
    errors_at, warnings_at, ids_at = _id_candidates(
        pc.filter(raw, shaped), pc.filter(clean, shaped), cell_types
    )
    errors = _first(
        [
            _lost_digits(_ID_LOST, clean, lost),
            _say(pc.and_(malformed, pc.invert(readable)), _ID_BAD_CHARACTERS, raw=raw),
            _say(readable, _ID_LENGTH, raw=raw, length=pc.utf8_length(clean)),
            _scatter(shaped, errors_at),
        ],
        len(raw),
    )
    ids = _str_series(_scatter(shaped, ids_at), text.index)
    return _parsed(ids, errors, _scatter(shaped, warnings_at))


def _clean_card(arr: pa.Array) -> pa.Array:
    return pc.replace_substring(_squeezed(arr), "-", "")


def _luhn_ok(numbers: pa.Array) -> np.ndarray:
    """Luhn check of numbers up to 19 digits; zero padding on the left leaves the sum alone."""
    digits = _char_codes(pc.utf8_lpad(numbers, width=19, padding="0"), 19).astype(np.int64) - 48
    doubled = digits[:, 1::2] * 2  # every second digit counting from the check digit
    doubled -= 9 * (doubled > 9)
    return (digits[:, 0::2].sum(axis=1) + doubled.sum(axis=1)) % 10 == 0


def card_numbers(text: pd.Series) -> Parsed:
    """Bank card numbers → digits only; odd lengths and Luhn failures are only warnings; a
    number in scientific notation (Excel's, or the loader's for a number cell) lost digits."""
    raw = _trimmed(_arrow(text))
    canonical = _mask(pc.match_substring_regex(raw, r"^\d+$"))
    unusual = pc.and_(pc.invert(canonical), pc.is_valid(raw))
    clean = _where(unusual, raw, _clean_card)
    lost = _stored_as_number(clean, unusual)
    digits = pc.and_(pc.or_(canonical, _matches(clean, r"^\d+$", unusual)), pc.invert(lost))
    errors = _first(
        [
            _lost_digits(_CARD_LOST, clean, lost),
            _say(pc.and_(unusual, pc.invert(pc.or_(digits, lost))), _CARD_CHARACTERS, raw=raw),
        ],
        len(raw),
    )
    length = pc.utf8_length(clean)
    usual = pc.and_(digits, pc.and_(pc.greater_equal(length, 16), pc.less_equal(length, 19)))
    warnings = _first(
        [
            _say(pc.and_(digits, pc.invert(usual)), _CARD_LENGTH, raw=raw, length=length),
            _say(_spread(usual, ~_luhn_ok(pc.filter(clean, usual))), _CARD_LUHN, raw=raw),
        ],
        len(raw),
    )
    return _parsed(_str_series(_valid_only(clean, errors), text.index), errors, warnings)


# ---------------------------------------------------------------------------------------------
# names and free text

# Unified ideographs and the middle dot only: NFKC leaves them alone (compatibility ideographs
# and Kangxi radicals, which NFKC changes, are outside these ranges).
_PLAIN_NAME = r"^[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{20000}-\x{2EBEF}\x{30000}-\x{3134F}·]+$"
_HAN_GAP = r"(\p{Han})" + _SPACE + r"+(\p{Han})"
_DOT = r"[·•.・‧∙⋅]"  # the middle dot as people type it (after NFKC, ． is .)
_DOT_SPACING = _SPACE + r"*(" + _DOT + r")" + _SPACE + r"*"
_NAME_DOT = r"(\p{Han})" + _DOT  # consumes only what precedes the dot: 甲.乙.丙 in one pass
_EDGE_DOTS = r"^·+|·+$"
_INVISIBLE = r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}]"


def _tidy_names(arr: pa.Array) -> pa.Array:
    text = pc.replace_substring_regex(_folded(arr), _INVISIBLE, "")
    text = pc.replace_substring_regex(text, _DOT_SPACING, r"\1")
    text = pc.replace_substring_regex(text, _NAME_DOT, r"\1·")
    text = pc.replace_substring_regex(text, _EDGE_DOTS, "")
    while True:
        # A match consumes the character after the gap, so "张 三 丰" needs another pass (RE2
        # has no lookahead); each pass removes at least one gap, and names are short.
        tidier = pc.replace_substring_regex(text, _HAN_GAP, r"\1\2")
        if tidier.equals(text):
            break
        text = tidier
    return _trimmed(pc.replace_substring_regex(text, _SPACE + "+", " "))


def person_names(text: pd.Series) -> Parsed:
    """Names as on the ID card: no spaces inside Chinese names, minority-name dots as "·"."""
    raw = _trimmed(_arrow(text))
    names = _where(pc.invert(pc.match_substring_regex(raw, _PLAIN_NAME)), raw, _tidy_names)
    return _parsed(_str_series(names, text.index), pa.nulls(len(raw), _TEXT))


def plain_text(text: pd.Series) -> Parsed:
    """Free text NFKC-folded, stripped, inner whitespace runs collapsed to one space."""
    folded = _folded(_arrow(text))
    collapsed = pc.replace_substring_regex(folded, _SPACE + "+", " ")
    return _parsed(_str_series(collapsed, text.index), pa.nulls(len(folded), _TEXT))


# ---------------------------------------------------------------------------------------------
# counts and parameters

_INTEGER = (
    r"^[+-]?(?:\d{1,3}(?:,\d{3}){1,5}|\d{1,18})(?:\.0+)?"
    r"(?:人次|口人|个月|年度|[人口户年个名次月天日岁])?$"  # units people add; never 万 or 千
)
_FRACTION = r"^[+-]?[\d,]*\.\d*[1-9]"
_NOT_WHOLE = "“{raw}”有小数：这一列只能填整数"
_NOT_INTEGER = "“{raw}”不是整数：请填写整数，如 3"
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[Ee][+-]?\d+)?%?")
_NOT_DECIMAL = "“{raw}”不是有效数值：请写成 0.5、15000 或 50% 这样的数"


def _plain_integer(squeezed: pa.Array) -> pa.Array:
    """Plain digits from "3.0", "3人" or "1,234" (→ "3", "3", "1234"); anything else → null."""
    text = pc.if_else(_mask(pc.match_substring_regex(squeezed, _INTEGER)), squeezed, _text(None))
    text = pc.replace_substring_regex(text, r"(?:\.0+)?\D*$", "")
    return pc.replace_substring_regex(pc.replace_substring(text, ",", ""), r"^\+", "")


def integers(text: pd.Series) -> Parsed:
    """Counts and years ("3", "3.0", "3人", "2021年") → Int64; a fraction is an error."""
    raw = _trimmed(_arrow(text))
    unusual = pc.invert(pc.match_substring_regex(raw, r"^\d{1,18}$"))
    squeezed = _where(unusual, raw, _squeezed)
    plain = _where(unusual, squeezed, _plain_integer)
    unreadable = pc.and_(pc.is_valid(raw), pc.is_null(plain))
    fraction = _matches(squeezed, _FRACTION, unreadable)
    errors = _first(
        [
            _say(fraction, _NOT_WHOLE, raw=raw),
            _say(unreadable, _NOT_INTEGER, raw=raw),
        ],
        len(raw),
    )
    return _parsed(_int_series(pc.cast(plain, pa.int64()), text.index), errors)


def _decimal(cell: str | None) -> Decimal | None:
    if cell is None or not _DECIMAL.fullmatch(cell):
        return None
    if cell.endswith("%"):
        return Decimal(cell[:-1]).scaleb(-2)
    return Decimal(cell)


def decimals(text: pd.Series) -> Parsed:
    """Parameter values ("0.5", "15000", "50%") → decimal.Decimal, exactly; for small sheets."""
    raw = _trimmed(_arrow(text))
    parsed = [_decimal(cell) for cell in pc.replace_substring(_squeezed(raw), ",", "").to_pylist()]
    unreadable = np.array([value is None for value in parsed], dtype=bool)
    errors = _say(_numpy(pc.is_valid(raw)) & unreadable, _NOT_DECIMAL, raw=raw)
    values = pd.Series([pd.NA if v is None else v for v in parsed], index=text.index, dtype=object)
    return _parsed(values, errors)
