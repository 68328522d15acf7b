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

import dataclasses
import datetime as dt
import json
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from pipeline import aggregate, results, run, workbook
from pipeline.params import parameters
from pipeline.workbook import balances, cells
from pipeline.workbook.context import Context
from tests.builders import (
    AID_HEADER,
    AID_ROW,
    ID_A,
    ID_B,
    SAMPLE,
    with_findings,
    write_text,
    write_xlsx,
)
from tests.xlsx_reading import NS, cached_values, dump, shared_strings, sheet_xml

GOLDEN = Path(__file__).resolve().parent / "golden"
HEADER_ROW = 4  # of 对账明细 and 异常清单, under their title block
EXPECTED_SHEETS = [
    "封面",
    "资金使用",
    "资金结余",
    "年度结转",
    "救助人次",
    "绩效指标",
    "异常清单",
    "数据校验",
    "对账明细",
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
    closing_col = next(c.column for c in balances[3] if c.value == "期末结余")
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
    header = [c.value for c in findings[HEADER_ROW]]
    assert header == [  # what a page holds first, then the references (exceptions.csv's)
        "序号",
        "规则",
        "严重程度",
        "说明",
        "金额",
        "比较金额",
        "姓名",
        "所在行",
        "状态",
        "首次发现",
        "账龄（天）",
        "处理状态",
        "处理说明",
        "异常编号",
        "身份证号",
        "资金来源",
        "救助类型",
        "救助编号",
        "来源",
    ]
    rows = [[c.value for c in r] for r in findings.iter_rows(min_row=HEADER_ROW + 1)]
    assert [r[0] for r in rows] == list(range(1, len(reconciled.findings) + 1))
    order = [("错误", "警告", "提示").index(r[2]) for r in rows]
    assert order == sorted(order)
    assert book["异常清单"].conditional_formatting
    checks = book["数据校验"]
    assert checks["A1"].value == "2021年12月输入数据校验表"
    handled = [r[0].value for r in checks.iter_rows(min_row=HEADER_ROW + 1) if r[0].value != "合计"]
    assert len([h for h in handled if h]) == len(reconciled.checked.validated.rejected) + len(
        reconciled.checked.validated.warnings
    )
    rules = [r[0].value for r in book["规则说明"].iter_rows(min_row=2)]
    assert rules == [f"R{n:02d}" for n in range(1, 24)]
    detail = book["对账明细"]
    status = [c.value for c in detail[HEADER_ROW]].index("状态")
    statuses = {r[status].value for r in detail.iter_rows(min_row=HEADER_ROW + 1)}
    assert {"相符", "现金", "金额不符", "发放失败"} <= statuses
    # 资金使用 holds several tables: its header is frozen, not repeated over the others
    assert book["资金使用"].freeze_panes == "C5" and book["资金使用"].print_title_rows is None


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


# ---- 资金使用, 资金结余, 救助人次 -------------------------------------------------------------------


def _rows(sheet) -> list[list[object]]:
    return [[c.value for c in r] for r in sheet.iter_rows()]


def _row_at(sheet, first: object, second: object = None, nth: int = 0) -> int:
    """The 1-based row whose first cells are ``first`` (and ``second``), the nth such row."""
    found = [
        index
        for index, row in enumerate(_rows(sheet), start=1)
        if row[0] == first and (second is None or row[1] == second)
    ]
    return found[nth]


def test_usage_sheet_adds_the_fiscal_sources_and_shows_wan_as_needed(sample_workbook: Path) -> None:
    """The seed's 中央+省财政专项帮扶资金 91.695 万元: a 小计 adding the two sources' 小计 rows,
    not counted again in 合计; 万元 with the decimals the amount needs; the source × aid type
    table in 万元 too; 到位 and 执行率 per source."""
    book = openpyxl.load_workbook(sample_workbook)
    sheet, cached = book["资金使用"], cached_values(sample_workbook)["资金使用"]
    central = _row_at(sheet, "中央财政专项帮扶资金", "小计")
    province = _row_at(sheet, "省财政专项帮扶资金", "小计")
    fiscal = _row_at(sheet, "中央+省财政专项帮扶资金", "小计")
    assert fiscal == province + 1
    assert sheet[f"F{fiscal}"].value == f"=SUM(F{central},F{province})"
    assert Decimal(cached[f"F{fiscal}"]) == Decimal("916950")
    assert Decimal(cached[f"I{fiscal}"]) == Decimal("91.695")
    assert sheet[f"I{fiscal}"].number_format == "#,##0.00####"
    total = _row_at(sheet, "合计")
    assert f"F{fiscal}" not in _cells_of(sheet[f"F{total}"].value)
    assert Decimal(cached[f"F{total}"]) == Decimal("984950")
    in_wan = _row_at(sheet, "中央+省财政专项帮扶资金小计", nth=2)  # 到位, 元, then 万元
    header = _rows(sheet)[_row_at(sheet, "资金来源", nth=3) - 1]  # the 万元 table
    assert header == ["资金来源", "生活救助", "医疗救助", "助学救助", "送温暖", "合计", *[None] * 3]
    assert Decimal(cached[f"F{in_wan}"]) == Decimal("91.695")
    assert Decimal(cached[f"B{in_wan}"]) == Decimal("17.96")  # 生活救助, the seed's 17.96 万
    execution = _row_at(sheet, "资金来源", nth=1) + 1  # 中央, under the 到位 table's header
    shown = [sheet.cell(execution, c).value for c in (1, 2, 3, 5, 6)]
    assert shown == [CENTRAL, 0, 620_086.4, 618_950, 99.82]
    assert sheet[f"D{execution}"].value == f"=SUM(B{execution}:C{execution})"


def test_usage_sheet_bridges_recorded_spending_to_the_bank(sample_workbook: Path) -> None:
    """984,950.00 recorded − 16,000.00 cash − 1,800.00 never paid + 100.00 paid above the
    record = 967,250.00 paid by the bank, a SUM of the lines above it; + the cash = 983,250.00."""
    book = openpyxl.load_workbook(sample_workbook)
    sheet, cached = book["资金使用"], cached_values(sample_workbook)["资金使用"]
    first = _row_at(sheet, "系统记录的救助金额")
    paid = _row_at(sheet, "银行实付（有对应救助记录）")
    assert sheet[f"B{paid}"].value == f"=SUM(B{first}:B{paid - 1})"
    lines = {sheet[f"A{r}"].value: sheet[f"B{r}"].value for r in range(first, paid)}
    assert lines == {
        "系统记录的救助金额": 984_950,
        "减：现金发放（不经银行）": -16_000,
        "减：已记录但银行未支付": -1_800,
        "减：银行少付": 0,
        "加：银行多付": 100,
    }
    assert sheet[f"D{first + 2}"].value == "发放失败" and sheet[f"D{first + 4}"].value == "金额不符"
    assert Decimal(cached[f"B{paid}"]) == Decimal("967250")
    everything = _row_at(sheet, "实际发放合计（银行+现金）")
    assert Decimal(cached[f"B{everything}"]) == Decimal("983250")


def _fund_findings(reconciled: results.Reconciled) -> pd.DataFrame:
    """Planted on the sample's findings, each about its source's 2021 fund year (``fund_year``):
    R23 about 中央 with its ledger row as lineage, R20 about 中央 too, R21 about 本级工会经费 (a
    警告) and R22 about 省财政, without lineage."""
    balances = reconciled.figures.balances.set_index("source")
    template = reconciled.findings.iloc[0].to_dict()

    def finding(rule: str, severity: str, source: str, message: str, lineage: tuple) -> dict:
        return {
            **template,
            "rule": rule,
            "severity": severity,
            "source": source,
            "message": message,
            "lineage": lineage,
            "name": None,
            "id_no": None,
            "fund_year": 2021,
            "finding_id": f"{rule}-{source}",
        }

    planted = [
        finding(
            "R23", "错误", CENTRAL, "账面余额不符", (balances.loc[CENTRAL, "ledger_lineage"][0],)
        ),
        finding("R20", "错误", CENTRAL, f"{CENTRAL} 2021 年度资金应在期限前用完", ()),
        finding("R21", "警告", UNION, f"{UNION} 2021 年度年末结余未登记结转", ()),
        finding("R22", "错误", PROVINCE, f"{PROVINCE} 本年上年结转不符", ()),
    ]
    return pd.concat([reconciled.findings, pd.DataFrame(planted)], ignore_index=True)


CENTRAL, PROVINCE, UNION = "中央财政专项帮扶资金", "省财政专项帮扶资金", "本级工会经费"


def test_balance_sheet_marks_fund_findings_where_row_of_says(
    sample_reconciled: results.Reconciled, tmp_path: Path
) -> None:
    reconciled = with_findings(sample_reconciled, _fund_findings(sample_reconciled))
    path = tmp_path / "funds.xlsx"
    workbook.write(path, reconciled)
    sheet = openpyxl.load_workbook(path)["资金结余"]
    header = [c.value for c in sheet[3]]
    assert header == [
        "资金来源",
        "资金年度",
        "上年结转",
        "本年收入",
        "本年支出",
        "调出",
        "期末结余",
        "执行率(%)",
        "异常",
    ]
    context = Context(reconciled, "", "", dt.datetime(2021, 12, 31), {}, 0)
    where = balances.row_of(context)
    assert set(where) == {(s, 2021) for s in reconciled.figures.balances["source"]}
    marks = {}
    for (source, year), (name, row) in where.items():
        assert name == "资金结余"
        assert (sheet[f"A{row}"].value, sheet[f"B{row}"].value) == (source, year)
        marks[source] = (sheet[f"I{row}"].value, sheet[f"I{row}"].fill.fgColor.rgb)
    red, yellow = "FFFFC7CE", "FFFFEB9C"
    assert marks == {
        CENTRAL: ("R20、R23", red),
        PROVINCE: ("R22", red),
        "省总金秋助学资金": (None, "00000000"),
        UNION: ("R21", yellow),
    }
    central = where[CENTRAL, 2021][1]
    assert sheet[f"H{central}"].value == 99.82  # 618,950.00 ÷ 620,086.40
    header, rows = _table(openpyxl.load_workbook(path)["异常清单"])
    rule, source, link = (header.index(h) for h in ("规则", "资金来源", "所在行"))
    fund_links = {
        (row[rule].value, row[source].value): _target(row[link])
        for row in rows
        if row[rule].value in ("R20", "R21", "R22", "R23")
    }
    assert fund_links == {
        (code, source): where[source, 2021]
        for code, source in (("R23", CENTRAL), ("R20", CENTRAL), ("R21", UNION), ("R22", PROVINCE))
    }


def test_balance_sheet_core_is_narrow_and_the_detail_keeps_every_figure(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """The core table has 9 columns; the detail (on a page of its own, no table wider than 8
    columns) holds each income category, spending per aid type, the deadline and carry-over,
    and the book balance, each 小计 a SUM of its row and each 合计 a SUM of its column."""
    book = openpyxl.load_workbook(sample_workbook)
    sheet, cached = book["资金结余"], cached_values(sample_workbook)["资金结余"]
    assert len([c for c in sheet[3] if c.value]) == 9
    income = _row_at(sheet, "资金来源", nth=2)  # core, 万元, then 收入明细
    assert sheet.row_breaks.brk[0].id == income - 2  # the break before its title
    income_header = [c.value for c in sheet[income]]
    assert income_header[2:8] == [
        "上级拨入",
        "本级安排",
        "利息收入",
        "追缴收回",
        "其他转入",
        "收入小计",
    ]
    assert sheet[f"H{income + 1}"].value == f"=SUM(C{income + 1}:G{income + 1})"
    balances_ = sample_reconciled.figures.balances
    total = income + 1 + len(balances_)
    assert _fen(cached[f"H{total}"]) == int(balances_["income_fen"].sum())
    headers = [
        [v for v in _rows(sheet)[_row_at(sheet, "资金来源", nth=n) - 1] if v] for n in (4, 5)
    ]
    assert headers == [
        [
            "资金来源",
            "资金年度",
            "期末结余",
            "使用期限",
            "期限状态",
            "逾期未用",
            "结转下年",
            "结转批复文号",
        ],
        ["资金来源", "资金年度", "期末结余", "账面余额", "账面差额"],
    ]


def test_headcount_sheet_compares_targets_with_their_types_only(sample_workbook: Path) -> None:
    """送温暖 has no target: 合计 (150 people, 254 人次) carries no target, and the row of the
    types with targets compares 50 with 26 + 47 + 56 = 129 people (258.00 %), and 目标人次 80
    with 生活救助's 100 人次 alone (125.00 %)."""
    book = openpyxl.load_workbook(sample_workbook)
    sheet, cached = book["救助人次"], cached_values(sample_workbook)["救助人次"]
    assert "单位：人、人次、户；金额：元" in [c.value for c in sheet[2]]
    total = _row_at(sheet, "合计")
    assert sheet[f"B{total}"].value is None and sheet[f"E{total}"].value is None
    assert sheet[f"C{total}"].value == 150 and Decimal(cached[f"F{total}"]) == 254
    targeted = total + 1
    assert sheet[f"A{targeted}"].value == "有目标类型"
    assert sheet[f"B{targeted}"].value == "=SUM(B4:B6)" and Decimal(cached[f"B{targeted}"]) == 50
    assert Decimal(cached[f"C{targeted}"]) == 129 and sheet[f"D{targeted}"].value == 258
    assert sheet[f"F{targeted}"].value == "=SUM(F4)" and Decimal(cached[f"F{targeted}"]) == 100
    assert sheet[f"G{targeted}"].value == 125
    living = [c.value for c in sheet[4]]
    assert living[:9] == ["生活救助", 20, 26, 130, 80, 100, 125, "优", "是"]


def test_headcount_sheet_grades_every_type_the_parameters_grade(
    sample_reconciled: results.Reconciled, tmp_path: Path
) -> None:
    """Planted: 助学救助 gets 目标人次 60 and thresholds 优 60 / 良 50 / 中 40: its 56 人次 are
    93.33 % and 良, short of 60 (达标 否); the targeted row adds 100 + 56 against 140."""
    tables = dict(sample_reconciled.checked.validated.tables)
    targets = tables["annual_targets"].copy()
    study = targets["aid_type"] == "助学救助"
    values = {"target_times": 60, "grade_excellent": 60, "grade_good": 50, "grade_fair": 40}
    for column, value in values.items():
        targets.loc[study, column] = value
    tables["annual_targets"] = targets
    figures = aggregate.figures(tables, parameters(tables), sample_reconciled.period)
    reconciled = dataclasses.replace(sample_reconciled, figures=figures)
    path = tmp_path / "targets.xlsx"
    workbook.write(path, reconciled)
    sheet = openpyxl.load_workbook(path)["救助人次"]
    row = [c.value for c in sheet[_row_at(sheet, "助学救助")]]
    assert row[:9] == ["助学救助", 20, 56, 280, 60, 56, 93.33, "良", "否"]
    targeted = _row_at(sheet, "有目标类型")
    assert sheet[f"E{targeted}"].value == "=SUM(E4,E6)"
    assert sheet[f"G{targeted}"].value == 111.43  # 156 / 140


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


def _table(sheet) -> tuple[list[str], list[list[object]]]:
    """The header and rows of a titled detail sheet (no 合计)."""
    header = [c.value for c in sheet[HEADER_ROW]]
    rows = [list(r) for r in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    return header, [r for r in rows if r[0].value not in (None, "合计")]


def _target(cell) -> tuple[str, int]:
    sheet, target = cell.hyperlink.location.split("!")
    return sheet.strip("'"), int(target[1:])


def test_findings_link_to_their_row_of_the_reconciliation(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """A finding links (column 所在行) to the 对账明细 row of the first of its input rows found
    there: every sample finding is about an aid record (R19's first row is the record whose
    transfer failed)."""
    reconciled, path = sample_reconciled, sample_workbook
    book = openpyxl.load_workbook(path)
    header, rows = _table(book["异常清单"])
    detail_header = [c.value for c in book["对账明细"][HEADER_ROW]]
    link_col, id_col, rule_col = (header.index(h) for h in ("所在行", "身份证号", "规则"))
    status_col = detail_header.index("状态")
    linked = {}
    for row in rows:
        cell = row[link_col]
        if cell.hyperlink is None:
            continue
        sheet, target = _target(cell)
        assert sheet == "对账明细" and cell.value == f"对账明细 第{target}行"
        target_row = book[sheet][target]
        assert target_row[1].value == row[id_col].value
        linked[row[rule_col].value] = target_row[status_col].value
    assert set(linked) == set(reconciled.findings["rule"])
    assert linked["R03"] == "金额不符" and linked["R19"] == "发放失败"


def test_reconciliation_rows_say_which_rules_hit_them(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """The sample's planted findings on 对账明细: 汪斌静, paid 1,800 after her file was closed,
    is 相符 by the bank but carries R07, an error, and is highlighted red (the first
    conditional format, on 严重程度 = 错误); 廖丽's failed transfer carries the rules of the
    findings about her, in code order; a row links to the first of its findings on 异常清单,
    whose rule it lists; rows no rule hit have no 异常规则 and no link."""
    findings = sample_reconciled.findings
    about_liao = sorted(set(findings.loc[findings["name"] == "廖丽", "rule"]))
    assert "R19" in about_liao
    book = openpyxl.load_workbook(sample_workbook)
    detail = book["对账明细"]
    header, rows = _table(detail)
    col = {label: header.index(label) for label in ("姓名", "状态", "异常规则", "严重程度")}
    by_name = {r[col["姓名"]].value: r for r in rows}
    wang = by_name["汪斌静"]
    assert [wang[col[c]].value for c in ("状态", "异常规则", "严重程度")] == ["相符", "R07", "错误"]
    assert by_name["廖丽"][col["异常规则"]].value == "、".join(about_liao)
    red = detail.conditional_formatting
    first = min((rule for cf in red for rule in cf.rules), key=lambda rule: rule.priority)
    severity_letter = get_column_letter(col["严重程度"] + 1)
    assert first.formula == [f'${severity_letter}{HEADER_ROW + 1}="错误"']
    assert first.dxf.fill.fgColor.rgb.endswith("FFC7CE") or first.dxf.fill.bgColor.rgb.endswith(
        "FFC7CE"
    )
    ranges = [cf.sqref for cf in red if first in cf.rules]
    assert any(wang[0].coordinate in r for r in ranges)
    findings_header, listed = _table(book["异常清单"])
    number_col = findings_header.index("序号")
    rule_col, back_col = findings_header.index("规则"), findings_header.index("所在行")
    link_col = header.index("异常清单")
    linked = [r for r in rows if r[link_col].hyperlink is not None]
    assert len(linked) == sum(1 for r in rows if r[col["异常规则"]].value)
    for row in linked:
        sheet, target = _target(row[link_col])
        finding = book[sheet][target]
        assert sheet == "异常清单" and finding[rule_col].value in row[col["异常规则"]].value
        back = [
            f[number_col].value
            for f in listed
            if f[back_col].hyperlink is not None and _target(f[back_col])[1] == row[0].row
        ]
        assert finding[number_col].value == min(back)


def test_detail_sheets_open_with_a_title_block(
    sample_reconciled: results.Reconciled, sample_workbook: Path
) -> None:
    """对账明细 and 异常清单: title, 编制单位 / 期间 / 单位：元, a note (the rows, the findings),
    then the frozen, filtered header repeated on every printed page. 异常清单 prints whole;
    the sample's 169 rows of 对账明细, 8 pages down and several across (more than
    PRINT_PAGES_MAX), print only the title block, whose note says so."""
    counted = {
        "对账明细": f"本表共 {len(sample_reconciled.detail.table)} 行",
        "异常清单": f"本期发现 {len(sample_reconciled.findings)} 条",
    }
    book = openpyxl.load_workbook(sample_workbook)
    for name, title in (("对账明细", "帮扶资金对账明细"), ("异常清单", "帮扶资金异常清单")):
        sheet = book[name]
        assert sheet["A1"].value == f"2021年12月{title}"
        assert sheet["A2"].value == "编制单位：裕安区"
        assert sheet["A3"].value.startswith(counted[name])
        assert sheet.freeze_panes.endswith(str(HEADER_ROW + 1))
        assert sheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
        assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert not book["异常清单"].print_area
    area = book["对账明细"].print_area  # the title block, over the columns of a first page
    assert area.startswith("'对账明细'!$A$1:") and area.endswith("$3")
    pages = re.search(r"打印约 (\d+) 页", book["对账明细"]["A3"].value)
    assert pages and int(pages[1]) > workbook.reconciliation.PRINT_PAGES_MAX
    assert "取消打印区域" in book["对账明细"]["A3"].value


def test_a_long_reconciliation_prints_only_its_title_block(
    sample_reconciled: results.Reconciled, tmp_path: Path, monkeypatch
) -> None:
    """Over PRINT_PAGES_MAX pages (lowered to 2 here: the sample's 169 rows, many on several
    lines, are 8 pages by ROWS_PER_PAGE), the print area of 对账明细 is its title block, whose
    note says how long it is and how to print it; 异常清单 still prints whole."""
    monkeypatch.setattr(workbook.reconciliation, "PRINT_PAGES_MAX", 2)
    path = tmp_path / "long.xlsx"
    workbook.write(path, sample_reconciled)
    book = openpyxl.load_workbook(path)
    detail = book["对账明细"]
    area = re.fullmatch(r"'对账明细'!\$A\$1:\$([A-Z]+)\$3", detail.print_area)
    assert area, detail.print_area
    last = area.group(1)  # the title block spans the columns a page holds at full size
    assert f"A1:{last}1" in {str(r) for r in detail.merged_cells.ranges}
    assert 4 <= detail[f"{last}1"].column < detail.max_column
    # on one page (1 × 1: xlsxwriter leaves out the 1s; the whole sheet is one page wide × 0)
    assert detail.sheet_properties.pageSetUpPr.fitToPage
    assert detail.page_setup.fitToWidth in (1, None) and detail.page_setup.fitToHeight in (1, None)
    note = detail["A3"].value
    pages = re.search(r"共 169 行，打印约 (\d+) 页", note)
    assert pages and int(pages.group(1)) > 2 and "取消打印区域" in note
    assert "打印选定区域" in note
    assert not book["异常清单"].print_area


def test_a_table_longer_than_a_sheet_continues_on_the_next(
    sample_reconciled: results.Reconciled, tmp_path: Path
) -> None:
    """With 50 rows a sheet (44 of data under the title block and header), the sample's 169
    rows of 对账明细 take four sheets, placed after it; the 合计 under the last adds all
    four; 封面 lists the four; links point into the right part, and back."""
    reconciled = sample_reconciled
    path = tmp_path / "split.xlsx"
    workbook.write(path, reconciled, max_rows=50)
    book = openpyxl.load_workbook(path)
    names = ["对账明细", "对账明细(2)", "对账明细(3)", "对账明细(4)"]
    assert book.sheetnames[6:8] == ["异常清单", "数据校验"] and book.sheetnames[8:12] == names
    assert book.sheetnames[12:] == ["图表", "规则说明"]
    data = [r for name in names for r in _table(book[name])[1]]
    expected = reconciled.detail.table
    assert [r[1].value for r in data] == expected["id_no"].tolist()
    assert all(book[name][f"A{HEADER_ROW}"].value == "姓名" for name in names)
    assert book["对账明细(2)"]["A1"].value == "2021年12月帮扶资金对账明细（续表2）"
    last = book["对账明细(4)"]
    total = next(r for r in last.iter_rows() if r[0].value == "合计")
    formula = total[7].value
    assert formula == "=SUM(对账明细!H5:H48,'对账明细(2)'!H5:H48,'对账明细(3)'!H5:H48,H5:H41)"
    cached = cached_values(path)["对账明细(4)"][total[7].coordinate]
    assert _fen(cached) == int(expected["system_fen"].sum())
    cover = [[c.value for c in r] for r in book["封面"].iter_rows()]
    listed = [r for r in cover if r[0] == "对账明细"]
    assert [r[1] for r in listed] == names and [r[2] for r in listed] == [44, 44, 44, 37]
    for row in _table(book["异常清单"])[1]:
        if row[7].hyperlink is not None:  # 所在行
            sheet, target = _target(row[7])
            assert book[sheet][f"B{target}"].value == row[14].value  # 身份证号
    for row in data:
        if row[15].hyperlink is not None:
            sheet, target = _target(row[15])
            assert book[sheet][f"O{target}"].value == row[1].value  # 身份证号


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
    assert groups[8] == "数据评分" and groups[10] == "人工评分"
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
    reasons = _table_under(rows, "六、")
    subtotals = [r[5:7] for r in reasons if r[0] == "小计"]
    assert subtotals == [[8, 6_800], [3, 29_500]]  # 拒收, then copies exported twice
    by_column = {(r[0], r[3]): r[5:7] for r in reasons[1:] if r[1] == "拒收"}
    assert by_column["帮扶救助记录", "救助金额"] == [2, None]  # 1,234.567 and −500.00 unread
    assert by_column["银行发放明细", "账号"] == [1, 1_800]
    assert book["封面"].row_breaks.brk[0].id == rows.index(_table_under(rows, "（四）")[0]) + 3


def test_the_cover_totals_findings_by_severity(sample_reconciled: results.Reconciled) -> None:
    from pipeline.workbook.cover import severity_totals

    """The money a severity's findings involve is the sum of their 金额 without sign: planted,
    R03 paid 100.00 less instead of more (−100.00) still involves 100.00."""
    findings = sample_reconciled.findings.copy()
    r03 = findings["rule"] == "R03"
    assert findings.loc[r03, "amount_fen"].tolist() == [10_000]
    findings.loc[r03, "amount_fen"] = -10_000
    totals = severity_totals(findings)
    assert totals.index.tolist() == ["错误", "警告", "提示"]
    errors = findings[findings["severity"] == "错误"]
    assert totals.loc["错误"].tolist() == [len(errors), int(errors["amount_fen"].abs().sum())]
    assert totals.loc["错误", "amount_fen"] == 420_000  # 100 + 1,800 + 500 + 1,800
    assert totals.loc["提示"].tolist() == [0, 0]


def test_rejections_say_what_became_of_each_row_and_its_money(sample_workbook: Path) -> None:
    """Copies exported twice are 重复导出，已计一次, not 拒收; each rejected row's amount is
    counted once; the 合计 are the cover's, and so is the note under the title: 8 rows
    rejected (one bank payment of 1,800.00, five aid records with 5,000.00 readable, a worker
    file), 3 copies of 29,500.00. What and how much come first, where exactly after."""
    sheet = openpyxl.load_workbook(sample_workbook, data_only=True)["数据校验"]
    rows = _rows(sheet)
    assert rows[2][0].startswith(
        "拒收 8 行，金额 6,800.00 元；重复导出，已计一次 3 行，金额 29,500.00 元"
    )
    header = rows[HEADER_ROW - 1]
    assert header[:6] == ["处理", "文件", "行号", "原因", "拒收金额", "重复导出金额"]
    handled = [r[0] for r in rows[HEADER_ROW:] if r[0] and r[0] != "合计"]
    assert handled.count("重复导出，已计一次") == 3 and handled.count("拒收") == 8
    total = next(r for r in rows if r[0] == "合计")
    assert total[4:6] == [6_800, 29_500]
    bank = next(r for r in rows if r[1] == "bank_2021Q2.csv")
    assert bank[0] == "拒收" and bank[4] == 1_800


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
