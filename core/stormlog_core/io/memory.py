"""Giving memory back to the system after a load.

A load allocates and frees many column buffers of a few dozen kilobytes (one per parsed
segment and column); the C allocator keeps the freed ones for reuse, so a process that
held 370 MiB at the peak of a 1M-record load still held 365 MiB afterwards while its data
was 150 MiB. ``malloc_trim`` (glibc) returns the free pages; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def release_free_memory() -> None:
    """Return the allocator's free pages to the system (glibc only; never raises)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass
