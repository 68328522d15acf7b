"""The workbook (contract §3.1) end to end from sample_data/: sheets in order, every 合计 a SUM
whose cached value is the exact figure, input text that looks like a formula stored as text,
the cells against golden JSON dumps, two runs alike, and the 大写金额 converter against a table.

The golden dumps are tests/golden/<sheet>.json, one per sheet of the sample workbook: every
non-empty cell (value or formula, number format, cached value), merged ranges, frozen panes and
the filter (``tests.xlsx_reading.dump``). A difference fails the case of its sheet. After a
change to the workbook that is meant, regenerate them with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_workbook.py`` and review
``git diff tests/golden``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from pipeline import results, run, workbook
from pipeline.workbook import cells
from tests.builders import AID_HEADER, AID_ROW, ID_A, ID_B, SAMPLE, write_text, write_xlsx
from tests.xlsx_reading import NS, cached_values, dump, shared_strings, sheet_xml

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED_SHEETS = [
    "封面",
    "资金使用",
    "资金结余",
    "救助人次",
    "绩效指标",
    "对账明细",
    "异常清单",
    "数据校验",
    "图表",
    "规则说明",
]


# ---- reading numbers back ----------------------------------------------------------------------


def _cells_of(formula: str) -> list[str]:
    """The cells a =SUM(A1:A3,B5) formula adds."""
    inner = re.fullmatch(r"=SUM\((.*)\)", formula)
    assert inner, formula
    cells = []
    for part in inner.group(1).split(","):
        if part == "0":  # the SUM of an empty table
            continue
        low_col, low_row, high_col, high_row = range_boundaries(part)
        for row in range(low_row, high_row + 1):
            for col in range(low_col, high_col + 1):
                cells.append(f"{get_column_letter(col)}{row}")
    return cells


def _number(sheet, cached: dict[str, dict[str, str]], coordinate: str) -> object:
    """A cell's number: its value, or the cached value of a total that adds other totals."""
    value = sheet[coordinate].value
    if isinstance(value, str) and value.startswith("="):
        return cached[sheet.title][coordinate]
    return value


def _fen(value: object) -> int:
    """A cell's number as integer fen (or a count × 100), exactly from its decimal text."""
    return int(Decimal(str(value or 0)) * 100)


# ---- the sample workbook ------------------------------------------------------------------------


def test_sheets_in_order_and_written_atomically(sample_workbook: Path) -> None:
    path = sample_workbook
    assert openpyxl.load_workbook(path).sheetnames == EXPECTED_SHEETS
    assert not [
        p.name for p in path.parent.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".")
    ]


def test_every_formula_is_cached_as_its_exact_value(sample_workbook: Path) -> None:
    """Every formula is a SUM cached as the exact sum of its cells, or a 万元 ROUND(yuan/10000,
    6) cached as the exact yuan ÷ 10,000; no other formula exists."""
    book = openpyxl.load_workbook(sample_workbook, data_only=False)
    cached = cached_values(sample_workbook)
    sums = wan = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.value.startswith("="):
                    continue
                value = cached[sheet.title][cell.coordinate]
                rounded = re.fullmatch(r"=ROUND\(([A-Z]+\d+)/10000,6\)", cell.value)
                if rounded:
                    yuan = Decimal(str(_number(sheet, cached, rounded.group(1))))
                    assert Decimal(value) == yuan / 10000, (sheet.title, cell.coordinate)
                    wan += 1
                    continue
                exact = sum(_fen(_number(sheet, cached, part)) for part in _cells_of(cell.value))
                assert _fen(value) == exact, (sheet.title, cell.coordinate)
                assert float(value) == exact / 100, (sheet.title, cell.coordinate)
                sums += 1
    assert sums + wan == sum(len(cells) for cells in cached.values())
    assert sums > 50 and wan > 10


def test_totals_equal_the_computed_figures(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    reconciled, path = sample_reconciled, sample_workbook
    book = openpyxl.load_workbook(path, data_only=False)
    cached = cached_values(path)
    totals = reconciled.figures.usage_totals
    everything = totals[totals["scope"] == "all"].iloc[0]
    usage = book["资金使用"]
    total_row = next(r for r in usage.iter_rows() if r[0].value == "合计")
    coordinate = total_row[5].coordinate  # 本年累计 金额
    assert usage[coordinate].value.startswith("=SUM(")
    assert _fen(cached["资金使用"][coordinate]) == int(everything["year_amount_fen"]) == 98_495_000
    balances = book["资金结余"]
    closing_col = next(c.column for c in balances[4] if c.value == "期末结余")
    total_row = next(r for r in balances.iter_rows() if r[0].value == "合计")
    closing = cached["资金结余"][total_row[closing_col - 1].coordinate]
    assert _fen(closing) == int(reconciled.figures.balances["closing_fen"].sum())
    cover = book["封面"]
    facts = {r[0].value: r[1].value for r in cover.iter_rows(max_row=10) if r[0].value}
    assert facts["本年累计支出（元）"] == 984_950
    assert facts["本年累计支出大写"] == "玖拾捌万肆仟玖佰伍拾元整"
    assert facts["编制日期（期末）"] == dt.datetime(2021, 12, 31)
    assert facts["程序版本"].startswith("aid-fund-reconcile ")


def test_detail_sheets_have_frozen_headers_filters_and_every_finding(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    reconciled, path = sample_reconciled, sample_workbook
    book = openpyxl.load_workbook(path)
    for name in ("对账明细", "异常清单", "数据校验", "规则说明"):
        assert book[name].freeze_panes is not None, name
        assert book[name].auto_filter.ref, name
        assert book[name].print_title_rows, name
        assert (
            book[name].page_setup.paperSize == 9
            and book[name].page_setup.orientation == "landscape"
        )
    findings = book["异常清单"]
    header = [c.value for c in findings[1]]
    assert header[:3] == ["规则", "严重程度", "说明"] and header[-2:] == ["来源", "对账明细"]
    rows = [[c.value for c in r] for r in findings.iter_rows(min_row=2)]
    assert len(rows) == len(reconciled.findings)
    order = [("错误", "警告", "提示").index(r[1]) for r in rows]
    assert order == sorted(order)
    assert book["异常清单"].conditional_formatting
    checks = book["数据校验"]
    assert checks.max_row - 1 == len(reconciled.checked.validated.rejected) + len(
        reconciled.checked.validated.warnings
    )
    rules = [r[0].value for r in book["规则说明"].iter_rows(min_row=2)]
    assert rules == [f"R{n:02d}" for n in range(1, 24)]
    detail = book["对账明细"]
    statuses = {r[8].value for r in detail.iter_rows(min_row=2) if r[8].value}
    assert {"相符", "现金", "金额不符", "发放失败"} <= statuses
    assert book["资金使用"].print_title_rows == "$3:$4"


@pytest.fixture(scope="module")
def sample_cells(sample_workbook: Path) -> dict[str, object]:
    """The sample workbook dumped (``tests.xlsx_reading.dump``), once for the golden cases."""
    return dump(sample_workbook)


def test_the_golden_files_are_the_sheets() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(EXPECTED_SHEETS)


@pytest.mark.parametrize("sheet", EXPECTED_SHEETS)
def test_the_sample_sheet_matches_its_golden_dump(
    sample_cells: dict[str, object], sheet: str
) -> None:
    golden = GOLDEN / f"{sheet}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(
            json.dumps(sample_cells[sheet], ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
    assert sample_cells[sheet] == json.loads(golden.read_text("utf-8"))


def test_two_runs_write_the_same_cells(
    sample_workbook: Path, sample_cells: dict[str, object], tmp_path: Path
) -> None:
    first = sample_workbook
    run.reconcile(results.Config(SAMPLE, tmp_path))
    second = tmp_path / first.name
    assert sample_cells == dump(second)
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        assert a.read("docProps/core.xml") == b.read("docProps/core.xml")
        assert b"2021-12-31T00:00:00Z" in a.read("docProps/core.xml")


# ---- input text that looks like a formula --------------------------------------------------------

PLANTED = '=HYPERLINK("http://example.com","点我")'


def test_input_text_starting_like_a_formula_is_stored_as_text(
    folder: Path, tmp_path_factory
) -> None:
    """Planted: a record whose 姓名 is a HYPERLINK formula (→ 对账明细 姓名, 异常清单 姓名), a
    救助编号 starting with "-" (→ 对账明细), a bank row to that record's card whose holder is
    "@SUM(1)" (R04 holder differs → 异常清单 说明), and a bank row whose 金额 is "=1+1" (rejected
    → 数据校验 值)."""
    good = ["-JZ1", *AID_ROW[1:]]
    bad = ["JZ2", "DA2", PLANTED, ID_B, "生活救助", "中央财政", "100", "2021-03-05", None, "银行卡"]
    header = [*AID_HEADER, "收款卡号"]
    write_xlsx(folder / "aid.xlsx", {"救助": [header, [*good, "6217001234567893"], [*bad, ""]]})
    write_text(
        folder / "bank.csv",
        [
            ["户名", "账号", "身份证号", "金额", "交易日期", "状态"],
            ["@SUM(1)", "6217001234567893", ID_A, "100.00", "2021-03-10", "成功"],
            ["李四", "6217001234567893", ID_A, "=1+1", "2021-03-11", "成功"],
        ],
    )
    out = tmp_path_factory.mktemp("out")
    run.reconcile(results.Config(folder, out))
    path = out / "帮扶资金对账_2021-03.xlsx"
    strings = shared_strings(path)
    found: dict[str, set[str]] = {}
    texts = []
    for name, root in sheet_xml(path).items():
        for cell in root.iter(f"{{{NS['m']}}}c"):
            kind = cell.get("t")
            if kind == "s":
                text = strings[int(cell.find("m:v", NS).text)]
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
            else:
                continue
            texts.append(text)
            if text.startswith(("=", "+", "-", "@")) or "HYPERLINK" in text:
                assert cell.find("m:f", NS) is None, (name, cell.get("r"))
                found.setdefault(text, set()).add(name)
    assert found[PLANTED] == {"对账明细", "异常清单"}
    assert "对账明细" in found["-JZ1"]
    assert found["=1+1"] == {"数据校验"}
    assert any("@SUM(1)" in text for text in texts)
    for root in sheet_xml(path).values():  # no formula anywhere mentions the planted text
        for formula in root.iter(f"{{{NS['m']}}}f"):
            assert "HYPERLINK" not in (formula.text or "") and "@" not in (formula.text or "")


# ---- 大写金额 ------------------------------------------------------------------------------------


def test_display_width_counts_cjk_double() -> None:
    assert cells.display_width("ab") == 2
    assert cells.display_width("合计") == 4
    assert cells.display_width("ＡＢ") == 4


def test_text_longer_than_a_cell_is_cut_and_said(tmp_path) -> None:
    book = workbook.xlsxwriter.Workbook(tmp_path / "t.xlsx")
    sheet = cells.Sheet(book.add_worksheet("s"), cells.Formats(book))
    sheet.text(0, 0, "=" + "行" * 40_000)
    sheet.finish(None, 1)
    book.close()
    value = openpyxl.load_workbook(tmp_path / "t.xlsx")["s"]["A1"].value
    assert len(value) == cells.MAX_TEXT and value.endswith(cells.CUT)
    assert value.startswith("=行")


# ---- long tables and links ----------------------------------------------------------------------


def test_findings_link_to_their_row_of_the_reconciliation(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """A finding links to the 对账明细 row of the first of its input rows found there: every
    sample finding is about an aid record (R19's first row is the record whose transfer
    failed)."""
    reconciled, path = sample_reconciled, sample_workbook
    book = openpyxl.load_workbook(path)
    findings, detail = book["异常清单"], book["对账明细"]
    header = [c.value for c in findings[1]]
    link_col, id_col, rule_col = (header.index(h) for h in ("对账明细", "身份证号", "规则"))
    linked = {}
    for row in findings.iter_rows(min_row=2):
        cell = row[link_col]
        if cell.hyperlink is None:
            continue
        sheet, target = cell.hyperlink.location.split("!")
        assert sheet.strip("'") == "对账明细" and cell.value == f"对账明细 第{target[1:]}行"
        target_row = detail[int(target[1:])]
        assert target_row[1].value == row[id_col].value
        linked[row[rule_col].value] = target_row[8].value  # the status of the linked row
    assert set(linked) == set(reconciled.findings["rule"])
    assert linked["R03"] == "金额不符" and linked["R19"] == "发放失败"


def test_a_table_longer_than_a_sheet_continues_on_the_next(
    sample_reconciled: results.Reconciled, tmp_path: Path
) -> None:
    """With 50 rows a sheet (47 of data), the sample's 169 rows of 对账明细 take four sheets,
    placed after it; the 合计 under the last adds all four; 封面 lists the four; links point
    into the right part."""
    reconciled = sample_reconciled
    path = tmp_path / "split.xlsx"
    workbook.write(path, reconciled, max_rows=50)
    book = openpyxl.load_workbook(path)
    names = ["对账明细", "对账明细(2)", "对账明细(3)", "对账明细(4)"]
    assert book.sheetnames[5:9] == names and book.sheetnames[9] == "异常清单"
    rows = [[c.value for c in r] for name in names for r in book[name].iter_rows(min_row=2)]
    data = [r for r in rows if r[0] not in (None, "合计")]
    expected = reconciled.detail.table
    assert [r[1] for r in data] == expected["id_no"].tolist()
    assert all(book[name]["A1"].value == "姓名" for name in names)
    last = book["对账明细(4)"]
    total = next(r for r in last.iter_rows() if r[0].value == "合计")
    formula = total[4].value
    assert formula == ("=SUM(对账明细!E2:E48,'对账明细(2)'!E2:E48,'对账明细(3)'!E2:E48,E2:E29)")
    cached = cached_values(path)["对账明细(4)"][total[4].coordinate]
    assert _fen(cached) == int(expected["system_fen"].sum())
    cover = [[c.value for c in r] for r in book["封面"].iter_rows()]
    listed = [r for r in cover if r[0] == "对账明细"]
    assert [r[1] for r in listed] == names and [r[2] for r in listed] == [47, 47, 47, 28]
    assert listed[0][3] == "每表上限 50 行，分 4 表；本表第 1–47 行"
    for row in book["异常清单"].iter_rows(min_row=2):
        if row[-1].hyperlink is not None:
            sheet, target = row[-1].hyperlink.location.split("!")
            assert book[sheet.strip("'")][f"B{target[1:]}"].value == row[4].value


def test_indicator_sheet_groups_subtotals_and_keeps_the_hand_scores_apart(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """绩效指标: the frame's rows in order, a 小计 after each 一级指标 and a 合计 of the 小计;
    数据评分 28 of 33 and 人工评分 of 67 in columns of their own, the hand scores blank cells
    that the SUMs add (so the totals follow what the scorer fills in), "—" where a part has no
    points, and the line below saying both."""
    reconciled, path = sample_reconciled, sample_workbook
    book = openpyxl.load_workbook(path)
    sheet, cached = book["绩效指标"], cached_values(path)["绩效指标"]
    groups = [c.value for c in sheet[3]]
    header = [c.value for c in sheet[4]]
    assert header[:4] == ["一级指标", "二级指标", "三级指标", "分值"]
    assert groups[8] == "数据评分" and groups[10] == "人工评分（评价人员填写）"
    assert header[8:12] == ["分值", "得分", "分值", "得分"]
    weight, data_weight, data_score, hand_weight, hand_score = "DIJKL"
    table = reconciled.indicators
    rows = iter(range(5, sheet.max_row + 1))
    subtotals = []
    for level1, group in table.groupby("level1", sort=False):
        first = None
        for item in group.to_dict("records"):
            r = next(rows)
            first = first or r
            assert sheet[f"C{r}"].value == item["indicator"]
            assert Decimal(str(sheet[f"{weight}{r}"].value)) == item["weight"]
            if item["scored_weight"]:
                assert Decimal(str(sheet[f"{data_score}{r}"].value)) == item["score"]
            else:
                assert sheet[f"{data_score}{r}"].value == "—", item["indicator"]
            if item["manual_weight"]:
                assert Decimal(str(sheet[f"{hand_weight}{r}"].value)) == item["manual_weight"]
                assert sheet[f"{hand_score}{r}"].value is None  # the blank to fill
            else:
                assert sheet[f"{hand_score}{r}"].value == "—", item["indicator"]
        r = next(rows)
        subtotals.append(r)
        assert sheet[f"A{r}"].value == f"{level1}小计"
        assert Decimal(cached[f"{weight}{r}"]) == sum(group["weight"])
        assert Decimal(cached[f"{data_score}{r}"]) == sum(
            s for s in group["score"] if s is not None
        )
        blanks = [
            f"{hand_score}{x}" for x in range(first, r) if sheet[f"{hand_score}{x}"].value is None
        ]
        assert _cells_of(sheet[f"{hand_score}{r}"].value) == blanks
    r = next(rows)
    assert sheet[f"A{r}"].value == "合计"
    assert _cells_of(sheet[f"{hand_score}{r}"].value) == [f"{hand_score}{x}" for x in subtotals]
    totals = {c: Decimal(cached[f"{c}{r}"]) for c in (weight, data_weight, data_score, hand_weight)}
    assert totals == {weight: 100, data_weight: 33, data_score: 28, hand_weight: 67}
    assert sheet[f"A{r + 2}"].value == (
        "数据评分 28.0 / 33.0 分；人工评分 67.0 分待评价人员填写（其中使用期限未到 3.0 分）；"
        "满分 100.0 分"
    )
