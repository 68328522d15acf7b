"""What the terminal shows: the validation report of ``python -m pipeline validate``.

In: a ``Checked`` (the folder as loaded and its validation). Out: lines of plain Chinese text —
per file and sheet the kind and counts, the skipped sheets, every rejected row with its reason,
the warnings, and the conservation check (read = kept + rejected).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from pipeline.money import yuan_text
from pipeline.outputs import workbook_name
from pipeline.results import Checked, Reconciled
from pipeline.summary import InTransit
from schemas import KIND_BY_NAME


def validation_lines(checked: Checked) -> Iterator[str]:
    counts = checked.validated.counts
    yield "文件 / 工作表 / 种类 / 表头行：读取 保留 拒收（其中重复导出）"
    header_rows = {(s.file, s.sheet): s.header_row for s in checked.sheets}
    for row in counts.to_dict("records"):
        kind = KIND_BY_NAME[row["kind"]]
        place = _place(row["source_file"], row["source_sheet"])
        header_row = header_rows[(row["source_file"], row["source_sheet"])]
        yield (
            f"  {place} / {kind.label}（{kind.file_kind}）/ 第 {header_row} 行："
            f"读取 {row['read']}，保留 {row['kept']}，拒收 {row['rejected']}（重复 {row['duplicates']}）"
        )
    for sheet in checked.sheets:
        if sheet.dropped:
            shown = "、".join(f"第 {r} 行“{t}”" for r, t in sheet.dropped[:5])
            more = f" 等 {len(sheet.dropped)} 行" if len(sheet.dropped) > 5 else ""
            yield f"  非数据行（页脚、重复表头）已略过：{_place(sheet.file, sheet.sheet)}：{shown}{more}"
        if sheet.unused_columns:
            yield f"  未使用的列：{_place(sheet.file, sheet.sheet)}：{'、'.join(sheet.unused_columns)}"
    for skipped in checked.skipped:
        yield f"跳过的工作表：{skipped.file} / {skipped.sheet}：{skipped.reason}"
    if checked.ignored:
        yield f"不是表格、未读取的文件：{'、'.join(checked.ignored)}"
    yield from identical_files(checked)
    yield from _issues("拒收的行", checked.validated.rejected)
    yield from _issues("警告（行已保留）", checked.validated.warnings)
    read, kept, rejected = (int(counts[c].sum()) for c in ("read", "kept", "rejected"))
    duplicates = int(counts["duplicates"].sum())
    balance = "相符" if read == kept + rejected else "不相符！"
    yield (
        f"合计：读取 {read} 行 = 保留 {kept} 行 + 拒收 {rejected} 行"
        f"（其中重复导出 {duplicates} 行）：{balance}"
    )


def identical_files(checked: Checked) -> Iterator[str]:
    """Files with the same bytes as an earlier one (a copy put in twice): their rows are
    rejected as exported twice and counted once; said here so the clerk can remove the copy."""
    first: dict[str, str] = {}
    for item in checked.files:
        if item.sha256 in first:
            yield (
                f"内容完全相同的文件：“{item.file}”与“{first[item.sha256]}”（SHA-256 相同），"
                "其中的行已按重复导出拒收、只计一次；可把多余的副本移出输入目录"
            )
        first.setdefault(item.sha256, item.file)


def _issues(title: str, issues: pd.DataFrame) -> Iterator[str]:
    if issues.empty:
        yield f"{title}：无"
        return
    rows = issues.drop_duplicates(["source_file", "source_sheet", "source_row"])
    yield f"{title}：{len(rows)} 行，{len(issues)} 个问题"
    for issue in issues.to_dict("records"):
        value = "" if pd.isna(issue["value"]) else f"“{issue['value']}”"
        place = _place(issue["source_file"], issue["source_sheet"])
        who = "，".join(str(issue[c]) for c in ("record", "person") if not pd.isna(issue[c]))
        who = f"（{who}）" if who else ""
        yield (
            f"  {place} 第 {issue['source_row']} 行{who}，列“{issue['column']}”{value}："
            f"{issue['reason']}"
        )


def _place(file: str, sheet: str) -> str:
    """'a.xlsx / 救助', or just the file for a CSV, which has no sheets."""
    return f"{file} / {sheet}" if sheet else file


def reconcile_lines(reconciled: Reconciled, output_dir: object) -> Iterator[str]:
    """The short summary after a run: spending per source, findings per rule, rows rejected."""
    yield (
        f"对账月份 {reconciled.period}：已写出 {output_dir}/{workbook_name(reconciled.period)}、"
        "summary.json 和 exceptions.csv"
    )
    if reconciled.detail_csv:
        yield (
            f"对账明细超过一张工作表，另写出 {output_dir}/{reconciled.detail_csv}"
            "（gzip 压缩的 CSV，供其他工具筛选）"
        )
    totals = reconciled.summary.figures.usage_totals
    per_source = totals[totals["scope"] == "source"]
    yield "本年累计支出（元）："
    for row in per_source.to_dict("records"):
        yield (
            f"  {row['source']}：{yuan_text(int(row['year_amount_fen']))}"
            f"（{row['year_person_times']} 人次，{row['year_persons']} 人）"
        )
    found = [rule for rule in reconciled.summary.findings if rule.count]
    yield "发现的问题：" + ("" if found else "无")
    for rule in found:
        yield f"  {rule.code} {rule.severity} {rule.count} 条：{rule.title}"
    yield f"拒收的输入行：{reconciled.summary.rejected} 行（运行 validate 查看原因）"
    yield from work_lines(reconciled)
    yield from identical_files(reconciled.checked)


def in_transit_line(transit: InTransit) -> str:
    """The 在途 at the period end in one line (the terminal and the page)."""
    return (
        f"在途（发放在途天数 {transit.days} 天内，不计为异常）：未发放记录 {transit.records} 条 "
        f"{yuan_text(transit.amount_fen)} 元，失败待重发 {transit.transfers} 笔，"
        f"已付待录入 {transit.payments} 笔 {yuan_text(transit.payment_amount_fen)} 元"
    )


def work_lines(reconciled: Reconciled) -> Iterator[str]:
    """The findings list since the last close, and the notes that could not be read back."""
    work, close = reconciled.summary.work, reconciled.close
    since = close.earlier.previous_period
    yield (
        f"异常清单：待处理 {work.open} 条（其中错误 {work.open_errors} 条）；"
        + (
            f"与 {since} 相比新增 {work.new} 条，持续 {work.continuing} 条，本月解决 {work.resolved} 条"
            if since
            else "本年第一次结账，均为新增"
        )
    )
    transit = reconciled.summary.in_transit
    if transit.records or transit.transfers or transit.payments:
        yield in_transit_line(transit)
    if close.earlier.later:
        yield (
            f"注意：运行记录中已有更晚的结账 {'、'.join(close.earlier.later)}，"
            f"本次重做 {reconciled.period} 不改变它们"
        )
    for problem in close.read_back.problems:
        yield f"处理说明未能读回：{problem}"
