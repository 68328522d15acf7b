"""The sheet 对账明细: one row per person and funding source, then the transfers paying no record."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from pipeline.match import PENDING
from pipeline.reconciliation import Reconciliation
from pipeline.workbook.detail import Detail, number_column, text_column


def table(detail: Reconciliation) -> Detail:
    table = detail.table
    columns = [
        text_column("姓名", table["name"]),
        text_column("身份证号", table["id_no"]),
        text_column("资金来源", table["source"]),
        number_column("笔数", table["records"], fen=False, total=True),
        number_column("系统金额", table["system_fen"], fen=True, total=True),
        number_column("其中现金", table["cash_fen"], fen=True, total=True),
        number_column("银行实发", table["paid_fen"], fen=True, total=True),
        number_column("差额（实发－应发）", table["difference_fen"], fen=True, total=True),
        text_column("状态", table["status"]),
        text_column("匹配方式", table["match_how"]),
        text_column("救助编号", table["record_ids"], wrap=True),
        text_column("来源", table["lineage"], wrap=True),
    ]
    status, how = xl_col_to_name(8), xl_col_to_name(9)
    condition = (
        f'=OR(AND(${status}2<>"相符",${status}2<>"现金"),ISNUMBER(SEARCH("{PENDING}",${how}2)))'
    )
    return Detail(
        "对账明细", columns, total=True, freeze_cols=1, highlights=[(condition, "warning")]
    )
