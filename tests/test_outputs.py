"""exceptions.csv: UTF-8 with BOM, the contract's columns, amounts in yuan, lineage spelled
out, and input text that Excel would run as a formula kept as text."""

from __future__ import annotations

import csv
import io

import pandas as pd

from pipeline.outputs import EXCEPTION_HEADER, exceptions_csv
from pipeline.rules import finding_ids, findings
from tests.builders import listed


def identified(found: pd.DataFrame) -> pd.DataFrame:
    """Findings with their 异常编号, as ``rules.apply`` gives them."""
    return found.assign(finding_id=finding_ids(found["rule"], found.pop("subject")))


def test_exceptions_csv_columns_amounts_lineage_and_formula_text() -> None:
    """Planted: a name "=HYPERLINK(...)" and a record id "@SUM(1)" from the inputs; an amount of
    1,234.56 yuan compared with 1,134.56; lineage of two rows, one from a CSV (no sheet)."""
    rows = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x")'],
            "id_no": ["341503199001010013"],
            "source": ["中央财政专项帮扶资金"],
            "aid_type": ["生活救助"],
            "record_id": ["@SUM(1)"],
            "amount_fen": [123456],
            "source_file": ["a.xlsx"],
            "source_sheet": ["救助"],
            "source_row": [5],
        }
    )
    found = findings(
        rows,
        ["银行实发比救助金额多 100.00 元"],
        compared=pd.Series([113456]),
        lineage=[(("a.xlsx", "救助", 5), ("bank.csv", "", 3))],
    ).assign(rule="R03", severity="错误")
    data = exceptions_csv(listed(identified(found)))
    assert data.startswith(b"\xef\xbb\xbf")
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(header) == EXCEPTION_HEADER
    assert row == [
        "R03",
        "错误",
        "银行实发比救助金额多 100.00 元",
        '\'=HYPERLINK("http://x")',
        "341503199001010013",
        "中央财政专项帮扶资金",
        "生活救助",
        "'@SUM(1)",
        "1234.56",
        "1134.56",
        "a.xlsx/救助/第5行；bank.csv/第3行",
        finding_ids(pd.Series(["R03"]), pd.Series(["救助编号 @SUM(1)"]))[0],
        "2021-12",
        "0",
        "新增",
        "未处理",
        "",
    ]
    assert row[11].startswith("R03-") and len(row[11]) == len("R03-") + 12


def test_a_negative_difference_is_written_as_a_signed_number() -> None:
    """Planted: an R23 finding of −1.00 (computed − declared) against the declared 20,001.00:
    金额 reads -1.00, a number Excel takes as such (no apostrophe), 比较金额 20001.00."""
    rows = pd.DataFrame(
        {
            "source": ["中央财政专项帮扶资金"],
            "source_file": ["台账.xlsx"],
            "source_sheet": ["收支"],
            "source_row": [9],
        }
    )
    found = findings(
        rows,
        ["按收支计算的余额 20000.00 元，比登记的账面余额 20001.00 元少 1.00 元"],
        amount=pd.Series([-100]),
        compared=pd.Series([2_000_100]),
    ).assign(rule="R23", severity="错误")
    _, row = list(
        csv.reader(io.StringIO(exceptions_csv(listed(identified(found))).decode("utf-8-sig")))
    )
    assert (row[8], row[9]) == ("-1.00", "20001.00")
