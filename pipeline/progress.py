"""What a run tells while it works: a progress display in a terminal, and each stage's figures.

In: the stages ``run.reconcile`` goes through, each opened with ``Progress.stage(name, total)``,
which gives the stage an ``advance(n)`` to call as its units are done (files read, rows
written). Out: ``Progress.figures``, per stage its seconds and the peak resident memory of this
process during it (and of the worker processes, where the stage started them), which
``make bench`` reports; on a terminal, a bar or a spinner per stage on stderr; and to a
``watch`` (the page's progress bar, ``pipeline.web.jobs``), each stage's start and advance.

The display is on only where someone watches: stderr a terminal and no ``CI`` variable set;
piped, redirected or in CI the run prints nothing but its report.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.memory import give_back

Advance = Callable[[int], None]
Watch = Callable[[str, int, int | None], None]  # stage, units done so far, units in all

STAGES = {
    "read": "读取与校验",
    "match": "匹配银行发放",
    "reconcile": "逐人对账",
    "rules": "检查规则",
    "aggregate": "汇总",
    "write": "写出",
}
STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass(frozen=True)
class StageFigure:
    stage: str
    seconds: float
    peak_mib: float  # this process, during the stage
    workers_peak_mib: float  # the largest worker process started so far (0: none)


@dataclass
class Progress:
    display: bool = False
    figures: list[StageFigure] = field(default_factory=list)
    watch: Watch | None = None  # told each stage's start and every advance

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Advance]:
        """Time the block and its memory; on a terminal, show it advancing."""
        _reset_peak()
        started = time.perf_counter()
        tell = self._teller(name, total)
        if self.display:
            with _display() as shown:
                task = shown.add_task(STAGES[name], total=total)

                def advance(n: int) -> None:
                    shown.advance(task, n)
                    tell(n)

                yield advance
                shown.update(task, total=total or 1, completed=total or 1)
        else:
            yield tell
        give_back()  # what the stage freed, before the next one allocates
        self.figures.append(
            StageFigure(
                name,
                round(time.perf_counter() - started, 3),
                _peak_mib(),
                round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            )
        )

    def _teller(self, name: str, total: int | None) -> Advance:
        """What tells the watch, if any, that the stage has advanced; it is told the start now."""
        watch = self.watch
        if watch is None:
            return ignore
        done = 0
        watch(name, done, total)

        def tell(n: int) -> None:
            nonlocal done
            done += n
            watch(name, done, total)

        return tell

    def as_json(self) -> bytes:
        """The figures, for ``--timings``."""
        return json.dumps([asdict(f) for f in self.figures], ensure_ascii=False).encode("utf-8")


def for_terminal() -> Progress:
    """Shown on a terminal, quiet when piped and in CI."""
    return Progress(display=sys.stderr.isatty() and not os.environ.get("CI"))


def _display() -> Any:
    """A rich progress display on stderr (imported only when shown: a run in CI never pays)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as Display

    return Display(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
        redirect_stdout=False,
        redirect_stderr=False,
    )


def ignore(_: int) -> None:
    return None


def _reset_peak() -> None:
    """Start the peak resident memory (VmHWM) afresh, so each stage has its own (Linux)."""
    with suppress(OSError):  # elsewhere the peak is that of the run so far
        CLEAR_REFS.write_text("5")


def _peak_mib() -> float:
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", STATUS.read_text())
    except OSError:
        found = None
    if found:
        return round(int(found.group(1)) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
