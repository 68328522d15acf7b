"""How outputs reach the output folder: all of them, or none.

In: the output folder and, one by one, the outputs of a run (a path to write the workbook to, or
the bytes of summary.json and exceptions.csv). Out: the files, each first written to a hidden
temporary file beside its target (``.<name>.partial-XXXX``), synced, and renamed over its
target only when every output of the run is complete (``Staging.commit``). A failure before
that removes the temporary files and leaves every previous output as it was; a process killed
before that leaves them too, and its orphaned temporary files are removed by the next run.
A folder that cannot be written (read-only, no permission, disk full) is a ``ReconcileError``
saying so, not a traceback.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import ReconcileError

PARTIAL = ".partial-"  # in the name of every temporary file, and only there
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class UnwritableOutput(ReconcileError):
    """The output folder cannot take the outputs."""


class Staging:
    """The temporary files of one run's outputs, until ``commit`` renames them into place."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[Path, Path] = {}  # target → its temporary file
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

    def write(self, name: str, data: bytes) -> None:
        self.path(name).write_bytes(data)

    def commit(self) -> None:
        """Every output synced to disk, then each renamed over its target."""
        for temporary in self.files.values():
            with open(temporary, "rb") as stream:
                os.fsync(stream.fileno())
        for target, temporary in self.files.items():
            os.replace(temporary, target)
        self.files.clear()
        _sync_folder(self.folder)

    def discard(self) -> None:
        for temporary in self.files.values():
            temporary.unlink(missing_ok=True)
        self.files.clear()


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
    """Temporary files a killed run left behind (only ours: their names say so)."""
    for orphan in folder.glob(f".*{PARTIAL}*"):
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
