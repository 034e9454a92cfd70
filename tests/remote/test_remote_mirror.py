"""The mirror itself, through a real sshd: a copy of the telemetry files, caught up in one
sync however small the share of a poll, rewrites and deletions followed (issue #15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stormlog_core.testing.simulate import JobSpec, write_job
from stormlog_tui.remote import copies
from stormlog_tui.remote.mirror import Mirror
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
