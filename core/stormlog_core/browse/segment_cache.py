"""A cache of closed segments: their parsed columns, kept in the user's cache directory.

A sink segment that its manifest lists as closed never changes again, so what the parser
made of it is kept in ``$XDG_CACHE_HOME/stormlog-tui/segments/`` (see
:func:`~stormlog_core.io.cache_home.cache_home`), and reopening a finished job reads that
instead of parsing the file again. Never anywhere else, never next to the telemetry; the
telemetry is only ever opened read-only. The rules:

* **What**: only a closed sink segment read whole (:func:`cacheable`). The parent marks
  those tasks before the read stage (``FileTask.cache_dir``), so worker processes need no
  settings of their own; a follower's reads of appended bytes are never marked.
* **Key**: the file's real path and the path as given, its device, inode, size, mtime and
  ctime, the task's parse options, the entry format and the package version, hashed into
  the entry's name and stored in it. The status is the ``fstat`` of the descriptor that
  is read: an entry is used only for the file actually open, and written only when the
  file did not change while it was read.
* **Safe**: an entry is data, not code (no pickle, see :mod:`.chunk_codec`); written to a
  temporary file in the cache directory and renamed, so a reader (another stormlog-tui
  included) sees a whole entry or none. A truncated, corrupt or foreign entry is removed
  and the file parsed again.
* **Bounded**: :func:`trim` keeps the cache under its bound (2 GiB unless
  ``STORMLOG_TUI_CACHE_MAX_BYTES`` or the config file says otherwise), least recently
  used first out (a hit touches the entry's mtime).
* **Off**: ``--no-cache`` (:func:`configure_cache`), ``STORMLOG_TUI_NO_CACHE=1``, a bound of 0,
  or a cache directory that cannot be made or is not the user's own. Quietly: the results
  are the same with or without the cache, so a cache that cannot work is not a problem
  with the telemetry, and warnings are about the telemetry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import msgspec

from stormlog_core.browse.chunk_codec import decode_chunk, encode_chunk, layout
from stormlog_core.browse.chunks import ParsedChunk
from stormlog_core.browse.plan import FileTask
from stormlog_core.io.cache_home import cache_home
from stormlog_core.io.lines import max_line_bytes
from stormlog_core.version import __version__

#: The bound on the cache's size unless the environment or the config file gives one.
DEFAULT_MAX_BYTES: Final = 2 << 30
NO_CACHE_ENV: Final = "STORMLOG_TUI_NO_CACHE"
MAX_BYTES_ENV: Final = "STORMLOG_TUI_CACHE_MAX_BYTES"
#: The cache's directory below :func:`cache_home`.
SEGMENTS_DIR: Final = "segments"
SUFFIX: Final = ".seg"
TEMP_PREFIX: Final = ".tmp-"
#: A temporary file this old was left by a writer that died; trimming removes it.
STALE_TEMP_SECONDS: Final = 3600
#: An entry larger than this many times its segment (plus a MiB) is not one we wrote.
_MAX_GROWTH: Final = 4


@dataclass
class _Choices:
    enabled: bool = True
    max_bytes: int | None = None


_CHOSEN: Final = _Choices()


def configure_cache(*, enabled: bool = True, max_bytes: int | None = None) -> None:
    """The program's settings: ``enabled=False`` for ``--no-cache``; ``max_bytes`` from
    the config file (``STORMLOG_TUI_CACHE_MAX_BYTES`` wins over it). Called with no
    arguments, back to the defaults."""
    _CHOSEN.enabled = enabled
    _CHOSEN.max_bytes = max_bytes


def segments_dir() -> Path:
    """``$XDG_CACHE_HOME/stormlog-tui/segments``."""
    return cache_home() / SEGMENTS_DIR


def max_bytes() -> int:
    """The bound: ``STORMLOG_TUI_CACHE_MAX_BYTES`` when it is a whole number of bytes,
    else the configured one, else :data:`DEFAULT_MAX_BYTES`."""
    try:
        return max(0, int(os.environ.get(MAX_BYTES_ENV, "").strip()))
    except ValueError:
        pass
    return DEFAULT_MAX_BYTES if _CHOSEN.max_bytes is None else max(0, _CHOSEN.max_bytes)


@dataclass(frozen=True)
class SegmentCache:
    """The cache a load uses: its directory (made, and the user's own) and its bound."""

    directory: Path
    max_bytes: int


def open_cache() -> SegmentCache | None:
    """The cache for a load, or None when it is off (see the module's rules)."""
    if not _CHOSEN.enabled or os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    bound = max_bytes()
    if bound <= 0:
        return None
    try:
        directory = segments_dir()
        _make_private(directory)
    except (OSError, RuntimeError):  # no home, read-only, not ours: no cache
        return None
    return SegmentCache(directory, bound)


def _make_private(directory: Path) -> None:
    """Make ``directory`` (mode 0700) unless it exists; raise OSError unless it is a
    directory of this user that nobody else may write to."""
    if not directory.is_dir():
        os.makedirs(directory.parent, mode=0o700, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(directory, 0o700)
    status = os.stat(directory)
    mine = not hasattr(os, "getuid") or status.st_uid == os.getuid()
    if not stat.S_ISDIR(status.st_mode) or not mine or status.st_mode & 0o022:
        raise OSError(f"{directory} is not a private directory of this user")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OSError(f"{directory} is not writable")


def cacheable(task: FileTask) -> bool:
    """Whether ``task`` may be served from the cache: a closed sink segment read whole."""
    return task.segment and task.closed and task.kind == "jsonl" and task.offset == 0


def offer(tasks: Sequence[FileTask], cache: SegmentCache | None) -> None:
    """Mark the tasks ``cache`` may serve and keep (none when it is off)."""
    if cache is None:
        return
    for task in tasks:
        if cacheable(task):
            task.cache_dir = str(cache.directory)


_key_encoder = msgspec.msgpack.Encoder()


class Entry:
    """The cache entry of one file, as the descriptor being read says the file is."""

    def __init__(self, path: Path, key: list[Any], limit: int) -> None:
        self.path = path
        self.key = key
        self._limit = limit

    def load(self) -> ParsedChunk | None:
        """The chunk kept for this file (the entry touched: recently used), or None. An
        entry that is not intact, or not for this file as it is, is removed."""
        try:
            with open(self.path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                data = bytearray(size) if size <= self._limit else None
                whole = data is not None and handle.readinto(data) == size
        except OSError:  # none yet (or gone meanwhile, or unreadable)
            return None
        chunk = decode_chunk(data, self.key) if whole and data is not None else None
        if chunk is None:
            self.remove()
            return None
        with contextlib.suppress(OSError):
            os.utime(self.path)
        return chunk

    def store(self, chunk: ParsedChunk) -> bool:
        """Keep ``chunk`` as this file's entry (atomically); False when it was not kept
        (a chunk that is not plain data, a full disk: the cache just misses next time)."""
        pieces = encode_chunk(chunk, self.key)
        if pieces is None:
            return False
        try:
            fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.path.parent)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as handle:
                for piece in pieces:
                    handle.write(piece)
            os.replace(temp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            return False
        return True

    def remove(self) -> None:
        """Remove the entry (gone already is fine)."""
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def entry_for(task: FileTask, status: os.stat_result) -> Entry | None:
    """The entry of ``task``'s file with this status (from ``fstat`` of the descriptor
    read), or None when the task is not to be cached."""
    if task.cache_dir is None or not cacheable(task) or not stat.S_ISREG(status.st_mode):
        return None
    key = [
        "stormlog-tui segment",
        layout(),
        __version__,
        os.path.realpath(task.path),
        task.path,
        task.hint,
        task.final,
        task.first_line,
        max_line_bytes(),
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    ]
    name = hashlib.blake2b(_key_encoder.encode(key), digest_size=20).hexdigest() + SUFFIX
    limit = _MAX_GROWTH * status.st_size + (1 << 20)
    return Entry(Path(task.cache_dir) / name, key, limit)


def kept(task: FileTask, status: os.stat_result) -> bool:
    """Whether an entry exists for ``task``'s file with this status: a hint to plan the
    reads by (reading checks the entry itself)."""
    entry = entry_for(task, status)
    return entry is not None and entry.path.is_file()


def steady(before: os.stat_result, after: os.stat_result) -> bool:
    """Whether a file's status is the same after a read as before it."""
    fields = ("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")
    return all(getattr(before, name) == getattr(after, name) for name in fields)


def trim(cache: SegmentCache) -> None:
    """Remove the least recently used entries until the cache holds at most its bound,
    and temporary files that writers which died left behind. Only this cache's own files
    are ever removed."""
    entries: list[tuple[int, str, int]] = []
    now = time.time()
    try:
        scan = os.scandir(cache.directory)
    except OSError:
        return
    with scan:
        for item in scan:
            try:
                status = item.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(status.st_mode):
                continue
            if item.name.startswith(TEMP_PREFIX):
                if now - status.st_mtime > STALE_TEMP_SECONDS:
                    _unlink(cache.directory / item.name)
            elif item.name.endswith(SUFFIX):
                entries.append((status.st_mtime_ns, item.name, status.st_size))
    total = sum(size for _, _, size in entries)
    for _, name, size in sorted(entries):
        if total <= cache.max_bytes:
            break
        _unlink(cache.directory / name)
        total -= size


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
