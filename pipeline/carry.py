"""The monthly close: this period's findings against those open at the last close, with the
clerk's notes — the findings list of 异常清单 and exceptions.csv.

In: the findings of the rules (with their 异常编号, ``finding_id``), the findings list of the
last close before this one in the same year and the clerk's latest notes (``pipeline.history``),
and the period. Out: the findings list — every finding of this period, then once each finding
open at the last close that is gone now — with these columns beside the findings' own:

- ``state``: 新增 (not open at the last close), 持续 (open then and found again), 本月解决
  (open then, gone now: its cause was fixed this period);
- ``first_period``: 首次发现, the period it was first found in and open since;
- ``age_days``: 账龄（天）, from the end of that period to the end of this one;
- ``note_status`` / ``note_text``: 处理状态 and 处理说明, the clerk's latest note (未处理 and
  empty when there is none).

A new year starts a new list: last year's findings are about last year's records, which this
year's folder does not hold, so their absence says nothing about their cause. The findings open
at last year's last close are counted (``Earlier.last_year_open``) and stay listed in that
December's workbook. A finding marked 已核实无误 stays listed but is not open.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.history import Earlier

STATES = ("新增", "持续", "本月解决")
NOTE_STATUSES = ("未处理", "已核实无误", "已整改", "追缴中", "已追缴")
NOT_AN_ERROR = "已核实无误"
AGE_BANDS = ("30 天以内", "31–90 天", "90 天以上")


@dataclass(frozen=True)
class WorkCounts:
    """The work list in figures, for 封面, summary.json and the terminal."""

    open: int  # findings to be worked: not resolved, not verified as no error
    open_errors: int  # of them 错误
    by_age: dict[str, int]  # open, per AGE_BANDS
    by_status: dict[str, int]  # open, per 处理状态 (the list's, then any other the clerk wrote)
    new: int
    continuing: int
    resolved: int
    verified: int  # 已核实无误: listed, not open


def carried(findings: pd.DataFrame, earlier: Earlier, notes: pd.DataFrame) -> pd.DataFrame:
    """The findings list of ``earlier.period``: its findings, then those resolved by it.
    ``notes``: the latest note per finding (finding_id, status, text)."""
    period = pd.Period(earlier.period, freq="M")
    previous = earlier.previous
    open_before = previous[previous["state"] != "本月解决"].set_index("finding_id")
    known = findings["finding_id"].isin(open_before.index)
    first = findings["finding_id"].map(open_before["first_period"]).where(known, str(period))
    current = findings.assign(
        state=pd.Series("新增", index=findings.index, dtype="str").where(~known, "持续"),
        first_period=first.astype("str"),
    )
    gone = open_before[~open_before.index.isin(findings["finding_id"])].reset_index()
    resolved = gone[[c for c in findings.columns if c in gone.columns]].assign(
        state="本月解决", first_period=gone["first_period"]
    )
    dtypes = {column: dtype for column, dtype in current.dtypes.items() if column in resolved}
    work = pd.concat([current, resolved.astype(dtypes)], ignore_index=True)
    latest = notes.drop_duplicates("finding_id", keep="last").set_index("finding_id")
    return work.assign(
        age_days=age_days(work["first_period"], period),
        note_status=work["finding_id"]
        .map(latest["status"])
        .astype(object)
        .fillna("未处理")
        .astype("str"),
        note_text=work["finding_id"].map(latest["text"]).astype(object).fillna("").astype("str"),
    )


def age_days(first_periods: pd.Series, period: pd.Period) -> pd.Series:
    """Days from the end of the first period to the end of this one (0 for a new finding)."""
    end = period.end_time.normalize()
    firsts = pd.PeriodIndex(first_periods.astype("str"), freq="M").end_time.normalize()
    return pd.Series((end - firsts).days, index=first_periods.index, dtype="int64")


def is_open(work: pd.DataFrame) -> pd.Series:
    """Findings still to be worked: not resolved, and not verified as no error."""
    return work["state"].ne("本月解决") & work["note_status"].ne(NOT_AN_ERROR)


def open_table(work: pd.DataFrame) -> pd.DataFrame:
    """The open findings per 账龄 band (rows, AGE_BANDS) and 处理状态 (columns: the list's
    statuses but 已核实无误, then any other the clerk wrote), with 合计 and 其中错误."""
    open_ = work[is_open(work)]
    band = pd.cut(open_["age_days"], bins=[-1, 30, 90, float("inf")], labels=list(AGE_BANDS))
    written = set(open_["note_status"]) - set(NOTE_STATUSES)
    statuses = [s for s in NOTE_STATUSES if s != NOT_AN_ERROR] + sorted(written)
    table = (
        pd.crosstab(band, open_["note_status"])
        .reindex(index=list(AGE_BANDS), columns=statuses, fill_value=0)
        .astype("int64")
    )
    errors = open_["severity"].eq("错误").groupby(band, observed=False).sum()
    return table.assign(合计=table.sum(axis=1), 其中错误=errors.reindex(AGE_BANDS).astype("int64"))


def counts(work: pd.DataFrame) -> WorkCounts:
    table = open_table(work)
    states = work["state"].value_counts()
    statuses = table.drop(columns=["合计", "其中错误"]).sum()
    return WorkCounts(
        open=int(table["合计"].sum()),
        open_errors=int(table["其中错误"].sum()),
        by_age={str(band): int(n) for band, n in table["合计"].items()},
        by_status={str(status): int(n) for status, n in statuses.items()},
        new=int(states.get("新增", 0)),
        continuing=int(states.get("持续", 0)),
        resolved=int(states.get("本月解决", 0)),
        verified=int((work["note_status"].eq(NOT_AN_ERROR) & work["state"].ne("本月解决")).sum()),
    )
