"""tests/closes.py: a folder as the clerk has it on a day, and the sample's three closes.

``folder_as_of`` on a small folder built here (its fixture lists what it plants), and on the
sample at its last day; then the October, November and December closes of ``three_closes``,
built once and checked once each, the December one reconciled once and compared with the full
sample's run (conftest's ``sample_reconciled``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from pipeline import load, results, run
from schemas import KIND_BY_NAME
from tests.builders import AID_HEADER, ID_A, ID_B, ID_C, SAMPLE, Row, write_text, write_xlsx
from tests.closes import CLOSES, FIXED, IN_TRANSIT, folder_as_of, three_closes

AS_OF = dt.date(2021, 10, 31)


def required_header(kind: str) -> list[str]:
    return [spec.header for spec in KIND_BY_NAME[kind].columns if spec.required]


def line(header: list[str], cells: Mapping[str, object]) -> list[object]:
    """A row under ``header`` from its cells by header, the others empty."""
    return [cells.get(name) for name in header]


WORKER_HEADER = required_header("worker_files")
BANK_HEADER = required_header("bank_payments")
MEDICAL_HEADER = required_header("medical_checks")


@pytest.fixture
def collected(tmp_path: Path) -> Path:
    """A clerk's folder at the end of the year; on ``AS_OF`` (2021-10-31) it held:

    - 救助明细.xlsx (title row, header, 合计 footer): JZ1 entered on the day, JZ3 with no entry
      date and aided on 10-20, JZ5 with no entry date and an aid date that does not exist
      (2021-02-30, rejected either way); not JZ2 (entered 11-01) nor JZ4 (no entry date, aided
      11-05);
    - 代发_Q4.csv (GBK, tab-separated): the transfer of 10-30, not the one of 11-02;
    - 代发_两批.xlsx: its 第一批 (10-20), not its 第二批 (11-10), so that sheet is not there;
    - 代发_11月.xlsx (only 11-03): not there at all;
    - 档案.csv (UTF-8 with BOM): F1 在档 and F4 脱困 on 09-30 as they are; F2, 注销 (退休) on
      11-15, exported 在档 with no 状态变更日期 and no 注销原因; not F3, filed on 11-20;
    - 医保.csv and 说明.md: as they are, byte for byte.
    """
    source = tmp_path / "year"
    source.mkdir()
    aid: list[list[object]] = [
        ["JZ1", "DA1", "张三", ID_A, "生活救助", "中央财政", "100", "2021-10-20", "2021-10-31"],
        ["JZ2", "DA1", "张三", ID_A, "生活救助", "中央财政", "200", "2021-10-25", "2021-11-01"],
        ["JZ3", "DA2", "李四", ID_B, "生活救助", "中央财政", "300", "2021-10-20", None],
        ["JZ4", "DA2", "李四", ID_B, "生活救助", "中央财政", "400", "2021-11-05", None],
        ["JZ5", "DA3", "王五", ID_C, "生活救助", "中央财政", "500", "2021-02-30", None],
    ]
    sheet: list[Row] = [
        ["2021年救助明细"],
        AID_HEADER,
        *([*row, "银行卡"] for row in aid),
        ["合计", "1500"],
    ]
    write_xlsx(source / "救助明细.xlsx", {"救助明细": sheet})
    write_text(
        source / "代发_Q4.csv",
        [
            BANK_HEADER,
            ["张三", "6222020000000000001", "100.00", "2021-10-30", "成功"],
            ["李四", "6222020000000000002", "300.00", "2021-11-02", "成功"],
        ],
        encoding="gbk",
        sep="\t",
    )
    batch: list[Row] = [
        BANK_HEADER,
        ["张三", "6222020000000000001", "100.00", dt.date(2021, 10, 20), "成功"],
    ]
    later: list[Row] = [
        BANK_HEADER,
        ["李四", "6222020000000000002", "300.00", dt.date(2021, 11, 10), "成功"],
    ]
    write_xlsx(source / "代发_两批.xlsx", {"第一批": batch, "第二批": later})
    november: list[Row] = [
        BANK_HEADER,
        ["王五", "6222020000000000003", "500.00", "2021-11-03", "成功"],
    ]
    write_xlsx(source / "代发_11月.xlsx", {"代发明细": november})
    file = {"姓名": "张三", "身份证号": ID_A, "行政区划代码": "341503", "建档标准": "全国级"}
    file |= {"困难类型": "深度困难", "建档日期": "2020-05-01", "档案状态": "在档"}
    cancelled = {"档案状态": "注销", "状态变更日期": "2021-11-15", "注销原因": "退休"}
    lifted = {"档案状态": "脱困", "状态变更日期": "2021-09-30"}
    workers = [
        file | {"档案编号": "F1"},
        file | {"档案编号": "F2"} | cancelled,
        file | {"档案编号": "F3", "建档日期": "2021-11-20"},
        file | {"档案编号": "F4"} | lifted,
    ]
    rows: list[Row] = [WORKER_HEADER, *(line(WORKER_HEADER, worker) for worker in workers)]
    write_text(source / "档案.csv", rows, encoding="utf-8-sig")
    medical = line(
        MEDICAL_HEADER, {"姓名": "张三", "身份证号": ID_A, "结算年度": "2021", "个人自付": "1"}
    )
    write_text(source / "医保.csv", [MEDICAL_HEADER, medical])
    (source / "说明.md").write_text("2021年全年导出\n", "utf-8")
    return source


def sheet_of(path: Path) -> load.RawSheet:
    (raw,) = load.read_file(path).sheets
    return raw


def test_a_folder_as_of_a_day_holds_what_existed_on_it(collected: Path, tmp_path: Path) -> None:
    cut = folder_as_of(collected, AS_OF, tmp_path / "cut")
    names = {"救助明细.xlsx", "代发_Q4.csv", "代发_两批.xlsx", "档案.csv", "医保.csv", "说明.md"}
    assert {path.name for path in cut.iterdir()} == names

    aid = sheet_of(cut / "救助明细.xlsx")
    assert aid.frame["救助编号"].tolist() == ["JZ1", "JZ3", "JZ5"]
    assert aid.frame["source_row"].tolist() == [3, 4, 5]
    assert (aid.info.header_row, aid.info.dropped) == (2, ((6, "合计"),))

    kept, later = (collected / "代发_Q4.csv").read_bytes().decode("gbk").splitlines(True)[1:]
    assert "2021-11-02" in later
    assert (cut / "代发_Q4.csv").read_bytes() == (
        (collected / "代发_Q4.csv").read_bytes().replace(later.encode("gbk"), b"")
    )
    assert kept.encode("gbk") in (cut / "代发_Q4.csv").read_bytes()

    (first,) = load.read_file(cut / "代发_两批.xlsx").sheets
    assert (first.info.sheet, first.frame["交易日期"].tolist()) == (
        "第一批",
        ["2021-10-20 00:00:00"],
    )

    workers = sheet_of(cut / "档案.csv").frame
    assert workers[["档案编号", "档案状态", "状态变更日期", "注销原因"]].fillna(
        ""
    ).values.tolist() == [
        ["F1", "在档", "", ""],
        ["F2", "在档", "", ""],
        ["F4", "脱困", "2021-09-30", ""],
    ]
    assert (cut / "档案.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    for name in ("医保.csv", "说明.md"):
        assert (cut / name).read_bytes() == (collected / name).read_bytes()


def test_the_sample_as_of_its_last_day_is_the_sample(tmp_path: Path) -> None:
    cut = folder_as_of(SAMPLE, dt.date(2021, 12, 31), tmp_path / "cut")
    assert sorted(path.name for path in cut.iterdir()) == sorted(p.name for p in SAMPLE.iterdir())
    for path in SAMPLE.iterdir():
        assert (cut / path.name).read_bytes() == path.read_bytes(), path.name


# --- the sample's three closes -------------------------------------------------------------------


@pytest.fixture(scope="module")
def closes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return three_closes(tmp_path_factory.mktemp("closes"))


@pytest.fixture(scope="module")
def checked(closes: dict[str, Path]) -> dict[str, results.Checked]:
    return {period: run.check(folder) for period, folder in closes.items()}


@pytest.fixture(scope="module")
def december(
    closes: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> results.Reconciled:
    out = tmp_path_factory.mktemp("december-outputs")
    return run.reconcile(results.Config(closes["2021-12"], out, "2021-12"))


PERIODS = list(CLOSES)


def rejections(checked: results.Checked) -> Counter[tuple[str, ...]]:
    """Every rejected row's problem without its row number (rows move up as earlier rows go)."""
    columns = ["source_file", "source_sheet", "record", "column", "value", "reason"]
    rejected = checked.validated.rejected[columns].astype("str")
    return Counter(rejected.itertuples(index=False, name=None))


@pytest.mark.parametrize("period", PERIODS)
def test_a_close_rejects_no_row_the_sample_does_not(
    period: str,
    checked: dict[str, results.Checked],
    sample_reconciled: results.Reconciled,
) -> None:
    assert rejections(checked[period]) - rejections(sample_reconciled.checked) == Counter()
    assert rejections(checked[period])  # the sample's bad rows of the year so far are there


def test_the_sheets_are_the_samples_but_batches_not_returned_yet(
    checked: dict[str, results.Checked], sample_reconciled: results.Reconciled
) -> None:
    def sheets(of: results.Checked) -> set[tuple[str, str, int]]:
        return {(info.file, info.sheet, info.header_row) for info in of.sheets}

    whole = sheets(sample_reconciled.checked)
    december_batch = {(IN_TRANSIT.bank_file, IN_TRANSIT.bank_sheet, 1)}
    assert sheets(checked["2021-12"]) == whole
    assert sheets(checked["2021-11"]) == sheets(checked["2021-10"]) == whole - december_batch
    for period in PERIODS:
        assert checked[period].skipped == sample_reconciled.checked.skipped  # 说明 still there


def table(of: results.Checked, kind: str) -> pd.DataFrame:
    return of.validated.tables[kind]


def entered(aid: pd.DataFrame) -> pd.Series:
    return aid["entered_on"].fillna(aid["aid_date"])


def test_october_has_nothing_entered_or_paid_after_its_close(
    checked: dict[str, results.Checked],
) -> None:
    october = checked["2021-10"]
    close = pd.Timestamp(CLOSES["2021-10"])
    assert entered(table(october, "aid_records")).max() <= close
    assert table(october, "bank_payments")["paid_on"].max() <= close


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple[object, ...]]:
    return sorted(frame[columns].astype("str").itertuples(index=False, name=None))


@pytest.mark.parametrize("period", PERIODS)
def test_a_close_holds_the_samples_rows_up_to_its_day(
    period: str, checked: dict[str, results.Checked], sample_reconciled: results.Reconciled
) -> None:
    """Each kind against the sample's rows that existed on the day, plus what is planted."""
    close, sample, day = checked[period], sample_reconciled.checked, pd.Timestamp(CLOSES[period])
    aid = table(sample, "aid_records")
    planted_record = [IN_TRANSIT.record_id] if day >= pd.Timestamp(IN_TRANSIT.entered_on) else []
    assert sorted(table(close, "aid_records")["record_id"]) == sorted(
        [*aid.loc[entered(aid) <= day, "record_id"], *planted_record]
    )

    bank, columns = table(sample, "bank_payments"), ["holder", "account", "amount_fen", "paid_on"]
    planted_transfer = pd.DataFrame(
        [[IN_TRANSIT.name, IN_TRANSIT.card_no, IN_TRANSIT.amount_fen, IN_TRANSIT.paid_on]],
        columns=columns,
    ).astype({"amount_fen": "Int64", "paid_on": "datetime64[us]"})
    existing = bank[bank["paid_on"] <= day]
    if day >= pd.Timestamp(IN_TRANSIT.paid_on):
        existing = pd.concat([existing[columns], planted_transfer])
    assert rows(table(close, "bank_payments"), columns) == rows(existing, columns)

    for kind, date, columns in (
        ("civil_checks", "checked_on", ["id_no", "checked_on", "conclusion"]),
        ("fund_ledger", "booked_on", ["source", "fund_year", "category", "booked_on"]),
        ("medical_checks", None, ["id_no", "year", "self_paid_fen"]),
    ):
        whole = table(sample, kind)
        existing = whole if date is None else whole[whole[date] <= day]
        assert rows(table(close, kind), columns) == rows(existing, columns), kind

    files = table(sample, "worker_files")
    files = files[files["filed_on"].isna() | (files["filed_on"] <= day)].copy()
    later = files["status_changed_on"] > day
    files.loc[later, "status"] = "在档"
    files.loc[later, "status_changed_on"] = pd.NaT
    columns = ["file_no", "status", "status_changed_on"]
    assert rows(table(close, "worker_files"), columns) == rows(files, columns)


def records(checked: results.Checked, record_id: str) -> pd.DataFrame:
    aid = table(checked, "aid_records")
    return aid[aid["record_id"] == record_id]


def transfers_of_in_transit(checked: results.Checked) -> pd.DataFrame:
    bank = table(checked, "bank_payments")
    after_the_record = bank["paid_on"] > pd.Timestamp(IN_TRANSIT.aid_date)
    return bank[(bank["account"] == IN_TRANSIT.card_no) & after_the_record]


def test_the_in_transit_record_is_entered_in_november_and_paid_in_december(
    checked: dict[str, results.Checked],
) -> None:
    assert records(checked["2021-10"], IN_TRANSIT.record_id).empty
    for period in ("2021-11", "2021-12"):
        (record,) = records(checked[period], IN_TRANSIT.record_id).itertuples()
        assert (record.file_no, record.name, record.id_no, record.card_no) == (
            IN_TRANSIT.file_no,
            IN_TRANSIT.name,
            IN_TRANSIT.id_no,
            IN_TRANSIT.card_no,
        )
        assert (record.aid_type, record.source, record.amount_fen, record.pay_method) == (
            IN_TRANSIT.aid_type,
            IN_TRANSIT.source,
            IN_TRANSIT.amount_fen,
            "银行卡",
        )
        dates = (record.applied_on, record.announced_on, record.aid_date, record.entered_on)
        assert dates == tuple(
            pd.Timestamp(day)
            for day in (
                IN_TRANSIT.applied_on,
                IN_TRANSIT.announced_on,
                IN_TRANSIT.aid_date,
                IN_TRANSIT.entered_on,
            )
        )
        assert (record.source_file, record.source_sheet) == (
            IN_TRANSIT.records_file,
            IN_TRANSIT.records_sheet,
        )
    assert transfers_of_in_transit(checked["2021-11"]).empty
    (transfer,) = transfers_of_in_transit(checked["2021-12"]).itertuples()
    assert (transfer.holder, transfer.amount_fen, transfer.paid_on, transfer.status) == (
        IN_TRANSIT.name,
        IN_TRANSIT.amount_fen,
        pd.Timestamp(IN_TRANSIT.paid_on),
        "成功",
    )
    assert (transfer.source_file, transfer.source_sheet, transfer.batch) == (
        IN_TRANSIT.bank_file,
        IN_TRANSIT.bank_sheet,
        IN_TRANSIT.batch,
    )


def test_decembers_book_balance_has_paid_the_in_transit_record(
    checked: dict[str, results.Checked], sample_reconciled: results.Reconciled
) -> None:
    def book_balance(of: results.Checked) -> list[int]:
        ledger = table(of, "fund_ledger")
        balance = (ledger["source"] == IN_TRANSIT.source) & (ledger["category"] == "账面余额")
        return ledger.loc[balance, "amount_fen"].tolist()

    (whole,) = book_balance(sample_reconciled.checked)
    assert book_balance(checked["2021-12"]) == [whole - IN_TRANSIT.amount_fen]
    assert book_balance(checked["2021-11"]) == []  # dated 12-31


def test_the_fixed_record_is_signed_for_in_december_only(
    checked: dict[str, results.Checked],
) -> None:
    signed = {period: records(checked[period], FIXED.record_id) for period in PERIODS}
    assert {period: found["signed"].tolist() for period, found in signed.items()} == {
        "2021-10": [FIXED.before],
        "2021-11": [FIXED.before],
        "2021-12": [FIXED.after],
    }
    assert {found["source_file"].item() for found in signed.values()} == {FIXED.file}


FINDING_COLUMNS = ["rule", "severity", "message", "record_id", "amount_fen", "compared_fen"]


def findings(reconciled: results.Reconciled) -> list[tuple[object, ...]]:
    return rows(reconciled.findings, [*FINDING_COLUMNS, "lineage"])


def test_december_finds_what_the_sample_finds_but_the_fixed_finding(
    december: results.Reconciled, sample_reconciled: results.Reconciled
) -> None:
    whole = sample_reconciled.findings
    fixed = (whole["rule"] == FIXED.rule) & (whole["record_id"] == FIXED.record_id)
    assert fixed.sum() == 1
    assert findings(december) == rows(whole[~fixed], [*FINDING_COLUMNS, "lineage"])


def test_the_in_transit_record_is_simply_paid_in_december(december: results.Reconciled) -> None:
    detail = december.detail.table
    (paid,) = detail[detail["record_ids"].str.contains(IN_TRANSIT.record_id)].itertuples()
    assert (paid.name, paid.source, paid.status, paid.difference_fen) == (
        IN_TRANSIT.name,
        IN_TRANSIT.source,
        "相符",
        0,
    )
    assert paid.rules == ""
    assert IN_TRANSIT.record_id not in set(december.findings["record_id"].dropna())
    assert IN_TRANSIT.name not in set(december.findings["name"].dropna())
