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
    made = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC)
    assert facts["编制日期"] == f"{made:%Y-%m-%d %H:%M}" == "2022-01-05 10:00"  # conftest
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
    handled = [r[0].value for r in checks.iter_rows(min_row=2) if r[0].value != "合计"]
    assert len([h for h in handled if h]) == len(reconciled.checked.validated.rejected) + len(
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
        assert b"2022-01-05T10:00:00Z" in a.read("docProps/core.xml")  # SOURCE_DATE_EPOCH


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


def test_a_fixed_width_gives_way_to_a_wider_number_only(tmp_path) -> None:
    """Columns fixed at 6: the 合计 155,679,900.00 (14 characters) widens its column to 16 (so it
    shows no ###), a long text does not widen its own."""
    book = workbook.xlsxwriter.Workbook(tmp_path / "t.xlsx")
    sheet = cells.Sheet(book.add_worksheet("s"), cells.Formats(book))
    sheet.money(0, 0, 15_567_990_000)
    sheet.total(1, 0, [(0, 0)], 15_567_990_000)
    sheet.text(0, 1, "一段很长很长很长很长的说明文字")
    sheet.fixed.update({0: 6, 1: 6})
    sheet.finish(None, 2)
    book.close()
    columns = openpyxl.load_workbook(tmp_path / "t.xlsx")["s"].column_dimensions
    assert round(columns["A"].width) == 17 and round(columns["B"].width) == 7  # + Excel's padding


# ---- long tables and links ----------------------------------------------------------------------


def test_findings_link_to_their_row_of_the_reconciliation(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """A finding links to the 对账明细 row of the first of its input rows found there: every
    sample finding is about an aid record (R19's first row is the failed transfer, its second
    the record)."""
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
    assert linked["R03"] == "金额不符" and linked["R01"] == linked["R19"] == "发放失败"


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


def test_indicator_sheet_lists_every_indicator_and_totals_the_scores(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """绩效指标: one row per indicator in the frame's order; 分值 adds to 100, 得分 to the
    data-scored subtotal (28 of 33 on the sample), as SUMs; manual rows have no score."""
    reconciled, path = sample_reconciled, sample_workbook
    book = openpyxl.load_workbook(path)
    sheet = book["绩效指标"]
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["一级指标", "二级指标", "三级指标", "分值"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    table = reconciled.indicators
    listed = rows[: len(table)]
    assert [r[2] for r in listed] == table["indicator"].tolist()
    score = header.index("得分")
    for row, basis in zip(listed, table["basis"], strict=True):
        assert (row[score] is None) == (basis in ("手工评分", "期限未到", "仅列示")), row[2]
    total = rows[len(table)]
    assert total[0] == "合计"
    cached = cached_values(path)["绩效指标"]
    cells = {header[c]: f"{get_column_letter(c + 1)}{4 + len(table)}" for c in range(len(header))}
    assert Decimal(cached[cells["分值"]]) == 100
    assert Decimal(cached[cells["得分"]]) == 28
    assert Decimal(cached[cells["其中数据评分分值"]]) == 33


# ---- 封面, 数据校验, 图表 and the print setup --------------------------------------------------


def _rows(sheet) -> list[list[object]]:
    return [[c.value for c in r] for r in sheet.iter_rows()]


def _table_under(rows: list[list[object]], heading: str) -> list[list[object]]:
    """The rows of the table under the row whose first cell starts with ``heading``: its
    header first, up to the blank row after it."""
    start = next(i for i, r in enumerate(rows) if str(r[0] or "").startswith(heading)) + 1
    end = next((i for i in range(start, len(rows)) if not any(rows[i])), len(rows))
    return rows[start:end]


def test_cover_page_one_sums_up_funds_findings_and_rejected_rows(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """The sample: 中央 received 620,086.40 (620,000 + 86.40 interest) and spent 618,950.00,
    1,136.40 left, 执行率 99.82 %; all sources 98.72 %. Findings: as many per severity as the
    rules found, with the sum of their 金额 (the rules say what each 金额 is). Rejected:
    six aid records, of which two amounts cannot be read (1,234.567 and −500.00) and four are
    1,500 + 1,500 + 1,500 + 500; the bank row of 1,800.00 whose card Excel stored as a number;
    three aid records exported twice (15,000 + 6,500 + 8,000) counted once."""
    book = openpyxl.load_workbook(sample_workbook, data_only=True)
    rows = _rows(book["封面"])
    funds = _table_under(rows, "（一）")
    assert funds[0][:7] == [
        "资金来源",
        "上年结转",
        "本年收入",
        "本年支出",
        "调出",
        "期末结余",
        "执行率（%）",
    ]
    by_source = {r[0]: r[1:7] for r in funds[1:]}
    assert by_source["中央财政专项帮扶资金"] == [0, 620_086.4, 618_950, 0, 1_136.4, 99.82]
    assert by_source["合计"][2] == 984_950 and by_source["合计"][5] == 98.72
    severities = {r[0]: r[1:3] for r in _table_under(rows, "（二）")[1:]}
    findings = sample_reconciled.findings
    errors = findings[findings["severity"] == "错误"]
    assert severities["错误"] == [len(errors), errors["amount_fen"].sum() / 100] and len(errors)
    assert severities["提示"] == [0, 0]
    assert severities["合计"] == [len(findings), findings["amount_fen"].sum() / 100]
    rejected = {r[0]: r[1:6] for r in _table_under(rows, "（三）")[1:]}
    assert rejected["帮扶救助记录"] == [6, 5_000, 2, 3, 29_500]
    assert rejected["银行发放明细"] == [1, 1_800, 0, 0, 0]
    assert rejected["困难职工档案"] == [1, None, None, 0, None]  # its rows hold no money
    assert rejected["合计"][:2] == [8, 6_800]
    (conclusion,) = _table_under(rows, "（四）")[0][:1]
    assert conclusion.startswith(
        f"本年累计支出 984,950.00 元，执行率 98.72%；发现错误 {len(errors)} 条"
    )
    assert "拒收输入行 8 行，涉及金额 6,800.00 元（另有 2 行金额无法识别）" in conclusion
    assert "重复导出的 3 行已只计一次" in conclusion
    reasons = _table_under(rows, "五、")
    subtotals = [r[5:7] for r in reasons if r[0] == "小计"]
    assert subtotals == [[8, 6_800], [3, 29_500]]  # 拒收, then copies exported twice
    by_column = {(r[0], r[3]): r[5:7] for r in reasons[1:] if r[1] == "拒收"}
    assert by_column["帮扶救助记录", "救助金额"] == [2, None]  # 1,234.567 and −500.00 unread
    assert by_column["银行发放明细", "账号"] == [1, 1_800]
    assert book["封面"].row_breaks.brk[0].id == rows.index(_table_under(rows, "（四）")[0]) + 3


def test_the_cover_totals_findings_by_severity(sample_reconciled: results.Reconciled) -> None:
    from pipeline.workbook.cover import severity_totals

    findings = sample_reconciled.findings
    totals = severity_totals(findings)
    assert totals.index.tolist() == ["错误", "警告", "提示"]
    errors = findings[findings["severity"] == "错误"]
    assert totals.loc["错误"].tolist() == [len(errors), int(errors["amount_fen"].sum())]
    assert totals.loc["提示"].tolist() == [0, 0]


def test_rejections_say_what_became_of_each_row_and_its_money(sample_workbook: Path) -> None:
    """Copies exported twice are 重复导出，已计一次, not 拒收; each rejected row's amount is
    counted once; the 合计 are the cover's."""
    sheet = openpyxl.load_workbook(sample_workbook, data_only=True)["数据校验"]
    rows = _rows(sheet)
    header = rows[0]
    assert header[0] == "处理" and header[-2:] == ["拒收金额", "重复导出金额"]
    handled = [r[0] for r in rows[1:] if r[0] and r[0] != "合计"]
    assert handled.count("重复导出，已计一次") == 3 and handled.count("拒收") == 8
    total = next(r for r in rows if r[0] == "合计")
    assert total[-2:] == [6_800, 29_500]
    bank = next(r for r in rows if r[1] == "bank_2021Q2.csv")
    assert bank[0] == "拒收" and bank[-2] == 1_800


def test_charts_plot_their_own_tables_in_greys(sample_workbook: Path) -> None:
    """Four charts, each of a table on 图表 whose 合计 is 资金使用's 984,950.00; every fill and
    line of every chart is a grey (red = green = blue): nothing depends on colour."""
    book = openpyxl.load_workbook(sample_workbook, data_only=True)
    rows = _rows(book["图表"])
    spending = _table_under(rows, "本年累计支出：资金来源 × 救助类型（元）")
    assert spending[-1][0] == "合计" and spending[-1][5] == 984_950
    wan = _table_under(rows, "本年累计支出：资金来源 × 救助类型（万元")
    assert wan[-1][5] == 98.495
    months = _table_under(rows, "月度支出与人次")
    assert [r[0] for r in months[1:13]] == [f"{m}月" for m in range(1, 13)]
    assert months[-1][1:4] == [984_950, 98.495, 254]
    persons = _table_under(rows, "救助人数：目标与实际")
    assert {r[0]: r[1:3] for r in persons[1:]}["生活救助"] == [20, 26]
    with zipfile.ZipFile(sample_workbook) as archive:
        charts = [n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        colours = set()
        for name in charts:
            colours |= set(re.findall(rb'srgbClr val="([0-9A-F]{6})"', archive.read(name)))
    assert len(charts) == 4
    assert colours and all(c[0:2] == c[2:4] == c[4:6] for c in colours), colours


def test_print_scale_keeps_text_at_8_pt() -> None:
    assert cells.FLOOR_SCALE == 80
    assert cells.print_scale([12] * 8) is None  # fits: fitted to the page's width
    assert cells.print_scale([12] * 24) == 80  # would shrink below 8 pt: printed at 80 %


def test_wide_sheets_print_at_the_floor_with_their_key_column(sample_workbook: Path) -> None:
    book = openpyxl.load_workbook(sample_workbook)
    for name in ("资金使用", "图表", "规则说明"):
        assert book[name].sheet_properties.pageSetUpPr.fitToPage, name
        assert book[name].page_setup.fitToWidth in (None, 1), name
    for name in ("对账明细", "数据校验"):
        assert book[name].page_setup.scale == 80, name
        assert book[name].print_title_cols == "$A:$A", name
    assert book["封面"].oddHeader.center.text == "&A"
    assert book["封面"].oddHeader.left.text == "编制单位：裕安区"
    assert book["封面"].oddFooter.center.text == "第 &P 页，共 &N 页"


def test_made_at_is_now_unless_source_date_epoch_says(monkeypatch) -> None:
    from pipeline.workbook.context import made_at

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert made_at() == dt.datetime(1970, 1, 1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = dt.datetime.now().replace(microsecond=0)
    assert before <= made_at() <= dt.datetime.now()
