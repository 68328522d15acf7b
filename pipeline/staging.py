"""How outputs reach the output folder: all of them, or none.

In: the output folder and, one by one, the outputs of a run (a path to write the workbook to, or
the bytes of summary.json and exceptions.csv). Out: the files, each first written to a hidden
temporary file beside its target (``.<name>.partial-XXXX``), synced, and renamed over its
target only when every output of the run is complete (``Staging.commit``), which also removes
an output of an earlier run that this run does not write (``Staging.remove``); and a hidden
folder beside them (``.tmp.partial-XXXX``, ``Staging.scratch``) for the temporary files a writer
makes of its own: xlsxwriter's rows of 对账明细, names and ID numbers, which would otherwise lie
in the system's temporary folder, where nothing removes them after a kill. A failure before the
commit removes the temporary files and that folder and leaves every previous output as it was;
a process killed before it leaves them too, and its orphaned files and folders are removed by
the next run.
A folder that cannot be written (read-only, no permission, disk full) is a ``ReconcileError``
saying so, not a traceback.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import ReconcileError

PARTIAL = ".partial-"  # in the name of every temporary file and folder, and only there
SCRATCH = f".tmp{PARTIAL}"  # the prefix of the folder for a writer's own temporary files
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class UnwritableOutput(ReconcileError):
    """The output folder cannot take the outputs."""


class Staging:
    """The temporary files of one run's outputs, until ``commit`` renames them into place."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[Path, Path] = {}  # target → its temporary file
        self.gone: set[Path] = set()  # outputs of an earlier run that this run does not write
        self.scratch_folder: Path | None = None  # made by ``scratch`` when first asked for
        umask = os.umask(0o022)
        os.umask(umask)
        self.mode = 0o666 & ~umask  # as an ordinary new file (mkstemp makes it private)

    def path(self, name: str) -> Path:
        """A new empty temporary file for the output ``name``, to be written by the caller."""
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}{PARTIAL}")
        os.fchmod(handle, self.mode)
        os.close(handle)
        self.files[self.folder / name] = Path(temporary)
        return Path(temporary)

    def scratch(self) -> Path:
        """The folder for a writer's own temporary files (xlsxwriter's ``tmpdir``), made on
        first use; removed with the temporary files, by ``commit`` or ``discard``."""
        if self.scratch_folder is None:
            self.scratch_folder = Path(tempfile.mkdtemp(dir=self.folder, prefix=SCRATCH))
        return self.scratch_folder

    def write(self, name: str, data: bytes) -> None:
        self.path(name).write_bytes(data)

    def remove(self, name: str) -> None:
        """The output ``name``, if an earlier run left it, removed by ``commit``: it would
        otherwise lie beside outputs it does not belong to."""
        self.gone.add(self.folder / name)

    def commit(self) -> None:
        """Every output synced to disk, then the outputs this run does not write removed, then
        each output renamed over its target. Removed first: a crash between the two leaves the
        earlier outputs short of a file, never a file that disagrees with the outputs beside it."""
        for temporary in self.files.values():
            with open(temporary, "rb") as stream:
                os.fsync(stream.fileno())
        for target in self.gone - self.files.keys():
            target.unlink(missing_ok=True)
        self.gone.clear()
        for target, temporary in self.files.items():
            os.replace(temporary, target)
        self.files.clear()
        _sync_folder(self.folder)
        self._remove_scratch()

    def discard(self) -> None:
        for temporary in self.files.values():
            temporary.unlink(missing_ok=True)
        self.files.clear()
        self.gone.clear()
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        """Errors ignored: the outputs are what counts, and the next run removes what is left."""
        if self.scratch_folder is not None:
            shutil.rmtree(self.scratch_folder, ignore_errors=True)
            self.scratch_folder = None


@contextmanager
def staged(folder: Path) -> Iterator[Staging]:
    """A ``Staging`` for ``folder``; whatever the block has not committed is removed when it
    ends, by an error or not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_orphans(folder)
    except OSError as error:
        raise unwritable(folder, error) from error
    staging = Staging(folder)
    try:
        yield staging
    except OSError as error:
        raise unwritable(folder, error) from error
    finally:
        staging.discard()


def write_atomically(path: Path, data: bytes) -> None:
    """One file on its own, all or nothing."""
    with staged(path.parent) as staging:
        staging.write(path.name, data)
        staging.commit()


def unwritable(folder: Path, error: OSError) -> UnwritableOutput:
    if error.errno in FULL:
        why = "磁盘空间不足。请清理磁盘，或用 --out 换一个有空间的输出目录"
    elif error.errno in READ_ONLY:
        why = "目录只读或没有写权限。请用 --out 换一个可写的输出目录，或请管理员开放写权限"
    else:
        why = f"{error.strerror or error}。请检查输出目录，或用 --out 换一个输出目录"
    return UnwritableOutput(
        f"输出目录“{folder}”无法写入：{why}。原有的输出文件保持不变，输入文件未被修改"
    )


def _remove_orphans(folder: Path) -> None:
    """Temporary files and folders a killed run left behind (only ours: their names say so)."""
    for orphan in folder.glob(f".*{PARTIAL}*"):
        if orphan.is_dir() and not orphan.is_symlink():
            shutil.rmtree(orphan)
        else:
            orphan.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """The renames themselves on disk (POSIX; elsewhere a no-op)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
