"""The machine-readable outputs: ``exceptions.csv`` and the bytes of ``summary.json``.

In: the findings frame of the rules and the figures of aggregation. Out: bytes to write
atomically. ``exceptions.csv`` is UTF-8 with a BOM so that Excel opens it in Chinese, one row per
finding with the columns of contract §3.2; text that Excel would run as a formula (starting with
= + - @) is prefixed with an apostrophe, so input text never becomes a formula there either;
with ``--mask`` every ID and card number in it is masked.
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

from pipeline import privacy
from pipeline.money import yuan_text
from pipeline.rules import Lineage

EXCEPTION_HEADER = (
    "规则",
    "严重程度",
    "说明",
    "姓名",
    "身份证号",
    "资金来源",
    "救助类型",
    "救助编号",
    "金额",
    "比较金额",
    "来源",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def exceptions_csv(findings: pd.DataFrame, mask: bool = False) -> bytes:
    """The CSV; ``mask``: every ID and card number in it masked (``--mask``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXCEPTION_HEADER)
    for row in findings.to_dict("records"):
        writer.writerow(
            [
                row["rule"],
                row["severity"],
                _text(row["message"]),
                _text(row["name"]),
                _text(row["id_no"]),
                _text(row["source"]),
                _text(row["aid_type"]),
                _text(row["record_id"]),
                _yuan(row["amount_fen"]),
                _yuan(row["compared_fen"]),
                _text(places(row["lineage"])),
            ]
        )
    text = buffer.getvalue()
    return (privacy.mask_text(text) if mask else text).encode("utf-8-sig")


def places(lineage: Lineage) -> str:
    """'a.xlsx/救助/第5行；bank.csv/第3行' — every input row behind a finding."""
    return "；".join(
        f"{file}/{sheet}/第{row}行" if sheet else f"{file}/第{row}行"
        for file, sheet, row in lineage
    )


def summary_json(summary: dict[str, object], mask: bool = False) -> bytes:
    """The JSON; ``mask``: the one text in it that may hold a number (a file's name) masked —
    not the whole text, whose SHA-256 checksums may hold long runs of digits."""
    if mask:
        inputs = summary["inputs"]
        summary = summary | {
            "inputs": [i | {"file": privacy.mask_text(i["file"])} for i in inputs]  # type: ignore[attr-defined]
        }
    return (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _yuan(fen: object) -> str:
    return "" if fen is None or fen is pd.NA else yuan_text(int(fen))  # type: ignore[call-overload]
