"""One remote root mirrored over SFTP: discovery by core's own name rules, then ranged reads
of only the appended bytes.

Discovery walks the root (only regular files; hidden directories, depth and file count
bounded) and copies every file named like telemetry (``.jsonl``, ``.json``, ``.csv``: core's
``telemetry_kind``); core's content rules (``is_sink_dir``, what is telemetry) then apply
to the copy, so discovery of the mirror finds what discovery on the host would. A sink is
not searched below, as locally.

JSONL files are appended to: each poll opens the remote file, reads from the mirrored size
on (the last :data:`FINGERPRINT_BYTES` before it too: a file rewritten in place is told
apart) and closes it, at most :data:`PER_FILE_BYTES` per poll so that one huge file cannot
starve the others. A remote file that shrank or was rewritten is downloaded again alone,
under a new inode (temp + rename), so core's follower sees a rewrite. Other files
(``manifest.json``...) are downloaded whole and replaced atomically. A file that a complete
listing no longer shows is deleted from the mirror, so the follower sees retention as it
does locally (and keeps the data it read). Nothing is ever written on the remote host.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import asyncssh

from stormlog_core.browse import LoadWarning, is_sink_dir, searched_dir, telemetry_kind
from stormlog_tui.remote.link import HostLink
from stormlog_tui.remote.spec import RemoteSpec

#: Bytes before the mirrored end compared with the remote file (a rewrite changes them).
FINGERPRINT_BYTES: Final = 64
#: At most this many bytes of one file per poll.
PER_FILE_BYTES: Final = 16 << 20
#: One read request batch.
READ_BYTES: Final = 1 << 20
#: SFTP read requests in flight for one file (asyncssh splits a read into blocks); a host
#: has at most :data:`~stormlog_tui.remote.link.MAX_REQUESTS` files open at once.
REQUESTS_PER_FILE: Final = 16
#: Files taken from one root at most (a huge tree cannot flood the mirror).
MAX_FILES: Final = 20_000
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


def _sftp_reason(error: asyncssh.SFTPError) -> str:
    if isinstance(error, asyncssh.SFTPNoSuchFile):
        return "no such file or directory"
    if isinstance(error, asyncssh.SFTPPermissionDenied):
        return "permission denied"
    return str(error.reason or type(error).__name__)


def _warning(code: str, message: str, path: Path) -> LoadWarning:
    """A warning of core's catalogue (``unreadable``, ``not-regular-file``: both errors),
    on the mirror path (shown as the remote one)."""
    return LoadWarning("error", code, message, str(path))


def _local_tail(path: Path, end: int, size: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(end - size)
        return handle.read(size)


def _replace_atomically(local: Path, data: bytes) -> None:
    temp = local.with_name(f".{local.name}{_TEMP_SUFFIX}")
    temp.write_bytes(data)
    os.replace(temp, local)


@dataclass
class _Walk:
    files: int = 0
    truncated: bool = False


class RootMirror:
    """The mirror of one remote root (a directory or a file)."""

    def __init__(self, spec: RemoteSpec, local: Path, link: HostLink, budget: Budget) -> None:
        self.spec = spec
        self.local = local
        self.link = link
        self.budget = budget
        #: Remote path -> (size, mtime) when it was last mirrored whole.
        self._seen: dict[str, tuple[int, int]] = {}
        #: Documents downloaded with a (size, mtime) not yet known final, and when: SFTP
        #: gives whole seconds, so a rewrite within the same second keeps both; such a
        #: document is downloaded once more a second later.
        self._unsettled: dict[str, tuple[tuple[int, int], float]] = {}
        #: File-level warnings, by file and reason (said at every load).
        self.file_warnings: dict[str, LoadWarning] = {}
        #: What stops the root from being read now (None: it was read).
        self.problem: str | None = None
        #: Warnings not yet handed to the loader.
        self.news: list[LoadWarning] = []
        #: True once the root was read at least once (in this run).
        self.read_once = False
        #: Some file has more bytes than one poll took.
        self.pending = False

    def _note(self, key: str, warning: LoadWarning) -> None:
        """A file-level warning, once per file and reason."""
        if key not in self.file_warnings:
            self.file_warnings[key] = warning
            self.news.append(warning)

    async def sync(self, sftp: asyncssh.SFTPClient) -> bool:
        """Mirror what changed; True when the mirror changed. Connection errors propagate.
        The caller holds the host's ``busy`` lock (see :class:`HostLink`)."""
        self.pending = False
        try:
            async with self.link.requests:
                attrs = await sftp.stat(self.spec.path)
        except asyncssh.SFTPError as error:
            if is_connection_error(error):
                raise
            return self._unreadable(_sftp_reason(error))
        if attrs.type == asyncssh.FILEXFER_TYPE_REGULAR:
            self.local.parent.mkdir(parents=True, exist_ok=True)
            changed = await self._file(sftp, self.spec.path, self.local, attrs)
        elif attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY:
            changed = await self._dir(sftp, self.spec.path, self.local, 0, _Walk())
        else:
            return self._unreadable("not a regular file or directory; not read")
        self.problem = None
        self.read_once = True
        return changed

    def _unreadable(self, reason: str) -> bool:
        """The root cannot be read on a live connection: its old mirror goes (a root that
        is gone on the host is gone here too), the loader says the path is missing."""
        self.problem = reason
        self.read_once = True
        if reason == "no such file or directory" and os.path.lexists(self.local):
            if self.local.is_dir() and not self.local.is_symlink():
                shutil.rmtree(self.local, ignore_errors=True)
            else:
                self.local.unlink(missing_ok=True)
            return True
        return False

    async def _list(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, walk: _Walk
    ) -> tuple[dict[str, asyncssh.SFTPAttrs], list[str], bool]:
        """The telemetry-named regular files and the subdirectories of ``remote``."""
        files: dict[str, asyncssh.SFTPAttrs] = {}
        dirs: list[str] = []
        complete = True
        async with self.link.requests:
            entries = [entry async for entry in sftp.scandir(remote)]
        for entry in entries:
            name = str(entry.filename)
            if name in (".", "..") or "/" in name:
                continue
            attrs = entry.attrs
            if attrs.type == asyncssh.FILEXFER_TYPE_SYMLINK:
                try:
                    async with self.link.requests:
                        attrs = await sftp.stat(posixpath.join(remote, name))
                except asyncssh.SFTPError as error:
                    if is_connection_error(error):
                        raise
                    continue  # a dangling link: nothing to read
                if attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY:
                    continue  # as os.walk: links to directories are not searched
            if attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY:
                dirs.append(name)
            elif telemetry_kind(name) is None:
                continue
            elif attrs.type != asyncssh.FILEXFER_TYPE_REGULAR:
                self._note(
                    f"kind:{remote}/{name}",
                    _warning("not-regular-file", "is not a regular file; not read", local / name),
                )
            elif walk.files >= MAX_FILES:
                walk.truncated, complete = True, False
            else:
                walk.files += 1
                files[name] = attrs
        return files, sorted(dirs), complete

    async def _dir(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, depth: int, walk: _Walk
    ) -> bool:
        try:
            files, dirs, complete = await self._list(sftp, remote, local, walk)
        except asyncssh.SFTPError as error:
            if is_connection_error(error):
                raise
            reason = _sftp_reason(error)  # as locally: said, and the rest is searched
            if reason != "no such file or directory":  # gone since the listing: next poll
                message = f"cannot search this directory over SSH: {reason}"
                self._note(f"list:{remote}:{reason}", _warning("unreadable", message, local))
            return False
        local.mkdir(parents=True, exist_ok=True)
        pulls = [
            self._file(sftp, posixpath.join(remote, name), local / name, attrs)
            for name, attrs in files.items()
        ]
        changed = any(await asyncio.gather(*pulls))
        if complete:
            changed |= _prune(local, files, dirs)
        if is_sink_dir(local):  # core's rule, on the copy: a sink is not searched below
            return changed
        below = [
            self._dir(sftp, posixpath.join(remote, name), local / name, depth + 1, walk)
            for name in dirs
            if searched_dir(name, depth)
        ]
        return any(await asyncio.gather(*below)) or changed

    async def _file(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, attrs: asyncssh.SFTPAttrs
    ) -> bool:
        size, key = attrs.size or 0, (attrs.size or 0, attrs.mtime or 0)
        try:
            have: int | None = local.stat().st_size
        except FileNotFoundError:
            have = None
        document = telemetry_kind(local.name) == "json"
        if have == size and self._seen.get(remote) == key and not self._recheck(remote, key):
            return False
        try:
            if document:
                started = time.monotonic()
                changed = await self._whole(sftp, remote, local, size)
                self._settle(remote, key, started)
            else:
                changed = await self._append(sftp, remote, local, size, have)
        except asyncssh.SFTPError as error:
            if is_connection_error(error):
                raise
            reason = _sftp_reason(error)
            if reason != "no such file or directory":  # gone since the listing: next poll
                self._note(
                    f"read:{remote}:{reason}",
                    _warning("unreadable", f"cannot be read over SSH: {reason}", local),
                )
            return False
        try:
            if local.stat().st_size >= size:
                self._seen[remote] = key
        except FileNotFoundError:
            pass
        return changed

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
        return await handle.read(end - start, start) if end > start else b""

    async def _whole(self, sftp: asyncssh.SFTPClient, remote: str, local: Path, size: int) -> bool:
        """A JSON document (a manifest...): downloaded whole, replaced atomically."""
        allowed = self.budget.take(size)
        if allowed < size:
            return False
        async with (
            self.link.requests,
            sftp.open(remote, "rb", max_requests=REQUESTS_PER_FILE) as handle,
        ):
            data = await self._read(handle, 0, size)
        if local.exists() and local.read_bytes() == data:
            return False
        _replace_atomically(local, data)
        return True

    async def _append(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, size: int, have: int | None
    ) -> bool:
        """Lines: only the bytes after the mirrored end; a rewritten file again, alone."""
        if have is None or have > size:
            return await self._download(sftp, remote, local, size)
        start = max(0, have - FINGERPRINT_BYTES)
        end = min(size, have + PER_FILE_BYTES)
        async with (
            self.link.requests,
            sftp.open(remote, "rb", max_requests=REQUESTS_PER_FILE) as handle,
        ):
            if await self._read(handle, start, have) != _local_tail(local, have, have - start):
                rewritten = True
            else:
                rewritten = False
                wrote = await self._copy(handle, local, have, end, mode="ab")
        if rewritten:
            return await self._download(sftp, remote, local, size)
        self.pending |= end < size
        return wrote > 0

    async def _download(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, size: int
    ) -> bool:
        """The file from its start (at most a poll's share), under a new inode."""
        end = min(size, PER_FILE_BYTES)
        temp = local.with_name(f".{local.name}{_TEMP_SUFFIX}")
        async with (
            self.link.requests,
            sftp.open(remote, "rb", max_requests=REQUESTS_PER_FILE) as handle,
        ):
            await self._copy(handle, temp, 0, end, mode="wb")
        os.replace(temp, local)
        self.pending |= end < size
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
                block = await handle.read(want, offset)
                if not block:
                    break
                out.write(block)
                out.flush()
                offset += len(block)
                wrote += len(block)
        return wrote


def _prune(local: Path, files: Iterable[str], dirs: Iterable[str]) -> bool:
    """Delete what a complete listing of the remote directory no longer shows (only files
    named like telemetry, and directories: nothing else is ever put in the mirror)."""
    keep_files, keep_dirs = set(files), set(dirs)
    changed = False
    try:
        entries = list(os.scandir(local))
    except OSError:
        return False
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in keep_dirs:
                shutil.rmtree(entry.path, ignore_errors=True)
                changed = True
        elif telemetry_kind(entry.name) is not None and entry.name not in keep_files:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
            changed = True
    return changed
