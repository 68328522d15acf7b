"""The run history: a period's closing balances stored once, replaced on rerun, read back per
source for the next year's carry-over check, saying which period they are of; or read from a
previous summary.json, saying so. Written as a staged output, so that a failure leaves the
previous history, or none, never an empty one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from pipeline import history, staging
from pipeline.errors import ReconcileError

CENTRAL = "中央财政专项帮扶资金"
UNION = "本级工会经费"


def record(
    folder: Path,
    period: str,
    balances: list[dict[str, object]],
    findings: pd.DataFrame | None = None,
) -> None:
    """A run's entry of balances and findings (no notes), committed as a run commits it."""
    empty = pd.DataFrame(columns=list(history.NOTE_FIELDS), dtype=object)
    no_findings = pd.DataFrame(columns=list(history.FINDING_FIELDS), dtype=object)
    entry = history.Entry(
        period=period,
        balances=balances,  # type: ignore[arg-type]
        findings=no_findings if findings is None else findings,
        notes=empty.assign(workbook=None),
        workbooks={},
        workbook_notes=empty.assign(file=None),
    )
    with staging.staged(folder) as staged:
        history.write(staged, folder, entry)
        staged.commit()


def test_created_on_first_use_and_read_back_per_source(tmp_path: Path) -> None:
    assert history.previous_closing(tmp_path, 2021) is None
    record(
        tmp_path,
        "2021-12",
        [
            {"source": CENTRAL, "fund_year": 2021, "closing_fen": 113640},
            {"source": UNION, "fund_year": 2020, "closing_fen": 100},
            {"source": UNION, "fund_year": 2021, "closing_fen": 968000},
        ],
    )
    assert history.previous_closing(tmp_path, 2021) == history.PreviousClosing(
        {CENTRAL: 113640, UNION: 968100}, "运行记录 2021-12"
    )
    assert history.previous_closing(tmp_path, 2020) is None


def test_a_rerun_replaces_the_period_and_the_latest_period_of_the_year_counts(
    tmp_path: Path,
) -> None:
    """Planted: 2021-11 stored, 2021-12 stored twice (the second run corrects the first)."""
    record(tmp_path, "2021-11", [{"source": CENTRAL, "fund_year": 2021, "closing_fen": 5}])
    record(tmp_path, "2021-12", [{"source": CENTRAL, "fund_year": 2021, "closing_fen": 7}])
    record(tmp_path, "2021-12", [{"source": CENTRAL, "fund_year": 2021, "closing_fen": 9}])
    assert history.previous_closing(tmp_path, 2021) == history.PreviousClosing(
        {CENTRAL: 9}, "运行记录 2021-12"
    )
    with sqlite3.connect(tmp_path / history.DATABASE) as db:
        assert db.execute("select count(*) from closing_balances").fetchone()[0] == 2


def test_history_stores_figures_only(tmp_path: Path) -> None:
    record(tmp_path, "2021-12", [{"source": CENTRAL, "fund_year": 2021, "closing_fen": 9}])
    with sqlite3.connect(tmp_path / history.DATABASE) as db:
        columns = [row[1] for row in db.execute("pragma table_info(closing_balances)")]
    assert columns == ["period", "source", "fund_year", "closing_fen"]


def test_closing_from_a_previous_summary(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    balances = [
        {"source": UNION, "fund_year": 2020, "closing_fen": 100},
        {"source": UNION, "fund_year": 2021, "closing_fen": 900},
    ]
    path.write_text(json.dumps({"period": "2021-12", "balances": balances}), encoding="utf-8")
    assert history.closing_from_summary(path) == history.PreviousClosing(
        {UNION: 1000}, "上年 summary.json（summary.json）"
    )


def test_an_unreadable_previous_summary_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReconcileError, match="上年的 summary.json"):
        history.closing_from_summary(path)


def test_closing_before_takes_previous_else_last_years_history(tmp_path: Path) -> None:
    """Planted: 2021-12 in the history (中央 9); a summary.json of 本级 1,000. Closing 2022
    reads the history, or the summary when given; closing 2021 finds nothing of 2020."""
    record(tmp_path, "2021-12", [{"source": CENTRAL, "fund_year": 2021, "closing_fen": 9}])
    path = tmp_path / "last.json"
    balances = [{"source": UNION, "fund_year": 2021, "closing_fen": 1000}]
    path.write_text(json.dumps({"period": "2021-12", "balances": balances}), encoding="utf-8")
    assert history.closing_before(tmp_path, None, 2022) == history.PreviousClosing(
        {CENTRAL: 9}, "运行记录 2021-12"
    )
    assert history.closing_before(tmp_path, path, 2022) == history.PreviousClosing(
        {UNION: 1000}, "上年 summary.json（last.json）"
    )
    assert history.closing_before(tmp_path, None, 2021) is None


def test_a_new_year_starts_a_new_list_and_counts_last_years_open_findings(tmp_path: Path) -> None:
    """Planted at the 2021-12 close: R19-A open (持续), R07-B open but verified (已核实无误),
    R15-C resolved that month. January 2022 carries none of them (its folder holds 2022's
    records), and counts one open at last year's close; February carries January's."""

    def finding(finding_id: str, state: str, note_status: str) -> dict[str, object]:
        return dict.fromkeys(history.FINDING_FIELDS) | {
            "finding_id": finding_id,
            "rule": finding_id[:3],
            "severity": "错误",
            "state": state,
            "first_period": "2021-10",
            "message": "说明",
            "lineage": (),
            "note_status": note_status,
            "note_text": "",
        }

    december = pd.DataFrame(
        [
            finding("R19-A", "持续", "未处理"),
            finding("R07-B", "持续", "已核实无误"),
            finding("R15-C", "本月解决", "已整改"),
        ]
    )
    record(tmp_path, "2021-12", [], december)
    january = history.earlier(tmp_path, pd.Period("2022-01", freq="M"))
    assert (january.previous_period, len(january.previous)) == (None, 0)
    assert (january.last_year_period, january.last_year_open) == ("2021-12", 1)
    record(tmp_path, "2022-01", [], december.assign(first_period="2022-01"))
    february = history.earlier(tmp_path, pd.Period("2022-02", freq="M"))
    assert february.previous_period == "2022-01" and len(february.previous) == 3
    assert february.last_year_period is None
    assert history.earlier(tmp_path, pd.Period("2021-11", freq="M")).later == ("2021-12", "2022-01")
