"""Stage 7, the workbook (contract §3.1): the one module that holds xlsxwriter code.

In: ``pipeline.run.Reconciled``. Out: ``write(path, reconciled)`` writes the sheets 封面, 资金使用,
资金结余, 救助人次, 对账明细, 异常清单, 数据校验 and 规则说明, in that order.

How it is made, the way a Chinese finance office prints its reports:
- summary sheets open with a title block (unit, period, 单位：元) and close with 制表人 / 审核人 /
  负责人 lines; detail sheets have frozen headers and filters;
- money is integer fen until the moment a cell is written, as yuan with two decimals and
  thousands separators; every 合计 and 小计 is a live ``SUM`` whose cached value is the sum, in
  integer fen, of the cells it adds (and is checked against the computed figure);
- text from the inputs is always written with ``write_string``: never a formula, whatever it
  starts with; every ``write_*`` return code is checked (xlsxwriter returns −1 instead of raising);
- column widths are computed here, CJK characters counting double;
- A4 landscape, one page wide, header rows repeated, page numbers in the footer;
- the document's created time is the period end, so the same inputs give the same cells.

Not yet (later issues): 绩效指标 (after 救助人次), charts, 万元 columns, sheets longer than Excel's
1,048,576 rows, ``--mask`` and ``--password``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from pipeline import aggregate
from pipeline.outputs import EXCEPTION_HEADER, places
from pipeline.rules import SEVERITIES
from pipeline.rules.catalogue import CATALOGUE
from schemas import KIND_BY_NAME
from schemas.inputs import AID_TYPES

if TYPE_CHECKING:
    from pipeline.run import Reconciled

SHEETS = (
    "封面",
    "资金使用",
    "资金结余",
    "救助人次",
    # 绩效指标 goes here, after 救助人次 (contract §3.1), once the indicators are scored.
    "对账明细",
    "异常清单",
    "数据校验",
    "规则说明",
)
PROGRAM = "aid-fund-reconcile"
MONEY, COUNT, YEAR, DATE, PERCENT = "#,##0.00", "#,##0", "0", "yyyy-mm-dd", "0.00"
MAX_WIDTH = 70
MAX_TEXT = 32_767  # characters in one cell
CUT = "…（过长已截断，完整内容见 exceptions.csv）"
SIGNATURES = ("制表人：", "审核人：", "负责人：")
TOTAL, SUBTOTAL = "合计", "小计"


class WorkbookError(RuntimeError):
    """xlsxwriter refused a cell, or a total would not equal its figure: a bug, not bad input."""


def _check(code: object, where: str) -> None:
    if code not in (0, None):
        raise WorkbookError(f"写入工作簿失败：{where}（xlsxwriter 返回 {code}）")


# ---- 大写金额 -----------------------------------------------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
SECTIONS = ("", "万", "亿", "万亿")


def capital_amount(fen: int) -> str:
    """The amount in Chinese capital numerals, exact from integer fen.

    As in the examples of 《正确填写票据和结算凭证的基本规定》: 1,409.50 → 壹仟肆佰零玖元伍角,
    1,680.32 → 壹仟陆佰捌拾元零叁角贰分, 107,000.53 → 壹拾万柒仟元零伍角叁分, 325.04 →
    叁佰贰拾伍元零肆分; 整 after 元 only, never after 角 or 分; 壹拾 rather than 拾.
    """
    if fen < 0:
        return "负" + capital_amount(-fen)
    yuan, cents = divmod(int(fen), 100)
    jiao, fen_digit = divmod(cents, 10)
    text = _capital_integer(yuan) + "元" if yuan else ""
    if not cents:
        return (text or "零元") + "整"
    if jiao:
        text += ("零" if yuan and yuan % 10 == 0 else "") + DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    return text + (DIGITS[fen_digit] + "分" if fen_digit else "")


def _capital_integer(number: int) -> str:
    sections = []
    while number:
        number, section = divmod(number, 10_000)
        sections.append(section)
    text, gap = "", False
    for index in reversed(range(len(sections))):
        section = sections[index]
        if section == 0:
            gap = bool(text)  # a whole section of zeros between two others reads as 零
            continue
        if text and (gap or section < 1000):
            text += "零"
        text += _capital_section(section) + SECTIONS[index]
        gap = False
    return text


def _capital_section(section: int) -> str:
    text, zero = "", False
    for place, digit in zip(PLACES, f"{section:04d}", strict=True):
        if digit == "0":
            zero = bool(text)
            continue
        text += ("零" if zero else "") + DIGITS[int(digit)] + place
        zero = False
    return text


# ---- cells ---------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns of text: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value  # NaN


def _text(value: object) -> str:
    return "" if _blank(value) else str(value)


class Formats:
    def __init__(self, book: Any) -> None:
        font = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = {**font, "border": 1}

        def make(base: dict[str, Any], **props: Any) -> Any:
            return book.add_format({**base, **props})

        self.title = make(font, bold=True, font_size=16, align="center")
        self.sub = make(font)
        self.sub_right = make(font, align="right")
        self.heading = make(font, bold=True, font_size=12)
        self.header = make(cell, bold=True, align="center", text_wrap=True, bg_color="#D9E1F2")
        self.text = make(cell)
        self.money = make(cell, num_format=MONEY)
        self.count = make(cell, num_format=COUNT)
        self.year = make(cell, num_format=YEAR, align="center")
        self.date = make(cell, num_format=DATE, align="center")
        self.percent = make(cell, num_format=PERCENT)
        self.total_text = make(cell, bold=True, align="center")
        self.total_money = make(cell, bold=True, num_format=MONEY)
        self.total_count = make(cell, bold=True, num_format=COUNT)
        self.note = make(font, italic=True, font_color="#595959")
        self.error = make({}, bold=True, font_color="#9C0006", bg_color="#FFC7CE")
        self.warning = make({}, font_color="#7F6000", bg_color="#FFEB9C")


@dataclass
class Sheet:
    """One worksheet: checked writes, the exact integer behind every number, widths in CJK."""

    worksheet: Any
    formats: Formats
    widths: dict[int, int] = field(default_factory=dict)
    exact: dict[tuple[int, int], int] = field(default_factory=dict)  # fen or counts per cell

    def _fit(self, col: int, text: str) -> None:
        self.widths[col] = max(self.widths.get(col, 0), display_width(text))

    def text(self, row: int, col: int, value: object, fmt: Any = None, fit: bool = True) -> None:
        """Text, from the inputs or not: always a string cell, never a formula."""
        text = _text(value)
        if len(text) > MAX_TEXT:  # Excel's limit; only a very long lineage comes near it
            text = text[: MAX_TEXT - len(CUT)] + CUT
        if text:
            _check(self.worksheet.write_string(row, col, text, fmt), f"{row + 1} 行 {col + 1} 列")
        else:
            _check(self.worksheet.write_blank(row, col, None, fmt), f"{row + 1} 行 {col + 1} 列")
        if fit:
            self._fit(col, text)

    def integer(self, row: int, col: int, value: object, fmt: Any, fen: bool = False) -> None:
        """An integer count, or integer fen written as yuan (the only float is in the cell)."""
        if _blank(value):
            self.text(row, col, None, fmt)
            return
        number = int(value)  # type: ignore[call-overload]
        self.exact[row, col] = number
        shown = number / 100 if fen else number
        _check(self.worksheet.write_number(row, col, shown, fmt), f"{row + 1} 行 {col + 1} 列")
        self._fit(col, f"{shown:,.2f}" if fen else f"{shown:,}")

    def money(self, row: int, col: int, fen: object, fmt: Any = None) -> None:
        self.integer(row, col, fen, fmt or self.formats.money, fen=True)

    def count(self, row: int, col: int, value: object, fmt: Any = None) -> None:
        self.integer(row, col, value, fmt or self.formats.count)

    def decimal(self, row: int, col: int, value: object, fmt: Any) -> None:
        if _blank(value):
            self.text(row, col, None, fmt)
            return
        number = Decimal(str(value))
        _check(self.worksheet.write_number(row, col, float(number), fmt), f"{row + 1} 行")
        self._fit(col, str(number))

    def date(self, row: int, col: int, value: object) -> None:
        if _blank(value):
            self.text(row, col, None, self.formats.date)
            return
        day = pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)  # type: ignore[arg-type]
        fmt = self.formats.date
        _check(self.worksheet.write_datetime(row, col, day, fmt), f"{row + 1} 行 {col + 1} 列")
        self._fit(col, "2021-12-31")

    def total(
        self,
        row: int,
        col: int,
        cells: Sequence[tuple[int, int]],
        expected: int | None = None,
        fen: bool = True,
    ) -> None:
        """``=SUM(cells)``, cached as the integer sum of those cells; ``expected`` must match."""
        value = sum(self.exact.get(cell, 0) for cell in cells)
        if expected is not None and value != expected:
            raise WorkbookError(
                f"合计 {xl_rowcol_to_cell(row, col)} 的各项之和 {value} 不等于计算结果 {expected}"
            )
        self.exact[row, col] = value
        fmt = self.formats.total_money if fen else self.formats.total_count
        formula = f"=SUM({_ranges(cells)})"
        shown = value / 100 if fen else value
        where = f"{row + 1} 行 {col + 1} 列"
        _check(self.worksheet.write_formula(row, col, formula, fmt, shown), where)
        self._fit(col, f"{shown:,.2f}" if fen else f"{shown:,}")

    def merge(self, first: tuple[int, int], last: tuple[int, int], text: str, fmt: Any) -> None:
        if first == last:
            self.text(*first, text, fmt)
            return
        _check(self.worksheet.merge_range(*first, *last, text, fmt), f"合并 {text}")

    def header(self, row: int, columns: Sequence[tuple[str | None, str]]) -> int:
        """A header of (group, label): grouped labels under a merged group cell, ungrouped
        labels over both rows. One row when there are no groups. Returns the first data row."""
        fmt = self.formats.header
        if all(group is None for group, _ in columns):
            for col, (_, label) in enumerate(columns):
                self.text(row, col, label, fmt)
            return row + 1
        col = 0
        while col < len(columns):
            group, label = columns[col]
            if group is None:
                self.merge((row, col), (row + 1, col), label, fmt)
                self._fit(col, label)
                col += 1
                continue
            end = col
            while end + 1 < len(columns) and columns[end + 1][0] == group:
                end += 1
            self.merge((row, col), (row, end), group, fmt)
            for inner in range(col, end + 1):
                self.text(row + 1, inner, columns[inner][1], fmt)
            col = end + 1
        return row + 2

    def title_block(self, title: str, columns: int, context: Context) -> int:
        """Title, then unit, period and 单位：元; returns the next free row."""
        self.merge((0, 0), (0, columns - 1), title, self.formats.title)
        self.text(1, 0, f"编制单位：{context.unit or '（未注明）'}", self.formats.sub, fit=False)
        self.text(1, columns // 2, f"期间：{context.period_text}", self.formats.sub, fit=False)
        self.text(1, columns - 1, "单位：元", self.formats.sub_right, fit=False)
        return 2

    def signatures(self, row: int, columns: int) -> int:
        for index, label in enumerate(SIGNATURES):
            self.text(row, index * columns // len(SIGNATURES), label, self.formats.sub, fit=False)
        return row + 1

    def finish(
        self,
        header: tuple[int, int] | None,
        columns: int,
        filter_to: int | None = None,
        freeze_cols: int = 0,
    ) -> None:
        """Widths, frozen header, filter over the data, A4 landscape one page wide."""
        ws = self.worksheet
        for col in range(columns):
            width = min(max(self.widths.get(col, 0), 4) + 2, MAX_WIDTH)
            _check(ws.set_column(col, col, width), f"列宽 {col + 1}")
        if header is not None:
            first, last = header
            ws.freeze_panes(last + 1, freeze_cols)
            _check(ws.repeat_rows(first, last), "打印标题行")
            if filter_to is not None:
                _check(ws.autofilter(last, 0, max(filter_to, last), columns - 1), "筛选")
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_footer("&C第 &P 页，共 &N 页")


def _ranges(cells: Sequence[tuple[int, int]]) -> str:
    """'C5:C9' for one run of a column, else the runs joined with commas ('C5:C7,C9')."""
    runs: list[list[tuple[int, int]]] = []
    for cell in cells:
        if runs and runs[-1][-1] == (cell[0] - 1, cell[1]):
            runs[-1].append(cell)
        else:
            runs.append([cell])
    return (
        ",".join(
            xl_rowcol_to_cell(*run[0])
            if len(run) == 1
            else f"{xl_rowcol_to_cell(*run[0])}:{xl_rowcol_to_cell(*run[-1])}"
            for run in runs
        )
        or "0"
    )


# ---- the workbook --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    reconciled: Reconciled
    unit: str
    period_text: str
    period_end: dt.datetime


def write(path: Path, reconciled: Reconciled) -> None:
    """Write the workbook of ``reconciled`` to ``path`` (the caller makes it atomic)."""
    period = reconciled.period
    end = dt.datetime.combine(period.end_time.date(), dt.time())
    context = Context(reconciled, _unit(reconciled), f"{period.year}年{period.month}月", end)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": f"帮扶资金对账_{period}", "author": PROGRAM, "created": end})
    formats = Formats(book)
    writers: dict[str, Callable[[Sheet, Context], None]] = {
        "封面": _cover,
        "资金使用": _usage,
        "资金结余": _balances,
        "救助人次": _headcounts,
        "对账明细": _reconciliation,
        "异常清单": _exceptions,
        "数据校验": _rejections,
        "规则说明": _rules,
    }
    try:
        for name in SHEETS:
            writers[name](Sheet(book.add_worksheet(name), formats), context)
    finally:
        book.close()


def version() -> str:
    try:
        return importlib.metadata.version(PROGRAM)
    except importlib.metadata.PackageNotFoundError:
        return "未安装"


def _unit(reconciled: Reconciled) -> str:
    """The region the worker files mostly belong to, named as the 低保标准 sheet names it."""
    tables = reconciled.checked.validated.tables
    standards, files = tables.get("dibao_standards"), tables.get("worker_files")
    if standards is None or standards.empty or "region_name" not in standards:
        return ""
    names = standards.dropna(subset=["region_name"]).drop_duplicates("region_code")
    by_code = dict(zip(names["region_code"].astype("str"), names["region_name"], strict=True))
    if files is not None and not files.empty and files["region_code"].notna().any():
        counts = files["region_code"].astype("str").value_counts()
        top = sorted(counts[counts == counts.max()].index)[0]
        if top in by_code:
            return str(by_code[top])
    return str(names["region_name"].iloc[0]) if len(names) else ""


def _kind_label(kind: str) -> str:
    return KIND_BY_NAME[kind].label if kind in KIND_BY_NAME else kind


# ---- 封面 ------------------------------------------------------------------------------------------


def _cover(sheet: Sheet, context: Context) -> None:
    f, reconciled = sheet.formats, context.reconciled
    columns = 8
    sheet.merge((0, 0), (0, columns - 1), "困难职工帮扶资金对账报告", f.title)
    totals = reconciled.figures.usage_totals
    everything = totals[totals["scope"] == "all"].iloc[0]
    year_fen, month_fen = int(everything["year_amount_fen"]), int(everything["month_amount_fen"])
    facts: list[tuple[str, Callable[[int, int], None]]] = [
        ("编制单位", lambda r, c: sheet.text(r, c, context.unit or "（未注明）", f.text)),
        ("对账期间", lambda r, c: sheet.text(r, c, context.period_text, f.text)),
        ("编制日期（期末）", lambda r, c: sheet.date(r, c, context.period_end)),
        ("程序版本", lambda r, c: sheet.text(r, c, f"{PROGRAM} {version()}", f.text)),
        ("本月支出（元）", lambda r, c: sheet.money(r, c, month_fen)),
        ("本年累计支出（元）", lambda r, c: sheet.money(r, c, year_fen)),
        ("本年累计支出大写", lambda r, c: sheet.text(r, c, capital_amount(year_fen), f.text)),
    ]
    row = 2
    for label, put in facts:
        sheet.text(row, 0, label, f.header)
        put(row, 1)
        row += 1
    row = _cover_inputs(sheet, context, row + 1)
    row = _cover_counts(sheet, context, row + 1)
    row = _cover_not_read(sheet, context, row + 1)
    row = _cover_findings(sheet, context, row + 1)
    sheet.signatures(row + 1, columns)
    sheet.finish(None, columns)


def _cover_inputs(sheet: Sheet, context: Context, row: int) -> int:
    f, checked = sheet.formats, context.reconciled.checked
    counts = checked.validated.counts
    sheet.text(row, 0, "一、输入文件", f.heading, fit=False)
    row = sheet.header(
        row + 1, [(None, h) for h in ("文件", "类型", "读取行数", "拒收行数", "SHA-256")]
    )
    first = row
    for item in checked.files:
        mine = counts[counts["source_file"] == item.file]
        sheet.text(row, 0, item.file, f.text)
        sheet.text(row, 1, "、".join(dict.fromkeys(map(_kind_label, mine["kind"]))), f.text)
        sheet.count(row, 2, int(mine["read"].sum()))
        sheet.count(row, 3, int(mine["rejected"].sum()))
        sheet.text(row, 4, item.sha256, f.text)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    for col, column in ((2, "read"), (3, "rejected")):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, int(counts[column].sum()), fen=False)
    sheet.text(row, 4, None, f.total_text)
    return row + 1


def _cover_counts(sheet: Sheet, context: Context, row: int) -> int:
    """Per sheet: rows read = kept + rejected, said in words."""
    f, counts = sheet.formats, context.reconciled.checked.validated.counts
    sheet.text(row, 0, "二、行数核对（读取 = 保留 + 拒收）", f.heading, fit=False)
    labels = ("文件", "工作表", "类型", "读取", "保留", "拒收", "其中重复导出", "核对")
    row = sheet.header(row + 1, [(None, h) for h in labels])
    first = row
    for item in counts.to_dict("records"):
        sheet.text(row, 0, item["source_file"], f.text)
        sheet.text(row, 1, item["source_sheet"], f.text)
        sheet.text(row, 2, _kind_label(item["kind"]), f.text)
        for col, column in enumerate(("read", "kept", "rejected", "duplicates"), start=3):
            sheet.count(row, col, item[column])
        adds_up = int(item["read"]) == int(item["kept"]) + int(item["rejected"])
        sheet.text(row, 7, "相符" if adds_up else "不符", f.text)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    sheet.text(row, 2, None, f.total_text)
    for col, column in enumerate(("read", "kept", "rejected", "duplicates"), start=3):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, int(counts[column].sum()), fen=False)
    read, kept, rejected = (int(counts[c].sum()) for c in ("read", "kept", "rejected"))
    sheet.text(row, 7, "相符" if read == kept + rejected else "不符", f.total_text)
    return row + 1


def _cover_not_read(sheet: Sheet, context: Context, row: int) -> int:
    f, checked = sheet.formats, context.reconciled.checked
    sheet.text(row, 0, "三、未读取的工作表和文件", f.heading, fit=False)
    row = sheet.header(row + 1, [(None, h) for h in ("文件", "工作表", "原因")])
    entries = [(s.file, s.sheet, s.reason) for s in checked.skipped]
    entries += [(name, "", "不是表格文件，未读取") for name in checked.ignored]
    if not entries:
        entries = [("无", "", "")]
    for entry in entries:
        for col, value in enumerate(entry):
            sheet.text(row, col, value, f.text)
        row += 1
    return row


def _cover_findings(sheet: Sheet, context: Context, row: int) -> int:
    f, findings = sheet.formats, context.reconciled.findings
    counts = findings["rule"].value_counts()
    sheet.text(row, 0, "四、异常统计", f.heading, fit=False)
    row = sheet.header(row + 1, [(None, h) for h in ("规则", "严重程度", "说明", "条数")])
    first = row
    for rule in CATALOGUE:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        sheet.text(row, 2, rule.title, f.text)
        sheet.count(row, 3, int(counts.get(rule.code, 0)))
        row += 1
    for col in range(3):
        sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    sheet.total(row, 3, [(r, 3) for r in range(first, row)], len(findings), fen=False)
    return row + 1


# ---- 资金使用 ----------------------------------------------------------------------------------------

USAGE_MEASURES = (("amount_fen", "金额"), ("person_times", "人次"), ("persons", "人数"))
WINDOWS = (("month", "本月"), ("year", "本年累计"))


def _usage(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    columns: list[tuple[str | None, str]] = [(None, "资金来源"), (None, "救助类型")]
    columns += [(label, measure) for _, label in WINDOWS for _, measure in USAGE_MEASURES]
    width = len(columns)
    row = sheet.title_block(f"{context.period_text}帮扶资金使用情况表", width, context)
    header_first = row
    row = sheet.header(row, columns)
    totals = figures.usage_totals
    per_source = totals[totals["scope"] == "source"].set_index("source")
    everything = totals[totals["scope"] == "all"].iloc[0]
    subtotals = []
    for source, rows in figures.fund_usage.groupby("source", sort=False):
        first = row
        for item in rows.to_dict("records"):
            sheet.text(row, 0, source, f.text)
            sheet.text(row, 1, item["aid_type"], f.text)
            _usage_cells(sheet, row, item)
            row += 1
        sheet.text(row, 0, source, f.total_text)
        sheet.text(row, 1, SUBTOTAL, f.total_text)
        _usage_totals(sheet, row, [range(first, row)], per_source.loc[source])
        subtotals.append(row)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    _usage_totals(sheet, row, [subtotals], everything)
    sheet.text(
        row + 1,
        0,
        "注：人数为去重人数，同一人多次受助只计一次，故小计、合计的人数不是各行相加。",
        f.note,
        fit=False,
    )
    sheet.signatures(row + 3, width)
    sheet.finish((header_first, row_header_last(header_first, columns)), width, freeze_cols=2)


def row_header_last(first: int, columns: Sequence[tuple[str | None, str]]) -> int:
    return first + (0 if all(group is None for group, _ in columns) else 1)


def _usage_cells(sheet: Sheet, row: int, item: dict[Any, Any]) -> None:
    col = 2
    for window, _ in WINDOWS:
        sheet.money(row, col, item[f"{window}_amount_fen"])
        sheet.count(row, col + 1, item[f"{window}_person_times"])
        sheet.count(row, col + 2, item[f"{window}_persons"])
        col += 3


def _usage_totals(sheet: Sheet, row: int, groups: list[Any], figure: Any) -> None:
    """Amount and 人次 as SUMs of the rows (checked against the figure); 人数 distinct."""
    rows = [r for group in groups for r in group]
    col = 2
    for window, _ in WINDOWS:
        amount, times = int(figure[f"{window}_amount_fen"]), int(figure[f"{window}_person_times"])
        sheet.total(row, col, [(r, col) for r in rows], amount)
        sheet.total(row, col + 1, [(r, col + 1) for r in rows], times, fen=False)
        sheet.count(row, col + 2, figure[f"{window}_persons"], sheet.formats.total_count)
        col += 3


# ---- 资金结余 ----------------------------------------------------------------------------------------


def _balance_columns() -> list[tuple[str | None, str, str, str]]:
    """(group, label, column, kind) of the 资金结余 table."""
    return [
        (None, "资金来源", "source", "text"),
        (None, "资金年度", "fund_year", "year"),
        (None, "上年结转", "opening_fen", "money"),
        *(("本年收入", name, name, "money") for name in aggregate.INCOME),
        ("本年收入", "收入小计", "income_fen", "money"),
        *(("本年支出", name, name, "money") for name in AID_TYPES),
        ("本年支出", "支出小计", "expenditure_fen", "money"),
        (None, "调出", "transfer_out_fen", "money"),
        (None, "期末结余", "closing_fen", "money"),
        (None, "使用期限", "deadline", "date"),
        (None, "期限状态", "deadline_state", "text"),
        (None, "逾期未用", "unspent_after_deadline_fen", "money"),
        (None, "结转下年", "carry_over_fen", "money"),
        (None, "结转批复文号", "carry_over_document", "text"),
        (None, "账面余额", "book_balance_fen", "money"),
        (None, "账面差额", "book_difference_fen", "money"),
    ]


def _balances(sheet: Sheet, context: Context) -> None:
    f, balances = sheet.formats, context.reconciled.figures.balances
    spec = _balance_columns()
    columns = [(group, label) for group, label, _, _ in spec]
    width = len(columns)
    row = sheet.title_block(f"{context.period_text}帮扶资金结余情况表", width, context)
    header_first = row
    row = sheet.header(row, columns)
    first = row
    for item in balances.to_dict("records"):
        for col, (_, _, column, kind) in enumerate(spec):
            value = item[column]
            if kind == "money":
                sheet.money(row, col, value)
            elif kind == "year":
                sheet.count(row, col, value, f.year)
            elif kind == "date":
                sheet.date(row, col, value)
            else:
                sheet.text(row, col, value, f.text)
        row += 1
    for col, (_, _, column, kind) in enumerate(spec):
        if kind == "money":
            expected = int(balances[column].fillna(0).sum())
            sheet.total(row, col, [(r, col) for r in range(first, row)], expected)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    sheet.signatures(row + 2, width)
    sheet.finish((header_first, row_header_last(header_first, columns)), width, freeze_cols=2)


# ---- 救助人次 ----------------------------------------------------------------------------------------


def _headcounts(sheet: Sheet, context: Context) -> None:
    f, figures = sheet.formats, context.reconciled.figures
    spec = [
        ("救助类型", "aid_type", "text"),
        ("目标人数", "target_persons", "sum"),
        ("实际人数", "persons", "count"),
        ("人次", "person_times", "sum"),
        ("户数", "households", "count"),
        ("建档人数", "filed_persons", "count"),
        ("非建档人数", "non_filed_persons", "count"),
        ("救助金额", "amount_fen", "money"),
        ("目标人次", "target_times", "sum"),
        ("人数完成率(%)", "completion_pct", "percent"),
        ("等级", "grade", "text"),
    ]
    width = len(spec)
    row = sheet.title_block(f"{context.period_text}救助人次统计表", width, context)
    header_first = row
    row = sheet.header(row, [(None, label) for label, _, _ in spec])
    header_last = row - 1
    first = row
    table = figures.headcounts
    for item in table.to_dict("records"):
        for col, (_, column, kind) in enumerate(spec):
            value = item[column]
            if kind == "money":
                sheet.money(row, col, value)
            elif kind in ("sum", "count"):
                sheet.count(row, col, value)
            elif kind == "percent":
                sheet.decimal(row, col, value, f.percent)
            else:
                sheet.text(row, col, value, f.text)
        row += 1
    everything = figures.usage_totals[figures.usage_totals["scope"] == "all"].iloc[0]
    for col, (_, column, kind) in enumerate(spec):
        cells = [(r, col) for r in range(first, row)]
        if kind == "money":
            sheet.total(row, col, cells, int(table[column].fillna(0).sum()))
        elif kind == "sum":
            sheet.total(row, col, cells, int(table[column].fillna(0).sum()), fen=False)
        elif column == "persons":
            sheet.count(row, col, everything["year_persons"], f.total_count)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    row += 1
    sheet.text(
        row,
        0,
        "注：本年累计至期末。合计人数为去重人数；户数、建档人数按救助类型分别去重，不合计。",
        f.note,
        fit=False,
    )
    row = _worker_files(sheet, figures.worker_files, row + 2)
    sheet.signatures(row + 1, width)
    sheet.finish((header_first, header_last), width)


def _worker_files(sheet: Sheet, files: pd.DataFrame, row: int) -> int:
    """Worker files per status and category; each 合计 a SUM, a shortfall shown as 未注明."""
    f = sheet.formats
    sheet.text(row, 0, "困难职工档案（在档为期末数，脱困、注销为本年数）", f.heading, fit=False)
    row = sheet.header(row + 1, [(None, h) for h in ("档案状态", "类别", "档案数")])
    status_totals = []
    for status, group in files[files["status"] != TOTAL].groupby("status", sort=False):
        first = row
        parts = group[group["category"] != TOTAL]
        for item in parts.to_dict("records"):
            sheet.text(row, 0, status, f.text)
            sheet.text(row, 1, item["category"], f.text)
            sheet.count(row, 2, item["files"])
            row += 1
        total = int(group.loc[group["category"] == TOTAL, "files"].sum())
        missing = total - int(parts["files"].sum())
        if missing:
            sheet.text(row, 0, status, f.text)
            sheet.text(row, 1, "未注明", f.text)
            sheet.count(row, 2, missing)
            row += 1
        sheet.text(row, 0, status, f.total_text)
        sheet.text(row, 1, TOTAL, f.total_text)
        sheet.total(row, 2, [(r, 2) for r in range(first, row)], total, fen=False)
        status_totals.append(row)
        row += 1
    grand = int(files.loc[(files["status"] == TOTAL), "files"].sum())
    other = grand - sum(sheet.exact[r, 2] for r in status_totals)
    if other:
        sheet.text(row, 0, "其他状态", f.text)
        sheet.text(row, 1, "本年注销或脱困以外", f.text)
        sheet.count(row, 2, other)
        status_totals.append(row)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, TOTAL, f.total_text)
    sheet.total(row, 2, [(r, 2) for r in status_totals], grand, fen=False)
    return row + 1


# ---- 对账明细 ----------------------------------------------------------------------------------------

RECONCILIATION_HEADER = (
    ("姓名", "name", "text"),
    ("身份证号", "id_no", "text"),
    ("资金来源", "source", "text"),
    ("笔数", "records", "count"),
    ("系统金额", "system_fen", "money"),
    ("其中现金", "cash_fen", "money"),
    ("银行实发", "paid_fen", "money"),
    ("差额（实发－应发）", "difference_fen", "money"),
    ("状态", "status", "text"),
    ("救助编号", "record_ids", "text"),
    ("来源", "lineage", "lineage"),
)


def _reconciliation(sheet: Sheet, context: Context) -> None:
    f, reconciled = sheet.formats, context.reconciled
    table = aggregate.reconciliation(reconciled.matched, reconciled.period)
    width = len(RECONCILIATION_HEADER)
    row = sheet.header(0, [(None, label) for label, _, _ in RECONCILIATION_HEADER])
    for item in table.to_dict("records"):
        for col, (_, column, kind) in enumerate(RECONCILIATION_HEADER):
            value = item[column]
            if kind == "money":
                sheet.money(row, col, value)
            elif kind == "count":
                sheet.count(row, col, value)
            elif kind == "lineage":
                sheet.text(row, col, places(value), f.text)
            else:
                sheet.text(row, col, value, f.text)
        row += 1
    last_data = row - 1
    if len(table):
        status = xl_col_to_name(8)
        _check(
            sheet.worksheet.conditional_format(
                1,
                0,
                last_data,
                width - 1,
                {
                    "type": "formula",
                    "criteria": f'=AND(${status}2<>"相符",${status}2<>"现金")',
                    "format": f.warning,
                },
            ),
            "条件格式",
        )
    row += 1
    for col, (_, column, kind) in enumerate(RECONCILIATION_HEADER):
        cells = [(r, col) for r in range(1, last_data + 1)]
        if kind == "money":
            sheet.total(row, col, cells, int(table[column].sum()))
        elif kind == "count":
            sheet.total(row, col, cells, int(table[column].sum()), fen=False)
        else:
            sheet.text(row, col, TOTAL if col == 0 else None, f.total_text)
    sheet.finish((0, 0), width, filter_to=last_data, freeze_cols=1)


# ---- 异常清单 ----------------------------------------------------------------------------------------


def _exceptions(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    findings = context.reconciled.findings
    findings = findings.assign(_rank=findings["severity"].map(rank)).sort_values(
        ["_rank", "rule"], kind="stable"
    )
    width = len(EXCEPTION_HEADER)
    row = sheet.header(0, [(None, label) for label in EXCEPTION_HEADER])
    for item in findings.to_dict("records"):
        values = [item[c] for c in ("rule", "severity", "message", "name", "id_no")]
        values += [item[c] for c in ("source", "aid_type", "record_id")]
        for col, value in enumerate(values):
            sheet.text(row, col, value, f.text)
        sheet.money(row, 8, item["amount_fen"])
        sheet.money(row, 9, item["compared_fen"])
        sheet.text(row, 10, places(item["lineage"]), f.text)
        row += 1
    last = row - 1
    if len(findings):
        for severity, fmt in (("错误", f.error), ("警告", f.warning)):
            rule = {"type": "formula", "criteria": f'=$B2="{severity}"', "format": fmt}
            _check(sheet.worksheet.conditional_format(1, 0, last, width - 1, rule), "条件格式")
    else:
        sheet.text(1, 0, "无异常", f.text)
    sheet.finish((0, 0), width, filter_to=max(last, 1), freeze_cols=2)


# ---- 数据校验 ----------------------------------------------------------------------------------------


def _rejections(sheet: Sheet, context: Context) -> None:
    f, validated = sheet.formats, context.reconciled.checked.validated
    labels = ("类别", "文件", "工作表", "行号", "数据类型", "列", "值", "原因")
    row = sheet.header(0, [(None, label) for label in labels])
    for category, frame in (("拒收", validated.rejected), ("警告", validated.warnings)):
        for item in frame.to_dict("records"):
            sheet.text(row, 0, category, f.text)
            sheet.text(row, 1, item["source_file"], f.text)
            sheet.text(row, 2, item["source_sheet"], f.text)
            sheet.count(row, 3, item["source_row"])
            sheet.text(row, 4, _kind_label(str(item["kind"])), f.text)
            sheet.text(row, 5, item["column"], f.text)
            sheet.text(row, 6, item["value"], f.text)
            sheet.text(row, 7, item["reason"], f.text)
            row += 1
    if row == 1:
        sheet.text(1, 0, "无", f.text)
    sheet.finish((0, 0), len(labels), filter_to=max(row - 1, 1))


# ---- 规则说明 ----------------------------------------------------------------------------------------


def _rules(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    row = sheet.header(0, [(None, label) for label in ("规则", "严重程度", "说明")])
    for rule in CATALOGUE:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        sheet.text(row, 2, rule.title, f.text)
        row += 1
    sheet.finish((0, 0), 3, filter_to=row - 1)
