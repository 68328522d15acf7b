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
    rows: pd.DataFrame  # source_file, source_sheet, source_row → position (row of ``table``)
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
    if period is not None:
        _, _, after = period_bounds(period)
        aid = aid[aid["aid_date"] < after]
        bank = bank[bank["paid_on"] < after]
    paid = bank["status"].eq("成功").to_numpy(dtype=bool)
    bank = bank[bank["outcome"].isin([*UNMATCHED_BANK, IN_TRANSIT]).to_numpy(dtype=bool) & paid]
    work = pd.concat([_record_lines(aid), _bank_lines(bank)], ignore_index=True)
    work = work.iloc[_input_order(work)].reset_index(drop=True)
    groups = work.groupby(["group_kind", "id_no", "source", "bank_row"], sort=False, dropna=False)
    work["position"] = groups.ngroup()
    table = _with_worker_files(_reconciliation_rows(work, groups), files)
    rows = work[["source_file", "source_sheet", "source_row", "position"]]
    return Reconciliation(table, rows)


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
    found = keys.merge(rows, on=["source_file", "source_sheet", "source_row"], how="inner")
    pairs = found[["finding", "position"]].drop_duplicates()
    return pairs.astype("int64").reset_index(drop=True)


def _record_lines(aid: pd.DataFrame) -> pd.DataFrame:
    """One line per aid record, grouped later by person and source."""
    outcome = aid["outcome"].astype("str")
    cash = outcome.eq("现金").to_numpy(dtype=bool)
    fen = aid["amount_fen"].to_numpy(dtype="int64")
    return pd.DataFrame(
        {
            "group_kind": 0,
            "bank_row": -1,
            "name": aid["name"].astype("str").array,
            "id_no": aid["id_no"].astype("str").array,
            "source": aid["source"].astype("str").array,
            "record_id": aid["record_id"].astype("str").array,
            "fen": fen,
            "cash_fen": np.where(cash, fen, 0),
            "paid": aid["paid_fen"].fillna(0).to_numpy(dtype="int64"),
            "card_paid": ~cash,
            "how_bits": aid["how_bits"].to_numpy(dtype="int64"),
            "type_bits": _type_bits(aid["aid_type"]),
            "day": aid["aid_date"].to_numpy(dtype="datetime64[D]"),
            "file_no": aid["file_no"].astype("string").array,
            "card_no": aid["card_no"].astype("string").array,
            **{status: (outcome == kind).to_numpy() for kind, status in STATUS_BY_OUTCOME},
            **_lineage_columns(aid),
        }
    )


def _bank_lines(bank: pd.DataFrame) -> pd.DataFrame:
    """One line (and later one row) per successful transfer that pays no record."""
    person = bank["person"].astype("string").fillna(bank["id_no"].astype("string"))
    no_flags = dict.fromkeys((status for _, status in STATUS_BY_OUTCOME), False)
    return pd.DataFrame(
        {
            "group_kind": 1,
            "bank_row": np.arange(len(bank)),
            "name": bank["holder"].astype("str").fillna("").array,
            "id_no": person.astype("str").fillna("").array,
            "source": "",
            "record_id": "",
            "fen": 0,
            "cash_fen": 0,
            "paid": bank["amount_fen"].to_numpy(dtype="int64"),
            "card_paid": False,
            "how_bits": 0,
            "type_bits": 0,
            "day": bank["paid_on"].to_numpy(dtype="datetime64[D]"),
            "file_no": pd.array([pd.NA] * len(bank), dtype="string"),
            "card_no": bank["account"].astype("string").array,
            **no_flags,
            "bank_status": bank["outcome"].astype("str").array,
            **_lineage_columns(bank),
        }
    )


def _type_bits(aid_type: pd.Series) -> np.ndarray:
    """Each record's 救助类型 as one bit of its position in ``AID_TYPES``."""
    code = aid_type.astype(pd.CategoricalDtype(list(AID_TYPES))).cat.codes.to_numpy(dtype="int64")
    return np.where(code >= 0, np.left_shift(1, np.maximum(code, 0)), 0)


def _lineage_columns(frame: pd.DataFrame) -> dict[str, Any]:
    sheet = frame["source_sheet"].astype("str").fillna("")
    file = frame["source_file"].astype("str")
    row = frame["source_row"].astype("int64")
    place = file + "/" + (sheet + "/").where(sheet != "", "") + "第" + row.astype("str") + "行"
    return {
        "source_file": file.array,
        "source_sheet": sheet.array,
        "source_row": row.to_numpy(),
        "place": place.array,
    }


def _input_order(work: pd.DataFrame) -> np.ndarray:
    file, sheet = (pd.factorize(work[c], sort=True)[0] for c in ("source_file", "source_sheet"))
    return np.lexsort([work["source_row"].to_numpy(), sheet, file])


def _reconciliation_rows(work: pd.DataFrame, groups: Any) -> pd.DataFrame:
    sums = groups[["fen", "cash_fen", "paid"]].sum()
    flags = groups[["card_paid", *(status for _, status in STATUS_BY_OUTCOME)]].any()
    firsts = groups[["name", "id_no", "source", "file_no", "card_no"]].first()
    expected = sums["fen"] - sums["cash_fen"]
    status = np.select(
        [~flags["card_paid"], *(flags[s] for _, s in STATUS_BY_OUTCOME), sums["paid"] != expected],
        ["现金", *(s for _, s in STATUS_BY_OUTCOME), "金额不符"],
        "相符",
    )
    bank_status = groups["bank_status"].first()
    is_bank = groups["group_kind"].first().to_numpy() == 1
    position = work["position"].to_numpy()
    how_bits, type_bits = (np.zeros(len(is_bank), dtype="int64") for _ in range(2))
    np.bitwise_or.at(how_bits, position, work["how_bits"].to_numpy())
    np.bitwise_or.at(type_bits, position, work["type_bits"].to_numpy())
    table = pd.DataFrame(
        {
            **{c: firsts[c].to_numpy() for c in ("name", "id_no", "source")},
            "records": groups.size().to_numpy() * ~is_bank,
            "system_fen": sums["fen"].to_numpy(),
            "cash_fen": sums["cash_fen"].to_numpy(),
            "paid_fen": sums["paid"].to_numpy(),
            "difference_fen": (sums["paid"] - expected).to_numpy(),
            "status": np.where(is_bank, bank_status.astype("string").to_numpy(), status),
            "match_how": pd.array(how_text(how_bits), dtype="str"),
            "record_ids": _joined(work["record_id"], work["position"], "、"),
            "lineage": _joined(work["place"], work["position"], "；"),
            "file_no": firsts["file_no"].astype("string").to_numpy(),
            "aid_types": _aid_types_text(type_bits),
            "dates": _dates_text(groups["day"].min().to_numpy(), groups["day"].max().to_numpy()),
            "card_no": firsts["card_no"].astype("string").to_numpy(),
            "rules": "",
            "severity": "",
            "finding": pd.array([pd.NA] * len(is_bank), dtype="Int64"),
        }
    )
    money = ["records", "system_fen", "cash_fen", "paid_fen", "difference_fen"]
    return table.astype({column: "int64" for column in money})


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


def _joined(
    values: pd.Series, position: pd.Series, separator: str
) -> pd.api.extensions.ExtensionArray:
    """The values of each group joined in their order, as pyarrow lists: a Python join per
    group takes seconds for a province."""
    table = pa.table({"group": position.to_numpy(), "value": pa.array(values, pa.string())})
    grouped = table.group_by("group", use_threads=False).aggregate([("value", "list")])
    joined = pc.binary_join(grouped["value_list"], separator)
    order = np.argsort(grouped["group"].to_numpy(), kind="stable")
    return pd.array(joined.take(order), dtype="str")  # stays in arrow: no Python strings
