"""The data folder the page works in, and the files dropped on it.

In: the folder ``serve --data`` names (created on first use) and, per upload, a file's name as
the browser sent it with its bytes. Out: paths inside that folder only — ``inputs/<YYYY-MM>/``,
one period's files, and ``outputs/``, the folder ``make reconcile OUTPUT=`` writes, with its
run history — and each upload kept or refused with the reason.

An upload is kept only when its name is safe (a plain file name of a spreadsheet kind that
stays in the period's folder: no folder part, no ``..``, no hidden or lock file, no character
Windows refuses, at most ``MAX_NAME_BYTES``) and the file can be used: it is written into a
scratch folder of its own under ``.uploads/``, read and checked as the command reads it
(``run.load_and_check``: the hostile-file checks of ``pipeline.filetypes`` first, then every
sheet), and only then renamed into the period's folder. A refused file leaves nothing behind
and changes nothing; a kept one replaces a file of the same name. A file the clerk removes is
moved into the period's ``已移除/`` subfolder, which no run reads, rather than deleted.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from pipeline import load, run
from pipeline.errors import in_words
from pipeline.results import CheckedFile

PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # ASCII digits: \d takes any script's
MAX_NAME_BYTES = 200
UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)
REMOVED = "已移除"
UPLOADS = ".uploads"


class Refused(Exception):
    """A request the page cannot carry out; ``str(refusal)`` says why and what to do."""


@dataclass(frozen=True)
class Data:
    root: Path  # resolved: every path given out is inside it

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def period_dir(self, period: str) -> Path:
        """The period's input folder (not created here)."""
        return self.inputs / valid_period(period)

    def input_periods(self) -> list[str]:
        """The periods that have an input folder, in order."""
        if not self.inputs.is_dir():
            return []
        return sorted(p.name for p in self.inputs.iterdir() if PERIOD.fullmatch(p.name))

    def output_file(self, name: str) -> Path:
        """A file of the output folder by its bare name; Refused for any other name, and for a
        link that leads out of the data folder."""
        path = self.outputs / name
        if name != Path(name).name or not path.is_file() or not self.holds(path):
            raise Refused(f"输出目录里没有“{name}”")
        return path

    def holds(self, path: Path) -> bool:
        """Whether ``path``, links followed, is inside the data folder."""
        return path.resolve().is_relative_to(self.root)


def data_folder(path: Path) -> Data:
    """The data folder, created with its inputs/ and outputs/ on first use; upload scratch
    folders left by an interrupted server are removed."""
    root = path.expanduser().resolve()
    (root / "inputs").mkdir(parents=True, exist_ok=True)
    (root / "outputs").mkdir(exist_ok=True)
    shutil.rmtree(root / UPLOADS, ignore_errors=True)
    return Data(root)


def valid_period(text: str) -> str:
    if not PERIOD.fullmatch(text):
        raise Refused(f"期间“{text}”应写成 YYYY-MM，例如 2021-12")
    return text


def default_period(closed: Iterable[str], with_inputs: Iterable[str], today: pd.Timestamp) -> str:
    """The month after the last one closed; before any close, the latest month with inputs,
    else last month (a month is closed after it ends)."""
    closed = sorted(closed)
    if closed:
        return str(pd.Period(closed[-1], freq="M") + 1)
    inputs = sorted(with_inputs)
    if inputs:
        return inputs[-1]
    return str(pd.Period(today, freq="M") - 1)


def safe_name(name: str) -> str:
    """The uploaded file's own name, if it may be kept under it; Refused with why, else."""
    name = unicodedata.normalize("NFC", name).strip()
    shown = CONTROL.sub(lambda c: f"\\x{ord(c.group()):02x}", name)
    if not name or name in (".", "..") or UNSAFE.search(name) or name != Path(name).name:
        raise Refused(
            f'文件名“{shown}”含有目录或不允许的字符（/ \\ : * ? " < > | 或控制字符），'
            "已拒收：请把文件改成普通的文件名后再上传"
        )
    if name.startswith((".", "~$")) or RESERVED.fullmatch(name):
        raise Refused(
            f"文件名“{name}”是隐藏文件、Excel 临时文件或系统保留的名字，已拒收：请上传导出的表格本身"
        )
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise Refused(
            f"文件名“{name[:40]}…”太长（超过 {MAX_NAME_BYTES} 字节），已拒收：请改短后再上传"
        )
    if Path(name).suffix.lower() not in load.SPREADSHEET_SUFFIXES:
        kinds = "、".join(load.SPREADSHEET_SUFFIXES)
        raise Refused(f"“{name}”不是表格文件，已拒收：只收 {kinds} 文件")
    return name


@dataclass(frozen=True)
class Kept:
    name: str
    replaced: bool  # a file of the same name was there and is replaced
    checked: CheckedFile


def keep(data: Data, period: str, name: str, content: BinaryIO) -> Kept:
    """``content`` saved as ``name`` in the period's folder once it is checked usable."""
    name = safe_name(name)
    folder = data.period_dir(period)
    with _scratch(data) as scratch:
        candidate = scratch / name
        try:
            with candidate.open("wb") as stream:
                shutil.copyfileobj(content, stream, 1024 * 1024)
            checked = run.load_and_check(candidate)
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / name
            replaced = target.exists()
            os.replace(candidate, target)
        except OSError as error:
            raise Refused(
                f"“{name}”未能保存（{error.strerror or error}）：请确认磁盘空间和数据目录的写权限后重新上传"
            ) from error
        except Exception as error:  # noqa: BLE001 - every failure is a refusal in words
            raise Refused(in_words(error).removeprefix("错误：")) from error
    return Kept(name, replaced, checked)


@contextmanager
def _scratch(data: Data) -> Iterator[Path]:
    """A folder of its own for one upload, inside the data folder, removed afterwards."""
    scratch = data.root / UPLOADS / uuid.uuid4().hex
    scratch.mkdir(parents=True)
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def remove(data: Data, period: str, name: str) -> Path:
    """The period's file ``name`` moved into its 已移除/ subfolder (no run reads it there)."""
    folder = data.period_dir(period)
    path = folder / name
    if name != Path(name).name or not path.is_file() or not data.holds(path):
        raise Refused(f"{period} 的输入目录里没有“{name}”")
    aside = folder / REMOVED
    aside.mkdir(exist_ok=True)
    target = aside / name
    if target.exists():
        target = aside / f"{path.stem}（{uuid.uuid4().hex[:6]}）{path.suffix}"
    os.replace(path, target)
    return target


def leading_out(data: Data, period: str) -> list[str]:
    """The names in the period's folder that are links to somewhere outside the data folder:
    the page never reads them (the command line would)."""
    folder = data.period_dir(period)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if not data.holds(p))


@dataclass(frozen=True)
class InputListing:
    name: str
    size: int
    modified: pd.Timestamp


def listing(data: Data, period: str) -> list[InputListing]:
    """The files in the period's folder, in name order (what a run reads, and the others)."""
    folder = data.period_dir(period)
    if not folder.is_dir():
        return []
    return [
        InputListing(
            p.name,
            p.stat().st_size,
            pd.Timestamp.fromtimestamp(p.stat().st_mtime),  # this computer's local time
        )
        for p in sorted(folder.iterdir())
        if p.is_file()
    ]
