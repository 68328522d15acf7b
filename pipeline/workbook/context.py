"""What every sheet is made from: the run, the unit and period as printed, when the workbook
was made, and the detail sheets' layout.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
from dataclasses import dataclass

import pandas as pd

from pipeline.results import Reconciled
from pipeline.workbook.detail import Part
from schemas import KIND_BY_NAME

PROGRAM = "aid-fund-reconcile"


@dataclass(frozen=True)
class Context:
    reconciled: Reconciled
    unit: str
    period_text: str
    made: dt.datetime  # when the run made the workbook (``made_at``)
    layout: dict[str, list[Part]]  # each detail table's worksheets
    max_rows: int  # rows per worksheet (Excel's limit; lower in tests)


def version() -> str:
    try:
        return importlib.metadata.version(PROGRAM)
    except importlib.metadata.PackageNotFoundError:
        return "未安装"


def made_at() -> dt.datetime:
    """Now, or the time SOURCE_DATE_EPOCH gives (seconds since 1970, UTC), as reproducible
    builds set it: the same inputs then give the same bytes. The workbook's 编制日期 and its
    created time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    return dt.datetime.now().replace(microsecond=0)


def unit_of(tables: dict[str, pd.DataFrame]) -> str:
    """The region the worker files mostly belong to, named as the 低保标准 sheet names it."""
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


def kind_label(kind: str) -> str:
    return KIND_BY_NAME[kind].label if kind in KIND_BY_NAME else kind
