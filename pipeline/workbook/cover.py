"""The sheet 封面."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.money import capital_amount
from pipeline.workbook.cells import TOTAL, Sheet
from pipeline.workbook.context import PROGRAM, Context, kind_label, version

COVER_WIDTHS = (28, 18, 16, 10, 10, 10, 12, 36)  # eight columns that fit A4 landscape


def fill(sheet: Sheet, context: Context) -> None:
    """Facts, then five tables sharing eight columns of fixed width: a wide text spans the
    columns to its right, so that the page prints at a readable size."""
    f, reconciled = sheet.formats, context.reconciled
    columns = len(COVER_WIDTHS)
    sheet.merge(0, 0, columns - 1, "困难职工帮扶资金对账报告", f.title)
    totals = reconciled.figures.usage_totals
    everything = totals[totals["scope"] == "all"].iloc[0]
    year_fen, month_fen = int(everything["year_amount_fen"]), int(everything["month_amount_fen"])
    facts: list[tuple[str, Callable[[int], None]]] = [
        ("编制单位", lambda r: sheet.merge(r, 1, 4, context.unit or "（未注明）", f.text)),
        ("对账期间", lambda r: sheet.merge(r, 1, 4, context.period_text, f.text)),
        ("编制日期", lambda r: sheet.merge(r, 1, 4, f"{context.made:%Y-%m-%d %H:%M}", f.text)),
        ("程序版本", lambda r: sheet.merge(r, 1, 4, f"{PROGRAM} {version()}", f.text)),
        ("本月支出（元）", lambda r: sheet.money(r, 1, month_fen)),
        ("本年累计支出（元）", lambda r: sheet.money(r, 1, year_fen)),
        ("本年累计支出大写", lambda r: sheet.merge(r, 1, 4, capital_amount(year_fen), f.text)),
    ]
    row = 2
    for label, put in facts:
        sheet.text(row, 0, label, f.header, fit=False)
        put(row)
        row += 1
    row = _cover_inputs(sheet, context, row + 1)
    row = _cover_counts(sheet, context, row + 1)
    row = _cover_not_read(sheet, context, row + 1)
    row = _cover_findings(sheet, context, row + 1)
    row = _cover_sheets(sheet, context, row + 1)
    sheet.signatures(row + 1, columns)
    sheet.fixed.update(enumerate(COVER_WIDTHS))
    sheet.finish(None, columns)


def _cover_header(sheet: Sheet, row: int, spans: Sequence[tuple[str, int, int]]) -> int:
    """A one-row header whose labels may span several columns; returns the next row."""
    for label, first, last in spans:
        sheet.merge(row, first, last, label, sheet.formats.header)
    return row + 1


def _cover_inputs(sheet: Sheet, context: Context, row: int) -> int:
    f, inputs = sheet.formats, context.reconciled.summary.inputs
    sheet.text(row, 0, "一、输入文件", f.heading, fit=False)
    spans = [("文件", 0, 0), ("类型", 1, 1), ("读取行数", 2, 2), ("拒收行数", 3, 3)]
    row = _cover_header(sheet, row + 1, [*spans, ("SHA-256", 4, 7)])
    first = row
    for item in inputs:
        sheet.text(row, 0, item.file, f.wrap)
        sheet.text(row, 1, "、".join(map(kind_label, item.kinds)), f.wrap)
        sheet.count(row, 2, item.read)
        sheet.count(row, 3, item.rejected)
        sheet.merge(row, 4, 7, item.sha256, f.text, personal=False)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    for col, total in ((2, sum(i.read for i in inputs)), (3, sum(i.rejected for i in inputs))):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, total, fen=False)
    sheet.merge(row, 4, 7, "", f.total_text)
    return row + 1


def _cover_counts(sheet: Sheet, context: Context, row: int) -> int:
    """Per sheet: rows read = kept + rejected, said in words."""
    f, counts = sheet.formats, context.reconciled.checked.validated.counts
    sheet.text(row, 0, "二、行数核对（读取 = 保留 + 拒收）", f.heading, fit=False)
    labels = ("文件", "工作表", "类型", "读取", "保留", "拒收", "其中重复导出", "核对")
    row = _cover_header(sheet, row + 1, [(label, c, c) for c, label in enumerate(labels)])
    first = row
    for item in counts.to_dict("records"):
        sheet.text(row, 0, item["source_file"], f.wrap)
        sheet.text(row, 1, item["source_sheet"], f.wrap)
        sheet.text(row, 2, kind_label(item["kind"]), f.wrap)
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
    row = _cover_header(sheet, row + 1, [("文件", 0, 0), ("工作表", 1, 1), ("原因", 2, 7)])
    entries = [(s.file, s.sheet, s.reason) for s in checked.skipped]
    entries += [(name, "", "不是表格文件，未读取") for name in checked.ignored]
    for file, sheet_name, reason in entries or [("无", "", "")]:
        sheet.text(row, 0, file, f.wrap)
        sheet.text(row, 1, sheet_name, f.wrap)
        sheet.merge(row, 2, 7, reason, f.text)
        row += 1
    return row


def _cover_findings(sheet: Sheet, context: Context, row: int) -> int:
    f, found = sheet.formats, context.reconciled.summary.findings
    sheet.text(row, 0, "四、异常统计", f.heading, fit=False)
    spans = [("规则", 0, 0), ("严重程度", 1, 1), ("说明", 2, 6), ("条数", 7, 7)]
    row = _cover_header(sheet, row + 1, spans)
    first = row
    for rule in found:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        sheet.merge(row, 2, 6, rule.title, f.text)
        sheet.count(row, 7, rule.count)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    sheet.merge(row, 2, 6, "", f.total_text)
    total = sum(rule.count for rule in found)
    sheet.total(row, 7, [(r, 7) for r in range(first, row)], total, fen=False)
    return row + 1


def _cover_sheets(sheet: Sheet, context: Context, row: int) -> int:
    """The detail tables' worksheets and rows: a table over Excel's limit continues."""
    f = sheet.formats
    sheet.text(row, 0, "五、明细工作表", f.heading, fit=False)
    spans = [("明细", 0, 0), ("工作表", 1, 1), ("行数", 2, 2), ("说明", 3, 7)]
    row = _cover_header(sheet, row + 1, spans)
    for name, layout in context.layout.items():
        for part in layout:
            sheet.text(row, 0, name, f.text)
            sheet.text(row, 1, part.sheet, f.text)
            sheet.count(row, 2, part.stop - part.start)
            note = ""
            if len(layout) > 1:
                note = (
                    f"每表上限 {context.max_rows:,} 行，分 {len(layout)} 表；"
                    f"本表第 {part.start + 1:,}–{part.stop:,} 行"
                )
            sheet.merge(row, 3, 7, note, f.text)
            row += 1
    return row
