"""Identity helpers for the sample data: ID numbers, bank cards, names, Chinese working days.

In: a random generator and plain values. Out: strings and dates that are valid the way real ones
are (GB 11643 check characters, Luhn-valid UnionPay cards), so that the only invalid values in the
sample are the ones planted on purpose.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# 2021 statutory holidays that fall on weekdays, and the weekend days worked instead (调休).
# Hard-coded so that the generator needs no calendar package; the tests compare them with
# chinesecalendar.
HOLIDAYS_2021 = frozenset(
    date(2021, month, day)
    for month, days in (
        (1, (1,)),
        (2, (11, 12, 15, 16, 17)),
        (4, (5,)),
        (5, (3, 4, 5)),
        (6, (14,)),
        (9, (20, 21)),
        (10, (1, 4, 5, 6, 7)),
    )
    for day in days
)
WORKED_WEEKENDS_2021 = frozenset(
    date(2021, month, day)
    for month, day in ((2, 7), (2, 20), (4, 25), (5, 8), (9, 18), (9, 26), (10, 9))
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙史陶贺毛郝"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞辉建国志文斌宇浩凯俊峰"
    "慧琳琴云莉燕雪亮成林春晓东海波宁青松德福顺利兵瑞鑫佳欣怡婷颖晨阳光荣庆祥"
)


def id_check_char(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 characters of an ID."""
    total = sum(int(digit) * weight for digit, weight in zip(body17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def make_id(region: str, birth: date, sequence: int) -> str:
    """An 18-character ID; an odd sequence number means male."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


def old_id15(id18: str) -> str:
    """The pre-1999 15-digit form of an ID: no century, no check character."""
    return id18[:6] + id18[8:17]


def excel_number_of(id_number: str) -> int:
    """An ID typed into a number cell: Excel keeps 15 significant digits, then zeros.

    If the zeros happen to leave a valid check character, the next 15-digit value is taken, so
    that the planted row is unmistakably broken.
    """
    kept = int(id_number[:15])
    while id_check_char(f"{kept}000"[:17]) == "0":
        kept += 1
    return int(f"{kept}000")


def luhn_check_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # doubled: these sit left of the check digit in odd places
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return str((10 - total % 10) % 10)


def make_card(prefix: str, serial: int, length: int = 19) -> str:
    body = prefix + str(serial).zfill(length - 1 - len(prefix))
    return body + luhn_check_digit(body)


def spaced(digits: str) -> str:
    """A card number written in groups of four, as people copy it from the card."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def unique_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Common Chinese names, none repeated and none in `taken` (which is updated)."""
    names: list[str] = []
    while len(names) < count:
        given_length = 1 if rng.random() < 0.35 else 2
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_CHARS, k=given_length))
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def is_workday(day: date) -> bool:
    if day.year != 2021:
        raise ValueError(f"the sample generator only knows the 2021 calendar, not {day}")
    if day in WORKED_WEEKENDS_2021:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS_2021


def next_workday(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_workdays(day: date, count: int) -> date:
    """The `count`-th working day after `day` (`day` itself not counted)."""
    while count > 0:
        day += timedelta(days=1)
        if is_workday(day):
            count -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`."""
    return sum(is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


# ---- vectorised versions for the scale mode -------------------------------------------------


def id_check_chars_vec(bodies: np.ndarray) -> np.ndarray:
    """Check characters for an (n, 17) array of ID digits."""
    remainders = (bodies * np.array(ID_WEIGHTS)).sum(axis=1) % 11
    return np.array(list(ID_CHECK_CHARS))[remainders]


def luhn_check_digits_vec(bodies: np.ndarray) -> np.ndarray:
    """Luhn check digits for an (n, k) array of card digits (check digit not included)."""
    doubled = np.zeros(bodies.shape[1], dtype=bool)
    doubled[::-1][::2] = True
    digits = np.where(doubled, bodies.astype(np.int16) * 2, bodies)
    digits = np.where(digits > 9, digits - 9, digits)
    return (10 - digits.sum(axis=1) % 10) % 10


def digits_of(numbers: np.ndarray, width: int) -> np.ndarray:
    """An (n, width) uint8 array of the decimal digits of non-negative integers, zero-padded
    (a byte each: millions of IDs at scale)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((numbers.astype(np.int64)[:, None] // powers) % 10).astype(np.uint8)
