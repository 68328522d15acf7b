"""The sheet 对账明细: one row per person and funding source, then the transfers paying no record;
each row with the rules that hit it, highlighted by the worst, and linked to its first finding.

In: the flagged ``Reconciliation`` (``pipeline.reconciliation.flag``) and the layout of 异常清单
(where each finding's row is). Out: the ``Detail`` of the sheet. Longer than ``PRINT_PAGES_MAX``
pages (as many pages down as its lines take, times the pages wide its columns print), it is
left out of the default print range: its print area is the title block, whose note
says how to print it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from pipeline.match import IN_TRANSIT, PENDING
from pipeline.reconciliation import Reconciliation
from pipeline.workbook.cells import bands
from pipeline.workbook.detail import (
    Detail,
    Part,
    column_widths,
    link_column,
    number_column,
    place_of,
    text_column,
)

PRINT_PAGES_MAX = 20  # longer, 对账明细 is not printed by default
ROWS_PER_PAGE = 35  # an estimate: lines of 对账明细 on a printed A4 page
FREEZE_COLS = 1  # 姓名, kept in view and repeated on every page of a row


def table(detail: Reconciliation, findings_layout: Sequence[Part]) -> Detail:
    table = detail.table
    findings = table["finding"]
    links: list[tuple[str, int] | None] = [None] * len(table)
    for position in np.flatnonzero(findings.notna().to_numpy()).tolist():
        links[position] = place_of(findings_layout, int(findings.iloc[position]))
    columns = [
        text_column("姓名", table["name"]),
        text_column("身份证号", table["id_no"]),
        text_column("档案编号", table["file_no"]),
        text_column("资金来源", table["source"]),
        text_column("救助类型", table["aid_types"]),
        text_column("日期", table["dates"]),
        number_column("笔数", table["records"], fen=False, total=True),
        number_column("系统金额", table["system_fen"], fen=True, total=True),
        number_column("其中现金", table["cash_fen"], fen=True, total=True),
        number_column("银行实发", table["paid_fen"], fen=True, total=True),
        number_column("差额（实发－应发）", table["difference_fen"], fen=True, total=True),
        text_column("状态", table["status"]),
        text_column("匹配方式", table["match_how"]),
        text_column("异常规则", table["rules"]),
        text_column("严重程度", table["severity"]),
        link_column("异常清单", links),
        text_column("卡号", table["card_no"]),
        text_column("救助编号", table["record_ids"], wrap=True),
        text_column("来源", table["lineage"], wrap=True),
    ]
    labels = [column.label for column in columns]
    status, how, severity = (
        xl_col_to_name(labels.index(c)) for c in ("状态", "匹配方式", "严重程度")
    )
    # 在途 is left white: a payment the bank makes after the close (within 发放在途天数), which
    # next month's run shows paid; yellow would send the clerk after rows that settle themselves.
    uncoloured = ("相符", "现金", IN_TRANSIT)
    unsettled = "AND(" + ",".join(f'${status}{{row}}<>"{s}"' for s in uncoloured) + ")"
    pending = f'ISNUMBER(SEARCH("{PENDING}",${how}{{row}}))'
    highlights = [
        (f'=${severity}{{row}}="错误"', "error"),
        (f'=OR(${severity}{{row}}="警告",{unsettled},{pending})', "warning"),
    ]
    wrapped = [column.lines for column in columns if column.lines is not None]
    lines = int(np.max(wrapped, axis=0).sum()) if wrapped else len(table)
    pages = -(-lines // ROWS_PER_PAGE) * len(bands(column_widths(columns), FREEZE_COLS))
    return Detail(
        "对账明细",
        columns,
        total=True,
        freeze_cols=FREEZE_COLS,
        highlights=highlights,
        title="帮扶资金对账明细",
        note=_note(len(table), pages),
        print_title_only=pages > PRINT_PAGES_MAX,
    )


def _note(rows: int, pages: int) -> str:
    said = f"本表共 {rows:,} 行，打印约 {pages:,} 页。状态为银行发放结果；异常规则见“异常清单”。"
    if pages <= PRINT_PAGES_MAX:
        return said
    return (
        said + f"超过 {PRINT_PAGES_MAX} 页，默认只打印本表头；如需打印明细，请在 Excel/WPS 中"
        "点“页面布局 → 打印区域 → 取消打印区域”，或选中所需行后选“打印选定区域”。"
    )
