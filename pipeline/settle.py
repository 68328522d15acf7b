"""Matching, second step: the persons whose money equal amounts alone do not explain.

In: the open candidate edges of one transfer status — a bank row and a card-paid record of
one person within the window, neither yet linked — in the candidates' order (nearest date,
nearest amount, then the record's and the bank row's content order), with the columns
``bank``, ``rec``, ``person``, ``dist`` (days apart), ``gap`` (fen apart), ``fen`` (the
record's amount), ``bank_fen``, ``rec_order`` and ``bank_order``.
Out: ``Settled`` — ``links`` (bank, rec, how, group, share: what the link pays the record)
and ``rivals`` (group, rec, bank: an item that an equally good choice would have used
instead; -1 on the other side), from which matching marks a link 待确认.

Per person, in this order, each step among what the steps before left open:
1. 合并转账 (N:1): a transfer equal to the sum of two or more records of any days in its
   window. Every subset of the transfer's ``MAX_PARTS`` nearest records is summed (2¹² sums at
   most). Of the subsets that add up, the one whose farthest record is nearest wins, then the
   one of more records (fewer left unexplained), then the one of nearer records; the
   transfer whose best subset is nearest goes first, ties by the bank row's content order.
2. 分次发放 (1:N): a record equal to the sum of two or more transfers (instalments) in its
   window, chosen the same way among its ``MAX_PARTS`` nearest transfers.
3. 金额不符 (R03): the remaining pairs one to one in the candidates' order; then a transfer left
   over joins the record of such a pair when that brings what was paid closer to what was
   recorded (an instalment of a record paid short), and a record left over joins the transfer
   of a pair when that brings the records' total closer to the transfer (a combined transfer a
   fen off).
The persons are few (most are settled by equal amounts before), so this runs person by person
in Python over small lists; everything it decides depends on content orders only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_PARTS = 12  # a sum is searched among this many nearest records (or transfers): 4,096 subsets
COMBINED, INSTALMENTS, DIFFERENT = 1, 2, 3  # positions in match.HOW_AMOUNT
FREE = -1


def _subset_masks(size: int) -> np.ndarray:
    """Every subset of ``size`` positions as a 0/1 row; a larger row number holds nearer
    positions (position 0 weighs most), so the largest number among equals is the nearest."""
    numbers = np.arange(1 << size, dtype=np.int64)[:, None]
    return (numbers >> np.arange(size - 1, -1, -1, dtype=np.int64)) & 1


_MASKS = [_subset_masks(size) for size in range(MAX_PARTS + 1)]


@dataclass
class Settled:
    links: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    rivals: list[tuple[int, int, int]] = field(default_factory=list)  # group, rec, bank
    groups: int = 0

    def frames(self, first_group: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The links and rivals as frames, groups numbered from ``first_group``."""
        links = pd.DataFrame(
            np.array(self.links, dtype=np.int64).reshape(-1, 5),
            columns=["bank", "rec", "how", "group", "share"],
        )
        rivals = pd.DataFrame(
            np.array(self.rivals, dtype=np.int64).reshape(-1, 3), columns=["group", "rec", "bank"]
        )
        links["group"] += first_group
        rivals["group"] += first_group
        return links, rivals


def settle(edges: pd.DataFrame) -> Settled:
    """Links for the open edges, person by person (see the module docstring)."""
    settled = Settled()
    if edges.empty:
        return settled
    by_person = np.argsort(edges["person"].to_numpy(), kind="stable")  # keeps edge order
    columns = ("bank", "rec", "dist", "gap", "fen", "bank_fen", "rec_order", "bank_order")
    values = {c: edges[c].to_numpy()[by_person].tolist() for c in columns}
    person = edges["person"].to_numpy()[by_person]
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]]).tolist()
    for start, end in zip(starts, [*starts[1:], len(person)], strict=True):
        _Person({c: v[start:end] for c, v in values.items()}, settled).solve()
    return settled


class _Person:
    """One person's open records and transfers of one status, and the edges between them."""

    def __init__(self, edges: dict[str, list[int]], out: Settled) -> None:
        self.edges = list(
            zip(edges["bank"], edges["rec"], edges["dist"], edges["gap"], strict=True)
        )
        self.amount = {("b", b): f for b, f in zip(edges["bank"], edges["bank_fen"], strict=True)}
        self.amount.update({("r", r): f for r, f in zip(edges["rec"], edges["fen"], strict=True)})
        self.order = {("b", b): o for b, o in zip(edges["bank"], edges["bank_order"], strict=True)}
        self.order.update(
            {("r", r): o for r, o in zip(edges["rec"], edges["rec_order"], strict=True)}
        )
        self.group_of: dict[tuple[str, int], int] = {}  # ("b"|"r", index) → group, once linked
        self.members: dict[int, list[tuple[str, int]]] = {}
        self.kind: dict[int, int] = {}
        self.out = out

    def solve(self) -> None:
        self._combine("b", "r", COMBINED)
        self._combine("r", "b", INSTALMENTS)
        self._pair_nearest()
        self._join("b", "r")
        self._join("r", "b")
        for group, members in self.members.items():
            self._emit(group, members)

    # --- 1 and 2: sums ---------------------------------------------------------------------

    def _combine(self, whole: str, part: str, kind: int) -> None:
        """Link, best first, each open ``whole`` (a transfer, or a record) to open ``part``s
        adding up to it, while any such sum is left."""
        while True:
            options = {
                unit: found
                for unit in self._open(whole)
                if (found := self._best_sum(unit, whole, part)) is not None
            }
            if not options:
                return
            unit = min(options, key=lambda u: (options[u][0], self.order[u]))
            key, parts, tied = options[unit]
            group = self._group([unit, *parts], kind)
            rival_units = [
                u
                for u, o in options.items()
                if u != unit and (o[0], set(o[1])) == (key, set(parts))
            ]
            self._rivals(group, [*tied, *rival_units])

    def _best_sum(
        self, unit: tuple[str, int], whole: str, part: str
    ) -> tuple[tuple[int, int], list[tuple[str, int]], list[tuple[str, int]]] | None:
        """The best subset of the unit's nearest open parts adding up to its amount:
        ((farthest days, −parts), parts, parts of other subsets as good), or None."""
        near = self._neighbours(unit, whole, part)[:MAX_PARTS]
        if len(near) < 2:
            return None
        masks = _MASKS[len(near)]
        amounts = np.array([self.amount[p] for p, _ in near], dtype=np.int64)
        days = np.array([d for _, d in near], dtype=np.int64)
        sizes = masks.sum(axis=1)
        fits = np.flatnonzero((masks @ amounts == self.amount[unit]) & (sizes >= 2))
        if not len(fits):
            return None
        farthest = (masks[fits] * days).max(axis=1)
        best = np.lexsort((-fits, -sizes[fits], farthest))[0]
        as_good = fits[(farthest == farthest[best]) & (sizes[fits] == sizes[fits[best]])]
        chosen = masks[fits[best]].astype(bool)
        parts = [p for (p, _), on in zip(near, chosen, strict=True) if on]
        others = masks[as_good].any(axis=0) & ~chosen
        tied = [p for (p, _), on in zip(near, others, strict=True) if on]
        return (int(farthest[best]), -int(sizes[fits[best]])), parts, tied

    def _neighbours(
        self, unit: tuple[str, int], whole: str, part: str
    ) -> list[tuple[tuple[str, int], int]]:
        """The open parts with an edge to the unit, nearest first, with their days apart."""
        at = 0 if whole == "b" else 1
        return [
            ((part, edge[1 - at]), edge[2])
            for edge in self.edges
            if edge[at] == unit[1] and (part, edge[1 - at]) not in self.group_of
        ]

    # --- 3: nearest amounts ----------------------------------------------------------------

    def _pair_nearest(self) -> None:
        for bank, rec, dist, gap in self.edges:
            if ("b", bank) in self.group_of or ("r", rec) in self.group_of:
                continue
            rivals = [
                (("r", r) if b == bank else ("b", b))
                for b, r, d, g in self.edges
                if (b == bank) != (r == rec)
                and (d, g) == (dist, gap)
                and ("b", b) not in self.group_of
                and ("r", r) not in self.group_of
            ]
            self._rivals(self._group([("b", bank), ("r", rec)], DIFFERENT), rivals)

    def _join(self, left: str, side: str) -> None:
        """Items left over (``left``: "b" transfers, "r" records) join a 金额不符 pair whose one
        item of the other side they have an edge to, when that brings the two sides closer."""
        at = 0 if left == "b" else 1
        for edge in self.edges:
            item, other = (left, edge[at]), (side, edge[1 - at])
            group = self.group_of.get(other)
            if item in self.group_of or group is None or self.kind[group] != DIFFERENT:
                continue
            members = self.members[group]
            if sum(1 for m in members if m[0] == side) != 1:
                continue
            gap = self._sum(members, side) - self._sum(members, left)
            if abs(gap - self.amount[item]) < abs(gap):
                self.group_of[item] = group
                members.append(item)

    # --- bookkeeping -----------------------------------------------------------------------

    def _open(self, side: str) -> list[tuple[str, int]]:
        items = {key for key in self.amount if key[0] == side and key not in self.group_of}
        return sorted(items, key=lambda key: self.order[key])

    def _group(self, items: list[tuple[str, int]], kind: int) -> int:
        group = self.out.groups
        self.out.groups += 1
        self.members[group] = list(items)
        self.kind[group] = kind
        for item in items:
            self.group_of[item] = group
        return group

    def _rivals(self, group: int, items: list[tuple[str, int]]) -> None:
        self.out.rivals.extend(
            (group, index, FREE) if side == "r" else (group, FREE, index) for side, index in items
        )

    def _sum(self, members: list[tuple[str, int]], side: str) -> int:
        return sum(self.amount[m] for m in members if m[0] == side)

    def _emit(self, group: int, members: list[tuple[str, int]]) -> None:
        """The group's links, each with what it pays its record: a transfer's own amount, or,
        where one transfer pays several records, each record's amount, the largest record
        taking what the transfer paid more or less than their total."""
        banks = sorted((m[1] for m in members if m[0] == "b"), key=lambda b: self.order[("b", b)])
        recs = sorted((m[1] for m in members if m[0] == "r"), key=lambda r: self.order[("r", r)])
        kind = self.kind[group]
        if len(recs) == 1:
            for bank in banks:
                self.out.links.append((bank, recs[0], kind, group, self.amount[("b", bank)]))
            return
        (bank,) = banks
        extra = self.amount[("b", bank)] - self._sum(members, "r")
        largest = max(recs, key=lambda r: (self.amount[("r", r)], -self.order[("r", r)]))
        for rec in recs:
            share = self.amount[("r", rec)] + (extra if rec == largest else 0)
            self.out.links.append((bank, rec, kind, group, share))
