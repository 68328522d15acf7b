"""Personal data in the outputs: masked ID and card numbers, and the encrypted workbook.

``--mask`` makes a copy fit to leave the office: every ID number (15 or 18 characters) and bank
card number (15 to 19 digits) in a text is shown with its first six and last four digits only,
the rest as ``*`` (``341503********1234``), wherever it stands in the text: alone, inside a
message, split by spaces or dashes (``6217 0012 3456 7890 123``), or as the 15-digit mantissa
of a number Excel stored (``3.41503*********E+17``). Any run of 15 or more digits
counts: no amount, date or row number is that long, and masking a long record number too is
the safe mistake. Masking is idempotent: a masked number has no such run left.

``--password`` encrypts the finished workbook (ECMA-376 agile encryption, AES-256, as Excel
does) with msoffcrypto-tool; Excel, WPS and LibreOffice ask for the password when opening it.
"""

from __future__ import annotations

import re
from io import BytesIO

import pandas as pd

KEPT_FIRST = 6
KEPT_LAST = 4
# 15 or more digits (the last may be the X of an ID number), single spaces or dashes between
# them allowed; not part of a longer run of digits. Or the mantissa of a number in scientific
# notation with 15 significant digits: an ID or card Excel stored as a number, shown as Excel
# shows it (3.41503196601160E+17), which still holds 15 of the ID's digits.
LONG_NUMBER = re.compile(
    r"(?<![0-9])(?:[0-9]\.[0-9]{13,}(?=[Ee]\+?[0-9])"
    r"|[0-9](?:[ \-]?[0-9]){13,}[ \-]?[0-9Xx](?![0-9Xx]))"
)
DIGIT = re.compile(r"[0-9Xx]")
# Within ``mask_numbers``, what needs no Python per value: a cell that is a long number and
# nothing else (an ID or card number column), and a cell with no run of 14 digits at all;
# only the rest, long numbers inside other text, goes through ``LONG_NUMBER`` one by one.
PLAIN_NUMBER = r"[0-9]{14,}[0-9Xx]"
MAY_HOLD_ONE = r"[0-9](?:[ \-]?[0-9]){13}|[0-9]\.[0-9]{13}"  # in every match of LONG_NUMBER


def mask_text(text: str) -> str:
    """``text`` with every long number in it masked."""
    return LONG_NUMBER.sub(_masked, text)


def mask_numbers(values: pd.Series) -> pd.Series:
    """``mask_text`` of every value of a text column; missing values stay missing."""
    text = values.astype("string")
    plain = text.str.fullmatch(PLAIN_NUMBER).fillna(False)
    mixed = text.str.contains(MAY_HOLD_ONE).fillna(False) & ~plain
    if not (plain.any() or mixed.any()):
        return text
    masked = text.copy()
    number = text[plain]  # the first six and the last four kept, as ``_masked`` keeps them
    middle = number.str.slice(KEPT_FIRST, -KEPT_LAST).str.replace(".", "*", regex=True)
    masked[plain] = number.str.slice(0, KEPT_FIRST) + middle + number.str.slice(-KEPT_LAST)
    masked[mixed] = text[mixed].str.replace(LONG_NUMBER, _masked, regex=True)
    return masked


def _masked(found: re.Match[str]) -> str:
    number = found.group()
    places = [m.start() for m in DIGIT.finditer(number)]
    # Of a mantissa only the first digits: its last ones are the middle of the ID.
    kept_last = 0 if "." in number else KEPT_LAST
    hidden = places[KEPT_FIRST : len(places) - kept_last]
    characters = list(number)
    for place in hidden:
        characters[place] = "*"
    return "".join(characters)


def encrypted(workbook: bytes, password: str) -> bytes:
    """The bytes of ``workbook`` (an .xlsx) encrypted with ``password``."""
    from msoffcrypto.format.ooxml import OOXMLFile  # cryptography: imported only when asked

    if not password:
        raise ValueError("密码不能为空")
    result = BytesIO()
    OOXMLFile(BytesIO(workbook)).encrypt(password, result)
    return result.getvalue()
