"""Personal data: ``--mask`` leaves no full ID or card number in any cell of the workbook nor in
exceptions.csv; ``--password`` gives a workbook that opens with the password and not without."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import msoffcrypto
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from msoffcrypto.exceptions import InvalidKeyError
from openpyxl.utils.exceptions import InvalidFileException

from pipeline import results
from pipeline.cli import cli
from pipeline.privacy import encrypted, mask_numbers, mask_text
from tests.builders import SAMPLE
from tests.xlsx_reading import shared_strings, sheet_xml

PASSWORD = "帮扶2021!"
WORKBOOK = "帮扶资金对账_2021-12.xlsx"
LONG_DIGITS = re.compile(r"[0-9]{15,}")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("341503199001011234", "341503********1234"),
        ("34150319900101123X", "341503********123X"),
        ("341503900101123", "341503*****1123"),  # a 15-digit ID of the old kind
        ("6217001234567890123", "621700*********0123"),
        ("卡号6217 0012 3456 7890 123，请核对", "卡号6217 00** **** ***0 123，请核对"),
        ("JZ341503199001011234号", "JZ341503********1234号"),
        ("12345678901234", "12345678901234"),  # 14 digits: no ID or card number
        ("第12行 2021-03-15 1,234,567.89 元", "第12行 2021-03-15 1,234,567.89 元"),
        ("341503********1234", "341503********1234"),  # masked already
        # An ID Excel stored as a number, as the loader shows it: 15 of its digits.
        ("“3.41503196601160E+17”已被 Excel 存成数字", "“3.41503*********E+17”已被 Excel 存成数字"),
        ("3.41503E+17", "3.41503E+17"),  # six digits, as messages quote it: nothing to hide
        ("", ""),
    ],
)
def test_mask_text_keeps_the_first_six_and_last_four_digits(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(masked) == masked


def test_mask_numbers_masks_every_value_and_keeps_missing_ones() -> None:
    values = pd.Series(["341503199001011234", None, "张三 6217001234567893"], dtype=object)
    assert mask_numbers(values).tolist() == ["341503********1234", pd.NA, "张三 621700******7893"]


def test_mask_numbers_is_mask_text_of_each_value() -> None:
    """Numbers alone in their cell (masked without a Python call each), numbers inside text,
    and texts with none, as one column, in the order given."""
    texts = [
        "341503199001011234",
        "34150319900101123x",
        "341503900101123",
        "6217001234567890123",
        "12345678901234",
        "1234567890123456789012",
        "卡号6217 0012 3456 7890 123，请核对",
        "341503199001011234、341503198503070020",
        "“3.41503196601160E+17”已被 Excel 存成数字",
        "3415031990X1011234",
        "第12行 2021-03-15",
        "",
    ]
    values = pd.Series(texts, index=range(100, 100 + len(texts)))
    masked = mask_numbers(values)
    assert masked.tolist() == [mask_text(text) for text in texts]
    assert masked.index.equals(values.index)
    assert mask_numbers(pd.Series(["张三", None])).tolist() == ["张三", pd.NA]


def test_encrypted_bytes_open_with_the_password_only() -> None:
    plain = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "帮扶"
    book.save(plain)
    locked = encrypted(plain.getvalue(), PASSWORD)
    assert openpyxl.load_workbook(_decrypted(locked, PASSWORD)).active["A1"].value == "帮扶"
    with pytest.raises(InvalidKeyError):
        _decrypted(locked, "wrong")
    with pytest.raises(ValueError, match="密码不能为空"):
        encrypted(plain.getvalue(), "")


def _decrypted(data: bytes, password: str) -> io.BytesIO:
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=password, verify_password=True)
    result = io.BytesIO()
    office.decrypt(result)
    return result


# ---- the sample run, masked and encrypted ---------------------------------------------------------


@pytest.fixture(scope="module")
def masked_run(tmp_path_factory) -> tuple[Result, Path]:
    """``reconcile --mask --password`` of the sample, the password typed at the prompt: what
    the command said, and its output folder."""
    out = tmp_path_factory.mktemp("masked")
    result = CliRunner().invoke(
        cli,
        ["reconcile", str(SAMPLE), "--out", str(out), "--mask", "--password"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    return result, out


@pytest.fixture(scope="module")
def outputs(
    sample_reconciled: results.Reconciled, sample_outputs: Path, masked_run: tuple[Result, Path]
) -> dict[str, Path]:
    """The sample run's outputs (plain) beside the masked run's, its workbook decrypted."""
    _, masked = masked_run
    decrypted = masked / "decrypted.xlsx"
    decrypted.write_bytes(_decrypted((masked / WORKBOOK).read_bytes(), PASSWORD).getvalue())
    numbers = personal_numbers(sample_reconciled)
    return {"plain": sample_outputs, "masked": masked, "decrypted": decrypted, "numbers": numbers}


def personal_numbers(reconciled: results.Reconciled) -> set[str]:
    """Every ID and card number of the sample's inputs, as the inputs write them."""
    tables = reconciled.checked.validated.tables
    columns = {"id_no", "card_no", "account"}
    values = [table[column] for table in tables.values() for column in columns & set(table.columns)]
    values.append(reconciled.checked.validated.rejected["value"])
    texts = pd.concat([v.astype("string") for v in values]).dropna()
    return {t for t in texts.unique() if len(re.sub(r"[^0-9]", "", t)) >= 15}


def workbook_texts(path: Path) -> str:
    """The text of every part of the .xlsx: cells (shared and inline strings), formulas,
    charts, properties."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def string_cells(path: Path) -> list[str]:
    """Every string cell of every sheet, shared or inline."""
    inline = [
        "".join(t.text or "" for t in cell.iter("{*}t"))
        for root in sheet_xml(path).values()
        for cell in root.iter("{*}is")
    ]
    return shared_strings(path) + inline


def test_the_plain_workbook_does_hold_the_numbers_the_masked_one_must_not(outputs) -> None:
    texts = workbook_texts(outputs["plain"] / WORKBOOK)
    numbers = outputs["numbers"]
    assert len(numbers) > 100
    assert sum(number in texts for number in numbers) > 100


def test_the_masked_workbook_holds_no_full_id_or_card_number(
    outputs, sample_reconciled: results.Reconciled
) -> None:
    path = outputs["decrypted"]
    texts = workbook_texts(path)
    assert [n for n in outputs["numbers"] if n in texts] == []
    checksums = {f.sha256 for f in sample_reconciled.checked.files}
    long_runs = [
        text
        for text in string_cells(path)
        if text not in checksums and LONG_DIGITS.search(re.sub(r"[ \-]", "", text))
    ]
    assert long_runs == []
    # what was there is there, masked: 对账明细 (under its title block) still names every person
    book = openpyxl.load_workbook(path, read_only=True)
    ids = [row[1] for row in book["对账明细"].iter_rows(min_row=5, values_only=True) if row[1]]
    assert ids and all(re.fullmatch(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", i) for i in ids[:-1])


def test_masking_changes_nothing_but_the_numbers(outputs) -> None:
    plain = openpyxl.load_workbook(outputs["plain"] / WORKBOOK, read_only=True)
    masked = openpyxl.load_workbook(outputs["decrypted"], read_only=True)
    assert plain.sheetnames == masked.sheetnames
    changed = 0
    for name in plain.sheetnames:
        rows = zip(plain[name].values, masked[name].values, strict=True)
        for before, after in rows:
            for a, b in zip(before, after, strict=True):
                if a != b:
                    changed += 1
                    assert isinstance(a, str) and mask_text(a) == b
    assert changed > 100


def test_masked_exceptions_csv_holds_no_full_number(outputs) -> None:
    plain = (outputs["plain"] / "exceptions.csv").read_text("utf-8-sig")
    masked = (outputs["masked"] / "exceptions.csv").read_text("utf-8-sig")
    assert mask_text(plain) == masked != plain
    assert [n for n in outputs["numbers"] if n in masked] == []


def test_the_encrypted_workbook_does_not_open_without_the_password(outputs) -> None:
    path = outputs["masked"] / WORKBOOK
    assert not zipfile.is_zipfile(path)
    with pytest.raises((InvalidFileException, zipfile.BadZipFile)):
        openpyxl.load_workbook(path)
    with pytest.raises(InvalidKeyError):
        _decrypted(path.read_bytes(), "帮扶2020!")
    assert sorted(p.name for p in outputs["masked"].iterdir() if p.name.startswith(".")) == []


def test_password_option_prompts_when_given_without_a_value(
    masked_run: tuple[Result, Path],
) -> None:
    result, out = masked_run
    assert result.exit_code == 0, result.output
    assert "工作簿密码" in result.output and PASSWORD not in result.output
    book = openpyxl.load_workbook(_decrypted((out / WORKBOOK).read_bytes(), PASSWORD))
    assert book.sheetnames[0] == "封面"


def test_a_blank_password_is_refused(tmp_path) -> None:
    result = CliRunner().invoke(
        cli, ["reconcile", str(SAMPLE), "--out", str(tmp_path), "--password", "   "]
    )
    assert result.exit_code == 2
    assert "密码不能为空" in result.output
    assert not (tmp_path / WORKBOOK).exists()
