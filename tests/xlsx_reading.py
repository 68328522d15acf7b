"""Reading a written .xlsx back as the tests check it: each sheet's XML, the shared strings, the
cached value of every formula, and ``dump``, every cell of every sheet as JSON-ready data (the
golden files of tests/test_workbook.py are such dumps)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def sheet_xml(path: Path) -> dict[str, ElementTree.Element]:
    """Each sheet's XML root by sheet name, through workbook.xml and its relationships."""
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", NS)}
        result = {}
        for sheet in book.findall("m:sheets/m:sheet", NS):
            target = targets[sheet.get(f"{{{NS['r']}}}id")].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            result[sheet.get("name")] = ElementTree.fromstring(archive.read(target))
        return result


def cached_values(path: Path) -> dict[str, dict[str, str]]:
    """The <v> of every formula cell, as text, per sheet and cell."""
    result: dict[str, dict[str, str]] = {}
    for name, root in sheet_xml(path).items():
        for cell in root.iter(f"{{{NS['m']}}}c"):
            if cell.find("m:f", NS) is not None:
                value = cell.find("m:v", NS)
                result.setdefault(name, {})[cell.get("r")] = "" if value is None else value.text
    return result


def shared_strings(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        if "xl/sharedStrings.xml" not in archive.namelist():
            return []
        root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def dump(path: Path) -> dict[str, object]:
    """Every non-empty cell: value (a formula as its text), number format, cached value; per
    sheet under its name, the sheet names in order under ``"sheets"``."""
    cached = cached_values(path)
    book = openpyxl.load_workbook(path, data_only=False)
    result: dict[str, object] = {"sheets": book.sheetnames}
    for sheet in book.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                entry = {"value": _plain(cell.value), "format": cell.number_format}
                if cell.coordinate in cached.get(sheet.title, {}):
                    entry["cached"] = cached[sheet.title][cell.coordinate]
                cells[cell.coordinate] = entry
        result[sheet.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
            "freeze": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
        }
    return result
