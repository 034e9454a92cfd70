"""The mirror itself, through a real sshd: a copy of the telemetry files, caught up in one
sync however small the share of a poll, rewrites and deletions followed (issue #15)."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest

from stormlog_core.testing.simulate import JobSpec, write_job
from stormlog_tui.remote import copies
from stormlog_tui.remote.follower import load_with_mirror
from stormlog_tui.remote.mirror import Mirror
from stormlog_tui.remote.names import lock_path
from stormlog_tui.remote.spec import RemoteSpec

pytestmark = pytest.mark.remote


def tree(root: Path) -> dict[str, bytes]:
    """Every file named like telemetry below ``root``, by relative path."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix in (".jsonl", ".json", ".csv")
    }


def test_the_mirror_is_a_copy_that_follows_appends_rewrites_and_deletions(
    tmp_path: Path, ssh_client: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(copies, "PER_FILE_BYTES", 4096)  # many polls' worth per file
    monkeypatch.setattr(copies, "READ_BYTES", 1000)
    job = tmp_path / "data" / "job"
    write_job(JobSpec(ranks=3, samples_per_rank=40, seed=4), job, rollover_max_events=50)
    (job / "notes.txt").write_text("not telemetry: not copied")
    mirror = Mirror([RemoteSpec("node-a", str(job))])
    try:
        mirror.sync()
        [local] = mirror.paths
        assert tree(local) == tree(job)
        assert not (local / "notes.txt").exists()
        segment = job / "rank-1" / "segment-000001.jsonl"
        segment.write_bytes(segment.read_bytes()[:500].replace(b"1", b"2"))  # rewritten, shorter
        grown = job / "rank-0" / "segment-000001.jsonl"  # rewritten in place, and longer
        grown.write_bytes(grown.read_bytes().replace(b"0", b"9") + b'{"more": 1}\n')
        with (job / "rank-0" / "segment-000002.jsonl").open("ab") as handle:
            handle.write(b'{"appended": true}\n')
        (job / "rank-2" / "segment-000001.jsonl").unlink()  # retention
        assert mirror.sync()
        assert tree(local) == tree(job)
        assert mirror.sync() is False  # nothing changed: nothing done
    finally:
        mirror.close()


def test_a_sync_waits_for_another_process_writing_the_same_host_mirror(
    tmp_path: Path, ssh_client: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes on one host's mirror (an open app and a cron --summary) take turns:
    while the lock is held elsewhere nothing is written; held too long, a one-shot run says
    its copy is incomplete."""
    job = tmp_path / "data"
    write_job(JobSpec(ranks=2, samples_per_rank=10, seed=3), job)
    spec = RemoteSpec("node-a", str(job))
    lock = lock_path(spec)
    lock.parent.mkdir(parents=True, exist_ok=True)
    other = os.open(lock, os.O_RDWR | os.O_CREAT)  # the other process
    fcntl.flock(other, fcntl.LOCK_EX)
    mirror = Mirror([spec])
    try:
        thread = threading.Thread(target=mirror.sync, daemon=True)
        thread.start()
        thread.join(1.5)
        assert thread.is_alive()
        assert not [p for p in mirror.paths[0].rglob("*") if p.is_file()]
        os.close(other)
        thread.join(10)
        assert not thread.is_alive()
        assert [p for p in mirror.paths[0].rglob("*.jsonl") if p.is_file()]
        monkeypatch.setattr("stormlog_tui.remote.mirror.LOCK_TIMEOUT_SECONDS", 0.3)
        other = os.open(lock, os.O_RDWR)
        fcntl.flock(other, fcntl.LOCK_EX)
        dataset = load_with_mirror(mirror.paths, mirror)
        os.close(other)
    finally:
        mirror.close()
    [late] = [w for w in dataset.warnings if "incomplete copy" in w.message]
    assert late.severity == "error"
    assert late.message == (
        f"incomplete copy of node-a:{job}: another stormlog-tui kept this host's mirror "
        "locked for 0.3 s"
    )
