"""Opening telemetry files safely: regular files only, never blocking, reads bounded.

A FIFO, a socket or a device (or a symlink to one, such as ``/dev/zero``) named like a
segment must not hang or flood a load. Files are opened with ``O_NONBLOCK`` and their type
is checked on the opened descriptor (no race between a check and the open); anything but
a regular file raises :class:`NotRegularFile`. Reads that a file's content could make
unbounded take a limit.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import Final

#: A manifest larger than this is not read (real ones are a few KB to a few hundred KB).
MANIFEST_MAX_BYTES: Final = 8 * 1024 * 1024
#: Bytes read from the start of a file to decide what it is.
PROBE_BYTES: Final = 4096
_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC
)
_KINDS: Final = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


class NotRegularFile(OSError):
    """The path is not a regular file (``kind`` says what it is)."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.message = f"{path} is {kind}; only regular files are read"

    def __str__(self) -> str:
        return self.message


class TooLarge(OSError):
    """A file is larger than the limit for what it is."""

    def __init__(self, path: str | Path, size: int, limit: int) -> None:
        super().__init__()
        self.size = size
        self.limit = limit
        self.message = f"{path} is {size:,} bytes, over the limit of {limit:,}"

    def __str__(self) -> str:
        return self.message


def kind_of_mode(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words (``a regular file``, ``a FIFO``...)."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def open_regular(path: str | Path) -> io.BufferedReader:
    """Open for reading without blocking; raise :class:`NotRegularFile` for anything else.

    Symlinks are followed (the kernel detects loops: ``ELOOP`` is an ``OSError``).
    """
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, kind_of_mode(mode))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_head(path: str | Path, size: int = PROBE_BYTES) -> bytes:
    """The first ``size`` bytes of a regular file."""
    with open_regular(path) as handle:
        return handle.read(size)


def read_limited(path: str | Path, limit: int) -> bytes:
    """The whole content of a regular file, or :class:`TooLarge` past ``limit`` bytes."""
    with open_regular(path) as handle:
        data = handle.read(limit + 1)
        if len(data) > limit:
            size = max(os.fstat(handle.fileno()).st_size, len(data))
            raise TooLarge(path, size, limit)
        return data


def path_kind(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file or a directory (None otherwise)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return kind_of_mode(mode)
