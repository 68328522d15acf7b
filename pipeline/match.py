"""Stage 3, match: tie every bank transfer to the person it pays and the aid records behind it.

In: the validated tables ``aid_records``, ``bank_payments`` and ``worker_files``
(``pipeline.validate``; worker files may be an empty frame) and the date ``Window``.
Out: ``Matched`` —
- ``pairs``: one row per link between an aid record and a bank row (``aid_index`` and
  ``bank_index`` are positions in the input frames), with how the person and the amount matched
  (``how_amount``, one of ``HOW_AMOUNT``), ``group`` (the links that explain one sum together:
  a combined transfer's records, a record's instalments) and ``pending`` (待确认: an equally good
  pairing would have left another record or transfer unexplained);
- ``aid``: the aid frame in its order, plus ``person``, ``paid_fen`` (what successful transfers
  paid for the record), ``bank_index`` (positions of the linked bank rows), ``outcome`` and
  ``how_bits`` (bit k: a successful link of kind ``HOW_AMOUNT[k]`` pays it; bit
  ``len(HOW_AMOUNT) + k``: such a link is 待确认);
- ``bank``: the bank frame in its order, plus ``batch`` (the file name where the bank gives
  none), ``person``, ``how_person`` and ``outcome``.

A bank row pays a person: the ID where the bank gives one, else the person whose card it is
(on a worker file or an aid record's 收款卡号; a card of two persons tells nothing), else the
person with the holder's name (only a name of exactly one person). It then pays that person's
card-paid records (cash records are never matched) dated from ``after_days`` before to
``before_days`` after the transfer. Per person, transfers and records are paired so that as
few as possible are left unexplained:
1. 金额相符: equal amounts one to one, nearest date first (vectorised); a person this leaves
   with nothing open (almost everyone) is done;
2. the few persons left with an unpaid record or an unexplained transfer that has an edge are
   settled again, whole, by ``pipeline.settle``: 金额相符, 合并转账 (N:1) and 分次发放 (1:N)
   chosen together for the fewest unexplained, then 金额不符 (R03) for what is left;
3. 重复发放 (R06): a transfer still unexplained that equals a record already paid (or the total
   of records paid together by one combined transfer) pays it a second time. A transfer is a
   second payment only when nothing else explains it.
Within each step nearest date first, then nearest amount, ties by the record's number and the
bank row's date, amount and account (lineage only between identical rows), so the result never
depends on the order of the input rows or files. Successful and failed transfers are assigned
separately: a failure and its re-payment both link to the record.

Outcomes of a record: 现金 (no transfer expected), 重复发放 (paid a second time, R06), 金额不符
(paid another amount, R03), 已到账 (paid its amount: one transfer, a share of a combined one, or
instalments), 失败未重发 (failed transfers only, R19), 未发放 (none, R01). Of a bank row:
已对应 (a success with its records), 无对应记录 (a success of a known person with no record in
the window, R02), 无法识别收款人 (a success nobody could be found for, R02), 失败已重发 (a failure
whose records all have a success on that day or later), 失败未重发 (any other failure, R19).
``in_transit`` then relabels as 在途 (no finding) the unpaid records and failures still young at
the period end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import settle

HOW_PERSON = ("身份证号", "卡号", "姓名")
BY_ID, BY_CARD, BY_NAME = range(3)
HOW_AMOUNT = ("金额相符", "合并转账", "分次发放", "金额不符", "重复发放")
EQUAL, COMBINED, INSTALMENTS, DIFFERENT, REPEATED = range(len(HOW_AMOUNT))
PENDING = "待确认"
IN_TRANSIT = "在途"  # unpaid at the period end, but not for longer than 发放在途天数
AID_OUTCOMES = ("已到账", "金额不符", "重复发放", "失败未重发", "未发放", IN_TRANSIT, "现金")
UNMATCHED_BANK = ("无对应记录", "无法识别收款人")  # successful transfers that pay no record (R02)
BANK_OUTCOMES = ("已对应", "失败已重发", "失败未重发", IN_TRANSIT, *UNMATCHED_BANK)
CASH = "现金"
SUCCESS = "成功"
NONE = -1  # no person, no group
RECORD_KEYS = ("record_id",)  # a record is known by its number
TRANSFER_KEYS = ("paid_on", "amount_fen", "account", "holder", "status")
ROUNDS = 8  # vectorised rounds of assignment; rare long chains of conflicts are settled one by one
LINK_COLUMNS = ("bank", "rec", "how", "group", "share")


@dataclass(frozen=True)
class Window:
    """How far the bank date may lie from the aid date, in days."""

    before_days: int = 5  # a transfer this many days before the aid date still pays it
    after_days: int = 60


@dataclass(frozen=True)
class Matched:
    pairs: pd.DataFrame  # aid_index, bank_index, record_id, how_person, how_amount, group,
    # pending, bank_status
    aid: pd.DataFrame  # the aid frame + person, paid_fen, bank_index, outcome, how_bits
    bank: pd.DataFrame  # the bank frame (batch filled) + person, how_person, outcome

    def links(self, *columns: str) -> pd.DataFrame:
        """One row per link, in the order of ``pairs``: ``aid_index``, ``bank_index``, how they
        were matched, and only the given columns of the record (``name``) and of the bank row
        (prefixed: ``bank_holder``). A rule picks its links from these, then takes them whole
        (``linked_at``): with both sides' every column, a province's links are gigabytes."""
        return self._linked(None, columns)

    def linked_at(self, at: np.ndarray) -> pd.DataFrame:
        """The links at positions ``at`` of ``pairs`` (the index), with every column of the
        record and of the bank row, the bank row's prefixed ``bank_``."""
        return self._linked(np.asarray(at, dtype=np.int64), None)

    def _linked(self, at: np.ndarray | None, columns: tuple[str, ...] | None) -> pd.DataFrame:
        pairs = self.pairs if at is None else self.pairs.iloc[at]
        aid, bank = self.aid.drop(columns="bank_index"), self.bank  # the pairs' bank_index
        if columns is not None:
            aid = aid[[c for c in columns if not c.startswith("bank_")]]
            bank = bank[[c.removeprefix("bank_") for c in columns if c.startswith("bank_")]]
        records = aid.iloc[pairs["aid_index"].to_numpy()]
        banks = bank.iloc[pairs["bank_index"].to_numpy()].add_prefix("bank_")
        how = pairs[["aid_index", "bank_index", "how_person", "how_amount", "group", "pending"]]
        index = pd.RangeIndex(len(pairs)) if at is None else pd.Index(at)
        return pd.concat([frame.set_axis(index) for frame in (records, banks, how)], axis=1)


def match(
    aid: pd.DataFrame, bank: pd.DataFrame, files: pd.DataFrame, window: Window = Window()
) -> Matched:
    """Link bank rows to persons and aid records; say what became of every row."""
    ids, aid_person, bank_person, how_person = _persons(aid, bank, files)
    records = _records(aid, aid_person)
    transfers = _transfers(bank, bank_person)
    candidates = _candidates(records, transfers, window)
    succeeded, failed = (candidates[candidates["ok"] == ok] for ok in (True, False))
    del candidates, records, transfers  # the pairs of both kinds are as many as the records
    paid, rivals = _link(succeeded, len(aid), len(bank), second=REPEATED)
    tried, _ = _link(failed, len(aid), len(bank), second=None)
    # Which failed transfer a record had changes no finding about money: never 待确认. The
    # groups of the failures follow those of the successes (fewer groups than links).
    links = pd.concat(
        [
            paid.assign(ok=True, pending=_pending(paid, rivals, len(aid), len(bank))),
            tried.assign(ok=False, pending=False, group=tried["group"] + len(paid)),
        ],
        ignore_index=True,
    )
    links = links.sort_values(["rec", "bank"], ignore_index=True)
    return Matched(
        pairs=_pairs(links, aid, bank, how_person),
        aid=_aid_result(aid, links),
        bank=_bank_result(bank, links, ids, bank_person, how_person),
    )


def in_transit(matched: Matched, period_end: pd.Timestamp, days: int) -> Matched:
    """``matched`` with what is only late at the period end relabelled 在途: a timing
    difference the bank settles after the close (未达账项), not a finding (R01, R19).

    A record is 在途 when it is 未发放 and its aid date is at most ``days`` before the period
    end, or 失败未重发 and the latest of its aid date and its failed transfers' dates is: the
    bank re-pays once a failure is reported, so the clock runs from the last failure, not from
    the aid date. A bank row is 在途 when it is 失败未重发 and dated at most ``days`` before
    the period end, or when it is a failed transfer of a 在途 record; and when it is a successful
    payment with no record (无对应记录) dated at most ``days`` before the period end: the bank
    has paid and the record is not yet entered in the national system (records are commonly
    entered days after the aid, R16 allows 录入时限工作日), so it is R02 only once older. A
    payment whose recipient cannot be identified (无法识别收款人) is never 在途. Dated after the
    period end (a negative age), they are not due yet: 在途 too. Exactly ``days`` old is still
    在途.
    """
    aid, bank, pairs = matched.aid, matched.bank, matched.pairs
    end = period_end.to_datetime64().astype("datetime64[D]").astype(np.int64)
    rec, row = pairs["aid_index"].to_numpy(), pairs["bank_index"].to_numpy()
    bank_day = _days(bank["paid_on"])
    last_try = _days(aid["aid_date"])  # a failed-only record's links are all failures
    np.maximum.at(last_try, rec, bank_day[row])
    waiting = aid["outcome"].isin(("未发放", "失败未重发")).to_numpy(dtype=bool)
    aid_young = waiting & (end - last_try <= days)
    of_young_record = np.zeros(len(bank), dtype=bool)
    of_young_record[row[aid_young[rec]]] = True
    failed = (bank["outcome"] == "失败未重发").to_numpy(dtype=bool)
    unrecorded = (bank["outcome"] == "无对应记录").to_numpy(dtype=bool)
    young = end - bank_day <= days
    bank_young = (failed & (young | of_young_record)) | (unrecorded & young)
    return replace(
        matched,
        aid=aid.assign(outcome=_relabelled(aid["outcome"], aid_young, AID_OUTCOMES)),
        bank=bank.assign(outcome=_relabelled(bank["outcome"], bank_young, BANK_OUTCOMES)),
    )


def _relabelled(
    outcome: pd.Series, young: np.ndarray, labels: tuple[str, ...]
) -> pd.Categorical[str]:
    codes = np.where(young, labels.index(IN_TRANSIT), outcome.cat.codes.to_numpy())
    return _labels(codes, labels)


# --- who is paid -------------------------------------------------------------------------------


def _persons(
    aid: pd.DataFrame, bank: pd.DataFrame, files: pd.DataFrame
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """Every ID as a number (a position in ``ids``); each bank row's person and how it was found.

    Returns ``ids``, the person of each aid record, the person of each bank row (``NONE`` when
    unknown) and the ``HOW_PERSON`` code of each bank row.
    """
    codes, ids = pd.factorize(
        pd.concat([aid["id_no"], files["id_no"], bank["id_no"]], ignore_index=True)
    )
    aid_person, file_person = codes[: len(aid)], codes[len(aid) : len(aid) + len(files)]
    person = codes[len(aid) + len(files) :].astype(np.int64)
    how = np.where(person != NONE, BY_ID, NONE)
    known = np.concatenate([aid_person, file_person])
    for code, column, key in ((BY_CARD, "account", "card_no"), (BY_NAME, "holder", "name")):
        open_rows = np.flatnonzero(person == NONE)
        if not len(open_rows):
            break
        keys = pd.concat([aid[key], files[key]], ignore_index=True)
        found = _sole_owner(keys, known, bank[column].iloc[open_rows])
        person[open_rows] = found
        how[open_rows[found != NONE]] = code
    return pd.Index(ids), aid_person, person, how


def _sole_owner(keys: pd.Series, persons: np.ndarray, wanted: pd.Series) -> np.ndarray:
    """The person each wanted key belongs to, where exactly one person has it (else NONE)."""
    codes, distinct = pd.factorize(pd.concat([keys, wanted], ignore_index=True))
    key, person = codes[: len(keys)], persons
    known = (key != NONE) & (person != NONE)
    key, person = key[known], person[known]
    lowest = np.full(len(distinct), np.iinfo(np.int64).max)
    highest = np.full(len(distinct), NONE, dtype=np.int64)
    np.minimum.at(lowest, key, person)
    np.maximum.at(highest, key, person)
    owner = np.where(lowest == highest, highest, NONE)  # NONE too for a key nobody has
    asked = codes[len(keys) :]
    return np.where(asked != NONE, owner[asked], NONE)


# --- what can be matched -----------------------------------------------------------------------


def _records(aid: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    """The card-paid records as numbers."""
    card = ~aid["pay_method"].eq(CASH).fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "rec": np.arange(len(aid)),
            "person": person,
            "aid_day": _days(aid["aid_date"]),
            "fen": aid["amount_fen"].to_numpy(dtype=np.int64),
            "rec_order": _content_order(aid, RECORD_KEYS),
        }
    )[card]


def _transfers(bank: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    """The bank rows whose person is known, as numbers."""
    transfers = pd.DataFrame(
        {
            "bank": np.arange(len(bank)),
            "person": person,
            "paid_day": _days(bank["paid_on"]),
            "bank_fen": bank["amount_fen"].to_numpy(dtype=np.int64),
            "bank_order": _content_order(bank, TRANSFER_KEYS),
            "ok": bank["status"].eq(SUCCESS).fillna(False).to_numpy(dtype=bool),
        }
    )
    return transfers[transfers["person"] != NONE]


def _candidates(records: pd.DataFrame, transfers: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Every (bank row, record) of one person within the window, nearest date first.

    One total order — days apart, then amounts apart, then the record's and the bank row's
    content rank — ranks candidates both for a bank row and for a record, which makes the
    assignment below well defined and independent of the order of the input rows.
    """
    at_transfer, at_record = _same_person(
        transfers["person"].to_numpy(), records["person"].to_numpy()
    )
    late = transfers["paid_day"].to_numpy()[at_transfer] - records["aid_day"].to_numpy()[at_record]
    inside = (late >= -window.before_days) & (late <= window.after_days)
    at_transfer, at_record, dist = at_transfer[inside], at_record[inside], np.abs(late[inside])
    gap = np.abs(
        transfers["bank_fen"].to_numpy()[at_transfer] - records["fen"].to_numpy()[at_record]
    )
    keys = (  # last is first; ordered before the pairs are made: a province has 10⁷ of them
        transfers["bank_order"].to_numpy()[at_transfer],
        records["rec_order"].to_numpy()[at_record],
        gap,
        dist,
    )
    order = np.lexsort(keys)
    del keys
    return pd.concat(
        [
            transfers.iloc[at_transfer[order]].reset_index(drop=True),
            records.iloc[at_record[order]].drop(columns="person").reset_index(drop=True),
        ],
        axis=1,
    ).assign(dist=dist[order], gap=gap[order])


def _same_person(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every (left, right) pair of one person: an inner join on person codes."""
    persons = max(left.max(initial=NONE), right.max(initial=NONE)) + 1
    count = np.bincount(right, minlength=persons)  # codes are small integers: no hashing
    start = np.cumsum(count) - count
    by_person = np.argsort(right, kind="stable")
    repeat = count[left]
    at_left = np.repeat(np.arange(len(left)), repeat)
    shift = np.repeat(np.cumsum(repeat) - repeat - start[left], repeat)
    return at_left, by_person[np.arange(len(at_left)) - shift]


# --- linking -----------------------------------------------------------------------------------


def _link(
    candidates: pd.DataFrame, n_aid: int, n_bank: int, second: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links (``LINK_COLUMNS``) of transfers of one status, step by step (module docstring),
    and their rivals (group, rec, bank): what an equally good choice would have used instead.

    ``second`` is the kind of a link paying a record already paid (重复发放 for successes); for
    failures (None) it keeps the kind of the record's link: a failure tried again is no payment.
    """
    equal = candidates[candidates["gap"] == 0]
    chosen = equal[
        _greedy(equal["bank"].to_numpy(), equal["rec"].to_numpy(), np.arange(len(equal)))
    ].assign(group=lambda frame: np.arange(len(frame)))
    links = pd.DataFrame(
        {
            "bank": chosen["bank"].to_numpy(),
            "rec": chosen["rec"].to_numpy(),
            "how": EQUAL,
            "group": chosen["group"].to_numpy(),
            "share": chosen["bank_fen"].to_numpy(),
        }
    )
    # The persons equal amounts leave with an item open are settled again, whole, by settle.
    unsettled = _unsettled(candidates, links, n_aid, n_bank)
    kept = ~chosen["person"].isin(unsettled).to_numpy()
    settled, rivals = settle.settle(candidates[candidates["person"].isin(unsettled)]).frames(
        first_group=len(links)
    )
    links = pd.concat([links[kept], settled], ignore_index=True)
    links = pd.concat([links, _second(candidates, links, n_aid, n_bank, second)], ignore_index=True)
    return links, pd.concat([_equal_rivals(chosen[kept], equal), rivals], ignore_index=True)


def _unsettled(
    candidates: pd.DataFrame, links: pd.DataFrame, n_aid: int, n_bank: int
) -> np.ndarray:
    """The persons with a record left unpaid or a transfer left unexplained that has an edge
    (a record or transfer of theirs in its window): another pairing might explain more."""
    bank, rec = candidates["bank"].to_numpy(), candidates["rec"].to_numpy()
    left_open = ~_marked(n_bank, links["bank"])[bank] | ~_marked(n_aid, links["rec"])[rec]
    return np.unique(candidates["person"].to_numpy()[left_open])


def _marked(size: int, positions: pd.Series) -> np.ndarray:
    marked = np.zeros(size, dtype=bool)
    marked[positions.to_numpy()] = True
    return marked


def _second(
    candidates: pd.DataFrame, links: pd.DataFrame, n_aid: int, n_bank: int, kind: int | None
) -> pd.DataFrame:
    """Transfers nothing else explains that pay again what is already paid: a record of their
    amount (nearest first), else the records one combined transfer paid, all in the window."""
    open_edges = candidates[~_marked(n_bank, links["bank"])[candidates["bank"].to_numpy()]]
    paid_again = open_edges[
        (open_edges["gap"] == 0) & _marked(n_aid, links["rec"])[open_edges["rec"].to_numpy()]
    ].drop_duplicates("bank")  # the candidates are in order: the first is the nearest
    how = links.drop_duplicates("rec").set_index("rec")["how"]
    again = pd.DataFrame(
        {
            "bank": paid_again["bank"].to_numpy(),
            "rec": paid_again["rec"].to_numpy(),
            "how": kind if kind is not None else how.reindex(paid_again["rec"]).to_numpy(),
            "share": paid_again["fen"].to_numpy(),
        }
    )
    left = open_edges[~_marked(n_bank, again["bank"])[open_edges["bank"].to_numpy()]]
    combined = _combined_again(left, links[links["how"] == COMBINED])
    combined = combined.assign(how=kind if kind is not None else COMBINED)
    both = pd.concat([again, combined], ignore_index=True)
    first_group = int(links["group"].max()) + 1 if len(links) else 0
    groups = pd.factorize(both["bank"])[0] + first_group  # one group per transfer
    return both.assign(group=groups)[list(LINK_COLUMNS)]


def _combined_again(edges: pd.DataFrame, combined: pd.DataFrame) -> pd.DataFrame:
    """(bank, rec, share) of transfers equal to the total of a combined transfer's records,
    every record in the window: the group whose farthest record is nearest, then the group
    formed first (a person's groups are formed in content order)."""
    if combined.empty or edges.empty:
        return pd.DataFrame({"bank": [], "rec": [], "share": []}, dtype=np.int64)
    members = combined.groupby("group").agg(total=("share", "sum"), size=("rec", "size"))
    near = edges[["bank", "rec", "dist", "bank_fen"]].merge(combined[["rec", "group", "share"]])
    fits = near.groupby(["bank", "group"]).agg(
        n=("rec", "size"), farthest=("dist", "max"), fen=("bank_fen", "first")
    )
    fits = fits.join(members)
    fits = fits[(fits["n"] == fits["size"]) & (fits["fen"] == fits["total"])].reset_index()
    best = fits.sort_values(["bank", "farthest", "group"]).drop_duplicates("bank")
    paid = best[["bank", "group"]].merge(combined[["group", "rec", "share"]])
    return paid[["bank", "rec", "share"]]


def _pending(links: pd.DataFrame, rivals: pd.DataFrame, n_aid: int, n_bank: int) -> np.ndarray:
    """Per link, 待确认: an equally good choice would have used a record that is left unpaid
    or a transfer that is left unexplained, so which of them is the finding is a guess."""
    unpaid = ~_marked(n_aid, links["rec"])
    unexplained = ~_marked(n_bank, links["bank"])
    rec, bank = rivals["rec"].to_numpy(), rivals["bank"].to_numpy()
    left_open = np.where(rec != NONE, unpaid[rec], unexplained[bank])
    return links["group"].isin(rivals.loc[left_open, "group"].unique()).to_numpy()


def _equal_rivals(chosen: pd.DataFrame, equal: pd.DataFrame) -> pd.DataFrame:
    """For the links of equal amounts (``chosen``: bank, rec, dist, group): the other records
    of that amount as near to the transfer, and the other transfers as near to the record."""
    found = [_no_rivals()]
    span = int(equal["dist"].max()) + 1 if len(equal) else 1
    for side, other in (("bank", "rec"), ("rec", "bank")):
        key = equal[side].to_numpy(dtype=np.int64) * span + equal["dist"].to_numpy()
        tied = equal.loc[pd.Series(key).duplicated(keep=False).to_numpy(), [side, other, "dist"]]
        near = chosen[[side, other, "dist", "group"]].merge(
            tied.rename(columns={other: "rival"}), on=[side, "dist"]
        )
        near = near[near["rival"] != near[other]]
        found.append(
            pd.DataFrame({"group": near["group"], other: near["rival"], side: NONE}).astype(
                np.int64
            )
        )
    return pd.concat(found, ignore_index=True)


def _no_rivals() -> pd.DataFrame:
    return pd.DataFrame({"group": [], "rec": [], "bank": []}, dtype=np.int64)


def _greedy(bank: np.ndarray, unit: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """The pairs that taking edges in order whenever both ends are free would give.

    ``alive`` are positions of usable edges in that order. Each round takes every edge that is
    the first alive one of both its bank row and its unit — such an edge would be taken one by
    one too — and drops the edges it blocks. Few rounds settle almost everything; what long
    chains of conflicts are left is then taken one by one.
    """
    chosen = np.zeros(len(bank), dtype=bool)
    bank_done = np.zeros(bank.max() + 1 if len(bank) else 0, dtype=bool)
    unit_done = np.zeros(unit.max() + 1 if len(unit) else 0, dtype=bool)
    for _ in range(ROUNDS):
        if not len(alive):
            return chosen
        won = alive[~_repeated(bank[alive]) & ~_repeated(unit[alive])]
        chosen[won] = True
        bank_done[bank[won]] = True
        unit_done[unit[won]] = True
        alive = alive[~bank_done[bank[alive]] & ~unit_done[unit[alive]]]
    for at in alive.tolist():
        if not bank_done[bank[at]] and not unit_done[unit[at]]:
            chosen[at] = bank_done[bank[at]] = unit_done[unit[at]] = True
    return chosen


def _repeated(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).duplicated().to_numpy()


# --- results -----------------------------------------------------------------------------------


def _pairs(
    links: pd.DataFrame, aid: pd.DataFrame, bank: pd.DataFrame, how_person: np.ndarray
) -> pd.DataFrame:
    rec, row = links["rec"].to_numpy(), links["bank"].to_numpy()
    return pd.DataFrame(
        {
            "aid_index": rec,
            "bank_index": row,
            "record_id": aid["record_id"].array.take(rec),
            "how_person": _labels(how_person[row], HOW_PERSON),
            "how_amount": _labels(links["how"].to_numpy(), HOW_AMOUNT),
            "group": links["group"].to_numpy(dtype=np.int64),
            "pending": links["pending"].to_numpy(dtype=bool),
            "bank_status": bank["status"].array.take(row),
        }
    )


def _aid_result(aid: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    rec, row, how = (links[c].to_numpy() for c in ("rec", "bank", "how"))
    ok = links["ok"].to_numpy(dtype=bool)
    pending = links["pending"].to_numpy(dtype=np.int64)
    paid = np.zeros(len(aid), dtype=np.int64)
    np.add.at(paid, rec[ok], links["share"].to_numpy(dtype=np.int64)[ok])
    bits = np.zeros(len(aid), dtype=np.int64)
    np.bitwise_or.at(bits, rec[ok], (1 << how[ok]) | (pending[ok] << (how[ok] + len(HOW_AMOUNT))))
    successes = np.bincount(rec[ok], minlength=len(aid))
    failures = np.bincount(rec[~ok], minlength=len(aid))
    cash = aid["pay_method"].eq(CASH).fillna(False).to_numpy(dtype=bool)
    outcome = np.select(
        [
            cash,
            bits & (1 << REPEATED) > 0,
            bits & (1 << DIFFERENT) > 0,
            successes > 0,
            failures > 0,
        ],
        _codes(AID_OUTCOMES, "现金", "重复发放", "金额不符", "已到账", "失败未重发"),
        default=AID_OUTCOMES.index("未发放"),
    )
    offsets = np.concatenate([[0], np.cumsum(successes + failures)])
    return aid.assign(
        person=aid["id_no"],
        paid_fen=pd.array(paid, dtype="Int64"),
        bank_index=pd.arrays.ArrowExtensionArray(
            pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(row))
        ),
        outcome=_labels(outcome, AID_OUTCOMES),
        how_bits=bits,
    )


def how_text(bits: np.ndarray) -> np.ndarray:
    """The 匹配方式 of ``how_bits`` (several records' bits or-ed together): the kinds in the
    order of HOW_AMOUNT, 、-separated, each followed by （待确认） where a link of it is;
    empty without a successful link."""
    distinct, at = np.unique(bits, return_inverse=True)
    texts = [
        "、".join(
            label + (f"（{PENDING}）" if code >> (k + len(HOW_AMOUNT)) & 1 else "")
            for k, label in enumerate(HOW_AMOUNT)
            if code >> k & 1
        )
        for code in distinct.tolist()
    ]
    return np.array(texts, dtype=object)[at.reshape(-1)] if len(bits) else np.array([], object)


def _bank_result(
    bank: pd.DataFrame,
    links: pd.DataFrame,
    ids: pd.Index,
    person: np.ndarray,
    how_person: np.ndarray,
) -> pd.DataFrame:
    rec, row, ok = (links[c].to_numpy() for c in ("rec", "bank", "ok"))
    day = _days(bank["paid_on"])
    # A failure is re-paid when every record it was for has a success on the same day or later.
    last_success = np.full(int(rec.max()) + 1 if len(rec) else 0, np.iinfo(np.int64).min)
    np.maximum.at(last_success, rec[ok], day[row[ok]])
    not_repaid = row[~ok][last_success[rec[~ok]] < day[row[~ok]]]
    linked = np.zeros(len(bank), dtype=bool)
    linked[row] = True
    repaid = linked.copy()
    repaid[not_repaid] = False
    success = bank["status"].eq(SUCCESS).fillna(False).to_numpy(dtype=bool)
    outcome = np.select(
        [success & linked, success & (person != NONE), success, repaid],
        _codes(BANK_OUTCOMES, "已对应", "无对应记录", "无法识别收款人", "失败已重发"),
        default=BANK_OUTCOMES.index("失败未重发"),
    )
    return bank.assign(
        batch=bank["batch"].fillna(bank["source_file"].astype("str")),
        person=pd.Series(  # a category of the IDs: a text a row is gigabytes for a province
            pd.Categorical.from_codes(person, pd.Index(ids, dtype="str")), index=bank.index
        ),
        how_person=_labels(how_person, HOW_PERSON),
        outcome=_labels(outcome, BANK_OUTCOMES),
    )


# --- helpers -----------------------------------------------------------------------------------


def _labels(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical[str]:
    """Codes as a categorical of the labels (NONE gives NA): cheap for a million rows."""
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(labels))


def _codes(labels: tuple[str, ...], *chosen: str) -> list[int]:
    return [labels.index(label) for label in chosen]


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _content_order(frame: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    """Each row's rank by the content ``keys``, then by file, sheet and row: rows that differ
    rank the same wherever they stand in the input; only identical rows fall back to lineage."""
    columns = [*keys, "source_file", "source_sheet", "source_row"]
    codes = [pd.factorize(frame[c], sort=True, use_na_sentinel=True)[0] for c in reversed(columns)]
    order = np.lexsort(codes)
    rank = np.empty(len(frame), dtype=np.int64)
    rank[order] = np.arange(len(frame))
    return rank
