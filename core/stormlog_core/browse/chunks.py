"""Parsed chunks: the columns of one file's records (or an appended range), its
sessions and its non-sample events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.browse.load_warnings import LoadWarning
from stormlog_core.schema.fields import COUNTERS
from stormlog_core.schema.row_checks import RowColumns
from stormlog_core.schema.sessions import SessionSummary
from stormlog_core.schema.taxonomy import EventKind, classify_event, severity_of

if TYPE_CHECKING:
    import numpy.typing as npt


@dataclass
class EventRecord:
    """A non-sample event (alert, phase, collector state, start/stop, OOM...)."""

    session_id: str
    timestamp_ns: int
    event_type: str
    severity: str
    context: str | None
    metadata: dict[str, Any]
    rank: int
    path: str
    line: int
    allocator_allocated_bytes: float
    device_used_bytes: float
    #: What the event is, by the one taxonomy (set from the fields above).
    kind: EventKind = field(init=False)

    def __post_init__(self) -> None:
        self.kind = classify_event(self.event_type, self.metadata, self.context)


@dataclass
class SessionInfo:
    """Identity of a session as its first record in a chunk states it."""

    host: str
    pid: int
    collector: str
    device_id: int
    sampling_interval_ms: int
    job_id: str | None
    rank: int
    local_rank: int
    world_size: int


@dataclass
class ParsedChunk:
    """Columns of the records of one file (or one appended byte range of it)."""

    path: str
    columns: dict[str, npt.NDArray[Any]]
    session_ids: list[str]
    event_types: list[str]
    job_ids: list[str | None]
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)
    consumed: int = 0
    lines: int = 0
    #: Session summaries the file itself states (stormlog 0.4.3's results files).
    summaries: list[SessionSummary] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of records."""
        return len(self.columns["timestamp_ns"])


def intern(values: list[Any]) -> tuple[npt.NDArray[np.int32], list[Any]]:
    """Codes into a table of the distinct values, in first-seen order."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return np.zeros(len(values), dtype=np.int32), distinct
    table = {value: code for code, value in enumerate(distinct)}
    return np.fromiter(map(table.__getitem__, values), np.int32, len(values)), distinct


def _columns(
    rows: Sequence[Any], lines: npt.NDArray[np.int64], found: RowColumns | None = None
) -> ParsedChunk:
    """Columns of accepted rows (typed rows or converted events), in file order."""
    found = found if found is not None else RowColumns(rows)
    session_codes, session_ids = intern(found.texts["session_id"])
    type_codes, event_types = intern(found.texts["event_type"])
    job_codes, job_ids = intern(found.texts["job_id"])
    rank, local, world = found.identity
    columns: dict[str, npt.NDArray[Any]] = {
        "timestamp_ns": found.timestamps,
        "line": lines,
        "session": session_codes,
        "etype": type_codes.astype(np.int16),
        "job": job_codes,
        "version": found.versions.astype(np.int8),
        "rank": rank.astype(np.int32),
        "world_size": world.astype(np.int32),
    }
    columns.update(found.counters)
    chunk = ParsedChunk("", columns, session_ids, event_types, job_ids)
    _describe_sessions(chunk, rows, session_codes, local)
    return chunk


def _describe_sessions(
    chunk: ParsedChunk,
    rows: Sequence[Any],
    codes: npt.NDArray[np.int32],
    local: npt.NDArray[np.int64],
) -> None:
    _, first_rows = np.unique(codes, return_index=True)
    for index in first_rows:
        row = rows[index]
        chunk.sessions[row.session_id] = SessionInfo(
            host=row.host,
            pid=row.pid,
            collector=row.collector,
            device_id=row.device_id,
            sampling_interval_ms=row.sampling_interval_ms,
            job_id=row.job_id,
            rank=int(chunk.columns["rank"][index]),
            local_rank=int(local[index]),
            world_size=int(chunk.columns["world_size"][index]),
        )


def _attach_events(chunk: ParsedChunk, rows: Sequence[Any], path: str) -> None:
    """Keep full detail of every non-sample row."""
    sample_code = chunk.event_types.index("sample") if "sample" in chunk.event_types else -1
    etype = chunk.columns["etype"]
    for position in np.flatnonzero(etype != sample_code):
        index = int(position)
        row = rows[index]
        metadata = row.metadata if isinstance(row.metadata, dict) else {}
        chunk.events.append(
            EventRecord(
                session_id=row.session_id,
                timestamp_ns=row.timestamp_ns,
                event_type=row.event_type,
                severity=severity_of(row.event_type, metadata),
                context=row.context,
                metadata=metadata,
                rank=int(chunk.columns["rank"][index]),
                path=path,
                line=int(chunk.columns["line"][index]),
                allocator_allocated_bytes=float(chunk.columns["allocator_allocated_bytes"][index]),
                device_used_bytes=float(chunk.columns["device_used_bytes"][index]),
            )
        )


class ExtractedRows(list):  # type: ignore[type-arg]
    """Rows that carry their already extracted columns."""

    def __init__(self, rows: Sequence[Any], found: RowColumns) -> None:
        super().__init__(rows)
        self.found = found


def finish_chunk(
    rows: Sequence[Any],
    numbers: npt.NDArray[np.int64],
    path: str,
    consumed: int,
    lines: int,
    warnings: list[LoadWarning],
) -> ParsedChunk:
    found = rows.found if isinstance(rows, ExtractedRows) else None
    chunk = _columns(rows, numbers, found) if rows else empty_chunk()
    chunk.path = path
    chunk.consumed = consumed
    chunk.lines = lines
    chunk.warnings = warnings
    if rows:
        _attach_events(chunk, rows, path)
    return chunk


def empty_chunk(path: str = "") -> ParsedChunk:
    """A chunk with no records."""
    columns: dict[str, npt.NDArray[Any]] = {
        name: np.zeros(0, dtype=dtype)
        for name, dtype in (
            ("timestamp_ns", np.int64),
            ("line", np.int64),
            ("session", np.int32),
            ("etype", np.int16),
            ("job", np.int32),
            ("version", np.int8),
            ("rank", np.int32),
            ("world_size", np.int32),
        )
    }
    columns.update({name: np.zeros(0, dtype=np.float64) for name in COUNTERS})
    return ParsedChunk(path, columns, [], [], [])
