"""Following a live writer through a real sshd: every record once, within the poll interval
plus a second; the server killed mid-follow and restarted on its port (issue #15)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from remote.sshd import Sshd
from stormlog_core.browse import Dataset, load_dataset
from stormlog_core.testing.simulate import JobSpec, open_rank_writer, rank_records
from stormlog_core.testing.writer import SinkWriter
from stormlog_tui.remote.follower import RemoteFollower
from stormlog_tui.remote.mirror import Mirror
from stormlog_tui.remote.spec import RemoteSpec

pytestmark = pytest.mark.remote

#: The hosts' polling period in these tests.
POLL = 0.5
#: The acceptance bound (poll interval + 1 s), and a margin for a loaded CI machine.
BOUND = POLL + 1.0
MARGIN = 1.0


class LiveRanks:
    """Two ranks of a job written as a live writer does: a batch, a flush."""

    def __init__(self, parent: Path) -> None:
        self.parent = parent
        spec = JobSpec(ranks=2, samples_per_rank=400, seed=2, leak_rank=None)
        options: dict[str, Any] = {"rollover_max_events": 70, "flush_every_events": 100_000}
        self.writers: dict[int, SinkWriter] = {
            rank: open_rank_writer(spec, parent, rank, **options) for rank in range(2)
        }
        self.streams: dict[int, Iterator[dict[str, Any]]] = {
            rank: rank_records(spec, rank) for rank in range(2)
        }

    def write(self, count: int) -> None:
        for rank, writer in self.writers.items():
            for _ in range(count):
                record = next(self.streams[rank], None)
                if record is not None and record["event_type"] != "stop":
                    writer.append(record)
            writer.flush()


def counts(dataset: Dataset) -> dict[str, tuple[int, int]]:
    """Per session: samples and events (a duplicate or a loss changes them)."""
    return {s.session_id: (len(s.series), len(s.events)) for s in dataset.sessions}


def wait_for(condition: Callable[[], bool], seconds: float) -> float:
    """Seconds until ``condition`` held (checked every 20 ms); fails after ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s")


def follow(tmp_path: Path) -> tuple[LiveRanks, Mirror, RemoteFollower]:
    live = LiveRanks(tmp_path / "data" / "job")
    live.write(20)
    mirror = Mirror([RemoteSpec("node-a", str(live.parent))], poll_seconds=POLL)
    follower = RemoteFollower(mirror.paths, mirror)
    follower.load()
    mirror.start()
    return live, mirror, follower


def caught_up(follower: RemoteFollower, parent: Path) -> Callable[[], bool]:
    """True once the follower holds what a fresh local load of the files gives."""
    truth = counts(load_dataset([parent]))

    def check() -> bool:
        follower.refresh()
        return counts(follower.dataset) == truth

    return check


def test_a_live_writer_is_followed_through_ssh_every_record_once(
    tmp_path: Path, ssh_client: Path
) -> None:
    live, mirror, follower = follow(tmp_path)
    try:
        assert counts(follower.dataset) == counts(load_dataset([live.parent]))
        latencies = []
        for _ in range(8):  # 8 batches: new segments (rollover) and manifest updates too
            live.write(15)
            latencies.append(wait_for(caught_up(follower, live.parent), BOUND + 10))
    finally:
        mirror.close()
    print(f"\nfollow latency through SSH (poll {POLL} s): {[round(x, 2) for x in latencies]}")
    assert statistics.median(latencies) <= BOUND
    assert max(latencies) <= BOUND + MARGIN
    assert len(list((live.parent / "rank-0").glob("segment-*.jsonl"))) > 1  # it rolled over


def test_a_server_killed_mid_follow_keeps_the_data_and_resumes_without_loss(
    tmp_path: Path, ssh_client: Path, sshd: Sshd
) -> None:
    live, mirror, follower = follow(tmp_path)
    try:
        live.write(10)
        wait_for(caught_up(follower, live.parent), BOUND + 10)
        before = counts(follower.dataset)
        sshd.stop()
        live.write(25)  # written while the host is unreachable
        wait_for(lambda: "retrying in" in mirror.status_texts()[0], 10)
        [status] = mirror.status_texts()
        assert status.startswith("node-a: unreachable (")
        follower.refresh()
        assert counts(follower.dataset) == before  # the data already read stays
        sshd.start()  # same port, same host key
        wait_for(caught_up(follower, live.parent), 40)
        assert mirror.status_texts() == ["node-a: connected"]
        live.write(10)
        wait_for(caught_up(follower, live.parent), BOUND + 10)
    finally:
        mirror.close()
    assert counts(follower.dataset) == counts(load_dataset([live.parent]))
