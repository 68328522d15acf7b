"""Chinese working days (pipeline.workdays) and the 节假日 parameters sheet.

Planted: Saturday 2021-10-09 worked (国庆调休) against the 国庆 week 10-01..07 off; 30 working days
from 2021-09-01 to 2021-10-19 across 中秋 and 国庆; an end before its start; missing dates; 2027,
which chinesecalendar 1.11 does not know, unsupplied (the run stops with a message naming the
year and the 节假日 sheet) and supplied (its 国庆 days off, a Saturday worked); a known year whose
supplied days replace the built-in ones; a 节假日 sheet read from a parameters workbook.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ReconcileError
from pipeline.params import parameters
from pipeline.run import check
from pipeline.workdays import known_years, workdays_after
from tests.builders import AID_HEADER, ID_A, write_xlsx

GOLDEN_WEEK_2027 = {dt.date(2027, 10, d): False for d in range(1, 8)} | {
    dt.date(2027, 10, 9): True  # a Saturday worked
}


def count(pairs: list[tuple[str | None, str | None]], overrides=None) -> list[object]:
    start = pd.Series(pd.to_datetime([a for a, _ in pairs]), dtype="datetime64[us]")
    end = pd.Series(pd.to_datetime([b for _, b in pairs]), dtype="datetime64[us]")
    return workdays_after(start, end, overrides).tolist()


def test_an_adjusted_saturday_counts_and_the_national_day_week_does_not() -> None:
    assert count([("2021-10-08", "2021-10-09"), ("2021-09-30", "2021-10-07")]) == [1, 0]


def test_thirty_working_days_across_mid_autumn_and_national_day() -> None:
    assert count([("2021-09-01", "2021-10-19"), ("2021-09-01", "2021-10-20")]) == [30, 31]


def test_end_before_start_counts_negatively_and_missing_dates_give_na() -> None:
    assert count([("2021-10-11", "2021-10-08"), (None, "2021-10-08"), ("2021-10-08", None)]) == [
        -2,  # Saturday 10-09 and Monday 10-11, backwards
        pd.NA,
        pd.NA,
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.dates(dt.date(2019, 1, 1), dt.date(2023, 12, 31)),
    st.dates(dt.date(2019, 1, 1), dt.date(2023, 12, 31)),
)
def test_agrees_with_chinesecalendar_day_by_day(start: dt.date, end: dt.date) -> None:
    low, high = sorted((start, end))
    days = [low + dt.timedelta(n) for n in range(1, (high - low).days + 1)]
    expected = sum(chinese_calendar.is_workday(day) for day in days)
    assert count([(str(start), str(end))]) == [expected if end >= start else -expected]


def test_a_year_chinesecalendar_does_not_know_stops_with_a_clear_message() -> None:
    assert 2027 not in known_years()
    with pytest.raises(ReconcileError) as raised:
        count([("2026-12-30", "2027-01-05")])
    message = str(raised.value)
    assert "2027 年" in message and "节假日" in message and "工作日" in message


def test_a_supplied_year_is_counted_from_its_sheet() -> None:
    assert count(
        [("2027-09-30", "2027-10-08"), ("2027-10-08", "2027-10-11")], GOLDEN_WEEK_2027
    ) == [
        1,  # only Friday 10-08: 10-01..07 off
        2,  # Saturday 10-09 worked, Monday 10-11
    ]


def test_supplied_days_replace_a_known_years_calendar() -> None:
    only_new_year = {dt.date(2021, 1, 1): False}  # 2021 is then weekdays but for New Year's Day
    assert count([("2021-09-30", "2021-10-08")], only_new_year) == [6]


def test_the_holidays_sheet_becomes_the_overrides(folder: Path) -> None:
    write_xlsx(
        folder / "节假日2027.xlsx",
        {
            "节假日": [
                ["日期", "类型", "说明"],
                ["2027-10-01", "休息日", "国庆节"],
                [dt.date(2027, 10, 9), "上班", "国庆调休"],
            ]
        },
    )
    aid = [ID_A, "生活救助", "中央财政", "100", "2021-03-05", "2021-03-08", "银行卡"]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, ["JZ001", "DA001", "张三", *aid]]})
    tables = check(folder).validated.tables
    assert parameters(tables).overrides == {dt.date(2027, 10, 1): False, dt.date(2027, 10, 9): True}


def test_a_day_listed_both_ways_cannot_be_decided(folder: Path) -> None:
    write_xlsx(
        folder / "节假日.xlsx",
        {"节假日": [["日期", "类型"], ["2027-10-01", "休息日"], ["2027-10-01", "工作日"]]},
    )
    aid = [ID_A, "生活救助", "中央财政", "100", "2021-03-05", "2021-03-08", "银行卡"]
    write_xlsx(folder / "aid.xlsx", {"救助": [AID_HEADER, ["JZ001", "DA001", "张三", *aid]]})
    with pytest.raises(ReconcileError, match="2027-10-01"):
        parameters(check(folder).validated.tables)
