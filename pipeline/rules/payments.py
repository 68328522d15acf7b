"""Rules on payments (R01–R06, R19): what the bank paid against what the system recorded.

In: the Context with ``matched`` (pipeline.match): the aid records and bank rows with their
outcomes and the links between them. Out: findings with the lineage of the record and of every
bank row involved.

One cause, one finding: a card-paid record with no transfer at all is R01; one whose transfers
all failed is R19 alone, once however many attempts failed; a failure re-paid later is neither.
Neither is what is only late at the period end: within 发放在途天数 the matcher calls it 在途
(``pipeline.match.in_transit``), and these rules never see it.
A different amount is R03, a second payment of a record already paid R06, any other payment
without a record R02 — the matcher gives each transfer one of these, never two.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.match import UNMATCHED_BANK, Matched
from pipeline.money import yuan
from pipeline.rules import (
    RECORD_AMOUNT,
    Context,
    Lineage,
    Rule,
    findings,
    lineage_of,
    subject_of,
)
from pipeline.rules.common import more_or_less


def _matched(context: Context) -> Matched:
    assert context.matched is not None, "the payment rules run after matching"
    return context.matched


def _links_where(context: Context, chosen: pd.Series | np.ndarray) -> pd.DataFrame:
    """The chosen links (a mask over ``pairs``) with both sides' every column."""
    return _matched(context).linked_at(np.flatnonzero(np.asarray(chosen, dtype=bool)))


BANK_LINEAGE = ("bank_source_file", "bank_source_sheet", "bank_source_row")
# What identifies a bank row from one export to the next (its file and row number may change).
TRANSFER_IDENTITY = ["batch", "paid_on", "account", "amount_fen"]


def _transfer_subject(bank_rows: pd.DataFrame, prefix: str = "") -> pd.Series:
    """A bank row's keys; its batch only where the bank gave one: the file name the matcher
    takes in its place would change the 异常编号 when next month's file is named otherwise."""
    batch = bank_rows[prefix + "batch"]
    own = batch.where(batch.ne(bank_rows[prefix + "source_file"].astype("str")))
    return subject_of(bank_rows.assign(**{prefix + "batch": own}), TRANSFER_IDENTITY, prefix)


def _pair_subject(linked: pd.DataFrame) -> pd.Series:
    """A finding about one link: its record and its bank row."""
    return subject_of(linked, ["record_id"]) + "；" + _transfer_subject(linked, "bank_")


def _pair_lineage(linked: pd.DataFrame) -> list[Lineage]:
    """The record's row and the bank row of each link (computed for the few links flagged)."""
    bank = linked[list(BANK_LINEAGE)]
    bank_lineage = lineage_of(bank.rename(columns=lambda c: c.removeprefix("bank_")))
    return [r + b for r, b in zip(lineage_of(linked), bank_lineage, strict=True)]


def _with_bank_rows(context: Context, records: pd.DataFrame) -> list[Lineage]:
    """Each record's own row followed by every bank row linked to it."""
    pairs = _matched(context).pairs
    linked = _links_where(context, pairs["aid_index"].isin(records.index))
    banks: dict[int, Lineage] = {}
    for index, lineage in zip(linked["aid_index"], _pair_lineage(linked), strict=True):
        banks[int(index)] = banks.get(int(index), ()) + lineage[1:]
    return [
        own + banks.get(int(index), ())
        for index, own in zip(records.index, lineage_of(records), strict=True)
    ]


def _with_records(context: Context, bank_rows: pd.DataFrame) -> list[Lineage]:
    """Each bank row's own row followed by the records it was matched to."""
    pairs = _matched(context).pairs
    linked = _links_where(context, pairs["bank_index"].isin(bank_rows.index))
    records: dict[int, Lineage] = {}
    for index, lineage in zip(linked["bank_index"], _pair_lineage(linked), strict=True):
        records[int(index)] = records.get(int(index), ()) + lineage[:1]
    return [
        own + records.get(int(index), ())
        for index, own in zip(bank_rows.index, lineage_of(bank_rows), strict=True)
    ]


def outstanding(context: Context) -> pd.DataFrame:
    """R01: card-paid records no transfer was even tried for, dated more than 发放在途天数
    before the period end (younger ones are 在途). A record whose transfers all failed is
    R19's: one cause, one finding."""
    aid = _matched(context).aid
    unpaid = aid[aid["outcome"] == "未发放"]
    messages = [
        f"救助编号 {row['record_id']}（{row['aid_type']} {yuan(row['amount_fen'])}）"
        f"没有找到银行发放，{yuan(row['amount_fen'])}未发放"
        for row in unpaid.to_dict("records")
    ]
    return findings(unpaid, messages, lineage=_with_bank_rows(context, unpaid))


def payment_without_record(context: Context) -> pd.DataFrame:
    """R02: a successful payment that pays no record; one within 发放在途天数 of the period end
    whose person is known is 在途 (its record not yet entered), not yet R02."""
    bank = _matched(context).bank
    orphan = bank[(bank["status"] == "成功") & bank["outcome"].isin(UNMATCHED_BANK)]
    messages = [
        f"银行向 {row['holder']}（账号 {row['account']}）成功发放 {yuan(row['amount_fen'])}，"
        + ("无法确定收款人" if row["outcome"] == "无法识别收款人" else "没有对应的救助记录")
        for row in orphan.to_dict("records")
    ]
    return findings(
        orphan.assign(name=orphan["holder"], id_no=orphan["person"].astype("str")),
        messages,
        subject=_transfer_subject(orphan),
    )


def amount_differs(context: Context) -> pd.DataFrame:
    """One finding per 金额不符 group: a record paid another amount (in one transfer or
    several), or records paid together by one transfer of another total."""
    pairs = _matched(context).pairs
    differ = _links_where(
        context, (pairs["how_amount"] == "金额不符") & (pairs["bank_status"] == "成功")
    )
    differ = differ.sort_values(["record_id", "bank_paid_on", *BANK_LINEAGE], kind="stable")
    records = differ.drop_duplicates("aid_index")
    transfers = differ.drop_duplicates("bank_index")
    recorded = records.groupby("group", sort=False)["amount_fen"].sum()
    paid = transfers.groupby("group", sort=False)["bank_amount_fen"].sum()
    count = transfers.groupby("group", sort=False).size()
    shown = records.drop_duplicates("group").set_index("group")
    shown = shown.assign(
        record_id=records.groupby("group", sort=False)["record_id"].agg("、".join),
        amount_fen=recorded,
    )
    messages = [
        f"救助编号 {row['record_id']} 记录 {yuan(row['amount_fen'])}，银行"
        + (f"分 {int(count[group])} 笔" if count[group] > 1 else "")
        + f"实发 {yuan(paid[group])}，{more_or_less(paid[group] - row['amount_fen'], '发')}"
        for group, row in zip(shown.index, shown.to_dict("records"), strict=True)
    ]
    sides: dict[int, tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]] = {}
    for group, (record, bank) in zip(differ["group"], _pair_lineage(differ), strict=True):
        sides.setdefault(int(group), ([], []))[0].append(record)
        sides[int(group)][1].append(bank)
    lineage = [tuple(dict.fromkeys(sides[g][0] + sides[g][1])) for g in shown.index]
    return findings(
        shown,
        messages,
        amount=paid.reindex(shown.index) - shown["amount_fen"],
        compared=shown["amount_fen"],
        lineage=lineage,
    )


def holder_differs(context: Context) -> pd.DataFrame:
    linked = _matched(context).links("name", "student", "bank_holder", "bank_status")
    holder = linked["bank_holder"]
    own_name = holder.eq(linked["name"]) | holder.eq(linked["student"])
    other = _links_where(context, _paid(linked) & ~own_name.fillna(False).to_numpy(dtype=bool))
    messages = [
        f"救助编号 {row['record_id']} 的受助人是 {row['name']}，银行账户户名却是 {row['bank_holder']}"
        for row in other.to_dict("records")
    ]
    return findings(other, messages, lineage=_pair_lineage(other), subject=_pair_subject(other))


def other_card(context: Context) -> pd.DataFrame:
    linked = _matched(context).links("id_no", "bank_account", "bank_status")
    files = context.table("worker_files")
    card_on_file = (
        files.dropna(subset=["card_no"]).drop_duplicates("id_no").set_index("id_no")["card_no"]
        if len(files)
        else pd.Series(dtype="str")
    )
    expected = linked["id_no"].map(card_on_file)
    differs = expected.notna() & linked["bank_account"].ne(expected)
    other = _links_where(context, _paid(linked) & differs.fillna(False).to_numpy(dtype=bool))
    messages = [
        f"救助编号 {row['record_id']} 发放到卡号 {row['bank_account']}，档案登记的卡号是 {card}"
        for row, card in zip(other.to_dict("records"), expected[other.index], strict=True)
    ]
    return findings(other, messages, lineage=_pair_lineage(other), subject=_pair_subject(other))


def _paid(linked: pd.DataFrame) -> np.ndarray:
    """The links whose transfer succeeded. Conditions are combined before the one filter: the
    links are as many as the records, with both sides' columns."""
    return linked["bank_status"].eq("成功").fillna(False).to_numpy(dtype=bool)


def paid_twice(context: Context) -> pd.DataFrame:
    return pd.concat([_record_paid_twice(context), _records_alike(context)], ignore_index=True)


def _record_paid_twice(context: Context) -> pd.DataFrame:
    aid = _matched(context).aid
    twice = aid[aid["outcome"] == "重复发放"]
    messages = [
        f"救助编号 {row['record_id']}（{yuan(row['amount_fen'])}）银行成功发放了不止一次，"
        f"共实发 {yuan(row['paid_fen'])}，多发 {yuan(row['paid_fen'] - row['amount_fen'])}"
        for row in twice.to_dict("records")
    ]
    return findings(
        twice,
        messages,
        amount=twice["paid_fen"] - twice["amount_fen"],
        compared=twice["amount_fen"],
        lineage=_with_bank_rows(context, twice),
    )


def _records_alike(context: Context) -> pd.DataFrame:
    """Two records of one person, same aid type and amount, within 重复判定天数 days."""
    aid = context.table("aid_records")
    days = context.params.standards.duplicate_days
    keys = ["id_no", "aid_type", "amount_fen"]
    ordered = aid[[*keys, "aid_date", "record_id"]].sort_values(
        [*keys, "aid_date", "record_id"], kind="stable"
    )  # only the sort keys: the records are a province's year
    same = np.all(
        [ordered[k].eq(ordered[k].shift(1)).fillna(False).to_numpy(dtype=bool) for k in keys],
        axis=0,
    )  # the record before is of the same person, aid type and amount (a missing key never is)
    gap = ordered["aid_date"].diff().dt.days.le(days).fillna(False).to_numpy(dtype=bool)
    later = np.flatnonzero(same & gap)
    second = aid.loc[ordered.index[later]]
    first = aid.loc[ordered.index[later - 1]]
    lineage = [a + b for a, b in zip(lineage_of(first), lineage_of(second), strict=True)]
    messages = [
        f"救助编号 {row['record_id']} 与 {earlier} 同一人、同一救助类型、同样金额 "
        f"{yuan(row['amount_fen'])}，相隔不到 {days} 天"
        for row, earlier in zip(second.to_dict("records"), first["record_id"], strict=True)
    ]
    subject = subject_of(first, ["record_id"]).to_numpy() + "；" + subject_of(second, ["record_id"])
    return findings(
        second, messages, compared=first["amount_fen"], lineage=lineage, subject=subject
    )


def failed_never_repaid(context: Context) -> pd.DataFrame:
    """R19: money whose transfers failed and were never re-paid: one finding per record whose
    every transfer failed (however many attempts), then one per failed transfer not told with
    such a record (a failure paying no record, or a record paid otherwise). A failure of at most
    发放在途天数 before the period end (for a record, its last one) is 在途, not yet R19."""
    return pd.concat([_records_failed(context), _transfers_failed(context)], ignore_index=True)


def _failure_reason(reason: object) -> str:
    return reason if isinstance(reason, str) else "原因未写"


def _records_failed(context: Context) -> pd.DataFrame:
    aid = _matched(context).aid
    failed = aid[aid["outcome"] == "失败未重发"]
    pairs = _matched(context).pairs
    tries = _links_where(context, pairs["aid_index"].isin(failed.index))
    reasons = tries.groupby("aid_index")["bank_failure_reason"].agg(
        lambda reasons: "、".join(dict.fromkeys(_failure_reason(r) for r in reasons))
    )
    count = tries.groupby("aid_index").size()
    messages = [
        f"救助编号 {row['record_id']}（{row['aid_type']} {yuan(row['amount_fen'])}）银行发放"
        + (f" {count[index]} 次均" if count[index] > 1 else "")
        + f"失败（{reasons[index]}），此后未再成功发放，{yuan(row['amount_fen'])}未发放"
        for index, row in zip(failed.index, failed.to_dict("records"), strict=True)
    ]
    return findings(failed, messages, lineage=_with_bank_rows(context, failed))


def _transfers_failed(context: Context) -> pd.DataFrame:
    matched = _matched(context)
    failed = matched.bank[matched.bank["outcome"] == "失败未重发"]
    pairs = matched.pairs
    told = pairs.loc[
        pairs["aid_index"].isin(matched.aid.index[matched.aid["outcome"] == "失败未重发"]),
        "bank_index",
    ]
    failed = failed[~failed.index.isin(told)]
    messages = [
        f"银行向 {row['holder']} 发放 {yuan(row['amount_fen'])}失败"
        f"（{_failure_reason(row['failure_reason'])}），此后未再成功发放"
        for row in failed.to_dict("records")
    ]
    # The record the failed transfer was for (the first, for an N:1 transfer) names the
    # person, source and aid type; an unmatched failure has only the bank's own details.
    first = pairs.drop_duplicates("bank_index")
    record = (
        _links_where(context, pairs.index.isin(first.index[first["bank_index"].isin(failed.index)]))
        .set_index("bank_index")
        .reindex(failed.index)
    )
    shown = failed.assign(
        name=record["name"].fillna(failed["holder"]),
        id_no=record["id_no"].fillna(failed["person"].astype("str")),
        source=record["source"],
        aid_type=record["aid_type"],
        record_id=record["record_id"],
    )
    return findings(
        shown,
        messages,
        lineage=_with_records(context, failed),
        subject=_transfer_subject(failed),
    )


RULES = [
    Rule(
        "R01",
        "救助已记录，但没有成功的银行发放",
        "错误",
        outstanding,
        "未发放的金额（该条救助记录的金额）；转账均失败的记录归 R19",
    ),
    Rule(
        "R02",
        "银行成功发放，但没有对应的救助记录",
        "错误",
        payment_without_record,
        "银行成功发放的金额",
    ),
    Rule(
        "R03",
        "银行实发金额与救助金额不符",
        "错误",
        amount_differs,
        "差额 = 银行实发 − 救助记录金额（正数为多发，负数为少发）",
        "救助记录金额（一笔转账合并发放几条记录时为其合计）",
    ),
    Rule("R04", "银行账户户名与受助人姓名不符", "警告", holder_differs, RECORD_AMOUNT),
    Rule("R05", "发放到档案登记以外的银行卡", "警告", other_card, RECORD_AMOUNT),
    Rule(
        "R06",
        "同一救助重复发放",
        "错误",
        paid_twice,
        "重复的金额：一条记录被银行发放不止一次时为多发的金额（实发合计 − 救助金额）；"
        "两条相同的记录时为后一条的金额",
        "被重复的救助金额：该条记录的金额，或前一条相同记录的金额",
    ),
    Rule(
        "R19",
        "银行发放失败且此后未重发",
        "错误",
        failed_never_repaid,
        "未发放的金额：转账全部失败的救助记录的金额（失败几次都只列一条）；"
        "不属于这类记录的失败转账为其转账金额",
    ),
]
