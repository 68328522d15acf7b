"""Cell normalisers: one column of spreadsheet text in, typed values and row errors out.

The loaders read every cell as text (contract §2), so a column arrives as a pandas Series of
strings as a spreadsheet reader renders them: numbers like "1234.56", Excel dates like
"2021-12-31 00:00:00", date serials like "44561", long digit strings that Excel kept as numbers
("341503199001011328", or "3.41503E+17" once digits are lost), and whatever people typed into
a CSV. Each function returns a `Parsed` of three Series on the input's index:

- `values`: the typed value (fen as Int64, midnight datetimes, 18-character IDs ...), NA where
  the cell is empty or invalid;
- `errors`: NA, or the reason the cell is rejected, in plain Chinese, quoting the value and
  saying how to fix it (a row error for the validation sheet);
- `warnings`: NA, or something worth a look that does not reject the row.

Empty cells are NA without an error: whether a column is required is checked elsewhere.

The same functions run on million-row exports, so everything is vectorised over pyarrow
strings; only the rare rows that are not already in canonical form take the slower general path,
and only rows that need Python (digits lost by Excel, Decimal parameters) are looped over.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()
_SPACE = r"[\s\p{Z}]"  # RE2's \s is ASCII only; \p{Z} adds NBSP, U+3000 and friends


@dataclass(frozen=True)
class Parsed:
    """One normalised column: typed values, row errors and warnings, all on the input's index."""

    values: pd.Series
    errors: pd.Series
    warnings: pd.Series


# ---------------------------------------------------------------------------------------------
# pyarrow plumbing


def _arrow(text: pd.Series) -> pa.Array:
    """The column as one pyarrow large_string array (zero-copy when already pyarrow-backed)."""
    return pa.array(text.astype("str").array, type=TEXT)


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, TEXT)


def _mask(condition: pa.Array) -> pa.Array:
    """A boolean mask in which null (an empty cell) counts as false."""
    return pc.fill_null(condition, False)


def _where(mask: pa.Array, arr: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`fn` applied only to the rows under `mask`: the costly general path for the rare rows."""
    mask = _mask(mask)
    if not pc.any(mask).as_py():
        return arr
    return pc.replace_with_mask(arr, mask, fn(pc.filter(arr, mask)).cast(arr.type))


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


def _say(mask: pa.Array, *parts: str | pa.Array) -> pa.Array:
    """A message built from literal and per-row parts where `mask` holds, null elsewhere."""
    mask = _mask(mask)
    blank = pa.nulls(len(mask), TEXT)
    if not pc.any(mask).as_py():
        return blank
    pieces = [_text(p) if isinstance(p, str) else pc.filter(p, mask).cast(TEXT) for p in parts]
    return pc.replace_with_mask(blank, mask, pc.binary_join_element_wise(*pieces, _text("")))


def _first(messages: list[pa.Array], length: int) -> pa.Array:
    """Per row, the first message that applies (the list is in order of precedence)."""
    return pc.coalesce(*messages) if messages else pa.nulls(length, TEXT)


def _valid_only(values: pa.Array, errors: pa.Array) -> pa.Array:
    return pc.if_else(pc.is_null(errors), values, pa.scalar(None, values.type))


def _str_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(arr.cast(TEXT), dtype="str"), index=index)


def _int_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    missing = pc.is_null(arr).to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.IntegerArray(values, missing), index=index)


def _parsed(values: pd.Series, errors: pa.Array, warnings: pa.Array | None = None) -> Parsed:
    index = values.index
    if warnings is None:
        warnings = pa.nulls(len(index), TEXT)
    return Parsed(values, _str_series(errors, index), _str_series(warnings, index))


def _ints(arr: pa.Array) -> np.ndarray:
    """Digit strings as int64; null or "" → 0 (the caller masks those rows out)."""
    digits = pc.if_else(_mask(pc.not_equal(arr, _text(""))), arr, _text("0"))
    return pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)


def _digit_matrix(arr: pa.Array, width: int) -> np.ndarray:
    """Strings of exactly `width` ASCII digits as an (n, width) int64 matrix of digit values."""
    fixed = arr.cast(pa.large_binary()).cast(pa.binary(width))
    codes = np.frombuffer(fixed.buffers()[1], np.uint8, count=len(arr) * width)
    return codes.reshape(-1, width).astype(np.int64) - ord("0")


def _calendar_days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] for each (year, month, day); NaT where no such day exists (02-30, 13-01)."""
    first = ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]")
    days = first.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    real = (month >= 1) & (month <= 12) & (day >= 1) & (days.astype("datetime64[M]") == first)
    return np.where(real, days, np.datetime64("NaT", "D"))


def _scatter(mask: pa.Array, subset: pa.Array) -> pa.Array:
    """Values computed for the rows under `mask` put back in place; null elsewhere."""
    return pc.replace_with_mask(pa.nulls(len(mask), subset.type), _mask(mask), subset)


def _numpy_mask(mask: pa.Array) -> np.ndarray:
    return _mask(mask).to_numpy(zero_copy_only=False)


# ---------------------------------------------------------------------------------------------
# money

_PLAIN_YUAN = r"^\d{1,13}(?:\.\d{1,2})?$"  # what Excel numeric cells and careful typists give
_CURRENCY_PREFIX = r"^([+-]?)(?i:¥|RMB|CNY|人民币)"
_SIGNED_YUAN = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"  # commas only as groups of three
_MAX_WHOLE_DIGITS = 13  # ten trillion yuan: anything longer is a broken cell, not an amount
_FLOAT_NOISE = pa.array(["0000", "9999"], TEXT)  # digits 3-6 after the point: within 1e-6 yuan
_HOW_MANY = pa.array(["零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "多"], TEXT)


def _plain_amount(arr: pa.Array) -> pa.Array:
    """Decorated amounts ("￥1,234.56元", "-¥ 12") as plain "-1234.56"; anything else → null."""
    text = _squeezed(arr)
    text = pc.replace_substring_regex(text, _CURRENCY_PREFIX, r"\1")
    text = pc.replace_substring_regex(text, "元$", "")
    text = pc.if_else(_mask(pc.match_substring_regex(text, _SIGNED_YUAN)), text, _text(None))
    return pc.replace_substring_regex(pc.replace_substring(text, ",", ""), r"^\+", "")


def _split_point(digits: pa.Array) -> tuple[pa.Array, pa.Array]:
    """ "1234.5" → ("1234", "5"); "12" → ("12", "")."""
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
    round_up = _numpy_mask(pc.equal(noise, _text("9999")))
    inexact = pc.invert(pc.is_in(noise, value_set=_FLOAT_NOISE))
    return _ints(whole) * 100 + _ints(cents) + round_up, inexact


def money_fen(text: pd.Series, *, allow_negative: bool = False) -> Parsed:
    """Yuan text → integer fen (Int64), exactly: digit strings are split, never floats.

    A third decimal is refused rather than rounded, except the float noise of an Excel numeric
    cell ("1234.5600000000001"): within 1e-6 yuan of a whole fen, that fen is taken.
    """
    raw = _trimmed(_arrow(text))
    plain = _where(pc.invert(pc.match_substring_regex(raw, _PLAIN_YUAN)), raw, _plain_amount)
    negative = _mask(pc.starts_with(plain, "-"))
    whole, fraction = _split_point(pc.utf8_ltrim(plain, characters="-"))
    too_long = _mask(pc.greater(pc.utf8_length(whole), _MAX_WHOLE_DIGITS))
    unsigned, inexact = _fen(pc.if_else(too_long, _text("0"), whole), fraction)
    signed = np.where(negative.to_numpy(zero_copy_only=False), -unsigned, unsigned)
    fen = pc.if_else(pc.is_valid(plain), pa.array(signed), pa.scalar(None, pa.int64()))

    decimals_count = pc.take(_HOW_MANY, pc.min_element_wise(pc.utf8_length(fraction), 11))
    messages = [
        _say(
            pc.and_(pc.is_valid(raw), pc.is_null(plain)),
            "“",
            raw,
            "”不是有效金额：请写成 1234.56 这样的数字（可带 ¥ 或“元”，千位用逗号分隔）",
        ),
        _say(too_long, "金额“", raw, "”超过一万亿元，不是有效金额：请核对原始金额"),
        _say(
            inexact,
            "金额“",
            raw,
            "”有",
            decimals_count,
            "位小数：分以下不能四舍五入，请核对原始金额",
        ),
    ]
    if not allow_negative:
        messages.append(
            _say(
                pc.and_(negative, pc.less(fen, 0)),
                "金额“",
                raw,
                "”是负数：这一列的金额不能为负，请核对原始金额",
            )
        )
    errors = _first(messages, len(raw))
    return _parsed(_int_series(_valid_only(fen, errors), text.index), errors)


def yuan_text(fen: int) -> str:
    """Integer fen as plain yuan text with two decimals: 123456 → "1234.56", -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


# ---------------------------------------------------------------------------------------------
# dates

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?: 00:00:00)?$"  # Excel date cells as the reader renders them
_DATE = (
    r"^(?:(?P<serial>\d{5})(?:\.\d+)?"
    r"|(?P<year>\d{4})(?P<sep1>[-/.年]?)(?P<month>\d{1,2})(?P<sep2>[-/.月]?)(?P<day>\d{1,2})"
    r"(?P<sep3>日?)(?:(?:\s*T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)$"
)
_DATE_FIELDS = ("serial", "year", "month", "day", "separators")
# one separator used consistently; "" is the compact 20211231
_DATE_SEPARATORS = pa.array(["", "--", "//", "..", "年月", "年月日"], TEXT)
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # 1900 date system, past Excel's fake 1900-02-29
_SERIALS = (20000, 80000)  # 1954-10-03 .. 2119-01-08: other 5-digit numbers are not dates
_DATE_FIX = "请写成 2021-12-31 这样的日期"


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
    if pc.any(other).as_py():
        found = pc.extract_regex(_folded(pc.filter(raw, other)), _DATE)
        found_fields = {name: pc.struct_field(found, name) for name in _DATE_FIELDS[:4]}
        found_fields["separators"] = pc.binary_join_element_wise(
            *(pc.struct_field(found, f"sep{i}") for i in (1, 2, 3)), _text("")
        )
        fields = {
            name: pc.replace_with_mask(fields[name], other, found_fields[name].cast(TEXT))
            for name in _DATE_FIELDS
        }
    return fields


def dates(text: pd.Series) -> Parsed:
    """Date text, Excel dates and Excel serials → datetime64[us] at midnight (time dropped)."""
    raw = _trimmed(_arrow(text))
    fields = _date_fields(raw)
    is_serial = _mask(pc.not_equal(fields["serial"], _text("")))
    compact = pc.equal(fields["separators"], _text(""))
    two_digits = pc.and_(
        pc.equal(pc.utf8_length(fields["month"]), 2), pc.equal(pc.utf8_length(fields["day"]), 2)
    )
    is_date = _mask(
        pc.and_(
            pc.is_in(fields["separators"], value_set=_DATE_SEPARATORS),
            pc.or_(pc.invert(compact), two_digits),
        )
    )
    serial = _ints(fields["serial"])
    in_range = (serial >= _SERIALS[0]) & (serial <= _SERIALS[1])
    calendar = _calendar_days(_ints(fields["year"]), _ints(fields["month"]), _ints(fields["day"]))
    days = np.where(is_serial, _EXCEL_EPOCH + serial.astype("timedelta64[D]"), calendar)
    recognised = is_date.to_numpy(zero_copy_only=False) & ~is_serial.to_numpy(zero_copy_only=False)

    errors = _first(
        [
            _say(
                pc.and_(pc.is_valid(raw), pc.invert(pc.or_(is_serial, is_date))),
                "日期“",
                raw,
                "”无法识别：" + _DATE_FIX,
            ),
            _say(
                pc.and_(is_serial, pa.array(~in_range)),
                "日期“",
                raw,
                "”若是 Excel 日期序号，不在 20000–80000（1954–2119 年）之内：" + _DATE_FIX,
            ),
            _say(
                pa.array(recognised & np.isnat(calendar)),
                "日期“",
                raw,
                "”是不存在的日期：" + _DATE_FIX,
            ),
        ],
        len(raw),
    )
    fine = pc.is_null(errors).to_numpy(zero_copy_only=False) & pc.is_valid(raw).to_numpy(
        zero_copy_only=False
    )
    values = np.where(fine, days, np.datetime64("NaT", "D")).astype("datetime64[us]")
    return _parsed(pd.Series(values, index=text.index), errors)


# ---------------------------------------------------------------------------------------------
# identity and card numbers

_ID_18 = r"^\d{17}[\dX]$"
_ID_15 = r"^\d{15}$"
_ID_CHARACTERS = r"^(?:\d{17}X|\d*)$"  # digits, and X only as the 18th character
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECKS = pa.array(list("10X98765432"), TEXT)  # indexed by the weighted sum mod 11
_PROVINCES = pa.array(
    [
        str(code)
        for first, last in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
        for code in range(first, last + 1)
    ]
    + ["71", "81", "82"],
    TEXT,
)
_EXCEL_SCIENTIFIC = r"^\d+(?:\.\d+)?[Ee]\+?\d+$"
_NUMERIC_LONG = r"^\d{16,}$"  # a double keeps 15 significant digits
_LOST_DIGITS_FIX = (
    "”已被 Excel 存成数字，后几位已丢失，无法还原：请在源系统中把这一列设为文本后重新导出，"
    "或按原件重新录入"
)


def _excel_shows(numbers: list[str]) -> pa.Array:
    """How Excel displays a long number in a General cell: 3.41503E+17."""
    return pa.array([f"{float(number):.5E}" for number in numbers], TEXT)


def _lost_digits(label: str, clean: pa.Array, lost: pa.Array) -> pa.Array:
    """The message for values Excel stored as numbers, quoted the way Excel shows them."""
    lost = _mask(lost)
    shown = _scatter(lost, _excel_shows(pc.filter(clean, lost).to_pylist()))
    return _say(lost, label + "“", shown, _LOST_DIGITS_FIX)


def _stored_as_number(clean: pa.Array, numeric_stored: bool) -> pa.Array:
    lost = pc.match_substring_regex(clean, _EXCEL_SCIENTIFIC)
    if numeric_stored:
        lost = pc.or_(lost, pc.match_substring_regex(clean, _NUMERIC_LONG))
    return _mask(lost)


def _clean_id(arr: pa.Array) -> pa.Array:
    return pc.utf8_upper(_squeezed(arr))


def _id_bodies(clean: pa.Array, old: pa.Array) -> pa.Array:
    """The first 17 characters; a 15-digit number gets "19" before its 2-digit birth year."""
    upgraded = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(clean, 0, 6),
        _text("19"),
        pc.utf8_slice_codeunits(clean, 6, 15),
        _text(""),
    )
    return pc.if_else(old, upgraded, pc.utf8_slice_codeunits(clean, 0, 17))


def _check_and_birth(bodies: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The MOD 11-2 check character of each 17-digit body, and whether its birth date exists."""
    digits = _digit_matrix(bodies, 17)
    check = pc.take(_ID_CHECKS, pa.array(digits @ _ID_WEIGHTS % 11))
    birth = digits[:, 6:14] @ np.array([10**i for i in range(7, -1, -1)])
    year, month, day = birth // 10000, birth // 100 % 100, birth % 100
    born = ~np.isnat(_calendar_days(year, month, day)) & (year >= 1900)
    return check, born


def _really_lost(clean: pa.Array, suspect: np.ndarray) -> np.ndarray:
    """18 digits with a wrong check that are exactly a double ≥ 2**53: Excel rounded them."""
    rows = np.flatnonzero(suspect)
    numbers = pc.take(clean, pa.array(rows)).to_pylist()
    lost = np.zeros(len(suspect), dtype=bool)
    lost[rows] = [int(n) >= 2**53 and int(n) == int(float(n)) for n in numbers]
    return lost


def id_numbers(text: pd.Series, *, numeric_stored: bool = False) -> Parsed:
    """身份证号 → 18 characters with an upper-case X; 15-digit numbers are upgraded.

    `numeric_stored`: the caller saw the column stored as numbers, so 16+ digits are damaged.
    """
    raw = _trimmed(_arrow(text))
    clean = _where(pc.invert(pc.match_substring_regex(raw, _ID_18)), raw, _clean_id)
    lost = _stored_as_number(clean, numeric_stored)
    old = pc.and_(_mask(pc.match_substring_regex(clean, _ID_15)), pc.invert(lost))
    shaped = pc.or_(old, pc.and_(_mask(pc.match_substring_regex(clean, _ID_18)), pc.invert(lost)))
    bodies = pc.filter(_id_bodies(clean, old), shaped)
    check, born = _check_and_birth(bodies)
    given = pc.if_else(
        pc.filter(old, shaped), check, pc.utf8_slice_codeunits(pc.filter(clean, shaped), 17)
    )

    at = _numpy_mask(shaped)
    wrong_check = np.zeros(len(raw), dtype=bool)
    wrong_check[at] = born & ~_numpy_mask(pc.equal(given, check))
    all_digits = _numpy_mask(pc.match_substring_regex(clean, r"^\d{18}$"))
    rounded = _really_lost(clean, wrong_check & all_digits)
    unborn = np.zeros(len(raw), dtype=bool)
    unborn[at] = ~born
    full_bodies = _scatter(shaped, bodies)

    errors = _first(
        [
            _lost_digits("身份证号", clean, pc.or_(lost, pa.array(rounded))),
            _say(
                pc.and_(
                    pc.is_valid(raw), pc.invert(pc.match_substring_regex(clean, _ID_CHARACTERS))
                ),
                "身份证号“",
                raw,
                "”含有数字以外的字符（只有第18位可以是 X）：请按身份证原件核对",
            ),
            _say(
                pc.and_(pc.is_valid(raw), pc.invert(pc.or_(shaped, lost))),
                "身份证号“",
                raw,
                "”有",
                pc.cast(pc.utf8_length(clean), TEXT),
                "位：应为18位（旧号码15位），请按身份证原件核对",
            ),
            _say(
                pa.array(unborn),
                "身份证号“",
                raw,
                "”中的出生日期“",
                pc.utf8_slice_codeunits(full_bodies, 6, 14),
                "”不存在：请按身份证原件核对",
            ),
            _say(
                pa.array(wrong_check),
                "身份证号“",
                raw,
                "”的校验位不对：按前17位应为“",
                _scatter(shaped, check),
                "”，请按身份证原件核对",
            ),
        ],
        len(raw),
    )
    ids = _valid_only(
        _scatter(shaped, pc.binary_join_element_wise(bodies, check, _text(""))), errors
    )
    region = pc.utf8_slice_codeunits(ids, 0, 2)
    warnings = _say(
        pc.and_(pc.is_valid(ids), pc.invert(pc.is_in(region, value_set=_PROVINCES))),
        "身份证号“",
        raw,
        "”的前两位“",
        region,
        "”不是已知的省级行政区代码：请核对（旧号码可能属实）",
    )
    return _parsed(_str_series(ids, text.index), errors, warnings)


def _clean_card(arr: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(_squeezed(arr), "-+", "")


def _luhn_ok(numbers: pa.Array) -> np.ndarray:
    """Luhn check of 16–19 digit numbers; left zero padding leaves the sum unchanged."""
    digits = _digit_matrix(pc.utf8_lpad(numbers, width=19, padding="0"), 19)
    doubled = digits[:, 1::2] * 2  # every second digit from the right of 19
    doubled -= 9 * (doubled > 9)
    return (digits[:, 0::2].sum(axis=1) + doubled.sum(axis=1)) % 10 == 0


def card_numbers(text: pd.Series, *, numeric_stored: bool = False) -> Parsed:
    """Bank card numbers → digits only; odd lengths and Luhn failures are only warnings."""
    raw = _trimmed(_arrow(text))
    clean = _where(pc.invert(pc.match_substring_regex(raw, r"^\d+$")), raw, _clean_card)
    lost = _stored_as_number(clean, numeric_stored)
    digits = pc.and_(_mask(pc.match_substring_regex(clean, r"^\d+$")), pc.invert(lost))
    errors = _first(
        [
            _lost_digits("银行卡号", clean, lost),
            _say(
                pc.and_(pc.is_valid(raw), pc.invert(pc.or_(digits, lost))),
                "银行卡号“",
                raw,
                "”含有数字以外的字符：请按银行卡核对",
            ),
        ],
        len(raw),
    )
    length = pc.utf8_length(clean)
    usual = pc.and_(pc.greater_equal(length, 16), pc.less_equal(length, 19))
    odd_length = pc.and_(digits, pc.invert(usual))
    checked = pc.and_(digits, usual)
    luhn_failed = np.zeros(len(raw), dtype=bool)
    luhn_failed[_numpy_mask(checked)] = ~_luhn_ok(pc.filter(clean, checked))
    warnings = _first(
        [
            _say(
                odd_length,
                "银行卡号“",
                raw,
                "”有",
                pc.cast(length, TEXT),
                "位：银行卡号通常为16–19位，请核对",
            ),
            _say(
                pa.array(luhn_failed),
                "银行卡号“",
                raw,
                "”未通过 Luhn 校验：请核对卡号（部分银联卡本身不通过，核对无误可忽略）",
            ),
        ],
        len(raw),
    )
    numbers = _valid_only(clean, errors)
    return _parsed(_str_series(numbers, text.index), errors, warnings)


# ---------------------------------------------------------------------------------------------
# names and free text

_HAN_GAP = r"(\p{Han})" + _SPACE + r"+(\p{Han})"
_NAME_DOT = r"(\p{Han})" + _SPACE + r"*[·•.・‧∙⋅]" + _SPACE + r"*(\p{Han})"  # after NFKC
_INVISIBLE = r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}]"


def _tidy_names(arr: pa.Array) -> pa.Array:
    text = pc.replace_substring_regex(arr, _INVISIBLE, "")
    for pattern, joined in ((_NAME_DOT, r"\1·\2"), (_HAN_GAP, r"\1\2")):
        # a match consumes the character after the gap, so "张 三 丰" needs a second pass
        for _ in range(2):
            text = pc.replace_substring_regex(text, pattern, joined)
    return _trimmed(pc.replace_substring_regex(text, _SPACE + "+", " "))


def person_names(text: pd.Series) -> Parsed:
    """Names as written on the ID card: no spaces inside Chinese names, minority dots as "·"."""
    names = _folded(_arrow(text))
    names = _where(pc.invert(pc.match_substring_regex(names, r"^\p{Han}+$")), names, _tidy_names)
    return _parsed(_str_series(names, text.index), pa.nulls(len(names), TEXT))


def plain_text(text: pd.Series) -> Parsed:
    """Free text NFKC-folded, stripped, inner whitespace runs collapsed to one space."""
    folded = _folded(_arrow(text))
    collapsed = pc.replace_substring_regex(folded, _SPACE + "+", " ")
    return _parsed(_str_series(collapsed, text.index), pa.nulls(len(folded), TEXT))


# ---------------------------------------------------------------------------------------------
# counts and parameters

_INTEGER = (
    r"^[+-]?(?:\d{1,3}(?:,\d{3}){1,5}|\d{1,18})(?:\.0+)?"
    r"(?:人次|口人|个月|年度|[人口户年个名次月天日岁])?$"  # units people add; never 万 or 千
)
_INTEGER_DECORATION = r"(?:\.0+)?\D*$"


def _plain_integer(arr: pa.Array) -> pa.Array:
    text = _squeezed(arr)
    text = pc.if_else(_mask(pc.match_substring_regex(text, _INTEGER)), text, _text(None))
    text = pc.replace_substring_regex(text, _INTEGER_DECORATION, "")
    return pc.replace_substring_regex(pc.replace_substring(text, ",", ""), r"^\+", "")


def integers(text: pd.Series) -> Parsed:
    """Counts and years ("3", "3.0", "3人", "2021年") → Int64; a fraction is an error."""
    raw = _trimmed(_arrow(text))
    plain = _where(pc.invert(pc.match_substring_regex(raw, r"^\d{1,18}$")), raw, _plain_integer)
    unreadable = pc.and_(pc.is_valid(raw), pc.is_null(plain))
    fraction = pc.match_substring_regex(_squeezed(raw), r"^[+-]?[\d,]*\.\d*[1-9]")
    errors = _first(
        [
            _say(pc.and_(unreadable, fraction), "“", raw, "”有小数：这一列只能填整数"),
            _say(unreadable, "“", raw, "”不是整数：请填写整数，如 3"),
        ],
        len(raw),
    )
    return _parsed(_int_series(pc.cast(plain, pa.int64()), text.index), errors)


_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[Ee][+-]?\d+)?%?")


def _decimal(cell: str | None) -> Decimal | None:
    if cell is None or not _DECIMAL.fullmatch(cell):
        return None
    if cell.endswith("%"):
        return Decimal(cell[:-1]).scaleb(-2)
    return Decimal(cell)


def decimals(text: pd.Series) -> Parsed:
    """Parameter values ("0.5", "15000", "50%") → decimal.Decimal, exactly; for small sheets."""
    raw = _trimmed(_arrow(text))
    cells = pc.replace_substring(_squeezed(raw), ",", "").to_pylist()
    parsed = [_decimal(cell) for cell in cells]
    errors = _say(
        pc.and_(pc.is_valid(raw), pa.array([value is None for value in parsed])),
        "“",
        raw,
        "”不是有效数值：请写成 0.5、15000 或 50% 这样的数",
    )
    values = pd.Series([pd.NA if v is None else v for v in parsed], index=text.index, dtype=object)
    return _parsed(values, errors)
