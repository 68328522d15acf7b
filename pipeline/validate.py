"""Stage 2, validate: raw text sheets → typed tables per kind, and every rejected row with why.

In: the ``RawSheet``s of stage 1 (text frames with canonical headers and ``source_row``).
Out: ``Validated`` — per kind one table with ASCII field names, typed values (money in integer
fen, dates, 18-digit IDs, canonical funding sources) and lineage (``source_file``,
``source_sheet``, ``source_row``); ``rejected``: one line per problem of every rejected row (file,
sheet, row, column, the value as exported, the reason in Chinese); ``warnings`` for kept rows;
``counts`` per file and sheet, where rows read = rows kept + rows rejected.

Two steps. ``check_sheet`` works on one sheet alone (so sheets can be checked in parallel): each
cell is parsed by the normalisers of ``pipeline.normalize``, then the kind's pandera model checks
every row lazily, so one pass finds every problem. ``combine`` then works across sheets: funding
sources by their canonical names (an unknown one rejects the row), the default 资金年度, and
records exported twice — the same 救助编号 or 档案编号 with the same content is kept once and the
copy listed as a duplicate; the same key with different content cannot be decided here, so every
copy is rejected. A row with any problem is rejected whole; the run never stops for bad rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandas.api.types import union_categoricals

from pipeline import normalize
from pipeline.errors import MissingInput
from pipeline.load import STRAY, RawSheet, SheetInfo
from schemas import KIND_BY_NAME, KINDS, LINEAGE, ColumnSpec, SheetKind

REPORT_COLUMNS = (
    *LINEAGE,
    "kind",
    "record",
    "person",
    "column",
    "value",
    "reason",
    "amount_fen",
)
REJECTED = "_rejected"  # per typed row: some problem was found
DUPLICATE = "重复导出"
DEDUPLICATE_BY = {"worker_files": "档案编号", "aid_records": "救助编号"}
SOURCED_KINDS = ("aid_records", "fund_ledger")
REQUIRED_KINDS = ("aid_records", "fund_sources")
SEPARATORS = re.compile(r"[、,，;；/]")
# Few distinct values repeat over many rows (dates, amounts, aid types, people with several
# records): parsing each distinct value once and spreading the result is much faster.
PARSERS = {
    "money": normalize.money_fen,
    "date": normalize.dates,
    "name": normalize.person_names,
    "int": normalize.integers,
    "decimal": normalize.decimals,
    "text": normalize.plain_text,
    "card": normalize.card_numbers,
}


@dataclass(frozen=True)
class CheckedSheet:
    """One sheet after parsing and checking: typed rows with lineage, and what was wrong."""

    info: SheetInfo
    typed: pd.DataFrame  # canonical headers, typed values, lineage, REJECTED
    rejected: pd.DataFrame  # REPORT_COLUMNS
    warnings: pd.DataFrame  # REPORT_COLUMNS


@dataclass(frozen=True)
class Validated:
    tables: dict[str, pd.DataFrame]
    rejected: pd.DataFrame
    warnings: pd.DataFrame
    # source_file, source_sheet, kind, read, rejected, rejected_fen, rejected_no_amount,
    # duplicates_fen, duplicates, kept
    counts: pd.DataFrame


# --- one sheet ---------------------------------------------------------------------------------


def check_sheet(raw: RawSheet) -> CheckedSheet:
    """Parse every cell of the sheet and check every row against the kind's model."""
    info, text = raw.info, raw.frame
    values, found, noted = {}, [], []
    for spec in info.kind.columns:
        column = text[spec.header] if spec.header in text else _empty(text.index)
        parsed = _parse_column(spec, column, info.cell_types)
        values[spec.header] = parsed.values
        found.append(_issues(parsed.errors, spec.header))
        noted.append(_issues(parsed.warnings, spec.header))
    if STRAY in text:
        found.append(_issues(_stray_reason(text[STRAY]), STRAY))
    typed = pd.DataFrame(values, index=text.index)
    parse_errors = _concat_issues(found)
    errors = _concat_issues([parse_errors, _model_issues(info.kind, typed, parse_errors)])
    typed[REJECTED] = typed.index.isin(errors["row"])
    typed["source_file"] = _constant(info.file, len(typed))
    typed["source_sheet"] = _constant(info.sheet, len(typed))
    typed["source_row"] = text["source_row"].to_numpy()
    warnings = _concat_issues(noted)
    warnings = warnings[~warnings["row"].isin(errors["row"])]
    amounts = _amounts(info.kind, typed)
    return CheckedSheet(
        info, typed, _report(info, text, errors, amounts), _report(info, text, warnings, amounts)
    )


def _constant(name: str, rows: int) -> pd.Categorical:
    """A file's or sheet's name on each of its rows: a category, one byte a row (a text per
    row cost a province's run a gigabyte)."""
    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), pd.Index([name], dtype="str"))


def amount_header(kind: SheetKind) -> str | None:
    """The header of the kind's ``amount_fen`` column (救助金额, a bank row's 金额, a ledger
    金额), or None: the kind's rows hold no money."""
    return next((spec.header for spec in kind.columns if spec.field == "amount_fen"), None)


PRICED_FILE_KINDS = frozenset(kind.file_kind for kind in KINDS if amount_header(kind))


def _amounts(kind: SheetKind, typed: pd.DataFrame) -> pd.Series:
    """Each row's amount in fen; NA where the kind has none or the cell did not parse."""
    header = amount_header(kind)
    if header is None:
        return pd.Series(pd.NA, index=typed.index, dtype="Int64")
    return typed[header].astype("Int64")


def _parse_column(spec: ColumnSpec, column: pd.Series, cell_types: bool) -> normalize.Parsed:
    codes, distinct = pd.factorize(column)
    parsed = _parse_values(spec, pd.Series(distinct, dtype="str"), cell_types)
    return normalize.Parsed(
        *(
            _spread(part, codes, column.index)
            for part in (parsed.values, parsed.errors, parsed.warnings)
        )
    )


def _spread(distinct: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-row results from per-distinct-value results (code -1, an empty cell, gives NA)."""
    if not distinct.count():
        return pd.Series(pd.NA, index=index, dtype=distinct.dtype)
    return pd.Series(pd.api.extensions.take(distinct.array, codes, allow_fill=True), index=index)


def _parse_values(spec: ColumnSpec, column: pd.Series, cell_types: bool) -> normalize.Parsed:
    if spec.parse == "id":
        return normalize.id_numbers(column, cell_types=cell_types)
    parsed = PARSERS[spec.parse](column)
    if spec.synonyms:
        parsed = normalize.Parsed(
            parsed.values.replace(spec.synonyms), parsed.errors, parsed.warnings
        )
    return parsed


def _empty(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="str")


def _issues(reasons: pd.Series, column: str) -> pd.DataFrame:
    """Rows with a reason → (row position, column, reason)."""
    if not reasons.count():
        return NO_ISSUES
    found = reasons.dropna()
    return pd.DataFrame(
        {"row": found.index.to_numpy(dtype="int64"), "column": column, "reason": found.to_numpy()}
    )


def _no_issues() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="str"),
            "reason": pd.Series(dtype="str"),
        }
    )


NO_ISSUES = _no_issues()  # shared and never modified: building an empty frame costs milliseconds


def _concat_issues(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return NO_ISSUES
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _stray_reason(stray: pd.Series) -> pd.Series:
    return (
        "表头之外还有内容“" + stray + "”：一行被拆成了多列（金额里的逗号要加引号）或写在了表格外"
    ).where(stray.notna())


def _model_issues(kind: SheetKind, typed: pd.DataFrame, parse_errors: pd.DataFrame) -> pd.DataFrame:
    """The kind's pandera model over the sheet; failures → issues in Chinese.

    A cell that could not be parsed is empty in ``typed``; its parse error already says why, so
    the model's 必填 for the same cell is not repeated.
    """
    schema = kind.model.to_schema()
    try:
        schema.validate(typed, lazy=True)
        return NO_ISSUES
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    if cases["index"].isna().any():  # rows and checks named, never the values (personal data)
        named = cases[["column", "check", "index"]].drop_duplicates().head(20)
        raise RuntimeError(f"{kind.label}的校验模型与解析结果不一致：\n{named}")
    blamed = {check.error: check.name for check in schema.checks}
    frame_level = cases["schema_context"] == "DataFrameSchema"
    cases = cases.assign(
        column=cases["column"].where(~frame_level, cases["check"].map(blamed)),
        row=cases["index"].astype("int64"),
    ).drop_duplicates(["row", "column", "check"])
    already = pd.MultiIndex.from_frame(parse_errors[["row", "column"]])
    cases = cases[~pd.MultiIndex.from_frame(cases[["row", "column"]]).isin(already)]
    # One wording per (check, column): a whole column can fail on a million rows.
    pairs = list(zip(cases["check"], cases["column"], strict=True))
    wording = {pair: _reason(pair[0], schema.columns.get(pair[1])) for pair in set(pairs)}
    return pd.DataFrame(
        {
            "row": cases["row"].to_numpy(),
            "column": cases["column"].to_numpy(),
            "reason": [wording[pair] for pair in pairs],
        }
    )


def _reason(check: str, column: pa.Column | None) -> str:
    """A pandera check as a clerk reads it."""
    if check == "not_nullable":
        return "必填项为空"
    if check.startswith("isin(") and column is not None:
        allowed = next(c.statistics["allowed_values"] for c in column.checks if c.name == "isin")
        return f"不是允许的取值，应为：{'、'.join(allowed)}"
    if match := re.match(r"greater_than\((.*)\)", check):
        return f"应大于 {match[1]}"
    if match := re.match(r"greater_than_or_equal_to\((.*)\)", check):
        return f"应不小于 {match[1]}"
    if match := re.match(r"in_range\((.*), (.*)\)", check):
        return f"超出合理范围（{match[1]}–{match[2]}）"
    if check.startswith("str_matches("):
        if "当年" in check:
            return "格式不对：应写成“次年02-28”或“当年12-31”，不限期则留空"
        return "格式不对：应为 6 位数字"
    return check  # frame-level checks carry their own Chinese message


def _report(
    info: SheetInfo, text: pd.DataFrame, issues: pd.DataFrame, amounts: pd.Series
) -> pd.DataFrame:
    """Issues with the file, sheet and row the clerk opens, the value as exported and the
    row's amount (``amounts``: per row of ``text``)."""
    rows = issues["row"].to_numpy()
    values = pd.Series(pd.NA, index=issues.index, dtype="str")
    for column, at in issues.groupby("column", sort=False).groups.items():
        if column in text.columns:
            values[at] = text[column].to_numpy()[issues.loc[at, "row"].to_numpy()]
    record, person = _identity(info.kind, text, rows)
    return pd.DataFrame(
        {
            "source_file": info.file,
            "source_sheet": info.sheet,
            "source_row": pd.Series(text["source_row"].to_numpy()[rows], dtype="Int64"),
            "kind": info.kind.name,
            "record": pd.Series(record, index=issues.index, dtype="str"),
            "person": pd.Series(person, index=issues.index, dtype="str"),
            "column": issues["column"].astype("str"),
            "value": values,
            "reason": issues["reason"].astype("str"),
            "amount_fen": pd.array(amounts.to_numpy()[rows], dtype="Int64"),
        },
        columns=list(REPORT_COLUMNS),
    )


def _identity(
    kind: SheetKind, frame: pd.DataFrame, rows: np.ndarray
) -> tuple[list[str | None], list[str | None]]:
    """Per reported row (positions in ``frame``, whose columns are the Chinese headers), the
    record's own numbers (救助编号 JZ001；档案编号 DA001) and the person's name: what the clerk
    looks the row up by in the system it came from."""

    def texts(spec: ColumnSpec) -> list[str | None]:
        if spec.header not in frame:
            return [None] * len(rows)
        values = frame[spec.header].to_numpy()[rows]
        return [None if pd.isna(value) else str(value) for value in values]

    numbers = [
        [None if value is None else f"{spec.header} {value}" for value in texts(spec)]
        for spec in kind.columns
        if spec.names == "record"
    ]
    record = ["；".join(v for v in row if v) or None for row in zip(*numbers, strict=True)]
    persons = [texts(spec) for spec in kind.columns if spec.names == "person"]
    nobody: list[str | None] = [None] * len(rows)
    return record or nobody, persons[0] if persons else nobody


# --- across sheets -----------------------------------------------------------------------------


def combine(sheets: list[CheckedSheet]) -> Validated:
    """Per kind, the checked sheets together: sources, fund years, records exported twice.
    ``sheets`` is emptied: the caller lets go of the sheets' rows as they are put together."""
    present = {sheet.info.kind.name for sheet in sheets}
    for name in REQUIRED_KINDS:
        if name not in present:
            raise MissingInput(
                f"输入目录里没有{KIND_BY_NAME[name].label}：这类数据每次对账都需要，请把它放进输入目录"
            )
    # Parameter sheets first: funding sources canonicalise the sources of aid and ledger rows.
    order = sorted(KINDS, key=lambda kind: kind.file_kind != "parameters")
    tables: dict[str, pd.DataFrame] = {}
    rejected = [sheet.rejected for sheet in sheets]
    warnings = [sheet.warnings for sheet in sheets]
    infos = {kind.name: [s.info for s in sheets if s.info.kind.name == kind.name] for kind in KINDS}
    rows = {kind.name: [s.typed for s in sheets if s.info.kind.name == kind.name] for kind in KINDS}
    sheets.clear()  # each kind's rows are let go of once put together: no province's twice
    counts = []
    for kind in order:
        if not infos[kind.name]:
            continue
        typed = _concatenated(rows.pop(kind.name))
        if kind.name in SOURCED_KINDS:
            names = _source_names(tables["fund_sources"])
            typed, unknown = _canonical_sources(kind, typed, names)
            rejected.append(unknown)
        if kind.name == "aid_records":
            typed = _default_fund_year(typed)
        typed, duplicates = _duplicates(kind, typed)
        rejected.append(duplicates)
        counts.append(_counts(infos[kind.name], typed, duplicates))
        tables[kind.name] = _table(kind, typed)
        del typed
    for kind in KINDS:  # a kind the folder lacks is an empty table, so later stages need no checks
        tables.setdefault(kind.name, _empty_table(kind))
    return Validated(
        tables=tables,
        rejected=_sorted(rejected),
        warnings=_sorted(warnings),
        counts=pd.concat(counts, ignore_index=True),
    )


def _concatenated(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after another, ``frames`` emptied as they are; their categories (file and
    sheet names) united — pandas would turn categories that differ into a Python text a row."""
    categorical = [str(c) for c, dtype in frames[0].dtypes.items() if dtype == "category"]
    united = {
        column: union_categoricals([frame[column] for frame in frames], sort_categories=True)
        for column in categorical
    }
    parts = [frames.pop(0).drop(columns=categorical) for _ in range(len(frames))]
    together = pd.concat(parts, ignore_index=True)
    del parts
    return together.assign(**united)


def _source_names(fund_sources: pd.DataFrame) -> dict[str, str]:
    """Every name a source goes by (canonical or 简称) → its canonical name."""
    names: dict[str, str] = {}
    for source, short in zip(fund_sources["source"], fund_sources["short_names"], strict=True):
        names[source] = source
        for alias in SEPARATORS.split(short) if isinstance(short, str) else ():
            if alias.strip():
                names.setdefault(alias.strip(), source)
    return names


def _canonical_sources(
    kind: SheetKind, typed: pd.DataFrame, names: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sources by their canonical name (省财政 → 省财政专项帮扶资金); unknown ones are rejected."""
    sources = typed["资金来源"]
    known = sources.isin(list(names))
    unknown = (sources.notna() & ~known & ~typed[REJECTED]).to_numpy()
    found = sources[unknown]
    reasons = [
        f"资金来源“{source}”不在参数表“资金来源”中：请在参数表登记它，或把它写进该来源的“简称”"
        for source in found
    ]
    report = _cross_report(kind, typed[unknown], "资金来源", found, reasons)
    canonical = sources.map(names).astype("str").where(known, sources)
    return typed.assign(资金来源=canonical, **{REJECTED: typed[REJECTED] | unknown}), report


def _default_fund_year(typed: pd.DataFrame) -> pd.DataFrame:
    """资金年度 is optional in aid exports: without it, money belongs to the aid date's year."""
    year = typed["资金年度"].fillna(typed["救助日期"].dt.year.astype("Int64"))
    return typed.assign(资金年度=year)


def _duplicates(kind: SheetKind, typed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copies of a record exported twice: the first is kept, the others listed, never counted."""
    key = DEDUPLICATE_BY.get(kind.name)
    if key is None:
        return typed, _cross_report(kind, typed[:0], "", [], [])
    keys = typed[key]
    alive = (~typed[REJECTED] & keys.notna()).to_numpy(dtype=bool)
    twice = np.zeros(len(typed), dtype=bool)  # only the key column is looked at: no copy
    twice[alive] = keys[alive].duplicated(keep=False).to_numpy()
    repeated = typed[twice]
    if repeated.empty:
        return typed, _cross_report(kind, typed[:0], key, [], [])
    repeated = repeated.sort_values(list(LINEAGE), kind="stable")
    groups = repeated.groupby(key, sort=False)
    content = [spec.header for spec in kind.columns]
    same = groups[content].transform("nunique", dropna=False).le(1).all(axis=1)
    consistent = same.groupby(repeated[key], sort=False).transform("all").to_numpy()
    first = (~repeated[key].duplicated(keep="first")).to_numpy()
    listed = ~first | ~consistent
    shown = repeated[listed]
    first_file = groups["source_file"].transform("first")[listed]
    first_row = groups["source_row"].transform("first")[listed]
    reasons = [
        f"{DUPLICATE}：与“{file}”第 {row} 行是同一条记录（{key}“{value}”），只计一次"
        if ok
        else f"{key}“{value}”出现多次但内容不同：无法判断以哪条为准，请在系统中核实后重新导出"
        for value, file, row, ok in zip(
            shown[key], first_file, first_row, consistent[listed], strict=True
        )
    ]
    flagged = typed[REJECTED].copy()
    flagged[shown.index] = True
    return typed.assign(**{REJECTED: flagged}), _cross_report(kind, shown, key, shown[key], reasons)


def _cross_report(
    kind: SheetKind, rows: pd.DataFrame, column: str, values: object, reasons: list[str]
) -> pd.DataFrame:
    """Report lines for problems found across sheets; the value shown is the parsed one."""
    record, person = _identity(kind, rows, np.arange(len(rows)))
    return pd.DataFrame(
        {
            "source_file": rows["source_file"].astype("str").to_numpy(),
            "source_sheet": rows["source_sheet"].astype("str").to_numpy(),
            "source_row": pd.array(rows["source_row"].to_numpy(), dtype="Int64"),
            "kind": kind.name,
            "record": pd.array(record, dtype="str"),
            "person": pd.array(person, dtype="str"),
            "column": column,
            "value": pd.array(list(values), dtype="str"),  # type: ignore[call-overload]
            "reason": pd.array(reasons, dtype="str"),
            "amount_fen": pd.array(_amounts(kind, rows).to_numpy(), dtype="Int64"),
        },
        columns=list(REPORT_COLUMNS),
    )


# --- results ----------------------------------------------------------------------------------


def _table(kind: SheetKind, typed: pd.DataFrame) -> pd.DataFrame:
    """The kept rows under their ASCII field names, with lineage."""
    table = typed[~typed[REJECTED]].drop(columns=REJECTED).rename(columns=kind.field_of)
    repeated = ["source_file", "source_sheet", *kind.enumerated]  # few distinct texts, many rows
    table = table.astype(dict.fromkeys(repeated, "category"))
    return table.reset_index(drop=True)


def _empty_table(kind: SheetKind) -> pd.DataFrame:
    dtypes: dict[str, Any] = {
        "money": "Int64",
        "int": "Int64",
        "date": "datetime64[us]",
        "decimal": object,
    }
    columns = {spec.field: pd.Series(dtype=dtypes.get(spec.parse, "str")) for spec in kind.columns}
    columns |= {field: pd.Series(dtype="category") for field in kind.enumerated}
    lineage = {
        "source_file": pd.Series(dtype="category"),
        "source_sheet": pd.Series(dtype="category"),
        "source_row": pd.Series(dtype="int64"),
    }
    return pd.DataFrame(columns | lineage)


def _counts(sheets: list[SheetInfo], typed: pd.DataFrame, duplicates: pd.DataFrame) -> pd.DataFrame:
    """Per sheet: rows read, rejected (copies exported twice included) and kept, read = kept +
    rejected; the copies exported twice; the money of the rejected rows other than those
    copies (``rejected_fen``, left out of every total) and of the copies (``duplicates_fen``,
    counted once already); ``rejected_no_amount``: rejected rows whose amount did not parse."""
    exported_twice = duplicates[duplicates["reason"].str.startswith(DUPLICATE)]
    kind = sheets[0].kind
    amounts = _amounts(kind, typed)
    priced = amount_header(kind) is not None
    rejected = typed[REJECTED].to_numpy()
    copy = np.zeros(len(typed), dtype=bool)  # the copies are among the few rejected rows
    if len(exported_twice):
        lineage = pd.MultiIndex.from_frame(typed.loc[rejected, list(LINEAGE)])
        copies = exported_twice[list(LINEAGE)].astype({"source_row": "int64"})
        copy[np.flatnonzero(rejected)[lineage.isin(pd.MultiIndex.from_frame(copies))]] = True
    flags = pd.DataFrame(
        {
            "source_file": typed["source_file"],
            "source_sheet": typed["source_sheet"],
            "read": 1,
            "rejected": rejected.astype("int64"),
            "rejected_fen": amounts.fillna(0).where(rejected & ~copy, 0),
            "rejected_no_amount": (rejected & ~copy & amounts.isna() & priced).astype("int64"),
            "duplicates_fen": amounts.fillna(0).where(copy, 0),
        }
    )
    per_sheet = flags.groupby(["source_file", "source_sheet"], sort=False).sum()
    every_sheet = pd.MultiIndex.from_tuples(
        [(sheet.file, sheet.sheet) for sheet in sheets],
        names=["source_file", "source_sheet"],
    )
    counts = per_sheet.reindex(every_sheet, fill_value=0)
    twice = exported_twice.groupby(["source_file", "source_sheet"]).size()
    counts["duplicates"] = twice.reindex(every_sheet, fill_value=0).to_numpy()
    counts = counts.reset_index()
    counts.insert(2, "kind", kind.name)
    counts["kept"] = counts["read"] - counts["rejected"]
    return counts


def _sorted(reports: list[pd.DataFrame]) -> pd.DataFrame:
    found = [report for report in reports if len(report)]
    merged = pd.concat(found, ignore_index=True) if found else _empty_report()
    return merged.sort_values([*LINEAGE, "column"], kind="stable").reset_index(drop=True)


def _empty_report() -> pd.DataFrame:
    dtypes = {"source_row": "Int64", "amount_fen": "Int64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in REPORT_COLUMNS})
