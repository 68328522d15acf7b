"""The run (pipeline.run) end to end on sample_data/: the report's own figures, exactly the
planted anomalies with their rule codes and nothing else flagged as 错误, summary.json totals
equal to the rows they come from, exceptions.csv one line per finding, and the run history
written; the same outputs when the judging runs in a second process, and an error there stops
the run."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from pipeline import parallel, results, run
from tests.builders import SAMPLE
from tests.generator.generate import ANOMALY_RULES, PLANTED_ANOMALIES


def test_exactly_the_planted_anomalies_are_found(sample_reconciled: results.Reconciled) -> None:
    findings = sample_reconciled.findings
    planted = {}
    for anomaly in PLANTED_ANOMALIES:
        planted.setdefault(anomaly.code, set()).add(
            (anomaly.file, anomaly.sheet, anomaly.excel_row)
        )
    expected = sorted(
        (rule, tuple(sorted(rows)))
        for code, rows in planted.items()
        for rule in ANOMALY_RULES[code].split()
    )
    found = sorted(
        (rule, tuple(sorted(set(lineage) & set().union(*planted.values()))))
        for rule, lineage in zip(findings["rule"], findings["lineage"], strict=True)
    )
    assert found == expected
    assert sample_reconciled.period == run.pd.Period("2021-12", freq="M")


def test_nothing_but_the_planted_anomalies_is_an_error(
    sample_reconciled: results.Reconciled,
) -> None:
    findings = sample_reconciled.findings
    errors = findings[findings["severity"] == "错误"]
    assert sorted(errors["rule"]) == ["R03", "R07", "R15", "R19"]


def test_summary_json_carries_the_reports_figures(sample_outputs: Path) -> None:
    summary = json.loads((sample_outputs / "summary.json").read_text("utf-8"))
    government = ("中央财政专项帮扶资金", "省财政专项帮扶资金")
    spent = {}
    for row in summary["fund_usage"]:
        if row["source"] in government:
            spent[row["aid_type"]] = spent.get(row["aid_type"], 0) + row["year_amount_fen"]
    assert spent == {"生活救助": 17_960_000, "医疗救助": 52_850_000, "助学救助": 20_885_000}
    assert sum(spent.values()) == 91_695_000
    persons = {row["aid_type"]: row["persons"] for row in summary["headcounts"]}
    assert (persons["生活救助"], persons["医疗救助"], persons["助学救助"]) == (26, 47, 56)
    completion = {row["aid_type"]: row["completion_pct"] for row in summary["headcounts"]}
    assert (completion["生活救助"], completion["医疗救助"], completion["助学救助"]) == (
        "130.00",
        "470.00",
        "280.00",
    )
    assert summary["exceptions"] == {
        code: (1 if code in ("R03", "R04", "R05", "R07", "R15", "R16", "R18", "R19") else 0)
        for code in summary["exceptions"]
    }
    assert len(summary["exceptions"]) == 23


def test_summary_totals_equal_the_rows_they_come_from(sample_outputs: Path) -> None:
    summary = json.loads((sample_outputs / "summary.json").read_text("utf-8"))
    totals = [t for t in summary["usage_totals"] if t["scope"] == "source"]
    for row in summary["fund_usage"]:  # the contract's keys are the year to date
        assert (row["amount_fen"], row["person_times"], row["persons"]) == (
            row["year_amount_fen"],
            row["year_person_times"],
            row["year_persons"],
        )
    for total in totals:
        rows = [r for r in summary["fund_usage"] if r["source"] == total["source"]]
        assert total["year_amount_fen"] == sum(r["year_amount_fen"] for r in rows)
        assert total["year_person_times"] == sum(r["year_person_times"] for r in rows)
    for balance in summary["balances"]:
        spent = sum(v or 0 for v in balance["expenditure_by_aid_type_fen"].values())
        assert balance["expenditure_fen"] == spent
        assert balance["income_total_fen"] == sum(v or 0 for v in balance["income_fen"].values())
        assert balance["closing_fen"] == (
            balance["opening_fen"]
            + balance["income_total_fen"]
            - spent
            - balance["transfer_out_fen"]
        )
    rows = summary["rows"]
    assert all(r["read"] == r["reconciled"] + r["rejected"] for r in rows.values())


def test_exceptions_csv_has_one_line_per_finding_and_history_is_kept(
    sample_reconciled: results.Reconciled, sample_outputs: Path
) -> None:
    data = (sample_outputs / "exceptions.csv").read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(data)))
    assert len(lines) == 1 + len(sample_reconciled.findings)
    assert [line[0] for line in lines[1:]] == sample_reconciled.findings["rule"].tolist()
    assert (sample_outputs / "run_history.sqlite").exists()


def test_two_processes_write_the_same_outputs(sample_outputs: Path, tmp_path, monkeypatch) -> None:
    """Large inputs read in two workers, the rules in a forked process while this one makes
    对账明细 and the figures in another while it writes it: forced here on the sample, the
    outputs are byte for byte those of the run in one process (the workbook's zip, hence every
    cell, summary.json, exceptions.csv)."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    run.reconcile(results.Config(SAMPLE, tmp_path))
    for name in ("帮扶资金对账_2021-12.xlsx", "summary.json", "exceptions.csv"):
        assert (tmp_path / name).read_bytes() == (sample_outputs / name).read_bytes(), name


@pytest.mark.parametrize("stage", ["rules", "figures"])
def test_an_error_in_a_forked_process_stops_the_run_and_writes_nothing(
    stage: str, tmp_path, monkeypatch
) -> None:
    """The rules (forked beside the making of 对账明细) or the figures (beside its writing)."""

    def broken(*_: object) -> None:
        raise run.ReconcileError("出错")

    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    if stage == "rules":
        monkeypatch.setattr(run.rules, "apply", broken)
    else:
        monkeypatch.setattr(run.aggregate, "figures", broken)
    with pytest.raises(run.ReconcileError, match="出错"):
        run.reconcile(results.Config(SAMPLE, tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_forked_process_that_dies_is_an_error_not_a_hang(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(run.rules, "apply", lambda *_: os._exit(9))
    with pytest.raises(RuntimeError, match="工作进程异常退出（9）"):
        run.reconcile(results.Config(SAMPLE, tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == []
