"""The year rolls over: the December workbook's 年度结转 sheet on the sample, and the comparison
behind R22 on 资金结余 — January 2022 run into the sample's output folder reads December's closing
from the run history by itself; with ``--previous`` it reads last December's summary.json; with
neither, 资金结余 says it is not known and how to give it. Only December has 年度结转.

The January folder (``january``) holds the sample's parameters, one 送温暖 paid in cash and
signed for, and a 2022 ledger whose 上年结转 plant one difference against the sample's December closing (中央 1,136.40, 省财政 2,000.00,
金秋 0.00, 本级 9,680.00): 省财政 brought 1,500.00 forward, 500.00 less (R22 −500.00); 中央
and 本级 brought forward exactly what they closed with; 金秋 brought nothing, as it closed.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline import results, run
from pipeline.cli import cli
from tests.builders import AID_HEADER, ID_A, SAMPLE, write_xlsx
from tests.xlsx_reading import cached_values

CENTRAL, PROVINCE, JINQIU, UNION = (
    "中央财政专项帮扶资金",
    "省财政专项帮扶资金",
    "省总金秋助学资金",
    "本级工会经费",
)
YEAR_END = "年度结转"
LEDGER_HEADER = ["资金来源", "资金年度", "收支类别", "金额", "到账日期", "文号", "备注"]


def _fen(value: object) -> int:
    return int(Decimal(str(value or 0)) * 100)


def _rows(sheet) -> list[list[object]]:
    return [[c.value for c in r] for r in sheet.iter_rows()]


# ---- 年度结转 on the sample (December 2021) ------------------------------------------------------


def test_year_end_sheet_follows_the_balances_with_each_sources_ending(
    sample_workbook: Path,
) -> None:
    """The sample's ledger and 资金来源: 中央 received 620,000.00 and 86.40 interest, spent
    618,950.00: 1,136.40 left, which may not carry over but may be spent until 2022-02-28 (待定);
    省财政 the same way 2,000.00 (待定); 金秋 spent all 30,000.00; 本级工会经费 (可结转 是)
    9,680.00 left with 结转下年 9,680.00 under 裕工字〔2021〕48号 (可结转). Nothing 调出, so no
    调出 column; nothing due back."""
    book = openpyxl.load_workbook(sample_workbook)
    assert book.sheetnames.index(YEAR_END) == book.sheetnames.index("资金结余") + 1
    sheet = book[YEAR_END]
    rows = _rows(sheet)
    assert rows[0][0] == "2021年帮扶资金年度结转表"
    header = rows[2]
    assert header == [
        "资金来源",
        "资金年度",
        "期初（上年结转）",
        "收入",
        "支出",
        "期末结余",
        "可结转",
        "应上缴或调出",
        "待定",
    ]
    assert [row[:2] + [_fen(v) for v in row[2:]] for row in rows[3:7]] == [
        [CENTRAL, 2021, 0, 62_008_640, 61_895_000, 113_640, 0, 0, 113_640],
        [PROVINCE, 2021, 0, 30_000_000, 29_800_000, 200_000, 0, 0, 200_000],
        [JINQIU, 2021, 0, 3_000_000, 3_000_000, 0, 0, 0, 0],
        [UNION, 2021, 0, 4_768_000, 3_800_000, 968_000, 968_000, 0, 0],
    ]
    total = rows[7]
    assert total[0] == "合计"
    cached = cached_values(sample_workbook)[YEAR_END]
    columns = "CDEFGHI"
    assert total[2:] == [f"=SUM({c}4:{c}7)" for c in columns]
    sums = [_fen(cached[f"{c}8"]) for c in columns]
    assert sums == [0, 99_776_640, 98_495_000, 1_281_640, 968_000, 0, 313_640]
    reasons = rows.index(["结余去向说明", *[None] * 8])
    assert rows[reasons + 1][:3] == ["资金来源", "资金年度", "说明"]
    explained = {row[0]: row[2] for row in rows[reasons + 2 : reasons + 6]}
    assert explained[UNION] == "可结转 9,680.00 元，批复文号 裕工字〔2021〕48号。"
    assert explained[CENTRAL] == (
        "待定 1,136.40 元：不可结转；可在使用期限 2022-02-28 前继续使用，到期未用完的应上缴或调出。"
    )
    assert explained[JINQIU] == "期末无结余。"


def test_year_end_balance_ends_in_its_three_parts_on_every_line(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """期末结余 = 可结转 + 应上缴或调出 + 待定: in the figures, and in the sheet's cells on every
    row and on 合计 (cached values)."""
    year_end = sample_reconciled.figures.year_end
    parts = year_end["carry_fen"] + year_end["due_back_fen"] + year_end["undecided_fen"]
    assert parts.tolist() == year_end["closing_fen"].tolist()
    sheet = openpyxl.load_workbook(sample_workbook)[YEAR_END]
    cached = cached_values(sample_workbook)[YEAR_END]
    for row in range(4, 9):
        values = [sheet[f"{c}{row}"].value for c in "FGHI"]
        closing, carry, due, undecided = (
            _fen(cached[f"{c}{row}"] if str(v).startswith("=") else v)
            for c, v in zip("FGHI", values, strict=True)
        )
        assert closing == carry + due + undecided, row


def test_year_end_sheet_prints_one_page_wide(sample_workbook: Path) -> None:
    sheet = openpyxl.load_workbook(sample_workbook)[YEAR_END]
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.oddHeader.center.text == "&A"
    assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_summary_json_carries_the_year_end(sample_outputs: Path) -> None:
    summary = json.loads((sample_outputs / "summary.json").read_text("utf-8"))
    union = next(row for row in summary["year_end"] if row["source"] == UNION)
    assert (union["closing_fen"], union["carry_fen"], union["carry_document"]) == (
        968_000,
        968_000,
        "裕工字〔2021〕48号",
    )


# ---- the comparison behind R22 on 资金结余 -------------------------------------------------------


@pytest.fixture(scope="module")
def january(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """January 2022's folder: the sample's parameters, the 2022 ledger and one aid record
    (module docstring)."""
    folder = tmp_path_factory.mktemp("2022-01")
    shutil.copy(SAMPLE / "参数设置.xlsx", folder)
    rows = [
        [CENTRAL, 2022, "上年结转", "1136.40", "2022-01-04", None, None],
        [PROVINCE, 2022, "上年结转", "1500.00", "2022-01-04", None, None],
        [UNION, 2022, "上年结转", "9680.00", "2022-01-04", "裕工字〔2021〕48号", None],
        [UNION, 2022, "本级安排", "50000.00", "2022-01-05", "裕工字〔2022〕2号", None],
    ]
    write_xlsx(folder / "资金收支台账2022.xlsx", {"收支台账": [LEDGER_HEADER, *rows]})
    visit = ["JZ2022001", None, "张三", ID_A, "送温暖", UNION, "500", "2022-01-20", "2022-01-20"]
    aid = [[*AID_HEADER, "实名签收"], [*visit, "现金", "是"]]
    write_xlsx(folder / "救助明细2022.xlsx", {"救助": aid})
    return folder


def _opening_check(workbook: Path) -> tuple[list[str], list[list[object]]]:
    """The R22 part of 资金结余: its lines under the heading up to the header, and its rows
    (资金来源, 资金年度, then 上年期末结余, 本年上年结转, 差额 in fen; 合计 by cached value)."""
    sheet = openpyxl.load_workbook(workbook)["资金结余"]
    cached = cached_values(workbook)["资金结余"]
    rows = _rows(sheet)
    start = next(i for i, row in enumerate(rows) if row[0] == "上年结转核对（R22）")
    lines = []
    for row in rows[start + 1 :]:
        if row[0] in (None, "资金来源"):
            break
        lines.append(str(row[0]))
    table = []
    if rows[start + 1 + len(lines)][0] == "资金来源":
        first = start + 2 + len(lines)
        for number, row in enumerate(rows[first:], start=first + 1):
            money = [
                _fen(cached[f"{c}{number}"] if str(v).startswith("=") else v)
                for c, v in zip("CDE", row[2:5], strict=True)
            ]
            table.append([row[0], row[1], *money])
            if row[0] == "合计":
                break
    return lines, table


EXPECTED_CHECK = [
    [CENTRAL, 2022, 113_640, 113_640, 0],
    [PROVINCE, 2022, 200_000, 150_000, -50_000],
    [JINQIU, 2022, 0, 0, 0],
    [UNION, 2022, 968_000, 968_000, 0],
    ["合计", None, 1_281_640, 1_231_640, -50_000],
]


def test_january_reads_decembers_closing_from_the_history_by_itself(
    sample_outputs: Path, january: Path, tmp_path: Path
) -> None:
    """December 2021 ran into the output folder (the sample run, copied); January 2022 run into
    it shows per source December's closing, its 上年结转 and the difference, R22 for 省财政's
    −500.00; and has no 年度结转 sheet, nor year-end figures in summary.json."""
    out = tmp_path / "outputs"
    shutil.copytree(sample_outputs, out)
    reconciled = run.reconcile(results.Config(january, out, period="2022-01"))
    workbook = out / "帮扶资金对账_2022-01.xlsx"
    lines, table = _opening_check(workbook)
    assert lines[0].startswith("上年期末结余取自运行记录 2021-12（各资金年度合计）")
    assert table == EXPECTED_CHECK
    r22 = reconciled.findings[reconciled.findings["rule"] == "R22"]
    assert r22[["source", "amount_fen", "compared_fen"]].values.tolist() == [
        [PROVINCE, -50_000, 200_000]
    ]
    assert YEAR_END not in openpyxl.load_workbook(workbook).sheetnames
    assert json.loads((out / "summary.json").read_text("utf-8"))["year_end"] == []


def test_january_with_previous_reads_last_decembers_summary(
    sample_outputs: Path, january: Path, tmp_path: Path
) -> None:
    """A new output folder (no history) and ``--previous`` pointing at December's summary.json,
    through the command line: the same comparison, read from the summary."""
    out = tmp_path / "new-outputs"
    previous = sample_outputs / "summary.json"
    arguments = ["reconcile", str(january), "--period", "2022-01", "--out", str(out)]
    result = CliRunner().invoke(cli, [*arguments, "--previous", str(previous)])
    assert result.exit_code == 0, result.output
    lines, table = _opening_check(out / "帮扶资金对账_2022-01.xlsx")
    assert lines[0].startswith("上年期末结余取自上年 summary.json（summary.json）")
    assert table == EXPECTED_CHECK


def test_without_last_years_closing_the_balances_say_how_to_give_it(
    sample_workbook: Path,
) -> None:
    """The sample ran into a new folder, without ``--previous``: no comparison, and why."""
    lines, table = _opening_check(sample_workbook)
    assert table == []
    assert lines[0].startswith("上年期末结余未知：输出目录的运行记录里没有 2020 年的对账")
    assert "--previous" in lines[1]
