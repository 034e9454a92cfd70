"""Write append-only sink directories in stormlog's on-disk format.

A sink directory holds ``manifest.json`` (rewritten atomically through ``manifest.tmp``)
and JSONL segments ``segment-000001.jsonl``, ``segment-000002.jsonl``, ... Segments roll
over by event count or size after a flush, and retention deletes the oldest closed
segments. ``SinkWriter`` produces that layout for fixtures, demos and live-tail tests; it
can also simulate a writer that is killed mid-write (``abandon``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from stormlog_core.io.manifest import MANIFEST_FILENAME, SINK_FORMAT, SinkSegment
from stormlog_core.schema.sessions import STATUSES, SessionSummary

__all__ = [
    "MANIFEST_FILENAME",
    "SINK_FORMAT",
    "SINK_SCHEMA_VERSION",
    "SinkSegment",
    "SinkSession",
    "SinkWriter",
]

SINK_SCHEMA_VERSION = 2

#: A manifest session entry: the reader's summary type, whose field order is the on-disk
#: key order.
SinkSession = SessionSummary


def _segment_name(index: int) -> str:
    """Return the file name of the segment with this 1-based index."""
    return f"segment-{index:06d}.jsonl"


def _segment_index(filename: str) -> int:
    """Return the numeric index of a segment file name, or 0 when it has none."""
    stem = filename.removesuffix(".jsonl")
    digits = stem.removeprefix("segment-")
    return int(digits) if stem.startswith("segment-") and digits.isdigit() else 0


def _check_positive(**limits: int) -> None:
    """Raise ValueError naming the first limit that is below 1."""
    for name, value in limits.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1")


class SinkWriter:
    """Write telemetry records into an append-only sink directory, like stormlog does."""

    def __init__(
        self,
        root: str | Path,
        *,
        rollover_max_events: int = 10000,
        rollover_max_bytes: int = 64 * 1024 * 1024,
        retention_max_files: int = 8,
        retention_max_total_bytes: int = 512 * 1024 * 1024,
        flush_every_events: int = 50,
        fsync: bool = False,
    ) -> None:
        _check_positive(
            rollover_max_events=rollover_max_events,
            rollover_max_bytes=rollover_max_bytes,
            retention_max_files=retention_max_files,
            retention_max_total_bytes=retention_max_total_bytes,
            flush_every_events=flush_every_events,
        )
        self.root = Path(root)
        self.rollover_max_events = rollover_max_events
        self.rollover_max_bytes = rollover_max_bytes
        self.retention_max_files = retention_max_files
        self.retention_max_total_bytes = retention_max_total_bytes
        self.flush_every_events = flush_every_events
        self.fsync = fsync
        self.sessions: dict[str, SinkSession] = {}
        self.segments: list[SinkSegment] = []
        self.active_session_id: str | None = None
        self.pruned_segments: list[str] = []
        self._buffer: list[str] = []
        self.root.mkdir(parents=True, exist_ok=True)
        self._resume_existing()

    @property
    def manifest_path(self) -> Path:
        """Path of the sink's manifest.json."""
        return self.root / MANIFEST_FILENAME

    def start_session(
        self,
        *,
        session_id: str,
        started_at_ns: int,
        host: str,
        pid: int,
        job_id: str | None = None,
        rank: int = 0,
        local_rank: int = 0,
        world_size: int = 1,
        source: str = "stormlog.telemetry_sink",
    ) -> None:
        """Register a running session for the records that follow and rewrite the manifest."""
        if self.active_session_id is not None:
            raise ValueError(f"session {self.active_session_id} is still running")
        self.sessions[session_id] = SinkSession(
            session_id=session_id,
            status="running",
            started_at_ns=int(started_at_ns),
            ended_at_ns=None,
            host=host,
            pid=int(pid),
            job_id=job_id,
            rank=int(rank),
            local_rank=int(local_rank),
            world_size=max(1, int(world_size)),
            source=source,
        )
        self.active_session_id = session_id
        self.write_manifest()

    def append(self, record: Mapping[str, Any]) -> None:
        """Buffer one record; flush once ``flush_every_events`` records are buffered."""
        if self.active_session_id is None:
            raise ValueError("start_session() must be called before append()")
        self._buffer.append(json.dumps(dict(record), sort_keys=True) + "\n")
        if len(self._buffer) >= self.flush_every_events:
            self.flush()

    def flush(self) -> None:
        """Write buffered records, then apply rollover and retention and rewrite the manifest."""
        if not self._buffer:
            return
        segment = self._current_segment() or self._open_segment()
        payload = "".join(self._buffer)
        with (self.root / segment.filename).open("a", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            if self.fsync:
                os.fsync(handle.fileno())
        segment.event_count += len(self._buffer)
        segment.size_bytes += len(payload.encode("utf-8"))
        self._buffer.clear()
        if (
            segment.event_count >= self.rollover_max_events
            or segment.size_bytes >= self.rollover_max_bytes
        ):
            segment.closed = True
        self._apply_retention()
        self.write_manifest()

    def close(self, status: str = "completed", ended_at_ns: int | None = None) -> None:
        """Flush, close the current segment and end the active session with ``status``."""
        if status not in STATUSES:
            raise ValueError(f"Unsupported session status: {status}")
        self.flush()
        current = self._current_segment()
        if current is not None:
            current.closed = True
        if self.active_session_id is not None:
            ended = time.time_ns() if ended_at_ns is None else int(ended_at_ns)
            session = self.sessions[self.active_session_id]
            self.sessions[self.active_session_id] = replace(
                session, status=status, ended_at_ns=ended
            )
        self.active_session_id = None
        self.write_manifest()

    def abandon(self, torn_tail: str | None = None) -> None:
        """Simulate a killed writer: flush, optionally leave a torn last line, stay running.

        The torn tail is appended to the current segment after the manifest was written, so
        the manifest does not count it (as when a process dies mid-write).
        """
        self.flush()
        if torn_tail is not None:
            segment = self._current_segment() or self._open_segment()
            with (self.root / segment.filename).open("a", encoding="utf-8") as handle:
                handle.write(torn_tail.rstrip("\n"))
        self.active_session_id = None
        self._buffer.clear()

    def manifest_payload(self) -> dict[str, Any]:
        """Return the manifest as the JSON object written to disk."""
        ordered = sorted(self.sessions.values(), key=lambda s: (s.started_at_ns, s.session_id))
        return {
            "schema_version": SINK_SCHEMA_VERSION,
            "format": SINK_FORMAT,
            "sessions": [asdict(session) for session in ordered],
            "segments": [asdict(segment) for segment in self.segments],
        }

    def write_manifest(self) -> None:
        """Rewrite manifest.json atomically (manifest.tmp, then rename)."""
        temp_path = self.root / "manifest.tmp"
        temp_path.write_text(json.dumps(self.manifest_payload(), indent=2) + "\n", "utf-8")
        os.replace(temp_path, self.manifest_path)

    def _current_segment(self) -> SinkSegment | None:
        """Return the open segment of the active session, if there is one."""
        if not self.segments:
            return None
        last = self.segments[-1]
        if last.closed or last.session_id != self.active_session_id:
            return None
        return last

    def _open_segment(self) -> SinkSegment:
        """Start a new, empty segment for the active session."""
        names = [s.filename for s in self.segments] + self.pruned_segments
        next_index = max((_segment_index(name) for name in names), default=0) + 1
        segment = SinkSegment(_segment_name(next_index), 0, 0, False, self.active_session_id)
        self.segments.append(segment)
        return segment

    def _apply_retention(self) -> None:
        """Delete the oldest closed segments while the sink is over a retention limit."""
        while self._over_retention():
            oldest_closed = next((s for s in self.segments if s.closed), None)
            if oldest_closed is None:
                return
            (self.root / oldest_closed.filename).unlink(missing_ok=True)
            self.segments.remove(oldest_closed)
            self.pruned_segments.append(oldest_closed.filename)

    def _over_retention(self) -> bool:
        """Tell whether the retained segments exceed the file-count or byte limit."""
        total = sum(segment.size_bytes for segment in self.segments)
        return (
            len(self.segments) > self.retention_max_files or total > self.retention_max_total_bytes
        )

    def _resume_existing(self) -> None:
        """Adopt an existing sink like stormlog does when it reopens one.

        Running sessions become interrupted and their segments closed (a torn tail is left
        in place, as stormlog leaves it); segment files missing from the manifest are
        adopted as closed segments without a session.
        """
        if not self.manifest_path.exists():
            return
        payload = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        for raw in payload.get("sessions", []):
            session = SinkSession(**raw)
            if session.status == "running":
                session = replace(session, status="interrupted", ended_at_ns=time.time_ns())
            self.sessions[session.session_id] = session
        known = {raw["filename"]: SinkSegment(**raw) for raw in payload.get("segments", [])}
        for path in self.root.glob("segment-*.jsonl"):
            if path.name not in known:
                count = sum(1 for line in path.read_bytes().splitlines() if line.strip())
                known[path.name] = SinkSegment(path.name, count, path.stat().st_size, True)
        self.segments = [known[name] for name in sorted(known)]
        for segment in self.segments:
            owner = self.sessions.get(segment.session_id or "")
            if owner is not None and owner.status == "interrupted":
                segment.closed = True
        self.write_manifest()
