"""The command line: exit 0 with the report, exit 1 with the message for each unusable input,
exit 2 for wrong usage; never a traceback."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.privacy import mask_text
from tests.builders import (
    AID_HEADER,
    AID_ROW,
    PARAMETER_SHEETS,
    SAMPLE,
    write_text,
    write_xlsx,
)

AID_CARD = "6217001234567893"  # 张三's card in the small folders


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_validate_prints_kinds_counts_and_rejected_rows(folder: Path) -> None:
    bad = ["JZ2", *AID_ROW[1:6], "12.345", *AID_ROW[7:]]
    write_xlsx(
        folder / "aid.xlsx", {"救助": [["帮扶救助记录"], AID_HEADER, AID_ROW, bad, ["合计"]]}
    )
    result = invoke("validate", str(folder))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "  aid.xlsx / 救助 / 帮扶救助记录（aid_records）/ 第 2 行：读取 2，保留 1，拒收 1（重复 0）"
        in lines
    )
    assert "拒收的行：1 行，1 个问题" in lines
    # The row is named as the clerk finds it in the national system: its numbers and person.
    assert any(
        line.startswith(
            "  aid.xlsx / 救助 第 4 行（救助编号 JZ2；档案编号 DA1，张三），列“救助金额”“12.345”："
        )
        for line in lines
    )
    assert lines[-1] == "合计：读取 11 行 = 保留 10 行 + 拒收 1 行（其中重复导出 0 行）：相符"


UNUSABLE = {
    "corrupt xlsx": (
        lambda d: (d / "broken.xlsx").write_bytes(b"PK\x03\x04garbage"),
        "错误：文件“broken.xlsx”不完整或已损坏",
    ),
    "unknown encoding": (
        lambda d: (d / "bank.csv").write_bytes(b"\x41\xff\xff\x00\x81" * 8),
        "错误：文件“bank.csv”的文字编码无法识别",
    ),
    "missing column": (
        lambda d: write_xlsx(
            d / "aid.xlsx", {"救助": [[h for h in AID_HEADER if h != "救助金额"], AID_ROW[:6]]}
        ),
        "错误：文件“aid.xlsx”工作表“救助”第 1 行是帮扶救助记录的表头，但缺少列“救助金额”（也可写作：金额、发放金额）",
    ),
    "fits no kind": (
        lambda d: write_xlsx(d / "notes.xlsx", {"备忘": [["姓名", "电话"]]}),
        "错误：文件“notes.xlsx”的工作表 “备忘” 都没有可识别的表头",
    ),
    "fits two kinds": (
        lambda d: write_xlsx(d / "mixed.xlsx", {"s": [[*AID_HEADER, "户名", "账号", "状态"]]}),
        "错误：文件“mixed.xlsx”工作表“s”第 1 行的表头同时符合帮扶救助记录、银行发放明细",
    ),
    "no aid records": (lambda d: None, "错误：输入目录里没有帮扶救助记录"),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE))
@pytest.mark.parametrize("command", ["validate", "reconcile"])
def test_unusable_input_exits_1_with_the_message(
    folder: Path, tmp_path_factory, case: str, command: str
) -> None:
    plant, message = UNUSABLE[case]
    if case != "no aid records":
        write_xlsx(folder / "aid0.xlsx", {"救助": [AID_HEADER, AID_ROW]})
    plant(folder)
    out = tmp_path_factory.mktemp("out")
    args = [command, str(folder)] + (["--out", str(out)] if command == "reconcile" else [])
    result = invoke(*args)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert "Traceback" not in result.output
    assert list(out.iterdir()) == []  # nothing half-written


def test_wrong_usage_exits_2(tmp_path: Path) -> None:
    assert invoke("validate", str(tmp_path / "nowhere")).exit_code == 2
    assert invoke("reconcile", str(tmp_path), "--period", "2021-13").exit_code == 2
    assert invoke("frobnicate").exit_code == 2


def test_reconcile_writes_summary_exceptions_and_history(folder: Path, tmp_path_factory) -> None:
    write_text(
        folder / "bank.csv",
        [
            ["户名", "账号", "金额", "交易日期", "状态"],
            ["张三", "6217001234567893", "100.00", "2021-03-10", "成功"],
        ],
        "gbk",
    )
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW]})
    out = tmp_path_factory.mktemp("out")
    result = invoke("reconcile", str(folder), "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["period"] == "2021-03"
    assert [(i["file"], i["kind"], i["rows"], i["rejected"]) for i in summary["inputs"]] == [
        ("aid.xlsx", "aid_records", 1, 0),
        ("bank.csv", "bank_payments", 1, 0),
        ("参数.xlsx", "parameters", 9, 0),
    ]
    assert summary["rows"]["aid_records"] == {
        "read": 1,
        "reconciled": 1,
        "rejected": 0,
        "exported_twice": 0,
        "rejected_amount_fen": 0,
        "rejected_no_amount": 0,
        "exported_twice_amount_fen": 0,
    }
    assert summary["fund_usage"][0]["year_amount_fen"] == 10000
    assert sorted(p.name for p in out.iterdir()) == [
        "exceptions.csv",
        "run_history.sqlite",
        "summary.json",
        "帮扶资金对账_2021-03.xlsx",
    ]
    assert (
        result.output.splitlines()[0]
        == f"对账月份 2021-03：已写出 {out}/帮扶资金对账_2021-03.xlsx、summary.json 和 exceptions.csv"
    )


LONG_DIGITS = re.compile(r"[0-9]{15,}")


def test_with_a_password_the_files_beside_the_workbook_are_masked(
    sample_outputs: Path, tmp_path_factory
) -> None:
    """``--password`` alone (no ``--mask``): the workbook is encrypted, and exceptions.csv
    beside it is the plain run's with every ID and card number masked — no run of 15 or more
    digits left, none of the sample's IDs (R19's 廖丽 341522197710225172) or cards (R05's
    6228482058587295391) whole."""
    out = tmp_path_factory.mktemp("password")
    result = invoke("reconcile", str(SAMPLE), "--out", str(out), "--password", "帮扶2021!")
    assert result.exit_code == 0, result.output
    plain = (sample_outputs / "exceptions.csv").read_text("utf-8-sig")
    masked = (out / "exceptions.csv").read_text("utf-8-sig")
    assert "341522197710225172" in plain and "6228482058587295391" in plain
    assert masked == mask_text(plain) != plain
    assert LONG_DIGITS.search(masked) is None
    assert "341522********5172" in masked and "622848*********5391" in masked


def test_with_a_password_summary_json_masks_a_number_in_a_file_name(folder: Path) -> None:
    """Planted: a bank file named after the card it paid. With ``--password`` summary.json
    names it masked; the plain run names it whole."""
    bank = [
        ["户名", "账号", "金额", "交易日期", "状态"],
        ["张三", AID_CARD, "100.00", "2021-03-10", "成功"],
    ]
    write_text(folder / f"代发_{AID_CARD}.csv", bank, "gbk")
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW]})
    files = {}
    for name, options in (("plain", ()), ("password", ("--password", "帮扶2021!"))):
        out = folder.parent / f"{folder.name}-{name}"
        assert invoke("reconcile", str(folder), "--out", str(out), *options).exit_code == 0
        summary = json.loads((out / "summary.json").read_text("utf-8"))
        files[name] = sorted(item["file"] for item in summary["inputs"])
    assert f"代发_{AID_CARD}.csv" in files["plain"]
    assert files["password"] == [mask_text(name) for name in files["plain"]] != files["plain"]


def test_validate_on_sample_data_reports_exactly_the_planted_bad_rows() -> None:
    """`make validate` on sample_data/: every kind with its counts, and as rejected rows exactly
    the generator's PLANTED_BAD_ROWS (file, sheet, row and column; the generator names columns
    by the alias its file uses, the report by the canonical header)."""
    from schemas import KINDS
    from tests.generator.generate import PLANTED_BAD_ROWS

    result = invoke("validate", str(SAMPLE))
    assert result.exit_code == 0, result.output
    canonical = {alias: header for kind in KINDS for alias, header in kind.header_of.items()}
    expected = sorted((p.file, p.sheet, p.excel_row, canonical[p.column]) for p in PLANTED_BAD_ROWS)
    rejected_line = re.compile(r"^  (.+?)(?: / (.+?))? 第 (\d+) 行(?:（[^）]*）)?，列“(.+?)”")
    found = sorted(
        (m[1], m[2] or "", int(m[3]), m[4])
        for m in map(rejected_line.match, result.output.splitlines())
        if m
    )
    assert found == expected
    assert "拒收的行：11 行，11 个问题" in result.output
    assert "警告（行已保留）：无" in result.output
    for label in (
        "困难职工档案（worker_files）",
        "帮扶救助记录（aid_records）",
        "银行发放明细（bank_payments）",
        "民政核对（civil_checks）",
        "医保核对（medical_checks）",
        "资金收支（fund_ledger）",
        "参数·年度目标（parameters）",
    ):
        assert label in result.output
    assert result.output.splitlines()[-1].endswith("：相符")


def test_reconcile_with_no_valid_aid_record_says_so(folder: Path, tmp_path_factory) -> None:
    """Planted: the only aid record has a three-decimal amount, so none is valid."""
    bad = [*AID_ROW[:6], "1.234", *AID_ROW[7:]]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, bad]})
    out = tmp_path_factory.mktemp("out")
    result = invoke("reconcile", str(folder), "--out", str(out))
    assert result.exit_code == 1
    assert result.output.startswith("错误：没有一条有效的救助记录，无法确定对账月份")
    assert list(out.iterdir()) == []


LEDGER_HEADER = ["资金来源", "资金年度", "收支类别", "金额", "到账日期", "文号"]


def month_folder(folder: Path, aid_date: str, ledger: list[list[object]]) -> Path:
    """An input folder: the parameters, 张三's 100.00 生活救助 from 中央 on ``aid_date`` and a
    fund ledger of ``ledger`` rows (under ``LEDGER_HEADER``)."""
    folder.mkdir()
    write_xlsx(folder / "参数.xlsx", PARAMETER_SHEETS)
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, [*AID_ROW[:7], aid_date, *AID_ROW[8:]]]})
    write_xlsx(folder / "台账.xlsx", {"资金收支": [LEDGER_HEADER, *ledger]})
    return folder


def findings_of(out: Path, rule: str) -> list[dict[str, str]]:
    with open(out / "exceptions.csv", encoding="utf-8-sig", newline="") as stream:
        return [row for row in csv.DictReader(stream) if row["规则"] == rule]


@pytest.fixture(scope="module")
def december_summary(tmp_path_factory) -> Path:
    """summary.json of a December 2021 run: 中央 received 1,000.00 and paid 100.00 (closing
    900.00), 本级 received 500.00 (closing 500.00)."""
    work = tmp_path_factory.mktemp("december")
    ledger = [
        ["中央财政专项帮扶资金", 2021, "上级拨入", "1000.00", "2021-03-01"],
        ["本级工会经费", 2021, "本级安排", "500.00", "2021-03-01"],
    ]
    folder = month_folder(work / "in", "2021-03-05", ledger)
    result = invoke("reconcile", str(folder), "--period", "2021-12", "--out", str(work / "out"))
    assert result.exit_code == 0, result.output
    return work / "out" / "summary.json"


@pytest.mark.parametrize(
    ("central_opening", "expected"),
    [
        ("900.00", []),
        ("800.00", [("中央财政专项帮扶资金", "-100.00", "900.00")]),
    ],
)
def test_previous_gives_last_decembers_closing_to_a_january_run(
    december_summary: Path, tmp_path: Path, central_opening: str, expected: list[tuple[str, ...]]
) -> None:
    """January 2022 with ``--previous`` last December's summary.json (中央 900.00, 本级 500.00):
    本级 brings its 500.00 forward; 中央 brings 900.00 forward (no R22), or 800.00 (R22 for
    −100.00 against 900.00)."""
    ledger = [
        ["中央财政专项帮扶资金", 2022, "上年结转", central_opening, "2022-01-04"],
        ["本级工会经费", 2022, "上年结转", "500.00", "2022-01-04"],
    ]
    folder = month_folder(tmp_path / "in", "2022-01-10", ledger)
    out = tmp_path / "out"
    january = ["--period", "2022-01", "--out", str(out), "--previous", str(december_summary)]
    result = invoke("reconcile", str(folder), *january)
    assert result.exit_code == 0, result.output
    assert [(f["资金来源"], f["金额"], f["比较金额"]) for f in findings_of(out, "R22")] == expected


@pytest.mark.parametrize("garbled", ["{not json", '{"period": "2021-12"}'])
def test_a_garbled_previous_summary_exits_1_with_the_message(
    folder: Path, tmp_path_factory, garbled: str
) -> None:
    """A --previous that is not JSON, or JSON without the balances: exit 1, the message names
    the file and what to give instead, and nothing is written."""
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, AID_ROW]})
    previous = tmp_path_factory.mktemp("previous") / "summary.json"
    previous.write_text(garbled, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    result = invoke("reconcile", str(folder), "--out", str(out), "--previous", str(previous))
    assert result.exit_code == 1
    assert result.output.startswith(f"错误：上年的 summary.json（{previous}）无法读取：")
    assert result.output.rstrip().endswith("请指向上年 12 月对账输出目录里的 summary.json")
    assert "Traceback" not in result.output
    assert list(out.iterdir()) == []


def test_a_missing_previous_summary_is_wrong_usage(folder: Path, tmp_path: Path) -> None:
    """A --previous naming no file is a mistyped path, as a missing input folder is: exit 2,
    the message names the option and the file, nothing is run."""
    missing = tmp_path / "nowhere" / "summary.json"
    result = invoke("reconcile", str(folder), "--previous", str(missing))
    assert result.exit_code == 2
    assert "'--previous'" in result.output and str(missing) in result.output
    assert "Traceback" not in result.output


def python_m_pipeline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, check=False
    )


def test_the_console_entry_point_exits_with_the_commands_status(tmp_path: Path) -> None:
    """``python -m pipeline`` ends the process at once after a command (no teardown); its
    status, output and files are those of the command."""
    out = tmp_path / "out"
    done = python_m_pipeline(
        "reconcile", str(SAMPLE), "--out", str(out), "--timings", str(tmp_path / "t.json")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("对账月份 2021-12：已写出")
    assert done.stdout.endswith("\n") and done.stderr == ""  # piped: no progress display
    stages = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert [s["stage"] for s in stages] == [
        "read",
        "match",
        "reconcile",
        "rules",
        "aggregate",
        "write",
    ]
    assert all(s["seconds"] >= 0 and s["peak_mib"] > 0 for s in stages)
    assert (out / "帮扶资金对账_2021-12.xlsx").stat().st_size > 0
    unusable = python_m_pipeline("reconcile", str(tmp_path / "empty"))
    assert unusable.returncode == 2 and "Traceback" not in unusable.stderr
    (tmp_path / "empty").mkdir()
    nothing = python_m_pipeline("reconcile", str(tmp_path / "empty"), "--out", str(out))
    assert nothing.returncode == 1 and nothing.stderr.startswith("错误：")


def test_version_exits_0() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and "version" in result.output
