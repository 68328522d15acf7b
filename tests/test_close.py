"""The monthly close over three months: the sample year as the clerk has it at the October,
November and December closes (``tests.closes``), run in order into one output folder, with the
clerk's notes written into the November workbook as Excel saves it.

Planted (``tests.closes``): JZ20210261, card-paid on 2021-11-26 and paid by the bank on 12-02
(``IN_TRANSIT``); JZ20210210's missing cash signature (R15) corrected in the December export
(``FIXED``). Written by the clerk into November's workbook (``NOTES``): R07 of JZ20210231 追缴中,
R15 of JZ20210210 已整改, R03 of JZ20210065 已核实无误 — each with a 处理说明.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import report, results, run
from pipeline.outputs import workbook_name
from tests.closes import FIXED, IN_TRANSIT, three_closes

HEADER_ROW = 4
NOTES = {  # record → (rule, 处理状态, 处理说明) written in November's workbook
    "JZ20210231": ("R07", "追缴中", "已通知汪斌静退回 1800 元"),
    FIXED.record_id: (FIXED.rule, "已整改", "已补签收，系统记录已更正"),
    "JZ20210065": ("R03", "已核实无误", "多发的 100 元为补发交通费，有审批单"),
}


@dataclass(frozen=True)
class Closes:
    runs: dict[str, results.Reconciled]
    inputs: dict[str, Path]  # each close's input folder
    out: Path  # the one output folder

    def __getitem__(self, period: str) -> results.Reconciled:
        return self.runs[period]


@pytest.fixture(scope="module")
def closes(tmp_path_factory: pytest.TempPathFactory) -> Closes:
    """October and November run, the notes written into November's workbook, then December."""
    base = tmp_path_factory.mktemp("closes")
    inputs = three_closes(base / "inputs")
    out = base / "outputs"
    runs = {}
    for period in ("2021-10", "2021-11"):
        runs[period] = run.reconcile(results.Config(inputs[period], out, period))
    write_notes(out / workbook_name(pd.Period("2021-11", freq="M")), NOTES)
    runs["2021-12"] = run.reconcile(results.Config(inputs["2021-12"], out, "2021-12"))
    return Closes(runs, inputs, out)


def write_notes(path: Path, notes: dict[str, tuple[str, str, str]]) -> None:
    """As the clerk does in Excel: pick 处理状态, type 处理说明 on the finding's row, save."""
    book = openpyxl.load_workbook(path)
    sheet = book["异常清单"]
    header = [cell.value for cell in sheet[HEADER_ROW]]
    at = {label: header.index(label) for label in ("规则", "救助编号", "处理状态", "处理说明")}
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
        note = notes.get(row[at["救助编号"]].value)
        if note and row[at["规则"]].value == note[0]:
            row[at["处理状态"]].value, row[at["处理说明"]].value = note[1], note[2]
    book.save(path)


def listed(reconciled: results.Reconciled) -> pd.DataFrame:
    return reconciled.close.worklist.set_index(["rule", "record_id"])


def test_notes_come_back_on_the_same_finding_with_its_age(closes: Closes) -> None:
    november, december = listed(closes["2021-11"]), listed(closes["2021-12"])
    for record, (rule, status, text) in NOTES.items():
        assert (
            december.loc[(rule, record), "finding_id"] == november.loc[(rule, record), "finding_id"]
        )
        assert december.loc[(rule, record), "note_status"] == status
        assert december.loc[(rule, record), "note_text"] == text
    recovered = december.loc[("R07", "JZ20210231")]
    # JZ20210231 is dated 10-20 but was entered in November: first found at the November close
    assert (recovered["state"], recovered["first_period"], recovered["age_days"]) == (
        "持续",
        "2021-11",
        31,
    )
    october = december.loc[("R03", "JZ20210065")]
    assert (october["state"], october["first_period"], october["age_days"]) == (
        "持续",
        "2021-10",
        61,
    )


def test_a_finding_fixed_in_december_is_listed_once_as_resolved(closes: Closes) -> None:
    fixed = listed(closes["2021-12"]).loc[(FIXED.rule, FIXED.record_id)]
    assert (fixed["state"], fixed["first_period"]) == ("本月解决", "2021-10")
    assert fixed["note_status"] == "已整改"  # the note outlives the finding
    assert FIXED.rule not in set(closes["2021-12"].findings["rule"])
    assert listed(closes["2021-11"]).loc[(FIXED.rule, FIXED.record_id), "state"] == "持续"


def test_verified_findings_stay_listed_but_are_not_open(closes: Closes) -> None:
    work = closes["2021-12"].summary.work
    december = closes["2021-12"].close.worklist
    resolved = december["state"].eq("本月解决")
    assert work.verified == 1
    assert work.open == int((~resolved).sum()) - 1
    assert work.resolved == int(resolved.sum())


def test_december_workbook_and_csv_show_the_list(closes: Closes) -> None:
    out = closes.out
    sheet = openpyxl.load_workbook(out / "帮扶资金对账_2021-12.xlsx")["异常清单"]
    header = [cell.value for cell in sheet[HEADER_ROW]]
    rows = [
        dict(zip(header, (c.value for c in r), strict=True))
        for r in sheet.iter_rows(min_row=HEADER_ROW + 1)
    ]
    by_record = {(r["规则"], r["救助编号"]): r for r in rows}
    assert by_record[("R07", "JZ20210231")]["处理状态"] == "追缴中"
    assert by_record[("R07", "JZ20210231")]["处理说明"] == "已通知汪斌静退回 1800 元"
    assert by_record[(FIXED.rule, FIXED.record_id)]["状态"] == "本月解决"
    assert rows[-1]["状态"] == "本月解决"  # resolved ones come after this period's findings
    data = (out / "exceptions.csv").read_bytes().decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(data)))
    assert [r["异常编号"] for r in table] == [r["异常编号"] for r in rows]
    assert {r["账龄（天）"] for r in table if r["救助编号"] == "JZ20210065"} == {"61"}


def test_a_rerun_replaces_the_month_and_an_earlier_month_is_said_to_leave_later_ones(
    closes: Closes, tmp_path: Path
) -> None:
    out = shutil.copytree(closes.out, tmp_path / "out")
    december = closes["2021-12"]
    again = run.reconcile(results.Config(closes.inputs["2021-12"], out, "2021-12"))
    assert again.close.worklist.equals(december.close.worklist)
    november = run.reconcile(results.Config(closes.inputs["2021-11"], out, "2021-11"))
    assert november.close.earlier.later == ("2021-12",)
    lines = list(report.reconcile_lines(november, out))
    assert any("更晚的结账 2021-12" in line for line in lines)


def test_a_november_in_transit_record_paid_in_december_is_simply_paid(closes: Closes) -> None:
    """IN_TRANSIT: dated 11-26, 4 days old at the November close (within 发放在途天数 10): 在途,
    counted on 封面 and not R01; paid on 12-02, it is 相符 in December with no finding at all,
    so nothing about it is resolved either."""
    november, december = closes["2021-11"], closes["2021-12"]
    record = IN_TRANSIT.record_id
    assert record not in set(november.findings["record_id"].dropna())
    assert november.summary.in_transit.records == 1
    assert november.summary.in_transit.amount_fen == IN_TRANSIT.amount_fen
    rows = november.detail.table
    assert rows.loc[rows["record_ids"].str.contains(record), "status"].tolist() == ["在途"]
    rows = december.detail.table
    assert rows.loc[rows["record_ids"].str.contains(record), "status"].tolist() == ["相符"]
    assert record not in set(december.close.worklist["record_id"].dropna())
    assert december.summary.in_transit.records == 0
