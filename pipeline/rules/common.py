"""What the rule families share: aid records joined to their worker file, the lineage of
findings that involve several input rows, and money, dates and people as messages show them.

In: validated tables (ASCII columns, lineage columns ``source_file``/``source_sheet``/
``source_row``). Out: frames aligned with the records they were given, and plain strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from pipeline.money import yuan
from pipeline.rules import Lineage
from schemas import LINEAGE

FILE = "wf_"  # prefix of the worker-file columns joined to records
FILE_FIELDS = (
    "file_no",
    "id_no",
    "region_code",
    "file_level",
    "status",
    "status_changed_on",
    "close_reason",
    *LINEAGE,
)
CLOSED = ("脱困", "注销")


class Row:
    """One row of a frame, for writing its message: ``row["name"]`` is a plain Python value."""

    __slots__ = ("_columns", "_at")

    def __init__(self, columns: _Columns, at: int) -> None:
        self._columns = columns
        self._at = at

    def __getitem__(self, name: str) -> Any:
        return self._columns.value(name, self._at)


class _Columns:
    """A frame's columns as Python lists, each converted on first use: a message reads a few
    of a record's thirty columns, and a million findings must not convert the rest."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._lists: dict[str, list[Any]] = {}

    def value(self, name: str, at: int) -> Any:
        if name not in self._lists:
            self._lists[name] = self._frame[name].tolist()
        return self._lists[name][at]


def as_dicts(rows: pd.DataFrame) -> list[Row]:
    """The rows one by one, for writing one message per finding."""
    columns = _Columns(rows)
    return [Row(columns, at) for at in range(len(rows))]


def in_order(words: Iterable[str], order: Iterable[str]) -> str:
    """Words joined with 、 in the order the trade lists them (生活、医疗、助学), others after."""
    words = set(words)
    known = [word for word in order if word in words]
    return "、".join(known + sorted(words - set(known)))


def of_types(records: pd.DataFrame, *aid_types: str) -> pd.DataFrame:
    return records[records["aid_type"].isin(aid_types)]


def with_files(records: pd.DataFrame, files: pd.DataFrame) -> pd.DataFrame:
    """The records with the columns of their worker file, prefixed ``wf_`` (NA without one).

    A record's file is the one its 档案编号 names; a record without one (or naming a file the
    export lacks) falls back to the file of the person's 身份证号, since aid may be recorded
    without the number.
    """
    if files.empty:  # no worker files at all: nobody has one
        typed = {"status_changed_on": "datetime64[us]", "source_row": "Int64"}
        files = pd.DataFrame({n: pd.Series(dtype=typed.get(n, "str")) for n in FILE_FIELDS})
    files = files.reset_index(drop=True)
    by_number = positions(records["file_no"], files["file_no"])
    person = one_file_per_person(files)
    by_person = positions(records["id_no"], person["id_no"])
    at = np.where(by_number >= 0, by_number, np.append(person.index.to_numpy(), -1)[by_person])
    joined = {
        FILE + name: pd.api.extensions.take(_column(files, name), at, allow_fill=True)
        for name in FILE_FIELDS
    }
    return records.assign(**{name: pd.Series(v, index=records.index) for name, v in joined.items()})


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Per value, the position of the same text among ``keys`` (unique), -1 where none."""
    found = pc.index_in(_arrow_text(values), value_set=_arrow_text(keys))
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def among(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """Per value, whether the same text is among ``allowed``: ``Series.isin`` hashed in
    pyarrow (pandas turns a large ``allowed`` into Python objects one by one)."""
    found = pc.is_in(_arrow_text(values), value_set=_arrow_text(allowed.dropna()))
    return found.to_numpy(zero_copy_only=False).astype(bool)


def _arrow_text(column: pd.Series) -> pa.Array:
    return pa.array(column.astype("str").array).cast(pa.large_string())


def one_file_per_person(files: pd.DataFrame) -> pd.DataFrame:
    """The files with one per 身份证号: of a person's several files (an old closed one and a
    new one), the open file, else the latest filed. The index stays the files' positions."""
    repeated = files["id_no"].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return files
    order = ["_open", "filed_on", "file_no"] if "filed_on" in files else ["_open", "file_no"]
    preferred = (
        files[repeated]
        .assign(_open=files["status"] == "在档")
        .sort_values(order, ascending=False, kind="stable")
        .drop_duplicates("id_no")
        .drop(columns="_open")
    )
    return pd.concat([files[~repeated], preferred]).sort_index()


def _column(files: pd.DataFrame, name: str) -> ExtensionArray:
    column = files[name]
    if name == "source_row":
        column = column.astype("Int64")  # keeps integers when a record has no file
    elif column.dtype.kind == "M":
        column = column.astype("datetime64[us]")
    return column.array


def rows_lineage(frame: pd.DataFrame, prefix: str = "") -> list[Lineage]:
    """Each row's (file, sheet, row) from the lineage columns under ``prefix``; () where the
    row has none (a record without a worker file)."""
    files, sheets, rows = (frame[prefix + name] for name in LINEAGE)
    return [
        () if pd.isna(row) else ((str(file), "" if pd.isna(sheet) else str(sheet), int(row)),)
        for file, sheet, row in zip(files, sheets, rows, strict=True)
    ]


def joined_lineage(*parts: Iterable[Lineage]) -> list[Lineage]:
    """Per row, the lineages of several parts one after the other, each row only once."""
    return [
        tuple(dict.fromkeys(row for part in rows for row in part))
        for rows in zip(*parts, strict=True)
    ]


def day(value: Any) -> str:
    value = pd.Timestamp(value)
    return f"{value.year}-{value.month:02d}-{value.day:02d}"  # strftime is slow per finding


def more_or_less(difference: int, verb: str = "") -> str:
    """A signed difference in words: 多 (positive) or 少 (negative), ``verb`` and the yuan —
    多发 100.00 元, 少 1.00 元. The sign conventions of the findings' 金额 read this way."""
    return f"{'多' if difference > 0 else '少'}{verb} {yuan(abs(difference))}"


def record_text(row: Row) -> str:
    """救助编号 JZ2021… 张三 2021-10-15 医疗救助 800.00 元 — the record as a clerk finds it."""
    return (
        f"救助编号 {row['record_id']}（{row['name']}）{day(row['aid_date'])} "
        f"{row['aid_type']} {yuan(row['amount_fen'])}"
    )


def medical_check_year(records: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """Per record, the medical check its 医疗救助 is judged by: ``_check_year``, the settlement
    year of the aid's year if the person has one, else of the year before (aid early in a year
    is paid on last year's bills), and that year's ``_self_paid`` 个人自付 (several settlements
    of a year add up); both NA when the person has neither."""
    paid = (
        checks.groupby(["id_no", "year"], as_index=False)["self_paid_fen"].sum()
        if len(checks)
        else pd.DataFrame(
            {"id_no": pd.Series(dtype="str"), "year": [], "self_paid_fen": []}
        ).astype({"year": "Int64", "self_paid_fen": "Int64"})
    )
    aid_year = records["aid_date"].dt.year.astype("Int64")
    found = pd.DataFrame(
        {
            "_check_year": pd.Series(pd.NA, index=records.index, dtype="Int64"),
            "_self_paid": pd.Series(pd.NA, index=records.index, dtype="Int64"),
        }
    )
    for year in (aid_year - 1, aid_year):  # the aid's own year last, so that it wins
        keyed = pd.DataFrame({"id_no": records["id_no"], "year": year})
        fen = keyed.merge(paid, on=["id_no", "year"], how="left")["self_paid_fen"].array
        hit = ~fen.isna()
        found.loc[hit, "_check_year"] = year[hit]
        found.loc[hit, "_self_paid"] = fen[hit]
    return found
