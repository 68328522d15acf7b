"""Work in a second process, for inputs large enough to pay for it (the machine has two cores).

``map_in_order`` maps over the input files in worker processes; ``Beside`` computes one function
in a forked process while the caller goes on; ``large`` says whether inputs of given sizes are
worth it. Both give results in input order and raise a worker's exception in the caller, so
that what comes out never depends on which worker finished first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

WORKERS = 2
PARALLEL_FROM_BYTES = 4 * 1024 * 1024  # below this, starting workers costs more than it saves

T = TypeVar("T")
R = TypeVar("R")


def large(sizes: Iterable[int]) -> bool:
    """Whether input files of these sizes are enough for a second process to pay."""
    return sum(sizes) >= PARALLEL_FROM_BYTES


def map_in_order(function: Callable[[T], R], items: Iterable[T], parallel: bool) -> Iterator[R]:
    """``map`` in input order; in worker processes when ``parallel``. Errors surface in order."""
    if not parallel:
        yield from map(function, items)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        yield from pool.map(function, items)


class Beside(Generic[T]):
    """``function()`` computed in a forked worker process while this one goes on, when
    ``parallel``; else at once, here. The worker inherits this process's memory (nothing big
    is copied to it); only the result comes back, pickled, and an exception is raised here."""

    def __init__(self, function: Callable[[], T], parallel: bool) -> None:
        self._process: multiprocessing.process.BaseProcess | None = None
        self._outcome: tuple[bool, Any]
        if not parallel:
            self._outcome = _outcome(function)
            return
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(target=_send_outcome, args=(function, writer))
        self._process.start()
        writer.close()

    def result(self) -> T:
        if self._process is not None:
            try:
                self._outcome = self._reader.recv()
            except EOFError:
                self._outcome = (
                    False,
                    RuntimeError(f"工作进程异常退出（{self._process.exitcode}）"),
                )
            finally:
                self._process.join()
                self._reader.close()
                self._process = None
        succeeded, value = self._outcome
        if succeeded:
            return value  # type: ignore[no-any-return]
        raise value  # an exception


def _outcome(function: Callable[[], T]) -> tuple[bool, Any]:
    try:
        return True, function()
    except Exception as error:  # noqa: BLE001 - raised again in the parent by Beside.result
        return False, error


def _send_outcome(function: Callable[[], T], connection: Connection) -> None:
    connection.send(_outcome(function))
    connection.close()
