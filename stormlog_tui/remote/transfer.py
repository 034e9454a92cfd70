"""One remote root mirrored over SFTP: discovery by core's own name rules, then ranged reads
of only the appended bytes.

Discovery walks the root (only regular files; hidden directories, depth and file count
bounded) and copies every file named like telemetry (``.jsonl``, ``.json``, ``.csv``: core's
``telemetry_kind``); core's content rules (``is_sink_dir``, what is telemetry) then apply
to the copy, so discovery of the mirror finds what discovery on the host would. A sink is
not searched below, as locally.

Each file is copied by :mod:`stormlog_tui.remote.copies` (only the appended bytes; a
rewrite again, alone). A file that a complete listing no longer shows is deleted from the
mirror, so the follower sees retention as it does locally (and keeps the data it read).
Nothing is ever written on the remote host.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import asyncssh

from stormlog_core.browse import LoadWarning, is_sink_dir, searched_dir, telemetry_kind
from stormlog_tui.remote.copies import Budget, FileCopies, is_connection_error
from stormlog_tui.remote.link import HostLink, answer
from stormlog_tui.remote.spec import RemoteSpec

#: Files taken from one root at most (a huge tree cannot flood the mirror).
MAX_FILES: Final = 20_000


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
        self.copies = FileCopies(link, budget)
        #: File-level warnings, by file and reason (said at every load).
        self.file_warnings: dict[str, LoadWarning] = {}
        #: What stops the root from being read now (None: it was read).
        self.problem: str | None = None
        #: Warnings not yet handed to the loader.
        self.news: list[LoadWarning] = []
        #: True once the root was read at least once (in this run).
        self.read_once = False
        #: Why the last sync did not read the root to the end (None: it did).
        self.unfinished: str | None = None

    def _note(self, key: str, warning: LoadWarning) -> None:
        """A file-level warning, once per file and reason."""
        if key not in self.file_warnings:
            self.file_warnings[key] = warning
            self.news.append(warning)

    async def sync(self, sftp: asyncssh.SFTPClient) -> bool:
        """Mirror what changed; True when the mirror changed. Connection errors propagate.
        The caller holds the host's ``busy`` lock (see :class:`HostLink`)."""
        self.copies.pending = False
        try:
            async with self.link.requests:
                attrs = await answer(sftp.stat(self.spec.path))
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
            entries = await answer(_scan(sftp, remote))
        for entry in entries:
            name = str(entry.filename)
            if name in (".", "..") or "/" in name:
                continue
            attrs = entry.attrs
            if attrs.type == asyncssh.FILEXFER_TYPE_SYMLINK:
                try:
                    async with self.link.requests:
                        attrs = await answer(sftp.stat(posixpath.join(remote, name)))
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

    @property
    def pending(self) -> bool:
        """Some file has more bytes than one poll took."""
        return self.copies.pending

    async def _dir(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, depth: int, walk: _Walk
    ) -> bool:
        counted = walk.files
        listed = await self._list_or_note(sftp, remote, local, walk)
        if listed is None:
            return False
        files, dirs, complete = listed
        local.mkdir(parents=True, exist_ok=True)
        # The documents (the manifest) first, written last: core's follower takes a sink's
        # new segments when its manifest changes, so every segment a new manifest names must
        # be in the mirror before it. The writer creates a segment before it names it, so a
        # listing made after the manifest was read shows them all.
        docs = {name: attrs for name, attrs in files.items() if telemetry_kind(name) == "json"}
        fetches = [
            self._fetch(sftp, posixpath.join(remote, name), local / name, attrs)
            for name, attrs in docs.items()
        ]
        commits = [commit for commit in await asyncio.gather(*fetches) if commit is not None]
        if commits:
            walk.files = counted  # the same files, counted once
            listed = await self._list_or_note(sftp, remote, local, walk)
            if listed is None:
                return False
            again, dirs, complete = listed
            files = {**again, **docs}
        pulls = [
            self._file(sftp, posixpath.join(remote, name), local / name, attrs)
            for name, attrs in files.items()
            if name not in docs
        ]
        changed = any(await asyncio.gather(*pulls))
        for commit in commits:
            changed |= commit()
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

    async def _list_or_note(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, walk: _Walk
    ) -> tuple[dict[str, asyncssh.SFTPAttrs], list[str], bool] | None:
        """:meth:`_list`, or None when the directory cannot be listed (said)."""
        try:
            return await self._list(sftp, remote, local, walk)
        except asyncssh.SFTPError as error:
            if is_connection_error(error):
                raise
            reason = _sftp_reason(error)  # as locally: said, and the rest is searched
            if reason != "no such file or directory":  # gone since the listing: next poll
                message = f"cannot search this directory over SSH: {reason}"
                self._note(f"list:{remote}:{reason}", _warning("unreadable", message, local))
            return None

    async def _file(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, attrs: asyncssh.SFTPAttrs
    ) -> bool:
        try:
            return await self.copies.pull(sftp, remote, local, attrs)
        except asyncssh.SFTPError as error:
            self._read_error(error, remote, local)
            return False

    async def _fetch(
        self, sftp: asyncssh.SFTPClient, remote: str, local: Path, attrs: asyncssh.SFTPAttrs
    ) -> Callable[[], bool] | None:
        try:
            return await self.copies.fetch(sftp, remote, local, attrs)
        except asyncssh.SFTPError as error:
            self._read_error(error, remote, local)
            return None

    def _read_error(self, error: asyncssh.SFTPError, remote: str, local: Path) -> None:
        if is_connection_error(error):
            raise error
        reason = _sftp_reason(error)
        if reason != "no such file or directory":  # gone since the listing: next poll
            self._note(
                f"read:{remote}:{reason}",
                _warning("unreadable", f"cannot be read over SSH: {reason}", local),
            )


async def _scan(sftp: asyncssh.SFTPClient, remote: str) -> list[asyncssh.SFTPName]:
    return [entry async for entry in sftp.scandir(remote)]


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
