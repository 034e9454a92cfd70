"""The live bridge: changes written by a sink writer reach the follower, coalesced."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from stormlog_core.browse.follow import Follower
from stormlog_core.testing.writer import SinkWriter
from stormlog_tui import live
from stormlog_tui.live import LiveFollower

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from generators import v3_record

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def running_sink(root: Path) -> SinkWriter:
    writer = SinkWriter(
        root, flush_every_events=10, rollover_max_events=40, retention_max_files=100
    )
    writer.start_session(session_id="s", started_at_ns=1, host="h", pid=1)
    writer.append(v3_record(0, session_id="s"))
    writer.flush()
    return writer


async def collect(bridge: LiveFollower, writer: SinkWriter, count: int) -> list[live.LiveEvent]:
    """Write ``count`` records in bursts while collecting events until all have arrived."""
    stop = asyncio.Event()
    events: list[live.LiveEvent] = []

    async def write() -> None:
        for index in range(1, count + 1):
            writer.append(v3_record(index, session_id="s"))
            if index % 10 == 0:
                writer.flush()
                await asyncio.sleep(0.005)
        writer.close()

    async def read() -> None:
        async for event in bridge.updates(stop):
            events.append(event)
            session = bridge.follower.dataset.session("s")
            if session and session.event_count == count + 1 and session.summary.status != "running":
                stop.set()

    writer_task = asyncio.create_task(write())
    await asyncio.wait_for(read(), timeout=30)
    await writer_task
    return events


@pytest.mark.parametrize("poll", [None, 0.2])
async def test_appended_records_arrive_and_are_coalesced(
    tmp_path: Path, poll: float | None
) -> None:
    writer = running_sink(tmp_path / "sink")
    follower = Follower([tmp_path / "sink"])
    follower.load()
    bridge = LiveFollower(follower, poll_seconds=poll, min_interval=0.2)
    events = await collect(bridge, writer, 200)
    assert len(events) <= 6  # 20 flushes, a handful of UI updates
    assert bridge.mode == ("watching" if poll is None else "polling every 0.2s")
    assert bridge.last_data_at is not None


async def test_falls_back_to_polling_when_native_watching_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import watchfiles

    def broken(*args: object, **kwargs: object) -> object:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchfiles, "awatch", broken)
    monkeypatch.setattr(live, "FALLBACK_POLL_SECONDS", 0.1)
    writer = running_sink(tmp_path / "sink")
    follower = Follower([tmp_path / "sink"])
    follower.load()
    bridge = LiveFollower(follower, min_interval=0.05)
    await collect(bridge, writer, 30)
    assert bridge.mode.startswith("polling every 0.1s (OSError")
