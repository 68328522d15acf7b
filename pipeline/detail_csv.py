"""对账明细 as a gzipped CSV beside the workbook, for auditors who filter it with other tools.

In: the ``Detail`` that 对账明细 is written from (``Book.reconciliation`` returns it) and its
layout over worksheets. Out: when the table needs more than one worksheet,
``帮扶资金对账_<period>_对账明细.csv.gz`` (``outputs.detail_csv_name``) staged with the other
outputs; when one worksheet holds it, the file an earlier run of the month may have left is
removed at the commit instead.

The CSV is what the sheets show, without their title blocks and 合计: a header row of the
sheet's column labels, then every row in the sheets' order. Money is yuan with two decimals from
the integer fen (-1234.50), counts are digits, the link to 异常清单 is the text the sheet shows
(异常清单 第12行), and every text is guarded and masked as in exceptions.csv
(``outputs.formula_safe``, ``outputs.masks_beside``); UTF-8 with a BOM, CRLF line ends. It is
written ``CHUNK_ROWS`` rows at a time into the gzip stream, never whole in memory; the gzip
header holds no name and no time, so the same table gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from typing import BinaryIO

import pandas as pd

from pipeline import privacy
from pipeline.money import yuan_texts
from pipeline.outputs import CSV_ENCODING, CSV_LINE_END, detail_csv_name, formula_safe, masks_beside
from pipeline.results import Config
from pipeline.staging import Staging
from pipeline.workbook.detail import Column, Detail, Part, link_text

# Measured on the 250,000 rows of 对账明细 at 10⁶ records (113 MB of CSV): 25,000 rows at a
# time hold about 100 MiB of Python text (100,000: 360 MiB) for 7 % more time. Level 6 writes
# 16.6 MB in 6.7 s; level 3 19.1 MB in 5.1 s, level 1 21.1 MB in 4.8 s: the csv module's 3 s
# and the columns' text 1.5 s stay whatever the level, so 6 it is.
CHUNK_ROWS = 25_000
GZIP_LEVEL = 6


def beside(
    staging: Staging, config: Config, period: pd.Period, detail: Detail, layout: Sequence[Part]
) -> str | None:
    """The CSV of 对账明细 staged when its ``layout`` takes more than one worksheet (its name
    returned), else an earlier run's removed at the commit (None returned)."""
    name = detail_csv_name(period)
    if len(layout) < 2:
        staging.remove(name)
        return None
    with open(staging.path(name), "wb") as stream:
        write(stream, detail, masks_beside(config))
    return name


def write(stream: BinaryIO, detail: Detail, mask: bool) -> None:
    """``detail`` as CSV, gzipped into ``stream`` a chunk of rows at a time; ``mask``: every ID
    and card number masked."""
    rows = len(detail.columns[0].values)
    with gzip.GzipFile(
        filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=stream, mtime=0
    ) as packed:
        text = io.TextIOWrapper(packed, encoding=CSV_ENCODING, newline="")
        writer = csv.writer(text, lineterminator=CSV_LINE_END)
        writer.writerow([column.label for column in detail.columns])
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, rows)
            cells = [_cells(column, start, stop, mask) for column in detail.columns]
            writer.writerows(zip(*cells, strict=True))
        text.flush()
        text.detach()  # the gzip stream is closed by its own block


def _cells(column: Column, start: int, stop: int, mask: bool) -> list[str]:
    """The CSV text of a column's rows ``start``..``stop``."""
    if isinstance(column.values, list):  # links: the text the sheet shows
        return [link_text(t) if t is not None else "" for t in column.values[start:stop]]
    part = column.values.iloc[start:stop]
    if column.kind == "money":
        return yuan_texts(part).tolist()
    if column.kind == "count":
        return part.astype("string").fillna("").tolist()
    return formula_safe(privacy.mask_numbers(part) if mask else part).tolist()
