"""The sheet 规则说明: every rule of the catalogue with its severity, what it finds, and what
the 金额 and 比较金额 of its findings (异常清单, exceptions.csv) mean."""

from __future__ import annotations

from pipeline.rules.catalogue import CATALOGUE
from pipeline.workbook.cells import Sheet
from pipeline.workbook.context import Context

COLUMNS = ("规则", "严重程度", "说明", "金额的含义", "比较金额的含义")
WRAPPED_WIDTHS = {2: 32, 3: 40, 4: 28}  # the long texts wrap, so the page stays one A4 wide


def fill(sheet: Sheet, context: Context) -> None:
    f = sheet.formats
    row = sheet.header(0, [(None, label) for label in COLUMNS])
    sheet.fixed.update(WRAPPED_WIDTHS)
    for rule in CATALOGUE:
        sheet.text(row, 0, rule.code, f.text)
        sheet.text(row, 1, rule.severity, f.text)
        for col, text in enumerate((rule.title, rule.amount, rule.compared), start=2):
            sheet.text(row, col, text, f.wrap)
        row += 1
    sheet.finish((0, 0), len(COLUMNS), filter_to=row - 1)
