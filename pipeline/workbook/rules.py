"""The sheet 规则说明."""

from __future__ import annotations

from pipeline.rules.catalogue import CATALOGUE
from pipeline.workbook.cells import Sheet
from pipeline.workbook.context import Context


def fill(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    row = sheet.header(0, [(None, label) for label in ("规则", "严重程度", "说明")])
    for rule in CATALOGUE:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        sheet.text(row, 2, rule.title, f.text)
        row += 1
    sheet.finish((0, 0), 3, filter_to=row - 1)
