"""Stage 2, validate: raw text sheets → typed tables per kind, and every rejected row with why.

In: the ``Folder`` of stage 1 (text frames with canonical headers and ``source_row``).
Out: ``Validated`` — per kind one table with ASCII field names, typed values (money in integer
fen, dates, 18-digit IDs, canonical funding sources) and lineage (``source_file``,
``source_sheet``, ``source_row``); ``rejected``: one line per problem of every rejected row (file,
sheet, row, column, the value as exported, the reason in Chinese); ``warnings`` for kept rows;
``counts`` per file and sheet, where rows read = rows kept + rows rejected.

Each cell is first parsed by the normalisers of ``pipeline.normalize``; then the kind's pandera
model checks every row lazily, so one pass finds every problem. A row with any problem is
rejected whole; the run never stops for bad rows. The same record exported twice (the same
救助编号 or 档案编号 with the same content) is kept once; the second copy is listed as a
duplicate. Same key with different content cannot be decided here, so every copy is rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pandas as pd
import pandera.pandas as pa

from pipeline import normalize
from pipeline.errors import MissingInput
from pipeline.load import STRAY, Folder, RawSheet
from schemas import KINDS, LINEAGE, ColumnSpec, SheetKind

ISSUE_COLUMNS = ("kind", "row", "column", "reason")
REPORT_COLUMNS = (*LINEAGE, "kind", "column", "value", "reason")
DUPLICATE = "重复导出"
# Parameter sheets first: funding sources canonicalise the sources of aid records and ledger.
ORDER = sorted(KINDS, key=lambda kind: kind.file_kind != "parameters")
DEDUPLICATE_BY = {"worker_files": "档案编号", "aid_records": "救助编号"}
SOURCED_KINDS = ("aid_records", "fund_ledger")
REQUIRED_KINDS = ("aid_records", "fund_sources")
SEPARATORS = re.compile(r"[、,，;；/]")


@dataclass(frozen=True)
class Validated:
    tables: dict[str, pd.DataFrame]
    rejected: pd.DataFrame
    warnings: pd.DataFrame
    counts: pd.DataFrame  # source_file, source_sheet, kind, read, kept, rejected, duplicates


@dataclass(frozen=True)
class _Parsed:
    """One kind's sheets, concatenated: text as exported, typed values, problems found."""

    kind: SheetKind
    text: pd.DataFrame
    typed: pd.DataFrame
    errors: pd.DataFrame  # ISSUE_COLUMNS
    warnings: pd.DataFrame


def validate(folder: Folder) -> Validated:
    """Parse and check every sheet of the folder, kind by kind."""
    present = {sheet.kind.name for sheet in folder.sheets}
    for name in REQUIRED_KINDS:
        if name not in present:
            label = next(kind.label for kind in KINDS if kind.name == name)
            raise MissingInput(f"输入目录里没有{label}：这类数据每次对账都需要，请把它放进输入目录")

    tables: dict[str, pd.DataFrame] = {}
    rejected, warnings, counts = [], [], []
    for kind in ORDER:
        sheets = [sheet for sheet in folder.sheets if sheet.kind is kind]
        if not sheets:
            continue
        parsed = _parse(kind, sheets)
        errors = [parsed.errors, _check(parsed)]
        if kind.name in SOURCED_KINDS:
            names = _source_names(tables["fund_sources"])
            errors.append(_unknown_sources(parsed, names))
            parsed = _canonical_sources(parsed, names)
        if kind.name == "aid_records":
            parsed = _default_fund_year(parsed)
        problems = _concat_issues(errors)
        bad = set(problems["row"])
        duplicates = _duplicates(parsed, bad)
        problems = _concat_issues([problems, duplicates])
        table = _table(parsed, problems)
        tables[kind.name] = table
        rejected.append(_report(parsed, problems))
        warnings.append(
            _report(parsed, parsed.warnings[~parsed.warnings["row"].isin(problems["row"])])
        )
        exported_twice = duplicates[duplicates["reason"].str.startswith(DUPLICATE)]
        counts.append(_counts(sheets, parsed, problems, exported_twice))
    return Validated(
        tables=tables,
        rejected=_sorted(pd.concat(rejected, ignore_index=True)),
        warnings=_sorted(pd.concat(warnings, ignore_index=True)),
        counts=pd.concat(counts, ignore_index=True),
    )


# --- parsing ---------------------------------------------------------------------------------


def _parse(kind: SheetKind, sheets: list[RawSheet]) -> _Parsed:
    texts, typed, errors, warnings = [], [], [], []
    offset = 0
    for sheet in sheets:
        # A running index makes every issue's row a position in the kind's concatenated frame.
        index = pd.RangeIndex(offset, offset + len(sheet.frame))
        offset += len(sheet.frame)
        text = sheet.frame.set_axis(index).assign(source_file=sheet.file, source_sheet=sheet.sheet)
        values = {}
        for spec in kind.columns:
            column = text[spec.header] if spec.header in text else _empty(index)
            parsed = _parse_column(spec, column, spec.header in sheet.numeric_stored)
            values[spec.header] = parsed.values
            errors.append(_issues(parsed.errors, spec.header))
            warnings.append(_issues(parsed.warnings, spec.header))
        if STRAY in text:
            errors.append(_issues(_stray_reason(text[STRAY]), STRAY))
        texts.append(text)
        typed.append(pd.DataFrame(values, index=index))
    return _Parsed(
        kind=kind,
        text=pd.concat(texts),
        typed=pd.concat(typed),
        errors=_concat_issues(errors).assign(kind=kind.name),
        warnings=_concat_issues(warnings).assign(kind=kind.name),
    )


def _parse_column(spec: ColumnSpec, column: pd.Series, numeric_stored: bool) -> normalize.Parsed:
    if spec.parse == "money":
        return normalize.money_fen(column)
    if spec.parse == "date":
        return normalize.dates(column)
    if spec.parse == "id":
        return normalize.id_numbers(column, numeric_stored=numeric_stored)
    if spec.parse == "card":
        return normalize.card_numbers(column, numeric_stored=numeric_stored)
    if spec.parse == "name":
        return normalize.person_names(column)
    if spec.parse == "int":
        return normalize.integers(column)
    if spec.parse == "decimal":
        return normalize.decimals(column)
    parsed = normalize.plain_text(column)
    if spec.synonyms:
        parsed = normalize.Parsed(
            parsed.values.replace(spec.synonyms), parsed.errors, parsed.warnings
        )
    return parsed


def _empty(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="str")


def _issues(reasons: pd.Series, column: str) -> pd.DataFrame:
    found = reasons.dropna()
    return pd.DataFrame(
        {
            "kind": "",
            "row": found.index.to_numpy(dtype="int64"),
            "column": column,
            "reason": found.astype("str").to_numpy(),
        }
    )


def _stray_reason(stray: pd.Series) -> pd.Series:
    return (
        "表头之外还有内容“" + stray + "”：一行被拆成了多列（金额里的逗号要加引号）或写在了表格外"
    ).where(stray.notna())


def _concat_issues(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(
            {name: pd.Series(dtype="int64" if name == "row" else "str") for name in ISSUE_COLUMNS}
        )
    return pd.concat(frames, ignore_index=True)[list(ISSUE_COLUMNS)]


# --- checking ----------------------------------------------------------------------------------


def _check(parsed: _Parsed) -> pd.DataFrame:
    """The kind's pandera model over all its rows at once; failures → issues in Chinese."""
    schema = parsed.kind.model.to_schema()
    try:
        schema.validate(parsed.typed, lazy=True)
        return _concat_issues([])
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    if cases["index"].isna().any():
        raise RuntimeError(f"{parsed.kind.label}的校验模型与解析结果不一致：\n{cases}")
    blamed = {check.error: check.name for check in schema.checks}
    frame_level = cases["schema_context"] == "DataFrameSchema"
    cases = cases.assign(
        column=cases["column"].where(~frame_level, cases["check"].map(blamed)),
        row=cases["index"].astype("int64"),
    ).drop_duplicates(["row", "column", "check"])
    already = set(zip(parsed.errors["row"], parsed.errors["column"], strict=True))
    cases = cases[[key not in already for key in zip(cases["row"], cases["column"], strict=True)]]
    reasons = [
        _reason(check, schema.columns.get(column))
        for check, column in zip(cases["check"], cases["column"], strict=True)
    ]
    return pd.DataFrame(
        {
            "kind": parsed.kind.name,
            "row": cases["row"].to_numpy(),
            "column": cases["column"].to_numpy(),
            "reason": reasons,
        }
    )


def _reason(check: str, column: pa.Column | None) -> str:
    """A pandera check as a clerk reads it."""
    if check == "not_nullable":
        return "必填项为空"
    if check.startswith("isin("):
        allowed = "、".join(column.checks[0].statistics["allowed_values"]) if column else ""
        for one in column.checks if column else []:
            if one.name == "isin":
                allowed = "、".join(one.statistics["allowed_values"])
        return f"不是允许的取值，应为：{allowed}"
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


def _unknown_sources(parsed: _Parsed, names: dict[str, str]) -> pd.DataFrame:
    sources = parsed.typed["资金来源"]
    unknown = sources.notna() & ~sources.isin(list(names))
    reasons = (
        "资金来源“"
        + sources
        + "”不在参数表“资金来源”中：请在参数表登记它，或把它写进该来源的“简称”"
    ).where(unknown)
    return _issues(reasons, "资金来源").assign(kind=parsed.kind.name)


def _source_names(fund_sources: pd.DataFrame) -> dict[str, str]:
    """Every name a source goes by (canonical or 简称) → its canonical name."""
    names: dict[str, str] = {}
    for source, short in zip(fund_sources["source"], fund_sources["short_names"], strict=True):
        names[source] = source
        for alias in SEPARATORS.split(short) if isinstance(short, str) else ():
            if alias.strip():
                names.setdefault(alias.strip(), source)
    return names


def _canonical_sources(parsed: _Parsed, names: dict[str, str]) -> _Parsed:
    """Sources by their canonical name, so 省财政 and 省财政专项帮扶资金 are one source."""
    sources = parsed.typed["资金来源"]
    canonical = sources.map(names).astype("str").where(sources.isin(list(names)), sources)
    return replace(parsed, typed=parsed.typed.assign(资金来源=canonical))


def _default_fund_year(parsed: _Parsed) -> _Parsed:
    """资金年度 is optional in aid exports: without it, money belongs to the aid date's year."""
    typed = parsed.typed
    year = typed["资金年度"].fillna(typed["救助日期"].dt.year.astype("Int64"))
    return replace(parsed, typed=typed.assign(资金年度=year))


def _duplicates(parsed: _Parsed, bad: set[int]) -> pd.DataFrame:
    """Copies of a record exported twice: the first is kept, the others listed, never counted."""
    key = DEDUPLICATE_BY.get(parsed.kind.name)
    if key is None:
        return _concat_issues([])
    typed = parsed.typed.drop(index=list(bad))
    repeated = typed[typed[key].duplicated(keep=False) & typed[key].notna()]
    if repeated.empty:
        return _concat_issues([])
    lineage = parsed.text.loc[repeated.index, list(LINEAGE)]
    repeated = repeated.assign(
        _order=list(
            zip(lineage["source_file"], lineage["source_sheet"], lineage["source_row"], strict=True)
        )
    )
    repeated = repeated.sort_values("_order", kind="stable")
    content = [c for c in parsed.typed.columns]
    same = repeated.groupby(key, sort=False)[content].transform("nunique", dropna=False)
    consistent = same.le(1).all(axis=1).groupby(repeated[key], sort=False).transform("all")
    first = repeated.groupby(key, sort=False)["_order"].transform("first")
    reasons = []
    for row_key, order, first_order, ok in zip(
        repeated[key], repeated["_order"], first, consistent, strict=True
    ):
        place = f"“{first_order[0]}”第 {first_order[2]} 行"
        if ok and order == first_order:
            reasons.append(None)
        elif ok:
            reasons.append(f"{DUPLICATE}：与{place}是同一条记录（{key}“{row_key}”），只计一次")
        else:
            reasons.append(
                f"{key}“{row_key}”出现多次但内容不同：无法判断以哪条为准，请在系统中核实后重新导出"
            )
    found = pd.Series(reasons, index=repeated.index, dtype="str")
    return _issues(found, key).assign(kind=parsed.kind.name)


# --- results ----------------------------------------------------------------------------------


def _table(parsed: _Parsed, problems: pd.DataFrame) -> pd.DataFrame:
    """The kept rows under their ASCII field names, with lineage."""
    keep = ~parsed.typed.index.isin(problems["row"].unique())
    table = parsed.typed[keep].rename(columns=parsed.kind.field_of)
    for name in LINEAGE:
        table[name] = parsed.text.loc[keep, name].to_numpy()
    table["source_file"] = table["source_file"].astype("category")
    table["source_sheet"] = table["source_sheet"].astype("category")
    return table.reset_index(drop=True)


def _report(parsed: _Parsed, issues: pd.DataFrame) -> pd.DataFrame:
    """Issues with the file, sheet and row the clerk opens, and the value as exported."""
    rows = issues["row"].to_numpy()
    text = parsed.text
    values = pd.Series(pd.NA, index=issues.index, dtype="str")
    for column, where_ in issues.groupby("column", sort=False).groups.items():
        if column in text.columns:
            values[where_] = text[column].to_numpy()[issues.loc[where_, "row"].to_numpy()]
    return pd.DataFrame(
        {
            "source_file": pd.Series(text["source_file"].to_numpy()[rows], dtype="str"),
            "source_sheet": pd.Series(text["source_sheet"].to_numpy()[rows], dtype="str"),
            "source_row": pd.Series(text["source_row"].to_numpy()[rows], dtype="Int64"),
            "kind": parsed.kind.name,
            "column": pd.Series(issues["column"].to_numpy(), dtype="str"),
            "value": values.to_numpy(),
            "reason": pd.Series(issues["reason"].to_numpy(), dtype="str"),
        },
        columns=list(REPORT_COLUMNS),
    )


def _counts(
    sheets: list[RawSheet], parsed: _Parsed, problems: pd.DataFrame, exported_twice: pd.DataFrame
) -> pd.DataFrame:
    """Per sheet: rows read, rejected (duplicates included) and kept; read = kept + rejected."""
    text = parsed.text
    flags = pd.DataFrame(
        {
            "source_file": text["source_file"],
            "source_sheet": text["source_sheet"],
            "read": 1,
            "rejected": text.index.isin(problems["row"]).astype("int64"),
            "duplicates": text.index.isin(exported_twice["row"]).astype("int64"),
        }
    )
    per_sheet = flags.groupby(["source_file", "source_sheet"], sort=False).sum()
    every_sheet = pd.MultiIndex.from_tuples(
        [(sheet.file, sheet.sheet) for sheet in sheets], names=["source_file", "source_sheet"]
    )
    counts = per_sheet.reindex(every_sheet, fill_value=0).reset_index()
    counts.insert(2, "kind", parsed.kind.name)
    counts["kept"] = counts["read"] - counts["rejected"]
    return counts


def _sorted(report: pd.DataFrame) -> pd.DataFrame:
    return report.sort_values(list(LINEAGE) + ["column"], kind="stable").reset_index(drop=True)
