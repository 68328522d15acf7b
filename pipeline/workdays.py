"""Chinese working days: weekends and statutory holidays off, adjusted working days (调休) on.

In: two date columns (and the 参数·节假日 overrides). Out: per row the number of working days
after the first date up to and including the second (Int64; NA where a date is missing).

The calendar comes from ``chinesecalendar``, which knows a fixed span of years (2004–2026 in
1.11). A year it does not know is never counted as weekdays only — the 国庆 week alone would
be five days off — unless the parameters workbook lists that year's holidays and 调休 days
(sheet 节假日); then that year is weekdays, minus the listed days off, plus the listed working
days. A listed year replaces the built-in calendar, so the sheet can also correct it.
"""

from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar
import numpy as np
import pandas as pd

from pipeline.errors import ReconcileError

DAY = np.timedelta64(1, "D")


@functools.cache
def known_years() -> range:
    """The years chinesecalendar has holidays for."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def workdays_after(
    start: pd.Series, end: pd.Series, overrides: dict[dt.date, bool] | None = None
) -> pd.Series:
    """Working days in (start, end] per row: aid on a Friday entered the next Monday is 1; an
    end before the start counts negatively; NA where either date is missing."""
    first = _days(start)
    last = _days(end)
    present = ~(np.isnat(first) | np.isnat(last))
    result = pd.Series(pd.NA, index=start.index, dtype="Int64")
    if not present.any():
        return result
    dates = np.concatenate([first[present], last[present]])
    origin, cumulative = _calendar(dates.min(), dates.max(), overrides or {})
    at_first = (first[present] - origin) // DAY
    at_last = (last[present] - origin) // DAY
    result[present] = cumulative[at_last] - cumulative[at_first]
    return result


def _days(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT", "D"))


def _calendar(
    earliest: np.datetime64, latest: np.datetime64, overrides: dict[dt.date, bool]
) -> tuple[np.datetime64, np.ndarray]:
    """Day one of the first year, and per day from there the working days up to that day."""
    first_year = int(str(earliest)[:4])
    last_year = int(str(latest)[:4])
    origin = np.datetime64(f"{first_year}-01-01", "D")
    days = np.arange(origin, np.datetime64(f"{last_year + 1}-01-01", "D"))
    working = _weekdays(days)
    supplied = {day.year for day in overrides}
    for year in range(first_year, last_year + 1):
        if year in supplied:
            _mark(working, origin, {d: w for d, w in overrides.items() if d.year == year})
        elif year in known_years():
            _mark(working, origin, _built_in(year))
        else:
            raise ReconcileError(_unknown_year(year))
    return origin, np.cumsum(working, dtype=np.int64)


def _weekdays(days: np.ndarray) -> np.ndarray:
    # 1970-01-01, day 0, was a Thursday: Monday = 0 after shifting by 3
    return (days.astype(np.int64) + 3) % 7 < 5


def _built_in(year: int) -> dict[dt.date, bool]:
    """chinesecalendar's holidays (off) and 调休 days (on) of one year."""
    marks = {day: False for day in chinese_calendar.holidays if day.year == year}
    marks |= {day: True for day in chinese_calendar.workdays if day.year == year}
    return marks


def _mark(working: np.ndarray, origin: np.datetime64, marks: dict[dt.date, bool]) -> None:
    if not marks:
        return
    at = (np.array(list(marks), dtype="datetime64[D]") - origin) // DAY
    working[at] = np.array(list(marks.values()), dtype=bool)


def _unknown_year(year: int) -> str:
    span = known_years()
    return (
        f"无法计算 {year} 年的工作日：程序自带的节假日表（chinesecalendar）只收录 "
        f"{span.start}–{span.stop - 1} 年，没有 {year} 年的法定节假日和调休安排。"
        f"请在参数表中加一张“节假日”工作表，列“日期”“类型”（休息日/工作日）“说明”，"
        f"逐日列出 {year} 年国务院办公厅通知中的放假日期和调休上班日期（周末照常休息的不必列出），"
        f"或升级 chinesecalendar"
    )
