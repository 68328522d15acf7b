"""Faults while writing: a run that fails or is killed at any moment leaves each previous output
as it was (or a complete new one), never a truncated workbook nor a stray temporary file that
outlives the next run; xlsxwriter's temporary rows (names, ID numbers) lie beside the outputs,
never in the system's temporary folder; an unwritable or full output folder is a clear error
(exit 1); the run history survives an interrupted run; the input folder is byte for byte
unchanged.

The runs made to fail in-process (``read_once``) take the sample as the session's run read it
instead of reading sample_data/ again: the faults are all in the writing. The killed runs and
the runs that must leave the input folder as it was read it themselves."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter.worksheet
from click.testing import CliRunner

from pipeline import history, results, run, staging, workbook
from pipeline.cli import cli
from pipeline.errors import ReconcileError
from tests.builders import SAMPLE

OUTPUTS = ("帮扶资金对账_2021-12.xlsx", "summary.json", "exceptions.csv")


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256 and modification time."""
    return {
        str(
            p.relative_to(folder)
        ): f"{hashlib.sha256(p.read_bytes()).hexdigest()} {p.stat().st_mtime_ns}"
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def november(tmp_path_factory) -> Path:
    """The outputs of a run of the sample closing November, made once: never changed."""
    out = tmp_path_factory.mktemp("november")
    run.reconcile(results.Config(SAMPLE, out, period="2021-11"))
    return out


@pytest.fixture(scope="module")
def reference(november: Path, tmp_path_factory) -> dict[str, bytes]:
    """The outputs of a complete run of the sample closing December after November's (its
    findings carried over from November's)."""
    out = shutil.copytree(november, tmp_path_factory.mktemp("reference") / "out")
    run.reconcile(results.Config(SAMPLE, out))
    return contents(out)


@pytest.fixture
def read_once(monkeypatch: pytest.MonkeyPatch, sample_reconciled: results.Reconciled) -> None:
    """Runs of this test read the sample as the session's run read it, without opening its files
    again (a second and more a run)."""
    monkeypatch.setattr(run, "check", lambda *_: sample_reconciled.checked)


@pytest.fixture
def previous(november: Path, tmp_path: Path) -> Path:
    """An output folder holding an earlier run's outputs: a copy of November's."""
    return shutil.copytree(november, tmp_path / "out")


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, as runs of this test see it: an empty folder of the
    test's own (the machine's is shared with every other process), for runs in this process
    through ``tempfile`` and for the processes the test starts through TMPDIR."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def scratch_folders(folder: Path) -> list[Path]:
    """The staging folders for xlsxwriter's temporary files in an output folder."""
    return sorted(p for p in folder.iterdir() if p.name.startswith(staging.SCRATCH))


def _raise_on_call(number: int) -> Callable[..., object]:
    """A wrapper factory: the ``number``-th call raises, the others go through."""

    def wrap(original: Callable[..., object]) -> Callable[..., object]:
        calls = {"n": 0}

        def hooked(*args: object, **kwargs: object) -> object:
            calls["n"] += 1
            if calls["n"] == number:
                raise RuntimeError(f"fault at call {number}")
            return original(*args, **kwargs)

        return hooked

    return wrap


# Where a run is made to fail: (object, attribute, which call raises). Each is before the commit.
FAULTS = {
    "first detail row": (xlsxwriter.worksheet.Worksheet, "write_row", 1),
    "100th detail row": (xlsxwriter.worksheet.Worksheet, "write_row", 100),
    "summary sheets": (workbook.Book, "rest", 1),
    "workbook close": (xlsxwriter.Workbook, "close", 1),
    "summary.json": (staging.Staging, "write", 1),
    "exceptions.csv": (staging.Staging, "write", 2),
    "run history": (history, "write", 1),
    "commit sync": (staging.os, "fsync", 2),
}


@pytest.mark.usefixtures("read_once")
@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_before_the_commit_leaves_the_previous_outputs(
    previous: Path, monkeypatch, fault: str
) -> None:
    target, name, number = FAULTS[fault]
    before = contents(previous)
    monkeypatch.setattr(target, name, _raise_on_call(number)(getattr(target, name)))
    with pytest.raises(RuntimeError, match=f"fault at call {number}"):
        run.reconcile(results.Config(SAMPLE, previous))
    assert contents(previous) == before  # nothing new, nothing changed, no temporary file


@pytest.mark.usefixtures("read_once")
def test_a_fault_into_an_empty_folder_leaves_it_empty(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(workbook.Book, "rest", _raise_on_call(1)(workbook.Book.rest))
    with pytest.raises(RuntimeError):
        run.reconcile(results.Config(SAMPLE, tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("read_once")
def test_a_fault_between_two_renames_leaves_each_file_whole(
    previous: Path, reference: dict[str, bytes], monkeypatch
) -> None:
    """The one window left: the renames themselves. Each file is then its previous self or its
    complete new self."""
    before = contents(previous)
    monkeypatch.setattr(staging.os, "replace", _raise_on_call(2)(staging.os.replace))
    with pytest.raises(RuntimeError):
        run.reconcile(results.Config(SAMPLE, previous))
    after = contents(previous)
    assert not [name for name in after if staging.PARTIAL in name]
    for name, data in after.items():
        assert data in (before.get(name), reference.get(name)), name


@pytest.mark.usefixtures("read_once")
@pytest.mark.parametrize("password", [None, "帮扶2021!"])
def test_the_workbooks_temporary_rows_lie_beside_the_outputs_while_it_is_written(
    tmp_path: Path, system_temp: Path, monkeypatch, password: str | None
) -> None:
    """xlsxwriter keeps each sheet's rows in a temporary file until the workbook is closed, with
    ``--password`` too (the workbook is then made in memory). While the summary sheets are
    written (对账明细 done), the ten sheets' files are in one hidden staging folder beside the
    outputs and none is in the system's temporary folder; after the run the output folder holds
    its outputs only and the system's temporary folder is still empty."""
    out = tmp_path / "out"
    seen: dict[str, object] = {}
    rest = workbook.Book.rest

    def looking(book: workbook.Book, reconciled: results.Reconciled) -> None:
        seen["scratch"] = [len(list(folder.iterdir())) for folder in scratch_folders(out)]
        seen["system"] = list(system_temp.iterdir())
        rest(book, reconciled)

    monkeypatch.setattr(workbook.Book, "rest", looking)
    run.reconcile(results.Config(SAMPLE, out, password=password))
    assert seen == {"scratch": [len(workbook.SHEETS)], "system": []}
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUTS, history.DATABASE])
    assert list(system_temp.iterdir()) == []


@pytest.mark.usefixtures("read_once")
def test_an_orphaned_temporary_folder_is_removed_by_the_next_run(previous: Path) -> None:
    """Planted: what a killed run leaves, a staging folder ``.tmp.partial-k1`` holding row files
    (one in a folder of its own) and a temporary output ``.summary.json.partial-k2``: the next
    run removes both. Near miss: the clerk's folder 备份 with a file in it stays."""
    orphan = previous / f"{staging.SCRATCH}k1"
    (orphan / "nested").mkdir(parents=True)
    (orphan / "tmpa1b2c3").write_text("<row r='1'>张三 341503199001010013</row>", "utf-8")
    (orphan / "nested" / "tmpd4e5f6").write_text("<row r='2'/>", "utf-8")
    (previous / f".summary.json{staging.PARTIAL}k2").write_text("{", "utf-8")
    (previous / "备份").mkdir()
    (previous / "备份" / "帮扶资金对账_2021-10.xlsx").write_bytes(b"PK")
    run.reconcile(results.Config(SAMPLE, previous))
    assert not [p for p in previous.iterdir() if staging.PARTIAL in p.name]
    assert sorted(p.name for p in previous.iterdir()) == sorted(
        [*OUTPUTS, "帮扶资金对账_2021-11.xlsx", history.DATABASE, "备份"]
    )
    assert (previous / "备份" / "帮扶资金对账_2021-10.xlsx").read_bytes() == b"PK"


KILLED_WHILE_WRITING = """
import os, signal, sys
from pipeline import workbook
from pipeline.cli import cli
workbook.Book.rest = lambda *_: os.kill(os.getpid(), signal.SIGKILL)
cli(sys.argv[1:])
"""
PERSONAL_NUMBER = re.compile(rb"[0-9]{17}[0-9X]")  # an ID number (or a card number)


def test_a_run_killed_while_writing_leaves_its_rows_beside_the_outputs_for_the_next_run(
    previous: Path, system_temp: Path
) -> None:
    """A real run killed (SIGKILL) once 对账明细 is written, while the summary sheets would be:
    its temporary rows, ID numbers among them, lie in the hidden staging folder beside the
    outputs, and nothing in the system's temporary folder; the next run removes them."""
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_WRITING, "reconcile", str(SAMPLE)]
        + ["--out", str(previous)],
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (scratch,) = scratch_folders(previous)
    rows = b"".join(p.read_bytes() for p in scratch.iterdir())
    assert PERSONAL_NUMBER.search(rows)
    assert list(system_temp.iterdir()) == []
    run.reconcile(results.Config(SAMPLE, previous))
    assert not [p for p in previous.iterdir() if staging.PARTIAL in p.name]
    assert list(system_temp.iterdir()) == []


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.3, 1.8, 2.4])
def test_a_killed_run_never_leaves_a_truncated_output(
    previous: Path, reference: dict[str, bytes], system_temp: Path, delay: float
) -> None:
    """SIGKILL at several moments of a real run: every output is its previous or its new
    complete self; the history database is intact; nothing is left in the system's temporary
    folder; the next run removes the orphans, files and folders."""
    before = contents(previous)
    inputs = digest(SAMPLE)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "reconcile", str(SAMPLE), "--out", str(previous)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = contents(previous)
    for name, data in after.items():
        if staging.PARTIAL in name or name == history.DATABASE:
            continue  # an orphan (hidden, removed below); the history is checked below
        assert data in (before.get(name), reference.get(name)), name
        if name.endswith(".xlsx"):
            assert zipfile.ZipFile(previous / name).testzip() is None
    with sqlite3.connect(previous / history.DATABASE) as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert list(system_temp.iterdir()) == []
    run.reconcile(results.Config(SAMPLE, previous))
    assert not [p for p in previous.iterdir() if staging.PARTIAL in p.name]
    assert {n: contents(previous)[n] for n in OUTPUTS} == {n: reference[n] for n in OUTPUTS}
    assert digest(SAMPLE) == inputs


class FullDisk:
    """A connection that fails at the first insert as sqlite does when the disk is full."""

    def __init__(self, path: Path) -> None:
        self.db = CONNECT(path)

    def __getattr__(self, name: str) -> object:
        return getattr(self.db, name)

    def __enter__(self) -> FullDisk:
        self.db.__enter__()
        return self

    def __exit__(self, *exc: object) -> object:
        return self.db.__exit__(*exc)

    def executemany(self, *_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")


CONNECT = sqlite3.connect  # history.sqlite3 is sqlite3: the real one, kept


def full_disk(path: object, *args: object, **kwargs: object) -> object:
    """``sqlite3.connect`` whose connection to the staged history copy (a Path; the history
    is read through a URI) fails as a full disk does."""
    if isinstance(path, Path):
        return FullDisk(path)
    return CONNECT(path, *args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.usefixtures("read_once")
def test_a_full_disk_while_the_history_is_written_keeps_the_history(
    previous: Path, monkeypatch
) -> None:
    """The history is changed in a staged copy: a full disk there is the same clear message as
    for the workbook, and the history and every output are as they were."""
    before = contents(previous)
    monkeypatch.setattr(history.sqlite3, "connect", full_disk)
    with pytest.raises(staging.UnwritableOutput, match="磁盘空间不足"):
        run.reconcile(results.Config(SAMPLE, previous))
    monkeypatch.undo()
    assert contents(previous) == before


@pytest.mark.usefixtures("read_once")
def test_a_full_disk_at_the_first_run_leaves_no_empty_history(tmp_path: Path, monkeypatch) -> None:
    """Planted: the disk fills while the very first history is written (today's report: an
    empty run_history.sqlite left behind)."""
    monkeypatch.setattr(history.sqlite3, "connect", full_disk)
    with pytest.raises(staging.UnwritableOutput, match="磁盘空间不足"):
        run.reconcile(results.Config(SAMPLE, tmp_path))
    assert list(tmp_path.iterdir()) == []


UNWRITABLE = {
    "read-only": (errno.EROFS, "目录只读或没有写权限"),
    "no permission": (errno.EACCES, "目录只读或没有写权限"),
    "disk full": (errno.ENOSPC, "磁盘空间不足"),
}


@pytest.mark.usefixtures("read_once")
@pytest.mark.parametrize("case", UNWRITABLE)
def test_an_unwritable_output_folder_is_a_clear_error(
    previous: Path, monkeypatch, case: str
) -> None:
    """As root (CI) a chmod does not stop writing, so the operating system's refusal is
    simulated where it surfaces: creating the temporary file, or writing it."""
    code, why = UNWRITABLE[case]
    before = contents(previous)

    def refuse(*_: object, **__: object) -> None:
        raise OSError(code, "refused")

    where = (staging.tempfile, "mkstemp") if case != "disk full" else (Path, "write_bytes")
    monkeypatch.setattr(*where, refuse)
    result = CliRunner().invoke(cli, ["reconcile", str(SAMPLE), "--out", str(previous)])
    assert result.exit_code == 1
    assert result.output.startswith(f"错误：输出目录“{previous}”无法写入：{why}")
    assert "Traceback" not in result.output
    monkeypatch.undo()
    assert contents(previous) == before


def test_a_really_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("as root a read-only mode does not stop writing: see the simulated cases above")
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(ReconcileError, match="目录只读或没有写权限"):
            run.reconcile(results.Config(SAMPLE, out))
    finally:
        out.chmod(0o755)


def test_runs_never_change_the_input_folder(tmp_path: Path, monkeypatch) -> None:
    inputs = digest(SAMPLE)
    run.reconcile(results.Config(SAMPLE, tmp_path / "a"))
    run.reconcile(results.Config(SAMPLE, tmp_path / "b", mask=True, password="x"))
    monkeypatch.setattr(workbook.Book, "rest", _raise_on_call(1)(workbook.Book.rest))
    with pytest.raises(RuntimeError):
        run.reconcile(results.Config(SAMPLE, tmp_path / "c"))
    assert digest(SAMPLE) == inputs
