"""Fixtures that write small messy exports in code, so each test states what it plants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
import xlsxwriter

PARAMETER_SHEETS = {
    "资金来源": [
        ["资金来源", "简称", "性质", "使用期限", "允许救助类型", "限建档对象", "可结转"],
        [
            "中央财政专项帮扶资金",
            "中央财政、中央专项",
            "财政",
            "次年02-28",
            "生活救助、医疗救助、助学救助",
            "是",
            "否",
        ],
        [
            "省财政专项帮扶资金",
            "省财政",
            "财政",
            "次年02-28",
            "生活救助、医疗救助、助学救助",
            "是",
            "否",
        ],
        ["本级工会经费", "本级经费", "工会经费", None, None, "否", "是"],
    ],
    "低保标准": [
        ["行政区划代码", "地区名称", "执行日期", "月标准"],
        ["341503", "裕安区", "2020-07-01", 620],
        ["341503", "裕安区", "2021-07-01", "659.00"],
    ],
    "救助标准": [
        ["项目", "数值"],
        ["医疗救助比例", 0.5],
        ["医疗救助封顶", 15000],
        ["录入时限工作日", "30"],
    ],
    "年度目标": [
        ["年度", "救助类型", "目标人数", "目标人次", "目标金额", "优", "良", "中"],
        [2021, "生活救助", 20, None, None, 280, 270, 260],
    ],
}

Row = Sequence[object]

# The start of every skip reason of tests/test_libreoffice.py; the summary below looks for it.
LIBREOFFICE_SKIP = "NOT CHECKED IN LIBREOFFICE:"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A red banner when the workbook was not opened in LibreOffice: a skip is easy to miss."""
    reasons = set()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if LIBREOFFICE_SKIP in reason:
            reasons.add(reason.removeprefix("Skipped: "))
    if reasons:
        terminalreporter.write_sep(
            "!", "WARNING: the workbook was NOT opened in LibreOffice", red=True, bold=True
        )
        for reason in sorted(reasons):
            terminalreporter.write_line(reason, red=True, bold=True)


def write_xlsx(path: Path, sheets: dict[str, Sequence[Row]], start_row: int = 0) -> Path:
    """Write sheets of rows; datetimes get a date format, None leaves the cell empty."""
    workbook = xlsxwriter.Workbook(path)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(start_row + r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(start_row + r, c, value)
                else:
                    sheet.write_number(start_row + r, c, value)
    workbook.close()
    return path


def write_text(path: Path, rows: Sequence[Row], encoding: str = "utf-8", sep: str = ",") -> Path:
    lines = [sep.join("" if v is None else str(v) for v in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An input folder that already holds a valid parameters workbook."""
    write_xlsx(tmp_path / "参数.xlsx", PARAMETER_SHEETS)
    return tmp_path


AID_HEADER = [
    "救助编号",
    "档案编号",
    "姓名",
    "身份证号",
    "救助类型",
    "资金来源",
    "救助金额",
    "救助日期",
    "录入日期",
    "发放方式",
]
# Valid IDs (check characters computed): born 1990-01-01, 1985-03-07 and 1978-05-12.
ID_A = "341503199001010013"
ID_B = "34150319850307002X"
ID_C = "341503197805120032"
