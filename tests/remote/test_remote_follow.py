"""Following a live writer through a real sshd: every record once, within the poll interval
plus a second; the server killed mid-follow and restarted on its port (issue #15)."""

from __future__ import annotations

import asyncio
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
from stormlog_tui.remote.copies import FileCopies
from stormlog_tui.remote.follower import RemoteFollower
from stormlog_tui.remote.mirror import Mirror, _sync_host
from stormlog_tui.remote.spec import RemoteSpec
from stormlog_tui.remote.transfer import RootMirror

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


def test_a_new_segment_reaches_the_mirror_before_the_manifest_naming_it(
    tmp_path: Path, ssh_client: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll that copies a rollover (a new segment and the manifest naming it) writes the
    manifest last: core's follower takes a sink's new segments when its manifest changes,
    so a refresh between a new manifest and its segment left that segment unread for good
    (the flake of the test above under load)."""
    live, mirror, follower = follow(tmp_path)
    live.write(50)  # 70 events in each rank's segment: closed
    live.write(5)  # and a new one, named by the manifest
    new = "segment-000002.jsonl"
    manifest = mirror.paths[0] / "rank-0" / "manifest.json"
    pull = FileCopies.pull

    async def refresh_before_a_new_segment(
        self: FileCopies, sftp: Any, remote: str, local: Path, attrs: Any
    ) -> bool:
        if local.name == new and local.parent.name == "rank-0":
            deadline = time.monotonic() + 1.0  # the manifest may come first (it used to)
            while new not in manifest.read_text() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            follower.refresh()  # the follower looks at the mirror as it is now
        return await pull(self, sftp, remote, local, attrs)

    monkeypatch.setattr(FileCopies, "pull", refresh_before_a_new_segment)
    [(link, roots)] = mirror._by_host()
    try:
        mirror._run(_sync_host(link, roots, mirror._locks[link]))  # one poll
        follower.refresh()
        monkeypatch.setattr(FileCopies, "pull", pull)
        mirror._run(_sync_host(link, roots, mirror._locks[link]))  # and another
        follower.refresh()
        assert counts(follower.dataset) == counts(load_dataset([live.parent]))
    finally:
        mirror.close()
    assert (live.parent / "rank-0" / new).exists()  # it rolled over


def test_a_rollover_between_the_listing_and_the_manifest_is_followed(
    tmp_path: Path, ssh_client: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer rolls over (a new segment, then the manifest naming it) after the mirror
    listed a rank's directory and before it read the manifest: the new segment must reach
    the mirror before the new manifest does (core's follower takes new segments when the
    manifest changes; one that came later was never read)."""
    live, mirror, follower = follow(tmp_path)
    rank = str(live.parent / "rank-0")
    armed = [True]
    listing = RootMirror._list

    async def list_then_roll_over(self: RootMirror, sftp: Any, remote: str, *rest: Any) -> Any:
        found = await listing(self, sftp, remote, *rest)
        if armed[0] and remote == rank:
            armed[0] = False
            live.write(60)  # 80 events in rank 0's segment: closed at 70
            live.write(5)  # and a new segment, named by the manifest
        return found

    monkeypatch.setattr(RootMirror, "_list", list_then_roll_over)
    [(link, roots)] = mirror._by_host()

    def poll() -> None:  # one poll of the host, as following makes them
        mirror._run(_sync_host(link, roots, mirror._locks[link]))

    try:
        poll()
        assert not armed[0]
        follower.refresh()  # it sees the mirror as the poll left it
        poll()
        follower.refresh()
        assert counts(follower.dataset) == counts(load_dataset([live.parent]))
    finally:
        mirror.close()
    assert len(list((live.parent / "rank-0").glob("segment-*.jsonl"))) > 1  # it rolled over
