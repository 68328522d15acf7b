"""The sheet 数据校验: every rejected row and every warning, with its reason and its money.

处理 says what became of the row: 拒收 (left out of every total until it is fixed in the system
and exported again), 重复导出，已计一次 (a copy of a row kept once: nothing is missing) or
警告，已保留. A rejected row's amount (where its kind has one and the cell could be read) is
shown on its first line only, under 拒收金额 or 重复导出金额, so that each 合计 counts every row
once; the same totals by file kind and reason are on 封面.
"""

from __future__ import annotations

import pandas as pd

from pipeline.money import yuan_text
from pipeline.validate import DUPLICATE
from pipeline.workbook.context import Context, kind_label
from pipeline.workbook.detail import Detail, number_column, text_column

REJECTED, EXPORTED_TWICE, WARNED = "拒收", "重复导出，已计一次", "警告，已保留"
LINEAGE = ["source_file", "source_sheet", "source_row"]


def handling(rejected: pd.DataFrame) -> pd.Series:
    """Per line of validation's ``rejected``: 拒收, or 重复导出，已计一次 for a copy."""
    copy = rejected["reason"].str.startswith(f"{DUPLICATE}：").fillna(False)
    return pd.Series(REJECTED, index=rejected.index).where(~copy, EXPORTED_TWICE)


def first_lines(rejected: pd.DataFrame) -> pd.Series:
    """True on the first line of each rejected row (a row with several problems has several)."""
    return ~rejected[LINEAGE].astype("string").duplicated()


def table(context: Context) -> Detail:
    validated = context.reconciled.checked.validated
    rejected = validated.rejected.assign(handling=handling(validated.rejected))
    once = rejected["amount_fen"].where(first_lines(rejected))
    rejected = rejected.assign(
        rejected_fen=once.where(rejected["handling"] == REJECTED),
        copy_fen=once.where(rejected["handling"] == EXPORTED_TWICE),
    )
    frame = pd.concat([rejected, validated.warnings.assign(handling=WARNED)], ignore_index=True)
    columns = [  # what and how much on the first page across, then where exactly
        text_column("处理", frame["handling"]),
        text_column("文件", frame["source_file"]),
        number_column("行号", frame["source_row"], fen=False),
        text_column("原因", frame["reason"], wrap=True),
        number_column("拒收金额", frame["rejected_fen"], fen=True, total=True),
        number_column("重复导出金额", frame["copy_fen"], fen=True, total=True),
        text_column("工作表", frame["source_sheet"]),
        text_column("列", frame["column"]),
        text_column("值", frame["value"], wrap=True),
        text_column("数据类型", frame["kind"].astype("string").map(kind_label)),
        text_column("记录", frame["record"], wrap=True),
        text_column("姓名/户名", frame["person"]),
    ]
    return Detail(
        "数据校验",
        columns,
        total=True,
        title="输入数据校验表",
        note=_note(rejected, len(validated.warnings)),
    )


def _note(rejected: pd.DataFrame, warnings: int) -> str:
    """The rows and money of each 处理, as 封面 counts them."""
    first = rejected[first_lines(rejected)]
    said = []
    for handled, money in ((REJECTED, "rejected_fen"), (EXPORTED_TWICE, "copy_fen")):
        rows = first[first["handling"] == handled]
        said.append(
            f"{handled} {len(rows):,} 行，金额 {yuan_text(int(rows[money].sum()), True)} 元"
        )
    return (
        "；".join(said) + f"；警告 {warnings:,} 条（行已保留）。拒收的行未计入任何合计，"
        "须在全国工会帮扶系统中更正后重新导出；重复导出的行已计一次。"
    )
