"""The sheet 异常清单: the findings, each linked to its row of 对账明细."""

from __future__ import annotations

import pandas as pd

from pipeline.outputs import EXCEPTION_HEADER, places
from pipeline.workbook.cells import display_width
from pipeline.workbook.context import Context
from pipeline.workbook.detail import Column, Detail, number_column, place_of, text_column


def table(context: Context) -> Detail:
    """Findings as the rules sorted them (severity, rule, first source row), each linked to its
    row of 对账明细 where it has one."""
    findings = context.reconciled.findings
    targets = _reconciliation_rows(findings, context.reconciled.detail.rows)
    layout = context.layout["对账明细"]
    links = [None if pd.isna(p) else place_of(layout, int(p)) for p in targets]
    link_width = max([display_width(f"{link[0]} 第{link[1]}行") for link in links if link] or [0])
    texts = ("rule", "severity", "message", "name", "id_no", "source", "aid_type", "record_id")
    columns = [
        *(
            text_column(label, findings[c], wrap=c == "message")
            for label, c in zip(EXCEPTION_HEADER, texts, strict=False)
        ),
        number_column(EXCEPTION_HEADER[8], findings["amount_fen"], fen=True),
        number_column(EXCEPTION_HEADER[9], findings["compared_fen"], fen=True),
        text_column(EXCEPTION_HEADER[10], findings["lineage"].map(places), wrap=True),
        Column("对账明细", "link", links, max(link_width, display_width("对账明细"))),
    ]
    highlights = [(f'=$B2="{severity}"', fmt) for severity, fmt in SEVERITY_FORMATS]
    return Detail("异常清单", columns, freeze_cols=2, highlights=highlights, empty="无异常")


SEVERITY_FORMATS = (("错误", "error"), ("警告", "warning"))


def _reconciliation_rows(findings: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Each finding's row of 对账明细: that of the first of its input rows found there."""
    places_of = findings["lineage"].explode().dropna()
    if places_of.empty:
        return pd.Series(pd.NA, index=findings.index, dtype="Int64")
    keys = pd.DataFrame(
        places_of.tolist(), columns=["source_file", "source_sheet", "source_row"]
    ).assign(finding=places_of.index.to_numpy())
    keys["source_row"] = keys["source_row"].astype("int64")
    found = keys.merge(rows, on=["source_file", "source_sheet", "source_row"], how="inner")
    first = found.groupby("finding", sort=False)["position"].first()
    return first.reindex(findings.index).astype("Int64")
