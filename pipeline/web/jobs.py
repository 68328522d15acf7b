"""The run started from the page: one at a time, in a process of its own, its stages told.

In: a ``Config`` as the command line makes it. Out: ``Job`` — the period, the stage running
with its units done and in all (the same stages as the terminal's progress display), and at the
end the terminal's report lines or the error in the words the command prints.

The run is ``run.reconcile``, the function the command calls, in a freshly started (spawned)
process: the server's threads are never forked, a province's frames are freed when the process
ends, and a crash of the run cannot take the page down. A second start while one runs is
refused. The clerk may go on writing notes while a run works: they go into the history at once,
and since the run replaces the history with its own copy when it commits, they are written
again once it has ended (the latest note per finding applies, so writing one twice is harmless).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pipeline import history, privacy, report, run
from pipeline.errors import ReconcileError, in_words
from pipeline.progress import Progress
from pipeline.results import Config

TELL_EVERY_SECONDS = 0.25  # a stage's advance is told at most this often
RUN_STAGES = ("read", "match", "reconcile", "write")  # those the terminal shows, in order


@dataclass
class Job:
    period: str
    started: float  # time.time()
    stage: str = ""
    done: int = 0
    total: int | None = None
    finished: float | None = None
    ok: bool | None = None
    lines: list[str] = field(default_factory=list)  # the terminal's report, masked
    message: str = ""  # why it failed

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "running": self.finished is None,
            "stage": self.stage,
            "stages": list(RUN_STAGES),
            "fraction": self.fraction(),
            "done": self.done,
            "total": self.total,
            "seconds": round((self.finished or time.time()) - self.started, 1),
            "ok": self.ok,
            "lines": self.lines,
            "message": self.message,
        }

    def fraction(self) -> float:
        """The share of the run done: the stages passed, and the part of this one."""
        if self.finished is not None:
            return 1.0
        if self.stage not in RUN_STAGES:
            return 0.0
        within = self.done / self.total if self.total else 0.0
        return (RUN_STAGES.index(self.stage) + min(within, 1.0)) / len(RUN_STAGES)


class Busy(Exception):
    """What is asked must wait for a run, or for files being changed; ``str(busy)`` says so."""


class Runner:
    """At most one run at a time, and the notes written while it runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.job: Job | None = None
        self._notes_during: list[tuple[Any, ...]] = []
        self._follower: threading.Thread | None = None
        self._process: Any = None
        self._changing: dict[str, int] = {}  # period → uploads or removals going on

    def running(self) -> Job | None:
        with self._lock:
            return self.job if self.job is not None and self.job.finished is None else None

    def start(self, config: Config, period: str) -> Job:
        """Start a run of ``config``; Busy when one is going."""
        with self._lock:
            job = self.job
            if job is not None and job.finished is None:
                raise Busy(
                    f"{job.period} 的对账正在进行（已进行 {time.time() - job.started:.0f} 秒），"
                    "请等它完成后再开始"
                )
            if self._changing.get(period):
                raise Busy(f"{period} 正在上传或移除文件，请稍候再开始对账")
            context = multiprocessing.get_context("spawn")
            messages = context.Queue()
            # not daemonic: a large run forks workers of its own (``pipeline.parallel``)
            process = context.Process(target=_reconcile, args=(config, messages))
            job = Job(period, time.time())
            process.start()
            self.job, self._process = job, process
            self._follower = threading.Thread(
                target=self._follow, args=(process, messages, job), daemon=True
            )
            self._follower.start()
            return job

    def may_change(self, period: str) -> None:
        """Busy if a run of ``period`` is going: its input files must not change under it."""
        with self._lock:
            self._refuse_changes(period)

    def _refuse_changes(self, period: str) -> None:
        if self.job is not None and self.job.finished is None and self.job.period == period:
            raise Busy(f"{period} 正在对账，此时不能更改它的输入文件：请等对账完成后再上传或移除")

    @contextmanager
    def changing(self, period: str) -> Iterator[None]:
        """While the period's input files are changed (an upload, a removal): Busy if a run of
        it is going, and no run of it starts meanwhile."""
        with self._lock:
            self._refuse_changes(period)
            self._changing[period] = self._changing.get(period, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._changing[period] -= 1

    def stop(self) -> str | None:
        """The server is stopping: a run still going is ended (its outputs are committed all
        at once or not at all, so nothing is left half-written); its period, if there was one."""
        process, job = self._process, self.job
        if process is None or job is None or not process.is_alive():
            return None
        process.terminate()
        process.join(10)
        return job.period

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the run to end."""
        if self._follower is not None:
            self._follower.join(seconds)

    def add_note(self, config: Config, finding_id: str, status: str, text: str) -> None:
        """A note from the page into the history; kept to be written again if a run is going."""
        note = (config.output_dir, finding_id, status, text, str(config.period))
        with self._lock:
            history.add_note(*note)
            if self.job is not None and self.job.finished is None:
                self._notes_during.append(note)

    def _follow(self, process: Any, messages: Any, job: Job) -> None:
        """Take the run's messages (its stages, then done or failed) until it ends."""
        while True:
            try:
                message = messages.get(timeout=0.5)
            except queue.Empty:
                if process.is_alive():
                    continue
                message = _last(messages) or (
                    "failed",
                    f"对账进程意外结束（退出码 {process.exitcode}），没有写出任何文件："
                    "可能是内存不足或被强行结束。请重新对账；再次发生时请把输入文件交给维护人员",
                )
            if message[0] == "stage":
                with self._lock:
                    job.stage, job.done, job.total = message[1:]
                continue
            with self._lock:
                self._end(job, message)
            break
        process.join(5)

    def _end(self, job: Job, message: tuple[Any, ...]) -> None:
        """The job done or failed, and the notes saved during it written again (the run's
        history replaced them); the job ends whatever happens to them."""
        job.ok = message[0] == "done"
        job.lines, job.message = (message[1], "") if job.ok else ([], message[1])
        try:
            for note in self._notes_during:
                history.add_note(*note)
        except ReconcileError as error:
            job.message = (job.message + "\n" if job.message else "") + str(error)
        finally:
            self._notes_during.clear()
            job.finished = time.time()


def _last(messages: Any) -> tuple[Any, ...] | None:
    """The final message of a run that has ended, if it sent one."""
    last = None
    try:
        while True:
            message = messages.get(timeout=0.2)
            if message[0] != "stage":
                last = message
    except queue.Empty:
        return last


def _reconcile(config: Config, messages: Any) -> None:
    """In the run's process: ``run.reconcile`` with its stages told, then the report."""
    try:
        result = run.reconcile(config, Progress(watch=_teller(messages.put)))
        lines = [
            privacy.mask_text(line)
            for line in report.reconcile_lines(result, config.output_dir.name)
        ]
        messages.put(("done", lines))
    except Exception as error:  # noqa: BLE001 - told to the page in the command's words
        messages.put(("failed", in_words(error)))
    messages.close()
    messages.join_thread()
    os._exit(0)  # frames are not freed one by one: the process is done


def _teller(put: Callable[[tuple[Any, ...]], None]) -> Callable[[str, int, int | None], None]:
    told = {"at": 0.0}

    def watch(stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if done == 0 or done == total or now - told["at"] >= TELL_EVERY_SECONDS:
            told["at"] = now
            put(("stage", stage, done, total))

    return watch
