"""The rules applied together (pipeline.rules.apply) to the sample's tables: the eligibility,
limits, verification and procedure families, which need no matching, find exactly the planted
anomalies of their codes (A5 R07, A6 R15, A7 R16, A8 R18 of tests/generator/generate.py), traced to
the planted file, sheet and row, and nothing else. Each rule on its own, on tiny tables:
tests/test_rules_<family>.py."""

from __future__ import annotations

import pandas as pd

from pipeline import results
from pipeline.params import parameters
from pipeline.rules import (
    RECORD_AMOUNT,
    Context,
    apply,
    eligibility,
    limits,
    procedure,
    verification,
)
from pipeline.rules.catalogue import CATALOGUE
from tests.generator.generate import ANOMALY_RULES, PLANTED_ANOMALIES

FAMILIES = [*eligibility.RULES, *limits.RULES, *verification.RULES, *procedure.RULES]


def test_sample_findings_are_exactly_the_planted_ones(
    sample_reconciled: results.Reconciled,
) -> None:
    tables = sample_reconciled.checked.validated.tables
    found = apply(Context(tables, parameters(tables), pd.Timestamp("2021-12-31")), FAMILIES)
    codes = {rule.code for rule in FAMILIES}
    expected: dict[str, set[tuple[str, str, int]]] = {}
    for planted in PLANTED_ANOMALIES:
        for code in set(ANOMALY_RULES[planted.code].split()) & codes:
            expected.setdefault(code, set()).add((planted.file, planted.sheet, planted.excel_row))
    got = {
        rule: set(lineage) for rule, lineage in zip(found["rule"], found["lineage"], strict=True)
    }
    assert len(found) == len(got) == 4
    assert got == expected


def test_a_finding_about_a_record_carries_the_records_amount(
    sample_reconciled: results.Reconciled,
) -> None:
    """The sample's findings of rules that are about a record, not an amount (R04, R05, R07,
    R15, R16, R18): 金额 is the record's own amount, 比较金额 empty."""
    by_record = {rule.code for rule in CATALOGUE if rule.amount == RECORD_AMOUNT}
    found = sample_reconciled.findings
    found = found[found["rule"].isin(by_record)]
    aid = sample_reconciled.checked.validated.tables["aid_records"].set_index("record_id")
    assert sorted(found["rule"]) == ["R04", "R05", "R07", "R15", "R16", "R18"]
    assert found["amount_fen"].tolist() == aid.loc[found["record_id"], "amount_fen"].tolist()
    assert found["compared_fen"].isna().all()


def test_a_findings_id_does_not_depend_on_row_order_or_place(
    sample_reconciled: results.Reconciled,
) -> None:
    """异常编号 from the keys of the rows behind a finding, not their places: every table of
    the sample read in reverse order and moved to other rows of other files (as next month's
    longer export puts them) gives every finding the same 异常编号; and they are all distinct."""
    tables = sample_reconciled.checked.validated.tables
    moved = {
        kind: table.iloc[::-1]
        .reset_index(drop=True)
        .assign(source_file="下月导出.xlsx", source_row=lambda t: t.index + 100)
        for kind, table in tables.items()
    }
    found = sample_reconciled.findings
    again = _all_findings(moved)
    assert found["finding_id"].is_unique and len(found) == 8
    assert sorted(again["finding_id"]) == sorted(found["finding_id"])
    by_id = again.set_index("finding_id")
    assert by_id.loc[found["finding_id"], "rule"].tolist() == found["rule"].tolist()


def _all_findings(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    from pipeline import match

    params = parameters(tables)
    window = match.Window(params.standards.window_before_days, params.standards.window_after_days)
    matched = match.match(
        tables["aid_records"], tables["bank_payments"], tables["worker_files"], window
    )
    end = pd.Timestamp("2021-12-31")
    matched = match.in_transit(matched, end, params.standards.in_transit_days)
    return apply(Context(tables, params, end, matched), CATALOGUE)
