"""SinkWriter writes the same sink directories as stormlog 0.3.9's AppendOnlyTelemetrySink."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any, TypedDict

import pytest
from generators import BASE_NS, session_records, v3_record
from stormlog.session import create_session_summary  # type: ignore[import-untyped]
from stormlog.telemetry import load_telemetry_sessions, telemetry_event_to_dict  # type: ignore[import-untyped]
from stormlog.telemetry_sink import AppendOnlyTelemetrySink, TelemetrySinkConfig  # type: ignore[import-untyped]

from stormlog_core.testing.writer import SinkWriter


class Limits(TypedDict):
    """The size limits both writers get (keyword arguments of either)."""

    rollover_max_events: int
    rollover_max_bytes: int
    retention_max_files: int
    retention_max_total_bytes: int
    flush_every_events: int


LIMITS: Limits = {
    "rollover_max_events": 3,
    "rollover_max_bytes": 4096,
    "retention_max_files": 3,
    "retention_max_total_bytes": 8192,
    "flush_every_events": 2,
}
SESSIONS = [
    ("first", session_records("first", 6)),
    ("second", session_records("second", 2, stop=False)),
    ("third", session_records("third", 4)),
]


def _start_kwargs(session_id: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "started_at_ns": records[0]["timestamp_ns"],
        "host": "node-0",
        "pid": 4242,
        "job_id": "job-1",
        "rank": 0,
        "local_rank": 0,
        "world_size": 1,
    }


def _write_with_stormlog(root: Path, sessions: list[tuple[str, list[dict[str, Any]]]]) -> None:
    config = TelemetrySinkConfig(
        root_dir=root, flush_every_seconds=3600.0, write_rollups=False, **LIMITS
    )
    sink = AppendOnlyTelemetrySink(config)
    for session_id, records in sessions:
        summary = create_session_summary(
            source="stormlog.telemetry_sink", **_start_kwargs(session_id, records)
        )
        sink.start_session(summary)
        for record in records:
            sink.append(record)
        sink.close("completed" if records[-1]["event_type"] == "stop" else "interrupted")


def _write_with_ours(root: Path, sessions: list[tuple[str, list[dict[str, Any]]]]) -> None:
    writer = SinkWriter(root, **LIMITS)
    for session_id, records in sessions:
        writer.start_session(**_start_kwargs(session_id, records))
        for record in records:
            writer.append(record)
        writer.close("completed" if records[-1]["event_type"] == "stop" else "interrupted")


def _manifest(root: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    for session in manifest["sessions"]:
        session["ended_at_ns"] = "<now>" if session["ended_at_ns"] is not None else None
    return manifest


@pytest.fixture
def twin_sinks(tmp_path: Path) -> tuple[Path, Path]:
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    _write_with_stormlog(theirs, SESSIONS)
    _write_with_ours(ours, SESSIONS)
    return theirs, ours


def test_same_files_and_segment_bytes(twin_sinks: tuple[Path, Path]) -> None:
    theirs, ours = twin_sinks
    names = sorted(p.name for p in theirs.iterdir())
    assert names == sorted(p.name for p in ours.iterdir())
    assert "manifest.tmp" not in names
    assert len([n for n in names if n.startswith("segment-")]) == 3  # retention pruned some
    for name in names:
        if name.startswith("segment-"):
            assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name


def test_same_manifest_structure_and_key_order(twin_sinks: tuple[Path, Path]) -> None:
    theirs, ours = twin_sinks
    assert _manifest(ours) == _manifest(theirs)
    our_text = (ours / "manifest.json").read_text(encoding="utf-8")
    their_text = (theirs / "manifest.json").read_text(encoding="utf-8")
    assert our_text == json.dumps(json.loads(our_text), indent=2) + "\n"
    assert list(json.loads(our_text)) == list(json.loads(their_text))
    for ours_s, theirs_s in zip(
        json.loads(our_text)["sessions"], json.loads(their_text)["sessions"], strict=True
    ):
        assert list(ours_s) == list(theirs_s)


def test_reference_loader_reads_ours_identically(twin_sinks: tuple[Path, Path]) -> None:
    theirs, ours = twin_sinks
    loaded_theirs = load_telemetry_sessions(theirs)
    loaded_ours = load_telemetry_sessions(ours)
    assert [s.summary.session_id for s in loaded_ours] == [
        s.summary.session_id for s in loaded_theirs
    ]
    for mine, ref in zip(loaded_ours, loaded_theirs, strict=True):
        assert dataclasses.replace(mine.summary, ended_at_ns=0) == dataclasses.replace(
            ref.summary, ended_at_ns=0
        )
        assert [telemetry_event_to_dict(e) for e in mine.events] == [
            telemetry_event_to_dict(e) for e in ref.events
        ]


def test_rollover_by_bytes(tmp_path: Path) -> None:
    writer = SinkWriter(tmp_path, rollover_max_bytes=500, flush_every_events=1)
    writer.start_session(session_id="s", started_at_ns=BASE_NS, host="h", pid=1)
    for index in range(5):
        writer.append(v3_record(index, session_id="s"))
    writer.close(ended_at_ns=BASE_NS + 10)
    segments = json.loads((tmp_path / "manifest.json").read_text())["segments"]
    assert [s["event_count"] for s in segments] == [1, 1, 1, 1, 1]
    assert all(s["size_bytes"] >= 500 for s in segments)


def test_retention_by_total_bytes_keeps_open_segment(tmp_path: Path) -> None:
    writer = SinkWriter(
        tmp_path, rollover_max_events=2, flush_every_events=1, retention_max_total_bytes=2500
    )
    writer.start_session(session_id="s", started_at_ns=BASE_NS, host="h", pid=1)
    for index in range(9):
        writer.append(v3_record(index, session_id="s"))
    writer.flush()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    names = [s["filename"] for s in manifest["segments"]]
    assert names[-1] == "segment-000005.jsonl"
    assert "segment-000001.jsonl" not in names
    assert not (tmp_path / "segment-000001.jsonl").exists()
    assert sum(s["size_bytes"] for s in manifest["segments"]) <= 2500


def test_abandon_leaves_running_session_and_uncounted_torn_tail(tmp_path: Path) -> None:
    writer = SinkWriter(tmp_path, flush_every_events=100)
    writer.start_session(session_id="k", started_at_ns=BASE_NS, host="h", pid=1)
    for index in range(3):
        writer.append(v3_record(index, session_id="k"))
    writer.abandon(torn_tail='{"schema_version": 3, "sess')
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["sessions"][0]["status"] == "running"
    assert manifest["segments"][0]["closed"] is False
    assert manifest["segments"][0]["event_count"] == 3
    data = (tmp_path / "segment-000001.jsonl").read_bytes()
    assert manifest["segments"][0]["size_bytes"] < len(data)
    assert not data.endswith(b"\n")
    (loaded,) = load_telemetry_sessions(tmp_path)
    assert loaded.summary.status == "running"
    assert len(loaded.events) == 3


def test_reopening_matches_stormlog_recovery(tmp_path: Path) -> None:
    killed = tmp_path / "killed"
    writer = SinkWriter(killed)
    writer.start_session(session_id="k", started_at_ns=BASE_NS, host="h", pid=1)
    writer.append(v3_record(0, session_id="k"))
    writer.abandon(torn_tail='{"torn')
    shutil.copytree(killed, tmp_path / "theirs")
    AppendOnlyTelemetrySink(TelemetrySinkConfig(root_dir=tmp_path / "theirs"))
    SinkWriter(killed)
    assert _manifest(killed) == _manifest(tmp_path / "theirs")
    assert (killed / "segment-000001.jsonl").read_bytes() == (
        tmp_path / "theirs" / "segment-000001.jsonl"
    ).read_bytes()


def test_second_start_session_while_running_is_refused(tmp_path: Path) -> None:
    writer = SinkWriter(tmp_path)
    writer.start_session(session_id="a", started_at_ns=1, host="h", pid=1)
    with pytest.raises(ValueError, match="still running"):
        writer.start_session(session_id="b", started_at_ns=2, host="h", pid=1)


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_limits_below_one_are_refused(tmp_path: Path, limit: str) -> None:
    with pytest.raises(ValueError, match=f"{limit} must be >= 1"):
        invalid: dict[str, Any] = {limit: 0}
        SinkWriter(tmp_path, **invalid)
