"""Every remote root of a run, mirrored on an event loop of their own (a daemon thread), so
that the loader, the follower and the app's loop only ever see local files.

:meth:`Mirror.sync` mirrors every root once (blocking; ``--summary``, ``--export`` and
every load of the app). :meth:`Mirror.start` then polls each host every ``poll_seconds``
on its own (a host that is down or slow never delays the others), and calls
``on_change`` after a poll that changed the mirror and ``on_status`` when a host's status
changes (and each second while it waits to retry). One connection per host serves all its
roots; a host that drops keeps what was mirrored and is retried with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Final

from stormlog_core.browse import SEVERITY_ORDER, Dataset, LoadWarning
from stormlog_tui.remote.copies import Budget, is_connection_error
from stormlog_tui.remote.link import HostLink, HostStatus, Refused, hosts_summary
from stormlog_tui.remote.names import cache_root, lock_path, mirror_path
from stormlog_tui.remote.spec import RemoteSpec
from stormlog_tui.remote.transfer import RootMirror

#: Polling period of the hosts when following without --poll (the 2 s safety refresh).
DEFAULT_POLL_SECONDS: Final = 2.0
#: A load of the app gives up waiting for a host after this long (the others are not held
#: up; following goes on reading what is left). A one-shot sync has no such bound: each
#: request has its own (:data:`~stormlog_tui.remote.link.REQUEST_TIMEOUT_SECONDS`).
SYNC_TIMEOUT_SECONDS: Final = 120.0
#: Rounds of one sync of the app at most: each takes at most a poll's share of every file
#: (a one-shot sync reads to the end).
_CATCH_UP_ROUNDS: Final = 64
#: A sync waits this long at most for another process writing the same host's mirror.
LOCK_TIMEOUT_SECONDS: Final = 60.0


class Mirror:
    """The remote roots of one run, and their hosts."""

    def __init__(
        self,
        specs: Sequence[RemoteSpec],
        *,
        poll_seconds: float | None = None,
        cache: Path | None = None,
    ) -> None:
        self.poll_seconds = poll_seconds or DEFAULT_POLL_SECONDS
        self.on_status: Callable[[list[HostStatus]], None] | None = None
        self.on_change: Callable[[], None] | None = None
        self.budget = Budget()
        self._budget_warned = False
        #: The last sync was a one-shot one (--summary, --export): a root it did not read
        #: to the end is an error.
        self._complete = False
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_ignore)  # nothing printed over the app
        self._thread: threading.Thread | None = None
        self._follow: Future[None] | None = None
        #: The syncs running now (a load waits for one): cancelled when the program ends.
        self._running: set[Future[Any]] = set()
        self._stop: asyncio.Event | None = None
        self.links: dict[tuple[str | None, str, int | None], HostLink] = {}
        self.roots: list[RootMirror] = []
        #: Each host's mirror lock file (see :func:`_lock`).
        self._locks: dict[HostLink, Path] = {}
        for spec in specs:
            local = mirror_path(spec, spec.path, cache)
            link = self.links.get(spec.host_key)
            if link is None:
                link = self.links[spec.host_key] = HostLink(spec, self._status_changed)
                self._locks[link] = lock_path(spec, cache)
            self.roots.append(RootMirror(spec, local, link, self.budget))

    # ------------------------------------------------------------------ what it holds

    @property
    def paths(self) -> list[Path]:
        """The mirror path of every root, in the order given."""
        return [root.local for root in self.roots]

    def path_of(self, spec: RemoteSpec) -> Path:
        """The mirror path of ``spec`` (one of the roots)."""
        return next(root.local for root in self.roots if root.spec == spec)

    def statuses(self) -> list[HostStatus]:
        """Every host's status, in the order the hosts were first given."""
        return [link.status for link in self.links.values()]

    def status_texts(self) -> list[str]:
        """``node-17: connected``... one per host, for the status line."""
        return [status.text() for status in self.statuses()]

    def status_summary(self) -> str:
        """Every host's status in one text, for the status line (see
        :func:`~stormlog_tui.remote.link.hosts_summary`)."""
        return hosts_summary(self.statuses())

    def unread_reasons(self) -> list[str]:
        """``node-17: connection refused``... for the hosts not connected."""
        return [s.reason_text() for s in self.statuses() if s.state != "connected"]

    def any_read(self) -> bool:
        """Whether some host could be read (a path missing there is the loader's to say)."""
        return any(root.read_once for root in self.roots)

    def warnings(self) -> list[LoadWarning]:
        """For a load: a warning per root that cannot be read now, and what the transfers
        found (every file that could not be read)."""
        found: list[LoadWarning] = []
        for root in self.roots:
            root.news = []
            found += list(root.file_warnings.values())
            if root.problem is not None and root.problem != "no such file or directory":
                found.append(self._root_warning(root, root.problem))
            elif root.problem is None and not root.read_once:
                found.append(self._root_warning(root, root.link.status.reason or "not reached"))
            elif self._complete and root.unfinished is not None:
                message = f"incomplete copy of {root.spec.shown()}: {root.unfinished}"
                found.append(LoadWarning("error", "unreadable", message, None))
        return found + self._budget_warning(again=True)

    def news(self) -> list[LoadWarning]:
        """While following: what the transfers found since the last call."""
        found: list[LoadWarning] = []
        for root in self.roots:
            news, root.news = root.news, []
            found += news
        return found + self._budget_warning(again=False)

    def _budget_warning(self, *, again: bool) -> list[LoadWarning]:
        if not self.budget.exhausted or (self._budget_warned and not again):
            return []
        self._budget_warned = True
        message = (
            f"the SSH mirror reached its cap of {self.budget.limit:,} bytes for this run "
            "(STORMLOG_TUI_REMOTE_MAX_BYTES): newer remote data is not read"
        )
        return [LoadWarning("error", "unreadable", message, None)]

    def _root_warning(self, root: RootMirror, reason: str) -> LoadWarning:
        before = " (what was mirrored before is shown)" if root.local.exists() else ""
        message = f"cannot be read over SSH: {reason}{before}"  # the path is the location
        return LoadWarning("error", "unreadable", message, str(root.local))

    def add_warnings(self, dataset: Dataset) -> None:
        """Put the mirror's warnings into a freshly loaded ``dataset``, in place of the
        loader's "no such file" for roots that were never reached."""
        extra = self.warnings()
        unreached = {w.path for w in extra if w.code == "unreadable" and w.path is not None}
        kept = [
            w
            for w in dataset.warnings
            if not (w.path in unreached and w.code in ("unreadable", "empty-directory"))
        ]
        dataset.warnings = sort_warnings(kept + extra)

    # ------------------------------------------------------------------ the loop

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="stormlog-ssh", daemon=True
            )
            self._thread.start()

    def _run(self, coro: Any, timeout: float | None = None) -> Any:
        """``coro``'s result on the mirror's loop; raises ``CancelledError`` when
        :meth:`cancel` or :meth:`close` stops it."""
        self._ensure_thread()
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        self._running.add(future)
        try:
            return future.result(timeout)
        finally:
            self._running.discard(future)

    def cancel(self) -> None:
        """Stop every running sync now (the program ends: a load waiting for a host that
        hangs must not hold it); its caller gets ``CancelledError``."""
        for future in list(self._running):
            future.cancel()

    def sync(self, *, complete: bool = False) -> bool:
        """Mirror every root once, all hosts at once (blocking: a load asked for it, so a
        host waiting to be retried, or refused, is tried now); True when the mirror
        changed. ``complete`` (a one-shot run): every file is read to its end, with no
        bound on the rounds or the whole sync, and a root left incomplete is an error."""
        self._complete = complete
        return bool(self._run(self._sync_all(complete)))

    async def _sync_all(self, complete: bool) -> bool:
        hosts = self._by_host()
        for link, _ in hosts:
            if link.status.state != "connected":
                link.again()  # a load is asked for: every host is tried now
        tasks = [
            _catch_up(link, roots, complete, self._locks[link], self.budget)
            if complete
            else asyncio.wait_for(
                _catch_up(link, roots, complete, self._locks[link], self.budget),
                SYNC_TIMEOUT_SECONDS,
            )
            for link, roots in hosts
        ]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for (link, roots), result in zip(hosts, results, strict=True):
            if isinstance(result, asyncio.TimeoutError):
                await link.lost(result)
                for root in roots:
                    root.unfinished = root.unfinished or "timed out"
            elif isinstance(result, Exception):  # a bug, not the host: said, never raised
                link.failed(f"{type(result).__name__}: {result}")
                for root in roots:
                    root.unfinished = root.unfinished or link.status.reason
        return any(result is True for result in results)

    def _by_host(self) -> list[tuple[HostLink, list[RootMirror]]]:
        return [
            (link, [root for root in self.roots if root.link is link])
            for link in self.links.values()
        ]

    def start(self) -> None:
        """Poll every host until :meth:`close` (again: nothing more happens)."""
        if self._follow is not None:
            return
        self._ensure_thread()
        self._follow = asyncio.run_coroutine_threadsafe(self._follow_all(), self._loop)

    async def _follow_all(self) -> None:
        self._stop = asyncio.Event()
        await asyncio.gather(*(self._follow_host(link, roots) for link, roots in self._by_host()))

    async def _follow_host(self, link: HostLink, roots: list[RootMirror]) -> None:
        assert self._stop is not None
        while not self._stop.is_set():
            try:
                await self._poll_host(link, roots)
            except Exception as error:  # a bug, not the host: say it, poll on
                link.failed(f"{type(error).__name__}: {error}")
                await self._pause(self.poll_seconds)

    async def _poll_host(self, link: HostLink, roots: list[RootMirror]) -> None:
        if link.refused is not None:  # not retried by itself: a reload tries again
            await self._pause(self.poll_seconds)
        elif link.waiting():
            link.tick()
            await self._pause(min(1.0, max(0.05, link.retry_at - time.monotonic())))
        else:
            if await _sync_host(link, roots, self._locks[link]) and self.on_change is not None:
                self.on_change()
            if not link.waiting():
                await self._pause(self.poll_seconds)

    async def _pause(self, seconds: float) -> None:
        assert self._stop is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    def _status_changed(self, status: HostStatus) -> None:
        callback = self.on_status
        if callback is not None:
            callback(self.statuses())

    def close(self) -> None:
        """Stop polling and close every connection."""
        if self._thread is None:
            return
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.cancel()  # a sync or a poll waiting for a host that hangs: stopped at once
        if self._follow is not None:
            self._follow.cancel()
            with contextlib.suppress(Exception):
                self._follow.result(5)
            self._follow = None
        with contextlib.suppress(Exception):
            self._run(self._close_links(), 5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._thread = None

    async def _close_links(self) -> None:
        await asyncio.gather(*(link.close() for link in self.links.values()))


async def _catch_up(
    link: HostLink, roots: list[RootMirror], complete: bool, lock: Path, budget: Budget
) -> bool:
    """Sync the host's roots until they are read to the end (at most
    :data:`_CATCH_UP_ROUNDS` rounds unless ``complete``); says why a root is unfinished."""
    changed = False
    for root in roots:
        root.unfinished = "not read to the end"
    rounds = 0
    while complete or rounds < _CATCH_UP_ROUNDS:
        rounds += 1
        moved = await _sync_host(link, roots, lock)
        changed |= moved
        if not link.connected or budget.exhausted or not moved:
            break  # (a round that read nothing: a file shorter than it says)
        if not any(root.pending for root in roots):
            break
    for root in roots:
        if root.unfinished == "not read to the end" and link.connected:
            if budget.exhausted and root.pending:
                root.unfinished = "the byte cap of the mirror was reached"
            elif not root.pending:
                root.unfinished = None
    return changed


async def _sync_host(link: HostLink, roots: list[RootMirror], lock_file: Path) -> bool:
    """One poll of one host's roots; a broken connection is noted, never raised."""
    if link.waiting():
        return False
    try:
        sftp = await link.sftp()
    except Refused:
        return False
    changed = False
    async with link.busy:
        lock = await _lock(lock_file)
        if lock is None:
            for root in roots:
                root.unfinished = (
                    "another stormlog-tui kept this host's mirror locked for "
                    f"{LOCK_TIMEOUT_SECONDS:g} s"
                )
            return False
        try:
            changed = await _sync_roots(link, roots, sftp)
        finally:
            os.close(lock)  # the lock goes with it
    return changed


async def _sync_roots(link: HostLink, roots: list[RootMirror], sftp: Any) -> bool:
    """Each root of the host in turn (the caller holds the host's locks)."""
    changed = False
    for index, root in enumerate(roots):
        try:
            changed |= await root.sync(sftp)
        except Exception as error:
            if not is_connection_error(error):
                root.problem = _local_problem(error)
                continue
            await link.lost(error)
            for left in roots[index:]:
                left.unfinished = link.status.reason or "connection lost"
            break
    return changed


async def _lock(path: Path) -> int | None:
    """An open descriptor of ``path`` holding its exclusive ``flock`` (this side only:
    nothing is locked on the host), or None after :data:`LOCK_TIMEOUT_SECONDS`. Polled
    without blocking, so that the loop (and the other hosts) go on while it waits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return None
                await asyncio.sleep(0.05)
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _ignore(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Errors nobody waits for on the mirror's loop (a connection closing late...)."""


def _local_problem(error: Exception) -> str:
    """What went wrong on this side (the mirror cannot be written...), in words."""
    if isinstance(error, OSError):
        return f"cannot write the mirror in {cache_root()}: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"


def sort_warnings(warnings: list[LoadWarning]) -> list[LoadWarning]:
    """Most severe first, then by file and line (core's order)."""
    return sorted(
        warnings,
        key=lambda w: (SEVERITY_ORDER.get(w.severity, 9), w.path or "", w.line or 0, w.code),
    )
