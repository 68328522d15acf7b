"""The outputs beside the workbook, and their commit: ``exceptions.csv``, ``summary.json``
(and the names of the files, the CSV of 对账明细 among them, which ``pipeline.detail_csv`` writes).

In: the findings frame of the rules and the run's ``Summary``. Out: bytes to write atomically;
``commit`` stages both beside the workbook and renames everything into place inside the run
history's transaction; ``workbook_target`` is where the workbook is written (encrypted in memory
with ``--password``). ``exceptions.csv`` is UTF-8 with a BOM so that Excel opens it in Chinese, one row per
finding with the columns of contract §3.2; text that Excel would run as a formula (starting with
= + - @) is prefixed with an apostrophe, so input text never becomes a formula there either;
with ``--mask``, and with ``--password``, every ID and card number in it (and any in
summary.json's file names) is masked.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from pipeline import history, notes, privacy
from pipeline.aggregate import INCOME
from pipeline.money import yuan_texts
from pipeline.results import Config, Reconciled
from pipeline.rules import Lineage
from pipeline.staging import Staging
from pipeline.summary import FileRows, Summary
from schemas.inputs import AID_TYPES

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
    "异常编号",
    "首次发现",
    "账龄（天）",
    "状态",
    "处理状态",
    "处理说明",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEPTION_TEXTS = ("message", "name", "id_no", "source", "aid_type", "record_id")
CSV_ENCODING = "utf-8-sig"  # with a BOM: Excel then reads the CSV files as UTF-8, in Chinese
CSV_LINE_END = "\r\n"


def exceptions_csv(findings: pd.DataFrame, mask: bool = False) -> bytes:
    """The CSV of the findings list (``pipeline.carry``: the findings, then those resolved
    this period); ``mask``: every ID and card number in it masked (``--mask``)."""
    columns = [
        findings["rule"],
        findings["severity"],
        *(formula_safe(findings[c]) for c in EXCEPTION_TEXTS),
        yuan_texts(findings["amount_fen"]),
        yuan_texts(findings["compared_fen"]),
        formula_safe(findings["lineage"].map(places)),
        *(findings[c] for c in ("finding_id", "first_period", "age_days", "state")),
        formula_safe(findings["note_status"]),
        formula_safe(findings["note_text"]),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CSV_LINE_END)
    writer.writerow(EXCEPTION_HEADER)
    writer.writerows(zip(*(column.tolist() for column in columns), strict=True))
    text = buffer.getvalue()
    return (privacy.mask_text(text) if mask else text).encode(CSV_ENCODING)


def places(lineage: Lineage) -> str:
    """'a.xlsx/救助/第5行；bank.csv/第3行' — every input row behind a finding."""
    return "；".join(
        f"{file}/{sheet}/第{row}行" if sheet else f"{file}/第{row}行"
        for file, sheet, row in lineage
    )


def summary_json(summary: Summary, mask: bool = False) -> bytes:
    """summary.json (contract §3.2): the same figures as the workbook, for machines. ``mask``:
    the one text in it that may hold a number (a file's name) masked — not the whole text,
    whose SHA-256 checksums may hold long runs of digits."""
    figures = summary.figures
    shaped = {
        "period": str(summary.period),
        "inputs": [_input(item, mask) for item in summary.inputs],
        "fund_usage": _fund_usage(figures.fund_usage),
        "usage_totals": _records(figures.usage_totals),
        "balances": _balances(figures.balances),
        "year_end": _records(figures.year_end),  # 年度结转: December's; empty in other months
        "headcounts": _records(figures.headcounts),
        "worker_files": _records(figures.worker_files),
        "exceptions": {rule.code: rule.count for rule in summary.findings},
        "rows": {kind: asdict(rows) for kind, rows in summary.rows.items()},
        "findings_list": asdict(summary.work),
        "in_transit": asdict(summary.in_transit),
    }
    return (json.dumps(shaped, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _input(item: FileRows, mask: bool) -> dict[str, object]:
    return {
        "file": privacy.mask_text(item.file) if mask else item.file,
        "kind": "+".join(item.file_kinds),
        "sha256": item.sha256,
        "rows": item.read,
        "rejected": item.rejected,
    }


def _fund_usage(usage: pd.DataFrame) -> list[dict[str, object]]:
    """Usage rows with the contract's keys (the year to date) beside the month's figures."""
    year = {
        "amount_fen": "year_amount_fen",
        "person_times": "year_person_times",
        "persons": "year_persons",
    }
    return _records(usage.assign(**{key: usage[column] for key, column in year.items()}))


def _balances(balances: pd.DataFrame) -> list[dict[str, object]]:
    """Balances with income per category (and spending per aid type) as one object each, as
    the contract shows income."""
    result = []
    for row in _records(balances.drop(columns=["ledger_lineage"])):
        row["income_total_fen"] = row["income_fen"]
        row["income_fen"] = {c: row.pop(c) for c in INCOME}
        row["expenditure_by_aid_type_fen"] = {t: row.pop(t) for t in AID_TYPES}
        result.append(row)
    return result


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts: NA → null, numpy numbers → int, dates → text."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: object) -> object:
    if _blank(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]  # type: ignore[union-attr]
    if hasattr(value, "item"):
        return value.item()  # type: ignore[union-attr]
    if isinstance(value, Decimal):
        return str(value)
    return value


def workbook_name(period: pd.Period) -> str:
    return f"帮扶资金对账_{period}.xlsx"


def detail_csv_name(period: pd.Period) -> str:
    """对账明细 as CSV beside the workbook (``pipeline.detail_csv``): 帮扶资金对账_2021-12_对账明细.csv.gz."""
    return workbook_name(period).removesuffix(".xlsx") + "_对账明细.csv.gz"


@contextmanager
def workbook_target(staging: Staging, name: str, password: str | None) -> Iterator[Path | BinaryIO]:
    """Where the workbook is written: its temporary file; with a password, memory, encrypted
    when the block ends: no unencrypted copy ever lies in the output folder."""
    if password is None:
        yield staging.path(name)
        return
    plain = io.BytesIO()
    yield plain
    staging.write(name, privacy.encrypted(plain.getvalue(), password))


def commit(staging: Staging, config: Config, reconciled: Reconciled) -> None:
    """summary.json, exceptions.csv and the run history beside the workbook; then all renamed
    into place together, so that the history changes with the outputs or not at all."""
    mask = masks_beside(config)
    staging.write("summary.json", summary_json(reconciled.summary, mask))
    staging.write("exceptions.csv", exceptions_csv(reconciled.close.worklist, mask))
    history.write(staging, config.output_dir, history_entry(staging, reconciled))
    staging.commit()


def history_entry(staging: Staging, reconciled: Reconciled) -> history.Entry:
    """What the run adds to the history: balances, the findings list, the notes read back, and
    the workbook written with the notes it holds (so that it is read again only once the
    clerk has changed it)."""
    close, name = reconciled.close, workbook_name(reconciled.period)
    written = notes.checksum(staging.files[staging.folder / name])
    holds = close.worklist[["finding_id", "note_status", "note_text"]].set_axis(
        list(history.NOTE_FIELDS), axis=1
    )
    return history.Entry(
        period=str(reconciled.period),
        balances=reconciled.figures.balances.to_dict("records"),
        findings=close.worklist,
        notes=close.read_back.edits,
        workbooks={**close.read_back.workbooks, name: written},
        workbook_notes=pd.concat(
            [close.read_back.holds[close.read_back.holds["file"] != name], holds.assign(file=name)]
        ),
        gone=close.read_back.gone,
    )


def masks_beside(config: Config) -> bool:
    """Whether the files beside the workbook are masked: with ``--mask``, and with
    ``--password`` too — an encrypted workbook is one meant to leave the office, and the
    plain-text files sent along with it must not give away what the password protects."""
    return config.mask or config.password is not None


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def formula_safe(values: pd.Series) -> pd.Series:
    """A column as text that no spreadsheet runs: a value starting like a formula
    (``FORMULA_STARTS``) prefixed with an apostrophe; missing values "". The one guard of the
    CSV files beside the workbook."""
    text = values.astype("string").fillna("")
    starts = text.str.startswith(FORMULA_STARTS)
    return text.mask(starts, "'" + text[starts]) if starts.any() else text
