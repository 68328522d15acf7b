"""The clerk's notes read back: 处理状态 and 处理说明 from the workbooks in the output folder.

In: the output folder, what the history knows of its workbooks (the checksum last written or
read, and the notes each held then: ``pipeline.history.Earlier``) and the run's password, if
any. Out: ``ReadBack`` — the notes the clerk changed since (an edit is a cell that differs from
what that workbook held when last written or read, so a note made elsewhere since is not
overwritten by an old workbook's untouched cell), what each workbook read holds now, and the
workbooks that could not be read, in words a clerk can act on.

A workbook is one named 帮扶资金对账_YYYY-MM.xlsx; its findings are on 异常清单 (and its
continuation sheets), under the header row that names 异常编号, 处理状态 and 处理说明 (one written by an earlier version
of the program, whose 异常清单 has no such columns, holds no notes and is not named). Each
version is read once: one whose checksum the history already has is skipped. Workbooks are read
in period order, so a later month's note on a finding wins over an earlier month's. A workbook
encrypted with --password is read with the run's password; one that cannot be read (another
password, damaged, or gone from the folder) is named, and the notes the history already holds
still apply: nothing the clerk wrote is dropped without a word.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import python_calamine

from pipeline.carry import NOTE_STATUSES
from pipeline.history import NOTE_FIELDS, Earlier

WORKBOOK = re.compile(r"帮扶资金对账_(\d{4}-\d{2})\.xlsx")
SHEET = "异常清单"
HEADERS = ("异常编号", "处理状态", "处理说明")
ENCRYPTED = b"\xd0\xcf\x11\xe0"  # an OLE container: what an encrypted workbook is
HEADER_ROWS = 10  # the header is within the first rows (under the title block)
NOT_READ = "其中新填写的处理状态、处理说明未能读回；运行记录里已有的仍然有效"


@dataclass(frozen=True)
class ReadBack:
    edits: pd.DataFrame  # finding_id, status, text, workbook: the notes changed, oldest first
    workbooks: dict[str, str] = field(default_factory=dict)  # file → sha256 of the version read
    holds: pd.DataFrame = field(  # file, finding_id, status, text: what those workbooks hold
        default_factory=lambda: pd.DataFrame(columns=["file", *NOTE_FIELDS], dtype=object)
    )
    problems: tuple[str, ...] = ()  # workbooks not read, and statuses not on the list
    gone: tuple[str, ...] = ()  # workbooks the history knew that are no longer in the folder


class Unreadable(Exception):
    """A workbook whose notes cannot be read; the message says why and what to do."""


def read_back(output_dir: Path, earlier: Earlier, password: str | None) -> ReadBack:
    """The notes changed in the workbooks of the output folder since the history last saw them."""
    if not output_dir.is_dir():
        return ReadBack(_notes_frame())
    present = sorted(
        (path for path in output_dir.iterdir() if WORKBOOK.fullmatch(path.name)),
        key=lambda path: path.name,
    )
    edits, holds, workbooks, problems = [], [], {}, []
    for path in present:
        try:
            sha256 = checksum(path)
            if earlier.workbooks.get(path.name) == sha256:
                continue
            held = _notes_in(path, password)
        except OSError as error:
            problems.append(f"{path.name}：无法打开（{error.strerror or error}）。{NOT_READ}")
            continue
        except Unreadable as why:
            problems.append(f"{path.name}：{why}。{NOT_READ}")
            continue
        edits.append(_changed(held, earlier.workbook_notes, path.name))
        holds.append(held.assign(file=path.name))
        workbooks[path.name] = sha256
        problems.extend(_odd_statuses(held, path.name))
    names = {path.name for path in present}
    gone = tuple(name for name in sorted(earlier.workbooks) if name not in names)
    problems.extend(
        f"{name}：已不在输出目录里（被移走或改名？）。{NOT_READ}。把它放回输出目录，下次对账会读回"
        for name in gone
    )
    return ReadBack(
        pd.concat([_notes_frame(), *edits], ignore_index=True),
        workbooks,
        pd.concat([_notes_frame().assign(file=None), *holds], ignore_index=True),
        tuple(problems),
        gone,
    )


def checksum(path: Path) -> str:
    """SHA-256 of a file, read in pieces: a province's workbook is hundreds of megabytes."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _notes_in(path: Path, password: str | None) -> pd.DataFrame:
    """finding_id, status, text of every finding row of the workbook's 异常清单 sheets."""
    held = finding_rows(path, HEADERS, password)
    held.columns = list(NOTE_FIELDS)
    return held.assign(status=held["status"].replace("", NOTE_STATUSES[0]))


def finding_rows(path: Path, headers: Sequence[str], password: str | None = None) -> pd.DataFrame:
    """The cells under ``headers`` (异常编号 first) of every finding row on the workbook's
    异常清单 sheets, as text; none from a sheet whose header lacks one of them (a workbook of
    an earlier version of the program)."""
    with path.open("rb") as stream:
        encrypted = stream.read(len(ENCRYPTED)) == ENCRYPTED
    try:
        book = (
            python_calamine.CalamineWorkbook.from_filelike(
                io.BytesIO(_decrypted(path.read_bytes(), password))
            )
            if encrypted
            else python_calamine.CalamineWorkbook.from_path(str(path))
        )
        sheets = [name for name in book.sheet_names if name.startswith(SHEET)]
        rows = [row for name in sheets for row in _finding_rows(book, name, headers)]
    except (python_calamine.CalamineError, ValueError, KeyError) as error:
        raise Unreadable(f"无法读取（{error}），文件可能已损坏或正在被占用") from error
    if not sheets:
        raise Unreadable(f"没有“{SHEET}”工作表")
    return pd.DataFrame(rows, columns=list(headers), dtype=object)


def _finding_rows(
    book: python_calamine.CalamineWorkbook, name: str, headers: Sequence[str]
) -> list[tuple[str, ...]]:
    cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    for number, header in enumerate(cells[:HEADER_ROWS]):
        labels = [str(value).strip() for value in header]
        if all(label in labels for label in headers):
            at = [labels.index(label) for label in headers]
            return [
                tuple(_cell(row, col) for col in at)
                for row in cells[number + 1 :]
                if _cell(row, at[0])
            ]
    return []


def _cell(row: Sequence[object], col: int) -> str:
    value = row[col] if col < len(row) else ""
    return "" if value is None else str(value).strip()


def _decrypted(data: bytes, password: str | None) -> bytes:
    if password is None:
        raise Unreadable("工作簿设有密码；请用同一密码对账（--password），才能读回其中的处理说明")
    import msoffcrypto  # cryptography: imported only when asked

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain)
    except Exception as error:  # noqa: BLE001 - msoffcrypto raises several kinds for a bad key
        raise Unreadable(f"用这次的密码打不开（{type(error).__name__}）") from error
    return plain.getvalue()


def _changed(held: pd.DataFrame, known: pd.DataFrame, file: str) -> pd.DataFrame:
    """The rows of ``held`` that differ from what the history knows the workbook held (a
    finding it did not know of counts as 未处理 with no 处理说明)."""
    before = known[known["file"] == file].set_index("finding_id")
    status = held["finding_id"].map(before["status"]).fillna(NOTE_STATUSES[0])
    text = held["finding_id"].map(before["text"]).fillna("")
    changed = held[held["status"].ne(status) | held["text"].ne(text)]
    return changed.assign(workbook=file)


def _odd_statuses(held: pd.DataFrame, file: str) -> list[str]:
    odd = held[~held["status"].isin(NOTE_STATUSES)]
    return [
        f"{file}：异常 {finding} 的处理状态“{status}”不在可选的 {'、'.join(NOTE_STATUSES)} 之中，"
        "已照写保存，仍按未解决统计"
        for finding, status in zip(odd["finding_id"], odd["status"], strict=True)
    ]


def _notes_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=[*NOTE_FIELDS, "workbook"], dtype=object)
