"""Following a sink while stormlog 0.3.9's own writer appends to it in another process."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from generators import v3_record

from stormlog_core.browse.follow import Follower
from stormlog_core.testing.writer import SinkWriter

WRITER = textwrap.dedent(
    """
    import json, os, sys, time
    from stormlog.session import create_session_summary
    from stormlog.telemetry_sink import AppendOnlyTelemetrySink, TelemetrySinkConfig

    root, session_id, mode = sys.argv[1], sys.argv[2], sys.argv[5]
    first, count = int(sys.argv[3]), int(sys.argv[4])
    sink = AppendOnlyTelemetrySink(TelemetrySinkConfig(
        root_dir=root, flush_every_events=7, flush_every_seconds=0.05,
        rollover_max_events=120, rollover_max_bytes=10**9,
        retention_max_files=4, retention_max_total_bytes=10**10, write_rollups=False))
    sink.start_session(create_session_summary(
        source="stormlog.telemetry_sink", session_id=session_id, host="node-1", pid=os.getpid()))
    record = json.loads(sys.stdin.readline())
    for index in range(first, first + count):
        record.update(session_id=session_id, timestamp_ns=1_700_000_000_000_000_000 + index,
                      context=f"rec-{index}")
        sink.append(dict(record))
        if index % 50 == 0:
            time.sleep(0.002)
    if mode == "kill":
        sink.flush(force=True)
        segment = sorted(p for p in os.listdir(root) if p.startswith("segment-"))[-1]
        with open(os.path.join(root, segment), "a") as handle:
            handle.write('{"schema_version": 3, "session_id": "' + session_id + '", "times')
            handle.flush()
        print("ready", flush=True)
        time.sleep(60)
    sink.close()
    """
)


def start_writer(
    root: Path, session_id: str, first: int, count: int, mode: str
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), session_id, str(first), str(count), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write(json.dumps(v3_record(0)) + "\n")
    process.stdin.close()
    return process


def follow_until(
    follower: Follower, process: subprocess.Popen[str], stop_line: str | None = None
) -> None:
    assert process.stdout is not None
    if stop_line is not None:
        os.set_blocking(process.stdout.fileno(), False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        follower.refresh()
        if stop_line is not None and stop_line in (process.stdout.readline() or ""):
            break
        if stop_line is None and process.poll() is not None:
            break
        time.sleep(0.01)
    follower.refresh()


def contexts(follower: Follower) -> Counter[str]:
    found: Counter[str] = Counter()
    for session in follower.dataset.sessions:
        # every record's context is unique; samples are in the series, counted by time
        found.update(f"{session.session_id}:{int(t)}" for t in session.series.timestamp_ns)
    return found


def expected(session_id: str, first: int, count: int) -> set[str]:
    return {f"{session_id}:{1_700_000_000_000_000_000 + i}" for i in range(first, first + count)}


def test_every_record_once_while_stormlog_writes_with_rollover_and_retention(
    tmp_path: Path,
) -> None:
    root = tmp_path / "sink"
    process = start_writer(root, "live", 0, 3000, "close")
    while not (root / "manifest.json").exists():
        time.sleep(0.005)
    follower = Follower([root])
    follower.load()
    follow_until(follower, process)
    assert process.wait(timeout=30) == 0
    seen = contexts(follower)
    assert set(seen) == expected("live", 0, 3000)
    assert max(seen.values()) == 1
    assert len(list(root.glob("segment-*.jsonl"))) <= 4  # retention really deleted segments
    session = follower.dataset.session("live")
    assert session is not None and session.summary.status == "completed"
    assert [w.code for w in follower.dataset.warnings if w.severity == "error"] == []


def test_killed_writer_with_torn_tail_then_a_new_writer(tmp_path: Path) -> None:
    root = tmp_path / "sink"
    first = start_writer(root, "first", 0, 700, "kill")
    while not (root / "manifest.json").exists():
        time.sleep(0.005)
    follower = Follower([root])
    follower.load()
    follow_until(follower, first, stop_line="ready")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert follower.dataset.session("first").summary.status == "running"  # type: ignore[union-attr]
    assert not [w for w in follower.dataset.warnings if w.code == "malformed-json"]
    second = start_writer(root, "second", 700, 500, "close")
    follow_until(follower, second)
    assert second.wait(timeout=30) == 0
    seen = contexts(follower)
    assert set(seen) == expected("first", 0, 700) | expected("second", 700, 500)
    assert max(seen.values()) == 1
    statuses = {s.session_id: s.summary.status for s in follower.dataset.sessions}
    assert statuses == {"first": "interrupted", "second": "completed"}


def checksum(root: Path) -> dict[str, tuple[str, int, int]]:
    return {
        str(path.relative_to(root)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
            path.stat().st_mode,
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("torn", [None, '{"schema_version": 3, "sess'])
def test_following_never_changes_the_sink(tmp_path: Path, torn: str | None) -> None:
    root = tmp_path / "sink"
    writer = SinkWriter(root, rollover_max_events=5, flush_every_events=2)
    writer.start_session(session_id="s", started_at_ns=1, host="h", pid=1)
    for index in range(12):
        writer.append(v3_record(index, session_id="s"))
    writer.abandon(torn)
    before = checksum(root)
    follower = Follower([root])
    follower.load()
    for _ in range(5):
        follower.refresh()
    assert checksum(root) == before
    assert follower.dataset.sessions[0].event_count == 12


def test_replaced_file_is_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps(v3_record(i)) + "\n" for i in range(5)))
    follower = Follower([path])
    follower.load()
    replacement = tmp_path / "new.jsonl"
    replacement.write_text(json.dumps(v3_record(9)) + "\n")
    replacement.replace(path)
    update = follower.refresh()
    assert update.reloaded
    assert follower.dataset.sessions[0].event_count == 1


def test_plain_jsonl_that_grows_is_followed_and_torn_line_waits(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(json.dumps(v3_record(0)) + "\n")
    follower = Follower([path])
    follower.load()
    line = json.dumps(v3_record(1))
    with path.open("a") as handle:
        handle.write(line[:20])
    assert follower.refresh().records == 0
    assert not follower.dataset.warnings
    with path.open("a") as handle:
        handle.write(line[20:] + "\n")
    assert follower.refresh().records == 1
    assert follower.dataset.sessions[0].event_count == 2
