"""One remote file copied onto its mirror: only the appended bytes, a rewrite again alone.

JSONL files are appended to: each poll opens the remote file, reads from the mirrored size
on (the last :data:`FINGERPRINT_BYTES` before it too: a file rewritten in place is told
apart) and closes it, at most :data:`PER_FILE_BYTES` per poll so that one huge file cannot
starve the others. A remote file that shrank or was rewritten is downloaded again alone,
under a new inode (temp + rename), so core's follower sees a rewrite. Other files
(``manifest.json``...) are downloaded whole and replaced atomically. Every remote file is
opened for reading only, and only for one read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import asyncssh

from stormlog_core.browse import telemetry_kind
from stormlog_tui.remote.link import HostLink, answer

#: Bytes before the mirrored end compared with the remote file (a rewrite changes them).
FINGERPRINT_BYTES: Final = 64
#: At most this many bytes of one file per poll.
PER_FILE_BYTES: Final = 16 << 20
#: One read request batch.
READ_BYTES: Final = 1 << 20
#: SFTP read requests in flight for one file (asyncssh splits a read into blocks); a host
#: has at most :data:`~stormlog_tui.remote.link.MAX_REQUESTS` files open at once.
REQUESTS_PER_FILE: Final = 16
#: Bytes mirrored per run at most, unless STORMLOG_TUI_REMOTE_MAX_BYTES says otherwise.
DEFAULT_MAX_BYTES: Final = 4 << 30
_TEMP_SUFFIX: Final = ".stormlog-part"
#: SFTP (version 3, OpenSSH's) gives modification times in whole seconds (and a margin).
_MTIME_RESOLUTION: Final = 1.1


def max_mirror_bytes() -> int:
    """The cap on bytes mirrored per run (``STORMLOG_TUI_REMOTE_MAX_BYTES``)."""
    raw = os.environ.get("STORMLOG_TUI_REMOTE_MAX_BYTES", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


@dataclass
class Budget:
    """The bytes every root may still download in this run."""

    limit: int = field(default_factory=max_mirror_bytes)
    used: int = 0
    exhausted: bool = False

    def take(self, wanted: int) -> int:
        allowed = max(0, min(wanted, self.limit - self.used))
        self.used += allowed
        if allowed < wanted:
            self.exhausted = True
        return allowed


def is_connection_error(error: BaseException) -> bool:
    """Whether ``error`` means the host is gone (not that one file cannot be read)."""
    if isinstance(error, (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection)):
        return True
    if isinstance(error, asyncssh.SFTPError):
        return False
    network = (ConnectionError, EOFError, asyncio.TimeoutError, TimeoutError)
    return isinstance(error, (asyncssh.Error, *network))  # not a local OSError (disk full...)


def _local_tail(path: Path, end: int, size: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(end - size)
        return handle.read(size)


def _temp_path(local: Path) -> Path:
    """A temp file next to ``local``, of this process and call alone (another process
    syncing the same mirror never writes the same one)."""
    return local.with_name(f".{local.name}.{os.getpid()}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")


def _replace_atomically(local: Path, data: bytes) -> None:
    temp = _temp_path(local)
    try:
        temp.write_bytes(data)
        os.replace(temp, local)
    finally:
        temp.unlink(missing_ok=True)


class FileCopies:
    """The copies of one root's files: what was copied, and copying what is new."""

    def __init__(self, link: HostLink, budget: Budget) -> None:
        self.link = link
        self.budget = budget
        #: Remote path -> (size, mtime) when it was last mirrored whole.
        self._seen: dict[str, tuple[int, int]] = {}
        #: Documents downloaded with a (size, mtime) not yet known final, and when: SFTP
        #: gives whole seconds, so a rewrite within the same second keeps both; such a
        #: document is downloaded once more a second later.
        self._unsettled: dict[str, tuple[tuple[int, int], float]] = {}
        #: Some file has more bytes than one poll took.
        self.pending = False

    async def pull(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, attrs: asyncssh.SFTPAttrs
    ) -> bool:
        """Copy what is new of ``remote`` onto ``local``; True when ``local`` changed. SFTP
        errors propagate."""
        size, key = attrs.size or 0, (attrs.size or 0, attrs.mtime or 0)
        try:
            have: int | None = local.stat().st_size
        except FileNotFoundError:
            have = None
        if telemetry_kind(local.name) == "json":
            commit = await self.fetch(sftp, remote, local, attrs)
            return commit is not None and commit()
        if have == size and self._seen.get(remote) == key:
            return False
        changed = await self._append(sftp, remote, local, size, have)
        self._saw(remote, local, key)
        return changed

    async def fetch(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, attrs: asyncssh.SFTPAttrs
    ) -> Callable[[], bool] | None:
        """A JSON document (a manifest...) downloaded whole now, and the call that replaces
        ``local`` with it atomically (True: ``local`` changed); None when it did not change.
        The caller writes it only once the files it names are copied: core's follower takes
        a sink's new segments when its manifest changes, so a manifest that came before its
        segment would leave that segment unread. SFTP errors propagate."""
        size, key = attrs.size or 0, (attrs.size or 0, attrs.mtime or 0)
        try:
            have: int | None = local.stat().st_size
        except FileNotFoundError:
            have = None
        if have == size and self._seen.get(remote) == key and not self._recheck(remote, key):
            return None
        started = time.monotonic()
        data = await self._whole(sftp, remote, size)
        self._settle(remote, key, started)
        if data is None:
            return None
        if have is not None and have == len(data) and local.read_bytes() == data:
            self._saw(remote, local, key)
            return None

        def commit() -> bool:
            _replace_atomically(local, data)
            self._saw(remote, local, key)
            return True

        return commit

    def _saw(self, remote: str, local: Path, key: tuple[int, int]) -> None:
        """``remote`` is mirrored whole at ``key`` once ``local`` has its size."""
        try:
            if local.stat().st_size >= key[0]:
                self._seen[remote] = key
        except FileNotFoundError:
            pass

    def _recheck(self, remote: str, key: tuple[int, int]) -> bool:
        """Whether a document's download may predate a rewrite in the same second."""
        pending = self._unsettled.get(remote)
        return pending is not None and (pending[0] != key or time.monotonic() >= pending[1])

    def _settle(self, remote: str, key: tuple[int, int], started: float) -> None:
        pending = self._unsettled.get(remote)
        if pending is not None and pending[0] == key and started >= pending[1]:
            del self._unsettled[remote]  # downloaded over a second after: final
        elif pending is None or pending[0] != key:
            self._unsettled[remote] = (key, started + _MTIME_RESOLUTION)

    async def _read(self, handle: asyncssh.SFTPClientFile, start: int, end: int) -> bytes:
        return await answer(handle.read(end - start, start)) if end > start else b""

    @contextlib.asynccontextmanager
    async def _opened(
        self, sftp: asyncssh.SFTPClient, remote: str
    ) -> AsyncIterator[asyncssh.SFTPClientFile]:
        """``remote`` open for reading (one of the host's requests), every request of it
        under the request timeout."""
        async with self.link.requests:
            handle = await answer(sftp.open(remote, "rb", max_requests=REQUESTS_PER_FILE))
            try:
                yield handle
            finally:
                with contextlib.suppress(asyncssh.Error, OSError, asyncio.TimeoutError):
                    await answer(handle.close())

    async def _whole(self, sftp: asyncssh.SFTPClient, remote: str, size: int) -> bytes | None:
        """A JSON document's bytes (None: the byte cap, said by the mirror)."""
        allowed = self.budget.take(size)
        if allowed < size:
            self.pending = True
            return None
        async with self._opened(sftp, remote) as handle:
            return await self._read(handle, 0, size)

    async def _append(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, size: int, have: int | None
    ) -> bool:
        """Lines: only the bytes after the mirrored end; a rewritten file again, alone."""
        if have is None or have > size:
            return await self._download(sftp, remote, local, size)
        start = max(0, have - FINGERPRINT_BYTES)
        end = min(size, have + PER_FILE_BYTES)
        async with self._opened(sftp, remote) as handle:
            if await self._read(handle, start, have) != _local_tail(local, have, have - start):
                rewritten = True
            else:
                rewritten = False
                wrote = await self._copy(handle, local, have, end, mode="ab")
        if rewritten:
            return await self._download(sftp, remote, local, size)
        self.pending |= have + wrote < size
        return wrote > 0

    async def _download(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, size: int
    ) -> bool:
        """The file from its start (at most a poll's share), under a new inode."""
        end = min(size, PER_FILE_BYTES)
        temp = _temp_path(local)
        try:
            async with self._opened(sftp, remote) as handle:
                wrote = await self._copy(handle, temp, 0, end, mode="wb")
            os.replace(temp, local)
        finally:
            temp.unlink(missing_ok=True)
        self.pending |= wrote < size
        return True

    async def _copy(
        self, handle: asyncssh.SFTPClientFile, local: Path, start: int, end: int, *, mode: str
    ) -> int:
        """Bytes ``start``-``end`` of the remote file onto ``local``, block by block (what
        was read stays if the connection drops); returns the bytes written."""
        wrote = 0
        with local.open(mode) as out:
            offset = start
            while offset < end:
                want = self.budget.take(min(READ_BYTES, end - offset))
                if not want:
                    break
                block = await answer(handle.read(want, offset))
                if not block:
                    break
                out.write(block)
                out.flush()
                offset += len(block)
                wrote += len(block)
        return wrote
