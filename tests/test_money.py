"""pipeline.money: yuan text plain and grouped, 万元 text and 大写金额, exact from integer fen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import money
from pipeline.money import yuan_text


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (123456, "1234.56"),
        (-5, "-0.05"),
        (0, "0.00"),
        (7, "0.07"),
        (100, "1.00"),
        (-123400, "-1234.00"),
    ],
)
def test_yuan_text(fen: int, text: str) -> None:
    assert yuan_text(fen) == text
    assert yuan_text(np.int64(fen)) == text


def test_yuan_texts_is_yuan_text_of_a_column_and_blank_where_missing() -> None:
    """Every case above, a large amount, and a missing one, as one column, index kept."""
    fen = [123456, -5, 0, 7, 100, -123400, 2**53 + 1, -(10**15) - 99]
    column = pd.Series([*fen, None], dtype="Int64", index=range(10, 19))
    texts = money.yuan_texts(column)
    assert texts.tolist() == [*(yuan_text(f) for f in fen), ""]
    assert texts.index.tolist() == list(range(10, 19))
    assert texts.tolist()[6:8] == ["90071992547409.93", "-10000000000000.99"]


@pytest.mark.parametrize(
    ("fen", "grouped", "wan"),
    [
        (123456789, "1,234,567.89", "123.456789"),
        (-5, "-0.05", "-0.000005"),
        (0, "0.00", "0.000000"),
        (91_695_000, "916,950.00", "91.695000"),
    ],
)
def test_grouped_yuan_and_wan(fen: int, grouped: str, wan: str) -> None:
    assert yuan_text(fen, grouped=True) == grouped
    assert money.yuan(fen, grouped=True) == f"{grouped} 元"
    assert money.wan_text(fen) == wan


CAPITALS = [
    (0, "零元整"),
    (5, "伍分"),
    (50, "伍角"),
    (100, "壹元整"),
    (105, "壹元零伍分"),
    (150, "壹元伍角"),
    (1_000, "壹拾元整"),
    (1_050, "壹拾元零伍角"),
    (32_504, "叁佰贰拾伍元零肆分"),
    (140_950, "壹仟肆佰零玖元伍角"),
    (168_032, "壹仟陆佰捌拾元零叁角贰分"),
    (600_714, "陆仟零柒元壹角肆分"),
    (101_000, "壹仟零壹拾元整"),
    (10_700_053, "壹拾万柒仟元零伍角叁分"),
    (91_695_000, "玖拾壹万陆仟玖佰伍拾元整"),
    (100_050_000, "壹佰万零伍佰元整"),
    (1_000_000_000, "壹仟万元整"),
    (10_000_000_100, "壹亿零壹元整"),
    (10_000_500_000, "壹亿零伍仟元整"),
    (10_001_000_000, "壹亿零壹万元整"),
    (12_345_678_901, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分"),
    (-105, "负壹元零伍分"),
]


@pytest.mark.parametrize(("fen", "text"), CAPITALS)
def test_capital_amount(fen: int, text: str) -> None:
    assert money.capital_amount(fen) == text
