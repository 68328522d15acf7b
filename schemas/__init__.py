"""The single source of input kinds, their Chinese headers, aliases and parsers.

``KINDS`` lists every sheet kind the loader recognises, in the order they are reported; each
``SheetKind`` derives its columns from its pandera model in ``schemas.inputs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandera.pandas as pa

from schemas import inputs


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: canonical header, other accepted headers, parser and requirements."""

    field: str  # ASCII name used after validation
    header: str  # canonical Chinese header
    aliases: tuple[str, ...]
    parse: str
    key: bool  # part of the signature that recognises the kind
    required: bool  # must be in the header
    nullable: bool
    synonyms: dict[str, str]  # other words for an allowed value → the value
    names: str  # "record": the row's own number; "person": whom it concerns; else ""


@dataclass(frozen=True)
class SheetKind:
    """A kind of sheet: what it is called, which file kind it belongs to, its model."""

    name: str  # e.g. aid_records, or parameters sheets such as fund_sources
    label: str  # Chinese name shown to the clerk
    file_kind: str  # the kind reported per file (contract §3.2)
    model: type[pa.DataFrameModel]

    @cached_property
    def columns(self) -> tuple[ColumnSpec, ...]:
        schema = self.model.to_schema()
        specs = []
        for header, (_, info) in self.model.__fields__.items():
            column = schema.columns[header]
            meta = column.metadata or {}
            specs.append(
                ColumnSpec(
                    field=info.original_name,
                    header=header,
                    aliases=tuple(meta.get("aliases", ())),
                    parse=meta.get("parse", "text"),
                    key=bool(meta.get("key")),
                    required=bool(column.required),
                    nullable=bool(column.nullable),
                    synonyms=dict(meta.get("synonyms", {})),
                    names=meta.get("names", ""),
                )
            )
        return tuple(specs)

    @cached_property
    def enumerated(self) -> tuple[str, ...]:
        """The fields whose values come from a short list (an ``isin`` check): held as
        categoricals, each distinct text once."""
        schema = self.model.to_schema()
        return tuple(
            spec.field
            for spec in self.columns
            if any(check.name == "isin" for check in schema.columns[spec.header].checks)
        )

    @cached_property
    def header_of(self) -> dict[str, str]:
        """Every accepted header text (canonical or alias) → canonical header."""
        mapping: dict[str, str] = {}
        for spec in self.columns:
            for text in (spec.header, *spec.aliases):
                mapping.setdefault(text, spec.header)
        return mapping

    @cached_property
    def signature(self) -> frozenset[str]:
        return frozenset(spec.header for spec in self.columns if spec.key)

    @cached_property
    def field_of(self) -> dict[str, str]:
        """Canonical header → ASCII field name."""
        return {spec.header: spec.field for spec in self.columns}


KINDS: tuple[SheetKind, ...] = (
    SheetKind("worker_files", "困难职工档案", "worker_files", inputs.WorkerFile),
    SheetKind("aid_records", "帮扶救助记录", "aid_records", inputs.AidRecord),
    SheetKind("bank_payments", "银行发放明细", "bank_payments", inputs.BankPayment),
    SheetKind("civil_checks", "民政核对", "civil_checks", inputs.CivilCheck),
    SheetKind("medical_checks", "医保核对", "medical_checks", inputs.MedicalCheck),
    SheetKind("fund_ledger", "资金收支", "fund_ledger", inputs.FundLedger),
    SheetKind("dibao_standards", "参数·低保标准", "parameters", inputs.DibaoStandard),
    SheetKind("fund_sources", "参数·资金来源", "parameters", inputs.FundSource),
    SheetKind("aid_standards", "参数·救助标准", "parameters", inputs.AidStandard),
    SheetKind("annual_targets", "参数·年度目标", "parameters", inputs.AnnualTarget),
    SheetKind("holidays", "参数·节假日", "parameters", inputs.Holiday),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}

LINEAGE = ("source_file", "source_sheet", "source_row")
