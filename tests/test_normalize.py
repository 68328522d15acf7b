"""The cell normalisers: every accepted form, every error and warning, and round-trip properties.

Table tests feed one cell at a time and assert the exact value, or that the error (warning)
names the problem and quotes the value. Property tests feed many forms of one value in a single
column, which also checks that the fast path (canonical rows) and the general path (decorated
rows) stay aligned row by row.
"""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import normalize
from pipeline.money import yuan_text
from tests.builders import with_check

FULL_WIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def one(fn, cell, **options):
    """(value, error, warning) of a single cell, with NA as None."""
    parsed = fn(pd.Series([cell], index=[7], dtype="str"), **options)
    assert parsed.values.index.tolist() == [7]

    def plain(value):
        return None if pd.isna(value) else value

    return plain(parsed.values[7]), plain(parsed.errors[7]), plain(parsed.warnings[7])


def assert_fine(fn, cell, expected, **options):
    value, error, warning = one(fn, cell, **options)
    assert (value, error, warning) == (expected, None, None)


def assert_error(fn, cell, words, quoted=None, **options):
    value, error, _ = one(fn, cell, **options)
    assert value is None
    assert error is not None, f"{cell!r} should be rejected"
    assert f"“{cell.strip() if quoted is None else quoted}”" in error
    for word in words:
        assert word in error


def assert_warning(fn, cell, expected, words, **options):
    value, error, warning = one(fn, cell, **options)
    assert (value, error) == (expected, None)
    assert warning is not None and f"“{cell.strip()}”" in warning
    for word in words:
        assert word in warning


# --- shape of the result ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "dtype"),
    [
        (normalize.money_fen, "Int64"),
        (normalize.dates, "datetime64[us]"),
        (normalize.id_numbers, "str"),
        (normalize.card_numbers, "str"),
        (normalize.person_names, "str"),
        (normalize.integers, "Int64"),
        (normalize.decimals, "object"),
        (normalize.plain_text, "str"),
    ],
)
def test_every_function_keeps_the_index_and_leaves_empty_cells_alone(fn, dtype):
    text = pd.Series([None, np.nan, "", "  ", "\u3000", "abc"], index=list("uvwxyz"), dtype=object)
    parsed = fn(text)
    assert isinstance(parsed, normalize.Parsed)
    assert parsed.values.dtype == dtype
    for series in (parsed.values, parsed.errors, parsed.warnings):
        assert series.index.equals(text.index)
    assert parsed.errors.dtype == "str" and parsed.warnings.dtype == "str"
    assert parsed.values[:5].isna().all()
    assert parsed.errors[:5].isna().all() and parsed.warnings[:5].isna().all()


def test_an_empty_column_gives_empty_results():
    parsed = normalize.id_numbers(pd.Series([], dtype="str"))
    assert len(parsed.values) == len(parsed.errors) == len(parsed.warnings) == 0


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("1234.56", 123456),
        ("3", 300),
        ("0", 0),
        ("0.5", 50),
        ("12.3", 1230),
        ("1,234.56", 123456),
        ("1,234,567.8", 123456780),
        ("¥1234.56", 123456),
        ("￥1234.56", 123456),
        ("1234.56元", 123456),
        ("￥1,234.56元", 123456),
        ("RMB 1234.56", 123456),
        ("rmb12", 1200),
        ("人民币12元", 1200),
        ("１２３４．５６", 123456),
        ("１，２３４．５６", 123456),
        (" 1 234.56 ", 123456),
        ("1234.56\u3000", 123456),
        ("+12", 1200),
        ("-0.00", 0),
        ("12.300", 1230),  # more decimals, but all zero: exactly a whole fen
        ("1234.5600000000001", 123456),  # Excel float noise
        ("0.30000000000000004", 30),
        ("1234.5599999999999", 123456),
        ("0.99999999999999989", 100),  # noise rounds up across the yuan
        ("9999999999999.99", 999999999999999),  # largest amount: no float on the way
    ],
)
def test_money_accepts(cell, fen):
    assert_fine(normalize.money_fen, cell, fen)


@pytest.mark.parametrize(
    ("cell", "fen"),
    [("-5", -500), ("-0.05", -5), ("-¥12.34", -1234), ("¥-12.34", -1234), ("-1,234.5元", -123450)],
)
def test_money_accepts_negative_amounts_only_when_allowed(cell, fen):
    assert_fine(normalize.money_fen, cell, fen, allow_negative=True)
    assert_error(normalize.money_fen, cell, ["负数", "请核对原始金额"])


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("12.345", ["三位小数", "分以下不能四舍五入", "请核对原始金额"]),
        ("12.3401", ["四位小数"]),
        ("1.23456", ["五位小数"]),
        ("0.129", ["三位小数"]),
        ("1234.5600100000001", ["多位小数"]),  # 1e-5 yuan off a fen: not float noise
        ("abc", ["不是有效金额", "1234.56"]),
        ("1.2.3", ["不是有效金额"]),
        ("1e5", ["不是有效金额"]),
        ("1.5E+3", ["不是有效金额"]),
        ("12,5", ["不是有效金额"]),  # a decimal comma is not silently read as 125 yuan
        ("1,23.4", ["不是有效金额"]),
        ("1234,567", ["不是有效金额"]),
        (".5", ["不是有效金额"]),
        ("12.", ["不是有效金额"]),
        ("--5", ["不是有效金额"]),
        ("+-5", ["不是有效金额"]),
        ("¥", ["不是有效金额"]),
        ("12元5角", ["不是有效金额"]),
        ("$12", ["不是有效金额"]),
        ("99999999999999", ["大得不合理"]),
    ],
)
def test_money_rejects(cell, words):
    assert_error(normalize.money_fen, cell, words, allow_negative=True)


def test_money_refuses_a_third_decimal_of_a_negative_amount():
    assert_error(normalize.money_fen, "-12.345", ["三位小数"], allow_negative=True)


def grouped(whole: int) -> str:
    return f"{whole:,}"


@settings(deadline=None)
@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_money_round_trips_through_yuan_text_and_its_decorations(fen):
    text = yuan_text(fen)
    sign, unsigned = ("-", text[1:]) if fen < 0 else ("", text)
    whole, cents = unsigned.split(".")
    plain = f"{grouped(int(whole))}.{cents}"
    forms = [
        text,
        f"{sign}{plain}",
        f"{sign}¥{unsigned}",
        f"{sign}￥{plain}",
        f"{sign}{unsigned}元",
        f"¥{sign}{plain}元",
        text.translate(FULL_WIDTH),
        f"{sign}{plain}".translate(FULL_WIDTH),
        f" {text} ",
    ]
    parsed = normalize.money_fen(pd.Series(forms, dtype="str"), allow_negative=True)
    assert parsed.errors.isna().all(), parsed.errors.dropna().tolist()
    assert parsed.values.tolist() == [fen] * len(forms)
    if fen >= 0:
        assert normalize.money_fen(pd.Series(forms, dtype="str")).values.tolist() == [fen] * len(
            forms
        )


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2021-12-31", "2021-12-31"),
        ("2021/12/31", "2021-12-31"),
        ("20211231", "2021-12-31"),
        ("2021.12.31", "2021-12-31"),
        ("2021年12月31日", "2021-12-31"),
        ("2021-1-5", "2021-01-05"),
        ("2021/1/5", "2021-01-05"),
        ("2021.1.5", "2021-01-05"),
        ("2021年1月5日", "2021-01-05"),
        ("２０２１年１２月３１日", "2021-12-31"),
        ("２０２１－１２－３１", "2021-12-31"),
        ("2021-12-31 00:00:00", "2021-12-31"),
        ("2021-12-31T00:00:00", "2021-12-31"),
        ("2021/12/31 00:00:00", "2021-12-31"),
        ("20211231 00:00:00", "2021-12-31"),
        ("2021-12-31 08:30:15", "2021-12-31"),  # the time of day is dropped
        ("2021-12-31 00:00:00.000", "2021-12-31"),
        (" 2021-12-31 ", "2021-12-31"),
        ("2020-02-29", "2020-02-29"),
        ("2000-02-29", "2000-02-29"),
        ("44561", "2021-12-31"),
        ("44561.5", "2021-12-31"),  # noon of that day
        ("44561.999", "2021-12-31"),
        ("20000", "1954-10-03"),
        ("80000", "2119-01-11"),
    ],
)
def test_dates_accept(cell, day):
    assert_fine(normalize.dates, cell, pd.Timestamp(day))


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("2021-02-30", ["不存在"]),
        ("2021-02-29", ["不存在"]),
        ("1900-02-29", ["不存在"]),  # Excel's phantom leap day is not a date
        ("2021-13-01", ["不存在"]),
        ("2021-00-10", ["不存在"]),
        ("2021-12-00", ["不存在"]),
        ("20210230", ["不存在"]),
        ("2021年2月30日", ["不存在"]),
        ("abc", ["无法识别"]),
        ("2021-12/31", ["无法识别"]),  # mixed separators
        ("2021年12-31", ["无法识别"]),
        ("202112", ["无法识别"]),
        ("2021121", ["无法识别"]),
        ("21-12-31", ["无法识别"]),
        ("12/31/2021", ["无法识别"]),
        ("2021-12", ["无法识别"]),
        ("19999", ["Excel 日期序号", "20000–80000"]),
        ("80001", ["Excel 日期序号"]),
        ("4456", ["无法识别"]),
    ],
)
def test_dates_reject(cell, words):
    assert_error(normalize.dates, cell, [*words, "请写成 2021-12-31 这样的日期"])


def date_forms(day: dt.date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    serial = (day - EXCEL_EPOCH).days
    return [
        f"{y}-{m:02d}-{d:02d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}年{m:02d}月{d:02d}日",
        f"{y}-{m}-{d}",
        f"{y}/{m}/{d}",
        f"{y}.{m}.{d}",
        f"{y}年{m}月{d}日",
        f"{y}-{m:02d}-{d:02d} 00:00:00",
        f"{y}-{m:02d}-{d:02d}T00:00:00",
        f"{y}/{m}/{d} 00:00:00",
        f"{y}年{m}月{d}日".translate(FULL_WIDTH),
        str(serial),
        f"{serial}.25",
    ]


@settings(deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31)))
def test_every_date_form_and_its_excel_serial_parse_to_the_date(day):
    forms = date_forms(day)
    parsed = normalize.dates(pd.Series(forms, dtype="str"))
    assert parsed.errors.isna().all(), parsed.errors.dropna().tolist()
    assert parsed.values.tolist() == [pd.Timestamp(day)] * len(forms)


# --- identity numbers --------------------------------------------------------------------------

LOST = ["Excel 存成数字", "丢失", "设为文本后重新导出", "按原件重新录入"]


@pytest.mark.parametrize(
    ("cell", "id_no"),
    [
        ("341503199001011323", "341503199001011323"),
        ("34150319850307002X", "34150319850307002X"),
        ("34150319850307002x", "34150319850307002X"),
        ("341503 19850307 002x", "34150319850307002X"),
        ("341503\u3000199001011323", "341503199001011323"),
        (" 3415 0319 9001 0113 23 ", "341503199001011323"),
        ("３４１５０３１９９００１０１１３２３", "341503199001011323"),
        ("341503900101132", "341503199001011323"),  # old 15 digits: 19 inserted, check added
        ("110105491231002", "11010519491231002X"),
        ("341503190001010012", "341503190001010012"),
    ],
)
def test_ids_accept(cell, id_no):
    assert_fine(normalize.id_numbers, cell, id_no)


@pytest.mark.parametrize(
    ("cell", "quoted", "words", "cell_types"),
    [
        ("3.41503E+17", "3.41503E+17", LOST, False),
        ("3.41503199001011E+17", "3.41503E+17", LOST, False),
        ("3.41503e+17", "3.41503E+17", LOST, False),
        # An 18-digit number that is exactly a double and fails its check: in a CSV, Excel
        # most likely rounded it; where the reader knew the cell was text, it is a wrong check.
        ("341503199001011328", "3.41503E+17", LOST, False),
        ("341503199001011072", "3.41503E+17", LOST, False),
        ("341503199001011328", "341503199001011328", ["校验位", "应为“3”"], True),
        ("3.41503199001011E+17", "3.41503E+17", LOST, True),
        ("341503199001011000", "341503199001011000", ["校验位", "应为“8”"], False),
        ("341503199001011329", "341503199001011329", ["校验位", "应为“3”"], False),
        ("34150319850307002Y", "34150319850307002Y", ["数字以外的字符"], False),
        ("3415031990X1011323", "3415031990X1011323", ["数字以外的字符"], False),
        ("11010549123100X", "11010549123100X", ["数字以外的字符"], False),
        ("12345", "12345", ["有5位", "应为18位"], False),
        ("34150319900101132", "34150319900101132", ["有17位"], False),
        ("3415031990010113231", "3415031990010113231", ["有19位"], False),
        ("650102197002290015", "650102197002290015", ["出生日期“19700229”不存在"], False),
        ("341503199013011328", "341503199013011328", ["出生日期“19901301”不存在"], False),
        ("341503901301132", "341503901301132", ["出生日期“19901301”不存在"], False),
        (with_check("34150318991231001"), None, ["出生日期“18991231”不存在"], False),
    ],
)
def test_ids_reject(cell, quoted, words, cell_types):
    assert_error(normalize.id_numbers, cell, [*words, "身份证号"], quoted, cell_types=cell_types)


@pytest.mark.parametrize("body", ["99150319900101132", "00000019800101001"])
def test_an_unknown_province_is_only_a_warning(body):
    cell = with_check(body)
    assert_warning(normalize.id_numbers, cell, cell, ["前两位", f"“{cell[:2]}”", "省级行政区"])


def test_a_rejected_id_gets_its_error_and_no_province_warning():
    value, error, warning = one(normalize.id_numbers, "991503199001011325")
    assert (value, warning) == (None, None)
    assert "应为“4”" in error


@pytest.mark.parametrize("body", ["71010019800101001", "82000019800101001", "11010119800101001"])
def test_known_provinces_including_taiwan_hong_kong_and_macao_pass(body):
    cell = with_check(body)
    assert_fine(normalize.id_numbers, cell, cell)


REGIONS = ["110105", "341503", "440305", "650102", "810000", "820000", "710100", "532301"]


@st.composite
def citizen_ids(draw):
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return with_check(f"{region}{born:%Y%m%d}{sequence:03d}")


@settings(deadline=None, max_examples=60)
@given(citizen_ids(), st.data())
def test_every_written_form_of_an_id_normalises_to_it(id_no, data):
    spaced = list(id_no)
    for position in sorted(data.draw(st.lists(st.integers(1, 17), max_size=4)), reverse=True):
        spaced.insert(position, data.draw(st.sampled_from([" ", "\u3000", "  "])))
    forms = [id_no, id_no.lower(), "".join(spaced), "".join(spaced).lower(), f" {id_no} "]
    if id_no[6:8] == "19":
        forms.append(id_no[:6] + id_no[8:17])  # the old 15-digit number
    forms.append(id_no.translate(FULL_WIDTH))
    parsed = normalize.id_numbers(pd.Series(forms, dtype="str"))
    assert parsed.errors.isna().all(), parsed.errors.dropna().tolist()
    assert parsed.warnings.isna().all()
    assert parsed.values.tolist() == [id_no] * len(forms)


@settings(deadline=None, max_examples=60)
@given(citizen_ids(), st.integers(0, 16), st.integers(1, 9))
def test_changing_one_digit_of_an_id_is_caught(id_no, position, delta):
    digit = str((int(id_no[position]) + delta) % 10)
    typo = id_no[:position] + digit + id_no[position + 1 :]
    value, error, _ = one(normalize.id_numbers, typo)
    assert value is None
    assert "校验位" in error or "出生日期" in error or "Excel" in error


# --- bank cards --------------------------------------------------------------------------------

LUHN_16 = "6222021234567894"
LUHN_19 = "6228480402564890018"
LUHN_FAILS = "6222021234567890"


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        (LUHN_16, LUHN_16),
        (LUHN_19, LUHN_19),
        ("6222 0212 3456 7894", LUHN_16),
        ("6222-0212-3456-7894", LUHN_16),
        ("6222\u30000212\u30003456\u30007894", LUHN_16),
        ("６２２２０２１２３４５６７８９４", LUHN_16),
        ("６２２２－０２１２－３４５６－７８９４", LUHN_16),
        (" 6228 4804 0256 4890 018 ", LUHN_19),
    ],
)
def test_cards_accept(cell, number):
    assert_fine(normalize.card_numbers, cell, number)


@pytest.mark.parametrize(
    ("cell", "number", "words"),
    [
        (LUHN_FAILS, LUHN_FAILS, ["Luhn", "部分银联卡"]),
        ("6222 0212 3456 7890", LUHN_FAILS, ["Luhn"]),
        ("622202123456789", "622202123456789", ["有15位", "16–19位"]),
        ("62220212345678940000", "62220212345678940000", ["有20位", "16–19位"]),
    ],
)
def test_cards_warn_but_keep_the_number(cell, number, words):
    assert_warning(normalize.card_numbers, cell, number, words)


@pytest.mark.parametrize(
    ("cell", "quoted", "words"),
    [
        ("6.22202E+15", "6.22202E+15", LOST),
        ("6.22848040256489E+18", "6.22848E+18", LOST),
        ("62220212345678a", "62220212345678a", ["数字以外的字符"]),
        ("6222.0212.3456.7894", "6222.0212.3456.7894", ["数字以外的字符"]),
    ],
)
def test_cards_reject(cell, quoted, words):
    assert_error(normalize.card_numbers, cell, [*words, "银行卡号"], quoted)


# --- names and free text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("张三", "张三"),
        (" 张三 ", "张三"),
        ("张 三", "张三"),
        ("张　三", "张三"),
        ("张 三 丰", "张三丰"),
        ("欧 阳 娜 娜", "欧阳娜娜"),
        ("\u3000张三丰\u3000", "张三丰"),
        ("张\u200b三", "张三"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽．买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽･买买提", "阿依古丽·买买提"),
        ("阿依古丽‧买买提", "阿依古丽·买买提"),
        ("阿依古丽∙买买提", "阿依古丽·买买提"),
        ("阿依古丽⋅买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("阿依古丽 • 买买提 • 艾力", "阿依古丽·买买提·艾力"),
        ("John  Smith", "John Smith"),
        ("John\u3000Smith", "John Smith"),
        ("Ｊｏｈｎ Ｓｍｉｔｈ", "John Smith"),
        ("J.Smith", "J.Smith"),
        ("\uf90a三", "金三"),  # a compatibility ideograph folds to the unified one
    ],
)
def test_person_names(cell, name):
    assert_fine(normalize.person_names, cell, name)


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("  生活救助 ", "生活救助"),
        ("生活  救助", "生活 救助"),
        ("生活\u3000\u3000救助", "生活 救助"),
        ("a\t\nb", "a b"),
        ("ＡＢＣ１２３", "ABC123"),
        ("（备注）", "(备注)"),
        ("\u3000", None),
    ],
)
def test_plain_text(cell, text):
    assert_fine(normalize.plain_text, cell, text)


# --- counts and parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("3", 3),
        ("3.0", 3),
        ("3.00", 3),
        ("3人", 3),
        ("4口人", 4),
        ("2021年", 2021),
        ("2021年度", 2021),
        ("12个月", 12),
        ("３", 3),
        ("３人", 3),
        (" 3 人 ", 3),
        ("-2", -2),
        ("+2", 2),
        ("1,234", 1234),
        ("0", 0),
    ],
)
def test_integers_accept(cell, number):
    assert_fine(normalize.integers, cell, number)


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("3.5", ["有小数", "只能填整数"]),
        ("3.50人", ["有小数"]),
        ("abc", ["不是整数"]),
        ("3万", ["不是整数"]),  # 30000, never 3
        ("3千", ["不是整数"]),
        ("1e3", ["不是整数"]),
        ("三", ["不是整数"]),
        ("12,34", ["不是整数"]),
    ],
)
def test_integers_reject(cell, words):
    assert_error(normalize.integers, cell, words)


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("0.5", Decimal("0.5")),
        ("15000", Decimal("15000")),
        ("12", Decimal("12")),
        ("50%", Decimal("0.5")),
        ("12.5%", Decimal("0.125")),
        ("５０％", Decimal("0.5")),
        ("15,000", Decimal("15000")),
        ("0.1", Decimal("0.1")),  # exact, not the float 0.1000000000000000055...
        ("-3", Decimal("-3")),
    ],
)
def test_decimals_accept(cell, number):
    value, error, warning = one(normalize.decimals, cell)
    assert isinstance(value, Decimal)
    assert (value, error, warning) == (number, None, None)


@pytest.mark.parametrize("cell", ["abc", "nan", "Infinity", "1/2", "5%%", "0.5.1", "百分之五十"])
def test_decimals_reject(cell):
    assert_error(normalize.decimals, cell, ["不是有效数值"])


# ---- properties of the other normalisers ------------------------------------------------------


def luhn_complete(body: str) -> str:
    """A card body with its Luhn check digit, computed independently of the code."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


@settings(deadline=None, max_examples=60)
@given(
    st.integers(15, 18).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)), st.data()
)
def test_every_written_form_of_a_card_normalises_to_it(body, data):
    card = luhn_complete("6" + body[1:])
    cut = sorted(data.draw(st.lists(st.integers(1, len(card) - 1), max_size=4, unique=True)))
    pieces = [card[a:b] for a, b in zip([0, *cut], [*cut, len(card)], strict=True)]
    forms = [
        card,
        " ".join(pieces),
        "-".join(pieces),
        "\u3000".join(pieces),
        card.translate(FULL_WIDTH),
    ]
    parsed = normalize.card_numbers(pd.Series(forms, dtype="str"))
    assert parsed.errors.isna().all() and parsed.warnings.isna().all()
    assert parsed.values.tolist() == [card] * len(forms)


CJK = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=4)


@settings(deadline=None, max_examples=60)
@given(st.lists(CJK, min_size=1, max_size=3), st.data())
def test_every_written_form_of_a_name_normalises_to_it(parts, data):
    name = "·".join(parts)
    dot = data.draw(st.sampled_from(["·", "•", "．", "・", "‧"]))
    space = data.draw(st.sampled_from([" ", "\u3000", "  "]))
    forms = [name, dot.join(parts), f"{space}{name}{space}", space.join(name)]
    parsed = normalize.person_names(pd.Series(forms, dtype="str"))
    assert parsed.errors.isna().all()
    assert parsed.values.tolist() == [name] * len(forms)


@settings(deadline=None, max_examples=60)
@given(st.integers(0, 10**9), st.sampled_from(["", "人", "年", "户"]))
def test_every_written_form_of_an_integer_parses_to_it(number, unit):
    forms = [str(number), f"{number}.0", f"{number}{unit}", str(number).translate(FULL_WIDTH)]
    parsed = normalize.integers(pd.Series(forms, dtype="str"))
    assert parsed.errors.isna().all(), parsed.errors.dropna().tolist()
    assert parsed.values.tolist() == [number] * len(forms)


@settings(deadline=None, max_examples=60)
@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False))
def test_decimals_round_trip_and_percent_divides_by_100(number):
    parsed = normalize.decimals(pd.Series([str(number), f"{number * 100}%"], dtype="str"))
    assert parsed.errors.isna().all()
    assert parsed.values.tolist() == [number, number]


@settings(deadline=None, max_examples=100)
@given(st.text(max_size=30))
def test_plain_text_is_idempotent_and_ignores_surrounding_space(text):
    once = normalize.plain_text(pd.Series([text, f" \u3000{text}\t"], dtype="str")).values
    twice = normalize.plain_text(once.astype("str")).values
    assert once.isna().tolist() == twice.isna().tolist()
    assert once.fillna("").tolist() == twice.fillna("").tolist()
    assert once.fillna("")[0] == once.fillna("")[1]


def test_a_column_held_in_several_chunks_parses_like_one() -> None:
    """Large sheets arrive as chunked pyarrow columns; every normaliser must accept them
    (a card column Excel stored as numbers once failed on a chunked mask)."""
    import pyarrow as pa

    chunks = pa.chunked_array([["6217001234567893", "3.41503E+17"], [None, "6217 0012 3456 7893"]])
    column = pd.Series(pd.array(chunks, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    parsed = normalize.card_numbers(column)
    assert parsed.values.isna().tolist() == [False, True, True, False]
    assert parsed.errors.notna().tolist() == [False, True, False, False]
    ids = normalize.id_numbers(
        pd.Series(
            pd.array(
                pa.chunked_array([["341503199001010013"], ["3.41503E+17"]]),
                dtype=pd.StringDtype("pyarrow", na_value=np.nan),
            )
        )
    )
    assert ids.values.tolist()[0] == "341503199001010013" and ids.errors.notna().tolist() == [
        False,
        True,
    ]
