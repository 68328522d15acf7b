"""The sheet 封面: page 1 is the audit summary, the pages after it the evidence.

Page 1: unit, period, when the workbook was made (``Context.made``) and by which version; per
资金来源 上年结转, 本年收入, 本年支出, 调出, 期末结余 and 执行率 (支出 ÷ (上年结转 + 本年收入)),
from the balances, with 合计; findings per severity, their count and the sum of their 金额,
and under them what is 在途 (no finding); rejected input rows per file kind and the money they
leave out, copies exported twice apart; the records 在途 at the period end; and a conclusion written from those figures. Then, from
page 2: 一、待处理的异常 (the work list of the findings list: open findings per 账龄 and 处理状态,
what changed since the last close, what the run history could not tell), 二、输入文件,
三、行数核对, 四、未读取的工作表和文件, 五、异常统计 (per rule), 六、拒收行按原因, 七、明细工作表.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import cast

import pandas as pd

from pipeline import carry
from pipeline.money import capital_amount, yuan
from pipeline.results import Close
from pipeline.rules import SEVERITIES
from pipeline.summary import KindRows
from pipeline.validate import PRICED_FILE_KINDS
from pipeline.workbook.cells import SUBTOTAL, TOTAL, Sheet
from pipeline.workbook.context import PROGRAM, Context, kind_label, version
from pipeline.workbook.rejections import EXPORTED_TWICE, REJECTED, first_lines, handling

# eight columns that print one page wide at 80 % or more (cells.print_scale)
COVER_WIDTHS = (24, 14, 14, 14, 14, 14, 10, 15)
HUNDREDTH = Decimal("0.01")


def fill(sheet: Sheet, context: Context) -> None:
    """The summary on page 1, then the tables sharing its eight columns of fixed width: a
    wide text spans the columns to its right, so that every page prints at a readable size."""
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
    row = _cover_funds(sheet, context, row)  # no blank line above: page 1 has none to spare
    row = _cover_severities(sheet, context, row + 1)
    row = _cover_in_transit(sheet, context, row)
    row = _cover_rejected(sheet, context, row + 1)
    row = _cover_conclusion(sheet, context, row + 1)
    row = sheet.signatures(row + 1, columns)
    sheet.worksheet.set_h_pagebreaks([row])  # the work list and the evidence from page 2
    row = _cover_work(sheet, context, row)
    row = _cover_inputs(sheet, context, row + 1)
    row = _cover_counts(sheet, context, row + 1)
    row = _cover_not_read(sheet, context, row + 1)
    row = _cover_findings(sheet, context, row + 1)
    row = _cover_reasons(sheet, context, row + 1)
    _cover_sheets(sheet, context, row + 1)
    sheet.fixed.update(enumerate(COVER_WIDTHS))
    sheet.finish(None, columns)


def execution_rate(spent_fen: int, available_fen: int) -> Decimal | None:
    """执行率 in percent to the hundredth: spent ÷ (上年结转 + income); none without money."""
    if available_fen <= 0:
        return None
    return (Decimal(int(spent_fen)) * 100 / int(available_fen)).quantize(HUNDREDTH)


def _source_funds(context: Context) -> pd.DataFrame:
    """Per 资金来源 (in the balances' order), its fund years added up."""
    balances = context.reconciled.figures.balances
    money = ["opening_fen", "income_fen", "expenditure_fen", "transfer_out_fen", "closing_fen"]
    return balances.groupby("source", sort=False)[money].sum().astype("int64")


def _cover_funds(sheet: Sheet, context: Context, row: int) -> int:
    f = sheet.formats
    sheet.text(row, 0, "（一）各资金来源收支（元）", f.heading, fit=False)
    labels = ("资金来源", "上年结转", "本年收入", "本年支出", "调出", "期末结余", "执行率（%）")
    row = _cover_header(sheet, row + 1, [(label, c, c) for c, label in enumerate(labels)])
    funds, first = _source_funds(context), row
    for source, money in funds.iterrows():
        sheet.text(row, 0, source, f.wrap)
        for col, value in enumerate(money, start=1):
            sheet.money(row, col, value)
        spent, available = money["expenditure_fen"], money["opening_fen"] + money["income_fen"]
        sheet.decimal(row, 6, execution_rate(spent, available), f.percent)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    for col, column in enumerate(funds.columns, start=1):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, int(funds[column].sum()))
    available = int(funds["opening_fen"].sum() + funds["income_fen"].sum())
    rate = execution_rate(int(funds["expenditure_fen"].sum()), available)
    sheet.decimal(row, 6, rate, f.percent)
    return row + 1


def involved_fen(findings: pd.DataFrame) -> pd.Series:
    """The money each finding involves: its 金额 without sign (a difference paid less is as
    much money in question as one paid more), 0 where it has none."""
    return findings["amount_fen"].abs().fillna(0)


def severity_totals(findings: pd.DataFrame) -> pd.DataFrame:
    """Per severity (错误, 警告, 提示, all three): findings and the money they involve."""
    grouped = involved_fen(findings).groupby(findings["severity"], observed=True)
    return pd.DataFrame(
        {
            "count": grouped.size().reindex(SEVERITIES, fill_value=0),
            "amount_fen": grouped.sum(min_count=0).reindex(SEVERITIES, fill_value=0),
        }
    ).astype("int64")


def _cover_severities(sheet: Sheet, context: Context, row: int) -> int:
    f = sheet.formats
    sheet.text(row, 0, "（二）发现的异常", f.heading, fit=False)
    spans = [("严重程度", 0, 0), ("条数", 1, 1), ("涉及金额（元）", 2, 2), ("说明", 3, 7)]
    row = _cover_header(sheet, row + 1, spans)
    totals, first = severity_totals(context.reconciled.findings), row
    notes = {
        "错误": "须更正或追回，逐条见“异常清单”",
        "警告": "须核实并说明",
        "提示": "供参考",
    }
    for severity, item in totals.iterrows():
        sheet.text(row, 0, severity, f.text)
        sheet.count(row, 1, item["count"])
        sheet.money(row, 2, item["amount_fen"])
        sheet.merge(row, 3, 7, notes[str(severity)], f.text)
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    for col, column, fen in ((1, "count", False), (2, "amount_fen", True)):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, int(totals[column].sum()), fen=fen)
    sheet.merge(row, 3, 7, "涉及金额为每条异常“金额”的绝对值之和，各规则的含义见“规则说明”", f.text)
    return row + 1


def _cover_in_transit(sheet: Sheet, context: Context, row: int) -> int:
    """One line under the findings' 合计, outside it: the records 在途 at the period end
    (``Summary.in_transit``) and their money, the failed transfers awaiting re-payment (a 在途
    record's among them: the same money seen from the bank, so not added), the payments whose
    record is not yet entered, and the 发放在途天数 they were judged by."""
    f, transit = sheet.formats, context.reconciled.summary.in_transit
    sheet.text(row, 0, "在途记录（不计为异常）", f.text)
    sheet.count(row, 1, transit.records)
    sheet.money(row, 2, transit.amount_fen)
    transfers = yuan(transit.transfer_amount_fen, grouped=True)
    payments = yuan(transit.payment_amount_fen, grouped=True)
    text = (
        f"失败待重发 {transit.transfers:,} 笔 {transfers}；已付待录入 {transit.payments:,} 笔 "
        f"{payments}；发放在途天数 {transit.days} 天"
    )
    sheet.merge(row, 3, 7, text, f.text)  # one line: page 1 has no room for a second
    return row + 1


def _cover_work(sheet: Sheet, context: Context, row: int) -> int:
    """The work list: open findings per 账龄 and 处理状态 (verified ones are not open), then
    what changed since the last close and what the history could not tell."""
    f, close = sheet.formats, context.reconciled.close
    sheet.text(row, 0, "一、待处理的异常（按账龄、处理状态）", f.heading, fit=False)
    table = carry.open_table(close.worklist)
    columns = list(table.columns)[: len(COVER_WIDTHS) - 1]  # an odd status the clerk wrote
    row = _cover_header(
        sheet, row + 1, [("账龄", 0, 0), *((c, i, i) for i, c in enumerate(columns, 1))]
    )
    first = row
    for band, counts in table.iterrows():
        sheet.text(row, 0, str(band), f.text)
        for col, column in enumerate(columns, start=1):
            sheet.count(row, col, int(counts[column]))
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    for col, column in enumerate(columns, start=1):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, int(table[column].sum()), fen=False)
    work = context.reconciled.summary.work
    lines = [
        f"与上次结账相比：本月新增 {work.new} 条，持续 {work.continuing} 条，本月解决 {work.resolved} 条；"
        f"已核实无误 {work.verified} 条（仍列在异常清单，不计入待处理）。账龄自首次发现的月末起算。",
        *_history_notes(close),
    ]
    for line in lines:
        row += 1
        sheet.merge(row, 0, len(COVER_WIDTHS) - 1, line, f.wrap)
    return row + 1


def _history_notes(close: Close) -> list[str]:
    """What the run history said that the reader should know: no earlier close, last year's
    open findings, later closes kept, notes that could not be read back."""
    earlier = close.earlier
    lines = []
    if earlier.previous_period is None:
        lines.append("运行记录中没有本年更早的结账，本月的异常均按新增列出。")
    if earlier.last_year_period:
        lines.append(
            f"上年最后一次结账（{earlier.last_year_period}）时仍未解决的异常 {earlier.last_year_open} 条"
            "不随新年度延续，见该月工作簿的异常清单。"
        )
    if earlier.later:
        lines.append(
            f"运行记录中已有更晚的结账（{'、'.join(earlier.later)}），本次重做 {earlier.period} "
            "不改变它们；如需让它们反映本次结果，请依次重新对账。"
        )
    lines.extend(f"处理说明未能读回：{problem}" for problem in close.read_back.problems)
    return lines


def _cover_rejected(sheet: Sheet, context: Context, row: int) -> int:
    """Per file kind with rejected rows: rows to fix and the money they leave out; copies
    exported twice apart (counted once already)."""
    f = sheet.formats
    sheet.text(row, 0, "（三）拒收的输入行（未计入任何合计）", f.heading, fit=False)
    labels = ("数据类型", "拒收行数", "拒收金额（元）", "金额无法识别", "重复导出行数")
    spans = [(label, c, c) for c, label in enumerate(labels)]
    row = _cover_header(sheet, row + 1, [*spans, ("重复导出金额（元）", 5, 5), ("说明", 6, 7)])
    kinds = {k: r for k, r in context.reconciled.summary.rows.items() if r.rejected}
    first = row
    for kind, rows in kinds.items():
        sheet.text(row, 0, kind_label(kind), f.wrap)
        sheet.count(row, 1, rows.errors)
        priced = kind in PRICED_FILE_KINDS  # else no money: blank, not 0.00
        sheet.money(row, 2, rows.rejected_amount_fen if priced else None)
        sheet.count(row, 3, rows.rejected_no_amount if priced else None)
        sheet.count(row, 4, rows.exported_twice)
        sheet.money(row, 5, rows.exported_twice_amount_fen if priced else None)
        sheet.merge(row, 6, 7, "见“数据校验”", f.text)
        row += 1
    if not kinds:
        sheet.merge(row, 0, 7, "无", f.text)
        return row + 1
    sheet.text(row, 0, TOTAL, f.total_text)
    fields: list[tuple[Callable[[KindRows], int], bool]] = [
        (lambda r: r.errors, False),
        (lambda r: r.rejected_amount_fen, True),
        (lambda r: r.rejected_no_amount, False),
        (lambda r: r.exported_twice, False),
        (lambda r: r.exported_twice_amount_fen, True),
    ]
    for col, (value, fen) in enumerate(fields, start=1):
        cells = [(r, col) for r in range(first, row)]
        sheet.total(row, col, cells, sum(value(r) for r in kinds.values()), fen=fen)
    sheet.merge(row, 6, 7, "", f.total_text)
    return row + 1


def conclusion(context: Context) -> str:
    """One paragraph from the figures: spending and 执行率, findings per severity with their
    amounts, rejected rows and their money."""
    funds = _source_funds(context)
    spent = int(funds["expenditure_fen"].sum())
    rate = execution_rate(spent, int(funds["opening_fen"].sum() + funds["income_fen"].sum()))
    parts = [f"本年累计支出 {yuan(spent, grouped=True)}"]
    parts[0] += f"，执行率 {rate}%" if rate is not None else "，无可用资金，执行率无法计算"
    severities = severity_totals(context.reconciled.findings)
    found = [
        f"{severity} {int(item['count'])} 条，涉及金额 {yuan(int(item['amount_fen']), True)}"
        for severity, item in severities.iterrows()
        if item["count"]
    ]
    parts.append("发现" + "，".join(found) if found else "未发现异常")
    transit = context.reconciled.summary.in_transit
    if transit.records or transit.payments:
        parts.append(
            f"另有在途 {transit.records + transit.payments} 笔（发放在途天数 {transit.days} 天内"
            "的未达账项，不计为异常，下月核对）"
        )
    rows = context.reconciled.summary.rows.values()
    errors = sum(r.errors for r in rows)
    if errors:
        left_out = yuan(sum(r.rejected_amount_fen for r in rows), grouped=True)
        unknown = sum(r.rejected_no_amount for r in rows)
        text = f"拒收输入行 {errors} 行，涉及金额 {left_out}"
        text += f"（另有 {unknown} 行金额无法识别）" if unknown else ""
        parts.append(text + "，未计入上述数字，须在系统中更正后重新导出")
    twice = sum(r.exported_twice for r in rows)
    if twice:
        parts.append(f"重复导出的 {twice} 行已只计一次")
    return "；".join(parts) + "。"


def _cover_conclusion(sheet: Sheet, context: Context, row: int) -> int:
    f = sheet.formats
    sheet.text(row, 0, "（四）结论", f.heading, fit=False)
    sheet.merge(row + 1, 0, len(COVER_WIDTHS) - 1, conclusion(context), f.wrap)
    return row + 2


def _cover_header(sheet: Sheet, row: int, spans: Sequence[tuple[str, int, int]]) -> int:
    """A one-row header whose labels may span several columns; returns the next row."""
    for label, first, last in spans:
        sheet.merge(row, first, last, label, sheet.formats.header)
    return row + 1


def _cover_inputs(sheet: Sheet, context: Context, row: int) -> int:
    f, inputs = sheet.formats, context.reconciled.summary.inputs
    sheet.text(row, 0, "二、输入文件", f.heading, fit=False)
    spans = [("文件", 0, 0), ("类型", 1, 1), ("读取行数", 2, 2), ("拒收行数", 3, 3)]
    row = _cover_header(sheet, row + 1, [*spans, ("SHA-256", 4, 7)])
    first = row
    for item in inputs:
        sheet.text(row, 0, item.file, f.wrap)
        sheet.text(row, 1, "、".join(map(kind_label, item.kinds)), f.wrap)
        sheet.count(row, 2, item.read)
        sheet.count(row, 3, item.rejected)
        sheet.merge(row, 4, 7, item.sha256, f.wrap, personal=False)
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
    sheet.text(row, 0, "三、行数核对（读取 = 保留 + 拒收）", f.heading, fit=False)
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
    sheet.text(row, 0, "四、未读取的工作表和文件", f.heading, fit=False)
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
    sheet.text(row, 0, "五、异常统计", f.heading, fit=False)
    spans = [("规则", 0, 0), ("严重程度", 1, 1), ("说明", 2, 5), ("条数", 6, 6)]
    row = _cover_header(sheet, row + 1, [*spans, ("涉及金额（元）", 7, 7)])
    findings = context.reconciled.findings
    amounts = involved_fen(findings).groupby(findings["rule"]).sum()
    first = row
    for rule in found:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        sheet.merge(row, 2, 5, rule.title, f.wrap)
        sheet.count(row, 6, rule.count)
        sheet.money(row, 7, int(amounts.get(rule.code, 0)))
        row += 1
    sheet.text(row, 0, TOTAL, f.total_text)
    sheet.text(row, 1, None, f.total_text)
    sheet.merge(row, 2, 5, "", f.total_text)
    total = sum(rule.count for rule in found)
    sheet.total(row, 6, [(r, 6) for r in range(first, row)], total, fen=False)
    sheet.total(row, 7, [(r, 7) for r in range(first, row)], int(amounts.sum()))
    return row + 1


def _cover_reasons(sheet: Sheet, context: Context, row: int) -> int:
    """Rejected rows per file kind and column at fault (a row with several problems under its
    first), with their money and a 小计 each of 拒收 and of copies exported twice. An amount
    that could not be read is blank."""
    f, rejected = sheet.formats, context.reconciled.checked.validated.rejected
    sheet.text(row, 0, "六、拒收行按原因（每行计一次）", f.heading, fit=False)
    spans = [("数据类型", 0, 0), ("处理", 1, 2), ("问题所在列", 3, 4), ("行数", 5, 5)]
    row = _cover_header(sheet, row + 1, [*spans, ("金额（元）", 6, 7)])
    rows = rejected[first_lines(rejected)].assign(handling=handling(rejected))
    if rows.empty:
        sheet.merge(row, 0, 7, "无", f.text)
        return row + 1
    for how in (REJECTED, EXPORTED_TWICE):
        mine = rows[rows["handling"] == how]
        if len(mine):
            row = _reason_rows(sheet, row, how, mine)
    return row


def _reason_rows(sheet: Sheet, row: int, how: str, rows: pd.DataFrame) -> int:
    """The rows of one 处理 grouped by file kind and column, then their 小计."""
    f = sheet.formats
    columns = rows["column"] if how == REJECTED else pd.Series("", index=rows.index)
    grouped = rows.groupby([rows["kind"], columns], sort=False)["amount_fen"]
    first = row
    for key, amounts in grouped:
        kind, column = cast(tuple[str, str], key)
        sheet.text(row, 0, kind_label(kind), f.wrap)
        sheet.merge(row, 1, 2, how, f.text)
        sheet.merge(row, 3, 4, column, f.text)
        sheet.count(row, 5, len(amounts))
        sheet.money(row, 6, amounts.sum() if amounts.notna().any() else None)
        sheet.text(row, 7, None, f.text)
        row += 1
    sheet.text(row, 0, SUBTOTAL, f.total_text)
    sheet.merge(row, 1, 4, how, f.total_text)
    sheet.total(row, 5, [(r, 5) for r in range(first, row)], len(rows), fen=False)
    sheet.total(row, 6, [(r, 6) for r in range(first, row)], int(rows["amount_fen"].sum()))
    sheet.text(row, 7, None, f.total_text)
    return row + 1


def _cover_sheets(sheet: Sheet, context: Context, row: int) -> int:
    """The detail tables' worksheets and rows: a table over Excel's limit continues."""
    f = sheet.formats
    sheet.text(row, 0, "七、明细工作表", f.heading, fit=False)
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
