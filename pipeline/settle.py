"""Matching, second step: the persons whose money equal amounts alone do not explain.

In: every candidate edge of the persons that pairing equal amounts left with a record unpaid
or a transfer unexplained (``match`` gives up its pairs of those persons), of one transfer
status, in the candidates' order (nearest date, nearest amount, then the record's and the bank
row's content order), with the columns ``bank``, ``rec``, ``person``, ``dist`` (days apart),
``gap`` (fen apart), ``fen`` (the record's amount), ``bank_fen``, ``rec_order`` and
``bank_order``.
Out: ``Settled`` — ``links`` (bank, rec, how, group, share: what the link pays the record) and
``rivals`` (group, rec, bank: an item that an equally good choice would have used instead; -1
on the other side), from which matching marks a link 待确认.

Per person:
1. The exact explanations — 金额相符 (1:1), 合并转账 (N:1: a transfer equal to the sum of two or
   more records of any days in its window) and 分次发放 (1:N: a record equal to the sum of two
   or more transfers in its window) — chosen together so that the fewest records and
   transfers are left unexplained; among such choices the one with the most equal amounts,
   then the nearest dates (the farthest item of each explanation, summed), then the first in
   content order. A sum is sought among the ``MAX_PARTS`` nearest records of a transfer (or
   transfers of a record): every subset of them, 2¹² sums at most. A person with more than
   ``EXACT_ITEMS`` records and transfers is settled step by step instead: equal amounts, then
   sums for transfers, then sums for records, each best first.
2. 金额不符 (R03): what is left, one to one in the candidates' order; then a transfer left over
   joins the record of such a pair when that brings what was paid closer to what was recorded
   (an instalment of a record paid short), and a record left over joins the transfer of a pair
   when that brings the records' total closer to the transfer (a combined transfer a fen off).
The persons are few (most are settled by equal amounts before), so this runs person by person
in Python over small lists; everything it decides depends on content orders only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

MAX_PARTS = 12  # a sum is searched among this many nearest records (or transfers): 4,096 subsets
FEW_PARTS = 5  # up to this many, subsets are summed in plain Python
EXACT_ITEMS = 14  # a person of up to this many items is covered exactly: 2^14 states at most
EQUAL, COMBINED, INSTALMENTS, DIFFERENT = 0, 1, 2, 3  # positions in match.HOW_AMOUNT
FREE = -1

Item = tuple[str, int]  # ("b", bank row) or ("r", record)


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
    """Links for the persons' edges, person by person (see the module docstring)."""
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


@dataclass(frozen=True)
class _Option:
    """One exact explanation: its items, kind and how far apart its farthest items are."""

    items: tuple[Item, ...]
    kind: int
    farthest: int


class _Person:
    """One person's records and transfers of one status, and the edges between them."""

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
        self.items = sorted(self.amount, key=lambda item: (item[0], self.order[item]))
        self.group_of: dict[Item, int] = {}  # item → group, once linked
        self.members: dict[int, list[Item]] = {}
        self.kind: dict[int, int] = {}
        self.out = out

    def solve(self) -> None:
        if len(self.items) <= EXACT_ITEMS:
            self._cover_exactly()
        else:
            self._pair_equal()
            self._combine("b", "r", COMBINED)
            self._combine("r", "b", INSTALMENTS)
        self._pair_nearest()
        self._join("b", "r")
        self._join("r", "b")
        for group, members in self.members.items():
            self._emit(group, members)

    # --- 1: exact explanations, all at once ------------------------------------------------

    def _cover_exactly(self) -> None:
        options = self._options()
        position = {item: at for at, item in enumerate(self.items)}
        masks = [sum(1 << position[item] for item in o.items) for o in options]
        containing: list[list[int]] = [[] for _ in self.items]
        for number, option in enumerate(options):
            containing[min(position[item] for item in option.items)].append(number)

        @cache
        def best(covered: int, without: int) -> tuple[tuple[int, int, int], tuple[int, ...]]:
            """The best score (items explained, equal pairs, −days) of what is not yet covered
            and the options giving it; option ``without`` is not allowed."""
            free = next((at for at in range(len(self.items)) if not covered >> at & 1), None)
            if free is None:
                return (0, 0, 0), ()
            top = best(covered | 1 << free, without)  # the item left unexplained
            for number in containing[free]:
                if masks[number] & covered or number == without:
                    continue
                score, chosen = best(covered | masks[number], without)
                option = options[number]
                score = (
                    score[0] + len(option.items),
                    score[1] + (option.kind == EQUAL),
                    score[2] - option.farthest,
                )
                if score > top[0]:
                    top = (score, (number, *chosen))
            return top

        score, chosen = best(0, FREE)
        covered = sum(masks[number] for number in chosen)
        for number in chosen:
            group = self._group(list(options[number].items), options[number].kind)
            other_score, other = best(0, number)
            if other_score == score:  # as good without it: what would that explain instead?
                elsewhere = sum(masks[n] for n in other) & ~covered
                self._rivals(group, [i for at, i in enumerate(self.items) if elsewhere >> at & 1])

    def _options(self) -> list[_Option]:
        """Every exact explanation, in content order: equal pairs, then sums for transfers,
        then sums for records."""
        options = [
            _Option((("b", bank), ("r", rec)), EQUAL, dist)
            for bank, rec, dist, gap in self.edges
            if gap == 0
        ]
        for whole, part, kind in (("b", "r", COMBINED), ("r", "b", INSTALMENTS)):
            for unit in self.items:
                if unit[0] == whole:
                    options.extend(
                        _Option((unit, *parts), kind, far)
                        for far, parts in self._sums(unit, whole, part)
                    )
        return options

    def _sums(self, unit: Item, whole: str, part: str) -> list[tuple[int, tuple[Item, ...]]]:
        """(farthest days, parts) of every subset of two or more of the unit's nearest open
        parts adding up to its amount, best first: nearest farthest part, more parts, nearer
        parts."""
        near = self._neighbours(unit, whole, part)[:MAX_PARTS]
        amounts = [self.amount[p] for p, _ in near]
        if len(near) < 2 or sum(amounts) < self.amount[unit]:
            return []
        if len(near) <= FEW_PARTS:  # a few parts: plain Python beats numpy's call overhead
            fits = [
                (max(near[at][1] for at in chosen), -size, chosen)
                for size in range(2, len(near) + 1)
                for chosen in itertools.combinations(range(len(near)), size)
                if sum(amounts[at] for at in chosen) == self.amount[unit]
            ]
            return [(far, tuple(near[at][0] for at in chosen)) for far, _, chosen in sorted(fits)]
        masks = _MASKS[len(near)]
        days = np.array([d for _, d in near], dtype=np.int64)
        sizes = masks.sum(axis=1)
        found = np.flatnonzero((masks @ np.array(amounts) == self.amount[unit]) & (sizes >= 2))
        farthest = (masks[found] * days).max(axis=1) if len(found) else np.zeros(0, np.int64)
        ranked = np.lexsort((-found, -sizes[found], farthest))
        return [
            (
                int(farthest[at]),
                tuple(p for (p, _), on in zip(near, masks[found[at]], strict=True) if on),
            )
            for at in ranked.tolist()
        ]

    def _neighbours(self, unit: Item, whole: str, part: str) -> list[tuple[Item, int]]:
        """The open parts with an edge to the unit, nearest first, with their days apart."""
        at = 0 if whole == "b" else 1
        return [
            ((part, edge[1 - at]), edge[2])
            for edge in self.edges
            if edge[at] == unit[1] and (part, edge[1 - at]) not in self.group_of
        ]

    # --- 1, step by step (a person of many items) ------------------------------------------

    def _pair_equal(self) -> None:
        for bank, rec, _, gap in self.edges:
            if gap == 0 and ("b", bank) not in self.group_of and ("r", rec) not in self.group_of:
                self._group([("b", bank), ("r", rec)], EQUAL)

    def _combine(self, whole: str, part: str, kind: int) -> None:
        """Link, best first, each open ``whole`` (a transfer, or a record) to open ``part``s
        adding up to it, while any such sum is left."""
        while True:
            options = {
                unit: sums[0]
                for unit in self._open(whole)
                if (sums := self._sums(unit, whole, part))
            }
            if not options:
                return
            unit = min(options, key=lambda u: (options[u][0], -len(options[u][1]), self.order[u]))
            self._group([unit, *options[unit][1]], kind)

    # --- 2: nearest amounts ----------------------------------------------------------------

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

    def _open(self, side: str) -> list[Item]:
        return [item for item in self.items if item[0] == side and item not in self.group_of]

    def _group(self, items: list[Item], kind: int) -> int:
        group = self.out.groups
        self.out.groups += 1
        self.members[group] = list(items)
        self.kind[group] = kind
        for item in items:
            self.group_of[item] = group
        return group

    def _rivals(self, group: int, items: list[Item]) -> None:
        self.out.rivals.extend(
            (group, index, FREE) if side == "r" else (group, FREE, index) for side, index in items
        )

    def _sum(self, members: list[Item], side: str) -> int:
        return sum(self.amount[m] for m in members if m[0] == side)

    def _emit(self, group: int, members: list[Item]) -> None:
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
