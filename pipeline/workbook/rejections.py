"""The sheet 数据校验: every rejected row and every warning, with its reason."""

from __future__ import annotations

import pandas as pd

from pipeline.workbook.context import Context, kind_label
from pipeline.workbook.detail import Detail, number_column, text_column


def table(context: Context) -> Detail:
    validated = context.reconciled.checked.validated
    frame = pd.concat(
        [validated.rejected.assign(category="拒收"), validated.warnings.assign(category="警告")],
        ignore_index=True,
    )
    columns = [
        text_column("类别", frame["category"]),
        text_column("文件", frame["source_file"]),
        text_column("工作表", frame["source_sheet"]),
        number_column("行号", frame["source_row"], fen=False),
        text_column("数据类型", frame["kind"].astype("string").map(kind_label)),
        text_column("记录", frame["record"], wrap=True),
        text_column("姓名/户名", frame["person"]),
        text_column("列", frame["column"]),
        text_column("值", frame["value"], wrap=True),
        text_column("原因", frame["reason"], wrap=True),
    ]
    return Detail("数据校验", columns)
