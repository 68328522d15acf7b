"""Stage: 对账明细 — per person and funding source, what the system recorded against what the
bank paid; then every successful transfer that pays no record; and which rules hit each row.

In: ``pipeline.match.Matched``, the period closed and the worker files; later the findings. Out:
a ``Reconciliation``: the table of the sheet 对账明细 (``RECONCILIATION_COLUMNS``, money integer
fen, lineage as text) and, for linking a finding to its row, the row of every input row in it.
``reconciliation`` makes it while the rules run in another process (``pipeline.run``); ``flag``
then fills in the rules that hit each row, once the findings are known.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.aggregate import Period, period_bounds
from pipeline.match import IN_TRANSIT, UNMATCHED_BANK, Matched, how_text
from pipeline.rules import SEVERITIES
from schemas.inputs import AID_TYPES

RECONCILIATION_COLUMNS = [
    "name",
    "id_no",
    "source",
    "records",
    "system_fen",
    "cash_fen",
    "paid_fen",
    "difference_fen",
    "status",
    "match_how",
    "record_ids",
    "lineage",
    "file_no",
    "aid_types",
    "dates",
    "card_no",
    "rules",
    "severity",
    "finding",
]
RULES_SEPARATOR = "、"
DATES_SEPARATOR = "–"  # first–last aid date of a row's records
NAT = np.iinfo(np.int64).min  # numpy's missing date, as a number
# A record's outcome that names the status of its whole row, most serious first. 在途 comes
# after the findings (a row with an old unpaid record is 未发放 whatever else is young) and
# before 金额不符, which a 在途 record's missing money would otherwise make of its row.
STATUS_BY_OUTCOME = (
    ("重复发放", "重复发放"),
    ("失败未重发", "发放失败"),
    ("未发放", "未发放"),
    (IN_TRANSIT, IN_TRANSIT),
)


@dataclass(frozen=True)
class Reconciliation:
    """对账明细 and, for linking a finding to its row, the row of every input row in it; once
    flagged (``flag``), each finding's row."""

    table: pd.DataFrame  # RECONCILIATION_COLUMNS, lineage as text
    rows: (
        pd.DataFrame
    )  # source_file, source_sheet (categories), source_row → position (row of ``table``)
    # finding (its position in the findings) → the row of the first of its input rows found
    # in the table; findings with none are missing
    finding_rows: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))


def reconciliation(
    matched: Matched, period: Period | None = None, files: pd.DataFrame | None = None
) -> Reconciliation:
    """对账明细: per person × 资金来源, what the system recorded against what the bank paid.

    In: ``pipeline.match.Matched``; with a period, only aid dated and bank rows paid up to its
    last day. One row per (身份证号, 资金来源) of the aid records: name (the first record's),
    records (how many), system_fen (all their amounts), cash_fen (the part paid in cash, which
    no bank pays), paid_fen (what successful transfers paid for them), difference_fen =
    paid − (system − cash), status — 现金 (cash only), else the first that applies of 重复发放 (a
    record paid twice), 发放失败 (a record whose transfer failed and was never re-paid), 未发放 (a
    record with no transfer), 在途 (a record not yet paid but within 发放在途天数 at the period
    end: ``match.in_transit``), 金额不符 (paid ≠ system − cash), 相符 — match_how (匹配方式: how the
    bank paid the records, with 待确认 where a pairing was a guess; ``match.how_text``),
    record_ids (joined with 、) and lineage (“file/sheet/第N行” of every record, in input order),
    file_no (档案编号: the first record's that has one, else the worker file of the 身份证号
    in ``files``), aid_types (救助类型 of the records, in the order of ``AID_TYPES``), dates
    (the first and last aid date, “2021-03-05–2021-10-20”, one date when they are the same),
    card_no (the card paid to: the first 收款卡号 recorded, else the card on the worker file).
    Then one row per successful bank transfer that pays no record (rule R02), source empty,
    status 无对应记录 or 无法识别收款人 (or 在途: paid within 发放在途天数 of the period end, its
    record not yet entered), its date, account and lineage the bank row's. Rows in
    the order of their first input row; money integer fen. The rules that hit a row (rules,
    severity, finding) are empty until ``flag``. Vectorised: a province's year is hundreds of
    thousands of rows.
    """
    aid, bank = matched.aid, matched.bank
    after = None if period is None else period_bounds(period)[2]
    stray = bank["status"].eq("成功").to_numpy(dtype=bool) & bank["outcome"].isin(
        [*UNMATCHED_BANK, IN_TRANSIT]
    ).to_numpy(dtype=bool)
    stray &= _dated_before(bank["paid_on"], after)
    lines = _Lines(  # the few transfers paying no record taken out: a province has 10⁷
        aid,
        bank.iloc[np.flatnonzero(stray)],
        np.flatnonzero(_dated_before(aid["aid_date"], after)),
        np.arange(int(stray.sum())),
    )
    order = lines.input_order()
    position = pd.factorize(lines.group_keys()[order])[0]  # groups by their first input row
    table = _with_worker_files(_reconciliation_rows(lines, order, position), files)
    return Reconciliation(table, lines.rows(order, position))


def flag(detail: Reconciliation, findings: pd.DataFrame) -> Reconciliation:
    """``detail`` with the rules that hit each row: rules (their codes, in code order, joined
    with 、), severity (the worst of them) and finding (the first of them in the order of
    ``findings``, as its position there; missing where none). A finding hits every row that
    holds one of its input rows (lineage); its own row, for 异常清单's link, is that of the first
    of them."""
    hits = _hits(findings, detail.rows)
    at = hits["finding"].to_numpy()
    hits = hits.assign(
        rule=findings["rule"].astype("str").to_numpy()[at],
        rank=findings["severity"].map(SEVERITIES.index).to_numpy()[at],
    )
    by_row = hits.groupby("position")
    codes = hits.drop_duplicates(["position", "rule"]).sort_values(["position", "rule"])
    rows = detail.table.index
    rules = codes.groupby("position")["rule"].agg(RULES_SEPARATOR.join)
    worst = by_row["rank"].min().map(dict(enumerate(SEVERITIES)))
    table = detail.table.assign(
        rules=rules.reindex(rows, fill_value="").astype("str"),
        severity=worst.reindex(rows, fill_value="").astype("str"),
        finding=by_row["finding"].min().reindex(rows).astype("Int64"),
    )
    first = hits.groupby("finding", sort=False)["position"].first()
    return replace(detail, table=table, finding_rows=first)


def _hits(findings: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Every (finding, position) where an input row of the finding (its lineage) is in the row
    ``position`` of 对账明细; ``finding`` is the finding's position in ``findings``. In the
    order of the findings, then of their lineage."""
    places = findings["lineage"].reset_index(drop=True).explode().dropna()
    if places.empty:
        return pd.DataFrame({"finding": np.array([], "int64"), "position": np.array([], "int64")})
    keys = pd.DataFrame(
        places.tolist(), columns=["source_file", "source_sheet", "source_row"]
    ).assign(finding=places.index.to_numpy())
    keys["source_row"] = keys["source_row"].astype("int64")
    for column in ("source_file", "source_sheet"):  # as the codes of rows' categories
        keys[column] = rows[column].cat.categories.get_indexer(pd.Index(keys[column], dtype="str"))
    codes = rows.assign(**{c: rows[c].cat.codes for c in ("source_file", "source_sheet")})
    found = keys.merge(codes, on=["source_file", "source_sheet", "source_row"], how="inner")
    pairs = found[["finding", "position"]].drop_duplicates()
    return pairs.astype("int64").reset_index(drop=True)


def _dated_before(dates: pd.Series, after: pd.Timestamp | None) -> np.ndarray:
    """Rows dated before ``after`` (all rows without one; an undated row is not before it)."""
    if after is None:
        return np.ones(len(dates), dtype=bool)
    return (dates < after).to_numpy(dtype=bool)


@dataclass(frozen=True)
class _Lines:
    """The lines of 对账明细 as positions, not copies: line k < ``records`` is the aid record
    ``aid_at[k]``, the others the transfers paying no record, ``bank_at``. Numbers per line are
    numpy arrays; text is taken from the frames only for the lines asked for. (A frame copying
    every record's text columns held a run at twice the size of its inputs.)"""

    aid: pd.DataFrame
    bank: pd.DataFrame
    aid_at: np.ndarray
    bank_at: np.ndarray

    @property
    def records(self) -> int:
        return len(self.aid_at)

    def numbers(self, of_record: Any, of_transfer: Any, dtype: Any = "int64") -> np.ndarray:
        """Per line: a record's value of ``of_record`` (an array over ``aid``), a transfer's of
        ``of_transfer`` (an array over ``bank``, or one value for all)."""
        record = np.asarray(of_record, dtype=dtype)[self.aid_at]
        if np.ndim(of_transfer) == 0:
            transfer = np.full(len(self.bank_at), of_transfer, dtype=dtype)
        else:
            transfer = np.asarray(of_transfer, dtype=dtype)[self.bank_at]
        return np.concatenate([record, transfer])

    def text(
        self, of_record: pd.Series, of_transfer: pd.Series, lines: np.ndarray
    ) -> pd.api.extensions.ExtensionArray:
        """The text of the given lines, in their order: a record's of ``of_record``, a
        transfer's of ``of_transfer``."""
        is_record = lines < self.records
        parts = [
            values.take(at).astype("str").reset_index(drop=True)
            for values, at in (
                (of_record, self.aid_at[lines[is_record]]),
                (of_transfer, self.bank_at[lines[~is_record] - self.records]),
            )
        ]
        at = np.empty(len(lines), dtype=np.int64)
        at[is_record] = np.arange(len(parts[0]))
        at[~is_record] = np.arange(len(parts[0]), len(lines))
        return pd.concat(parts, ignore_index=True).array.take(at)

    def input_order(self) -> np.ndarray:
        """The lines in the order of their input rows: file, sheet, row."""
        files, sheets = (self._names(c)[1] for c in ("source_file", "source_sheet"))
        return np.lexsort([self._input_rows(), sheets, files])

    def _input_rows(self) -> np.ndarray:
        return self.numbers(self.aid["source_row"], self.bank["source_row"])

    def _names(self, column: str) -> tuple[pd.Index, np.ndarray]:
        """Every file (or sheet) name in order, "" among them, and each line's position there."""
        aid, bank = (frame[column].astype("category") for frame in (self.aid, self.bank))
        names = pd.Index(sorted({*aid.cat.categories, *bank.cat.categories, ""}), dtype="str")
        ranks = (  # the last stands for a missing name (code -1)
            names.get_indexer(pd.Index([*frame.cat.categories, ""], dtype="str"))[
                frame.cat.codes.to_numpy(dtype=np.int64)
            ]
            for frame in (aid, bank)
        )
        return names, self.numbers(*ranks)

    def group_keys(self) -> np.ndarray:
        """Per line, its row of the table as a number: a record's person and source (a missing
        one a value of its own), each transfer a row of its own."""
        records = self.aid.iloc[self.aid_at]
        person = pd.factorize(records["id_no"], use_na_sentinel=False)[0]
        source, sources = pd.factorize(records["source"], use_na_sentinel=False)
        record = person.astype(np.int64) * len(sources) + source
        first_transfer = int(record.max(initial=-1)) + 1
        return np.concatenate([record, first_transfer + np.arange(len(self.bank_at))])

    def rows(self, order: np.ndarray, position: np.ndarray) -> pd.DataFrame:
        """source_file, source_sheet, source_row → position: each line's row of the table."""
        lineage = {}
        for column in ("source_file", "source_sheet"):  # categories: a province has 10⁷ lines
            names, ranks = self._names(column)
            lineage[column] = pd.Categorical.from_codes(ranks[order], names)
        rows = self._input_rows()[order]
        return pd.DataFrame({**lineage, "source_row": rows, "position": position})

    def places(self, lines: np.ndarray) -> pa.Array:
        """“file/sheet/第N行” (“file/第N行” without a sheet) of the given lines, in their
        order; the prefixes are made once per file and sheet."""
        aid_codes, aid_prefixes = _prefixes(self.aid)
        bank_codes, bank_prefixes = _prefixes(self.bank)
        codes = self.numbers(aid_codes, bank_codes + len(aid_prefixes))[lines]
        prefix = pa.array([*aid_prefixes, *bank_prefixes], pa.string()).take(codes)
        row = pa.array(self._input_rows()[lines]).cast(pa.string())
        return pc.binary_join_element_wise(prefix, row, "行", "")


def _prefixes(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Per row, a code of its “file/sheet/第” (“file/第” without a sheet), and the prefixes."""
    file, sheet = (frame[c].astype("category") for c in ("source_file", "source_sheet"))
    files, sheets = list(file.cat.categories), ["", *sheet.cat.categories]
    pair = file.cat.codes.to_numpy(dtype=np.int64) * len(sheets) + sheet.cat.codes.to_numpy() + 1
    distinct, code = np.unique(pair, return_inverse=True)
    prefixes = []
    for value in distinct.tolist():  # one per file and sheet: a handful
        name = sheets[value % len(sheets)]
        prefixes.append(f"{files[value // len(sheets)]}/" + (f"{name}/" if name else "") + "第")
    return code.reshape(-1), prefixes


def _type_bits(aid_type: pd.Series) -> np.ndarray:
    """Each record's 救助类型 as one bit of its position in ``AID_TYPES``."""
    code = aid_type.astype(pd.CategoricalDtype(list(AID_TYPES))).cat.codes.to_numpy(dtype="int64")
    return np.where(code >= 0, np.left_shift(1, np.maximum(code, 0)), 0)


@dataclass(frozen=True)
class _Rows:
    """Reductions of the lines to the table's rows (``order``: the lines in input order;
    ``position``: the row of each of them)."""

    lines: _Lines
    order: np.ndarray
    position: np.ndarray

    @property
    def count(self) -> int:
        return int(self.position.max(initial=-1)) + 1

    def total(self, of_record: Any, of_transfer: Any = 0) -> np.ndarray:
        summed = np.zeros(self.count, dtype=np.int64)
        np.add.at(summed, self.position, self.lines.numbers(of_record, of_transfer)[self.order])
        return summed

    def any(self, of_record: np.ndarray) -> np.ndarray:
        return self.total(np.asarray(of_record, dtype=np.int64)) > 0

    def bits(self, of_record: Any) -> np.ndarray:
        bits = np.zeros(self.count, dtype=np.int64)
        np.bitwise_or.at(bits, self.position, self.lines.numbers(of_record, 0)[self.order])
        return bits

    def first(self, of_record: pd.Series, of_transfer: pd.Series) -> pd.Series:
        """The first value present among each row's lines, in input order (missing if none)."""
        present = self.lines.numbers(of_record.notna(), of_transfer.notna(), bool)[self.order]
        at = np.flatnonzero(present)
        found = np.full(self.count, len(self.order))
        np.minimum.at(found, self.position[at], at)
        lines = self.order[np.minimum(found, max(len(self.order) - 1, 0))]
        values = pd.Series(self.lines.text(of_record, of_transfer, lines), dtype="str")
        return values.where(found < len(self.order))

    def day_span(
        self, of_record: pd.Series, of_transfer: pd.Series
    ) -> tuple[np.ndarray, np.ndarray]:
        """The first and the last day of each row's lines (NaT where none has one)."""
        days = self.lines.numbers(
            of_record.to_numpy(dtype="datetime64[D]"),
            of_transfer.to_numpy(dtype="datetime64[D]"),
            "datetime64[D]",
        )[self.order].view(np.int64)
        known = days != NAT
        span = []
        for reduce, start in ((np.minimum, np.iinfo(np.int64).max), (np.maximum, NAT)):
            ends = np.full(self.count, start, dtype=np.int64)
            reduce.at(ends, self.position[known], days[known])
            span.append(np.where(ends == start, NAT, ends).view("datetime64[D]"))
        return span[0], span[1]

    def joined(self, values: pd.api.extensions.ExtensionArray, separator: str) -> Any:
        """The lines' values (in input order) of each row joined in their order, as arrow lists:
        a Python join per row takes seconds for a province."""
        by_row = np.argsort(self.position, kind="stable")
        offsets = np.concatenate([[0], np.cumsum(np.bincount(self.position, minlength=self.count))])
        taken = pa.array(values, pa.string()).take(by_row)
        if isinstance(taken, pa.ChunkedArray):
            taken = taken.combine_chunks()
        lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), taken)
        return pd.array(pc.binary_join(lists, separator), dtype="str")  # no Python strings


def _reconciliation_rows(lines: _Lines, order: np.ndarray, position: np.ndarray) -> pd.DataFrame:
    aid, bank = lines.aid, lines.bank
    rows = _Rows(lines, order, position)
    outcome = aid["outcome"].astype("str")
    cash = outcome.eq("现金").to_numpy(dtype=bool)
    fen = aid["amount_fen"].to_numpy(dtype="int64")
    system, cashed = rows.total(fen), rows.total(np.where(cash, fen, 0))
    paid = rows.total(aid["paid_fen"].fillna(0), bank["amount_fen"])
    expected = system - cashed
    is_bank = np.zeros(rows.count, dtype=bool)
    is_bank[position[order >= lines.records]] = True
    status = np.select(
        [
            ~rows.any(~cash),
            *(rows.any((outcome == kind).to_numpy()) for kind, _ in STATUS_BY_OUTCOME),
            paid != expected,
        ],
        ["现金", *(s for _, s in STATUS_BY_OUTCOME), "金额不符"],
        "相符",
    )
    no_record_text = pd.Series(pd.NA, index=aid.index, dtype="str")
    no_transfer_text = pd.Series(pd.NA, index=bank.index, dtype="str")
    empty = pd.Series("", index=bank.index, dtype="str")
    bank_status = rows.first(no_record_text, bank["outcome"])
    transfer_person = bank["person"].astype("str").fillna(bank["id_no"].astype("str"))
    return pd.DataFrame(
        {
            "name": rows.first(aid["name"], bank["holder"].astype("str").fillna("")).array,
            "id_no": rows.first(aid["id_no"], transfer_person.fillna("")).array,
            "source": rows.first(aid["source"], empty).array,
            "records": np.bincount(position, minlength=rows.count) * ~is_bank,
            "system_fen": system,
            "cash_fen": cashed,
            "paid_fen": paid,
            "difference_fen": paid - expected,
            "status": pd.array(np.where(is_bank, bank_status.to_numpy(object), status), "str"),
            "match_how": pd.array(how_text(rows.bits(aid["how_bits"])), dtype="str"),
            "record_ids": rows.joined(lines.text(aid["record_id"], empty, order), "、"),
            "lineage": rows.joined(lines.places(order), "；"),
            "file_no": rows.first(aid["file_no"], no_transfer_text).array,
            "aid_types": _aid_types_text(rows.bits(_type_bits(aid["aid_type"]))),
            "dates": _dates_text(*rows.day_span(aid["aid_date"], bank["paid_on"])),
            "card_no": rows.first(aid["card_no"], bank["account"]).array,
            "rules": "",
            "severity": "",
            "finding": pd.array([pd.NA] * rows.count, dtype="Int64"),
        }
    )


def _with_worker_files(table: pd.DataFrame, files: pd.DataFrame | None) -> pd.DataFrame:
    """档案编号 and 卡号 the records leave empty, from the worker file of the row's 身份证号
    (the first in input order); for the transfers paying no record, the 档案编号 only."""
    if files is None or files.empty:
        return table
    on_file = files.drop_duplicates("id_no").set_index("id_no")[["file_no", "card_no"]]
    filed = on_file.reindex(table["id_no"].to_numpy())
    card = filed["card_no"].where(table["source"].to_numpy() != "")  # bank rows: the account
    return table.assign(
        **{
            column: table[column].fillna(pd.Series(values.to_numpy(), table.index, "string"))
            for column, values in (("file_no", filed["file_no"]), ("card_no", card))
        }
    )


def _aid_types_text(bits: np.ndarray) -> np.ndarray:
    """The 救助类型 of or-ed ``type_bits``, in the order of ``AID_TYPES``, joined with 、."""
    distinct, at = np.unique(bits, return_inverse=True)
    texts = [
        "、".join(label for k, label in enumerate(AID_TYPES) if code >> k & 1)
        for code in distinct.tolist()
    ]
    return np.array(texts, dtype=object)[at.reshape(-1)] if len(bits) else np.array([], object)


def _dates_text(first: np.ndarray, last: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """“first–last” day, or the one day when they are the same; empty where unknown."""
    low, high = (
        pa.array(day.astype("datetime64[D]"), from_pandas=True).cast(pa.string())
        for day in (first, last)
    )
    span = pc.binary_join_element_wise(low, high, DATES_SEPARATOR)
    text = pc.fill_null(pc.if_else(pc.equal(low, high), low, span), "")
    return pd.array(text, dtype="str")
