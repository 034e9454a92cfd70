"""The live bridge: file-system changes in, :class:`FollowUpdate` batches out.

watchfiles only says *which* files changed; core's :class:`~stormlog_core.browse.follow.Follower`
decides what is new. Native watching (inotify and friends) is used by default, with a
slow safety refresh on a timer, because inotify does not see writes made by other hosts
on NFS or Lustre; ``--poll SECONDS`` skips native watching entirely. When native watching
cannot start, this falls back to polling on its own and says so.

Bursts are coalesced: one refresh reads everything appended since the previous one, and
refreshes are at least ``min_interval`` apart, so a writer at 10k events/s produces a few
UI updates per second, not thousands. No Textual here: the app runs :meth:`updates` in a
worker and posts each event as a message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from stormlog_core.browse import Follower, FollowUpdate

#: Polling period used when native watching is impossible and --poll was not given.
FALLBACK_POLL_SECONDS = 1.0


@dataclass
class LiveEvent:
    """One coalesced batch of changes, with the state of the live connection."""

    update: FollowUpdate
    mode: str
    last_data_at: float | None


class LiveFollower:
    """Drive a Follower from file-system events or a polling timer."""

    def __init__(
        self,
        follower: Follower,
        *,
        poll_seconds: float | None = None,
        debounce_ms: int = 100,
        min_interval: float = 0.25,
        safety_seconds: float = 2.0,
        wake: asyncio.Event | None = None,
    ) -> None:
        self.follower = follower
        self.poll_seconds = poll_seconds
        self.debounce_ms = debounce_ms
        self.min_interval = min_interval
        self.safety_seconds = safety_seconds
        self.mode = "starting"
        self.last_data_at: float | None = None
        self._last_refresh = 0.0
        #: Set by whoever knows the files changed (the SSH mirror): a poll comes at once.
        self.wake = wake or asyncio.Event()

    def _roots(self) -> list[Path]:
        return [path for path in self.follower.paths if path.exists()]

    async def updates(self, stop: asyncio.Event) -> AsyncIterator[LiveEvent]:
        """Yield a :class:`LiveEvent` for every refresh that changed something."""
        if self.poll_seconds is None:
            try:
                async for event in self._native(stop):
                    yield event
                return
            except Exception as error:  # no inotify, too many watches, unsupported FS...
                self.poll_seconds = FALLBACK_POLL_SECONDS
                self.mode = f"polling every {FALLBACK_POLL_SECONDS:g}s ({type(error).__name__})"
        else:
            self.mode = f"polling every {self.poll_seconds:g}s"
        async for event in self._polling(stop):
            yield event

    async def _native(self, stop: asyncio.Event) -> AsyncIterator[LiveEvent]:
        from watchfiles import awatch

        self.mode = "watching"
        async for changes in awatch(
            *self._roots(),
            stop_event=stop,
            debounce=self.debounce_ms,
            step=20,
            rust_timeout=int(self.safety_seconds * 1000),
            yield_on_timeout=True,
            recursive=True,
        ):
            event = await self._refresh({Path(path) for _, path in changes})
            if event is not None:
                yield event

    async def _polling(self, stop: asyncio.Event) -> AsyncIterator[LiveEvent]:
        assert self.poll_seconds is not None
        self.follower.poll_seconds = self.poll_seconds  # warns when too slow for retention
        while not stop.is_set():
            event = await self._refresh(None)
            if event is not None:
                yield event
            await self._wait(stop)

    async def _wait(self, stop: asyncio.Event) -> None:
        """Until the next poll: ``poll_seconds``, or less when stopped or woken."""
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
        try:
            await asyncio.wait(waits, timeout=self.poll_seconds, return_when="FIRST_COMPLETED")
        finally:
            for task in waits:
                task.cancel()
        self.wake.clear()

    async def _refresh(self, changed: set[Path] | None) -> LiveEvent | None:
        wait = self.min_interval - (time.monotonic() - self._last_refresh)
        if wait > 0:
            await asyncio.sleep(wait)  # coalesce: whatever arrives meanwhile is read at once
        self._last_refresh = time.monotonic()
        update = await asyncio.to_thread(self.follower.refresh, changed)
        if update.records:
            self.last_data_at = time.time()
        if not (update.changed or update.status_changed):
            return None
        return LiveEvent(update, self.mode, self.last_data_at)
