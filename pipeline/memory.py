"""Memory given back to the machine between stages.

A stage of a large run frees hundreds of MiB of temporary frames, but the allocators keep the
freed pages for later: Arrow's pool (mimalloc) its own, and the C library's malloc the pieces of
numpy's and Python's. Measured on 10⁶ records, a run held twice what its live frames needed,
and a forked worker held the same again. ``give_back`` returns those pages (and the frames of
reference cycles): called where a stage ends, it keeps the peak to what is alive.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable
from functools import cache

import pyarrow as pa

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
GIVE_BACK_FROM = 512 * 2**20  # resident bytes; below, a full collection costs more than it saves


def give_back() -> None:
    """Free unreachable objects and return the allocators' free pages to the machine, in a
    process that holds enough to matter (a collection takes 50 ms or more: a small run would
    pay it at every stage and file for nothing)."""
    if _resident_bytes() < GIVE_BACK_FROM:
        return
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _resident_bytes() -> int:
    """This process's resident size (Linux; elsewhere counted as large)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return GIVE_BACK_FROM


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, where the C library has one (not on macOS or musl)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None
