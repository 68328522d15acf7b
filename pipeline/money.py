"""Money as people read it, from integer fen: yuan text, 万元 and 大写金额.

In: integer fen (money is never a float here). Out: text — "1234.56" for machines and messages,
"1,234.56" where a clerk reads columns of figures, "壹仟贰佰叁拾肆元伍角陆分" for the amount in
capitals a signed report carries; ``yuan_texts`` the plain text of a whole column at once. The workbook's 万元 cells are formulas of the yuan cell beside
them; ``WAN_DECIMALS`` says how many decimals keep them exact to the fen.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

WAN_DECIMALS = 6  # 1 fen = 0.000001 万元: six decimals are exact
DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
SECTIONS = ("", "万", "亿", "万亿")


def yuan_text(fen: int, grouped: bool = False) -> str:
    """Integer fen as yuan with two decimals: 123456 → "1234.56" ("1,234.56" when
    ``grouped``), -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}" if grouped else f"{sign}{whole}.{cents:02d}"


def yuan_texts(fen: pd.Series) -> pd.Series:
    """``yuan_text`` of every value of a column of integer fen, vectorised in integer arithmetic
    (no float ever holds the money); a missing value gives ""."""
    values = pa.array(fen.astype("Int64"), type=pa.int64())
    absolute = pc.abs(values)
    whole = pc.divide(absolute, 100)  # integer division: whole yuan
    cents = pc.utf8_lpad(
        pc.cast(pc.subtract(absolute, pc.multiply(whole, 100)), pa.string()), 2, "0"
    )
    sign = pc.if_else(pc.less(values, 0), "-", "")
    text = pc.binary_join_element_wise(sign, pc.cast(whole, pa.string()), ".", cents, "")
    return pd.Series(pa.chunked_array([pc.fill_null(text, "")]), index=fen.index, dtype="string")


def yuan(fen: int, grouped: bool = False) -> str:
    """``yuan_text`` with its unit, as a sentence says it: "1234.56 元"."""
    return f"{yuan_text(fen, grouped)} 元"


def wan_text(fen: int) -> str:
    """Integer fen as 万元 with ``WAN_DECIMALS`` decimals and thousands separators."""
    sign = "-" if fen < 0 else ""
    whole, rest = divmod(abs(int(fen)), 1_000_000)
    return f"{sign}{whole:,}.{rest:0{WAN_DECIMALS}d}"


def capital_amount(fen: int) -> str:
    """The amount in Chinese capital numerals, exact from integer fen.

    As in the examples of 《正确填写票据和结算凭证的基本规定》: 1,409.50 → 壹仟肆佰零玖元伍角,
    1,680.32 → 壹仟陆佰捌拾元零叁角贰分, 107,000.53 → 壹拾万柒仟元零伍角叁分, 325.04 →
    叁佰贰拾伍元零肆分; 整 after 元 only, never after 角 or 分; 壹拾 rather than 拾.
    """
    if fen < 0:
        return "负" + capital_amount(-fen)
    yuan, cents = divmod(int(fen), 100)
    jiao, fen_digit = divmod(cents, 10)
    text = _capital_integer(yuan) + "元" if yuan else ""
    if not cents:
        return (text or "零元") + "整"
    if jiao:
        text += ("零" if yuan and yuan % 10 == 0 else "") + DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    return text + (DIGITS[fen_digit] + "分" if fen_digit else "")


def _capital_integer(number: int) -> str:
    sections = []
    while number:
        number, section = divmod(number, 10_000)
        sections.append(section)
    text, gap = "", False
    for index in reversed(range(len(sections))):
        section = sections[index]
        if section == 0:
            gap = bool(text)  # a whole section of zeros between two others reads as 零
            continue
        if text and (gap or section < 1000):
            text += "零"
        text += _capital_section(section) + SECTIONS[index]
        gap = False
    return text


def _capital_section(section: int) -> str:
    text, zero = "", False
    for place, digit in zip(PLACES, f"{section:04d}", strict=True):
        if digit == "0":
            zero = bool(text)
            continue
        text += ("零" if zero else "") + DIGITS[int(digit)] + place
        zero = False
    return text
