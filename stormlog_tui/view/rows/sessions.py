"""One row per loaded session for the sessions table, from core's sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stormlog_core.browse import SessionData

#: The status shown for a session that ran out of memory, whatever its writer said.
OOM_STATUS = SessionData.OOM_STATUS


@dataclass(frozen=True)
class SessionRow:
    """What the sessions table shows about one session."""

    key: str
    session_id: str
    status: str
    host: str
    job_id: str | None
    rank: int | None
    world_size: int | None
    event_count: int
    started_at_ns: int | None
    duration_ns: int | None
    peak_allocated_bytes: int | None
    source: str
    warning_count: int = 0


def _duration(session: SessionData) -> int | None:
    """Ended minus started; for a session still running, up to its last record."""
    summary = session.summary
    end = summary.ended_at_ns
    if end is None and len(session.series):
        end = int(session.series.timestamp_ns[-1])
    if end is None:
        return None
    return max(0, end - summary.started_at_ns)


def _peak(session: SessionData) -> int | None:
    peak = session.series.peak("allocator_allocated_bytes")
    return None if peak is None else int(peak)


def session_row(session: SessionData) -> SessionRow:
    """The table row of one loaded session."""
    summary = session.summary
    return SessionRow(
        key=summary.session_id,
        session_id=summary.session_id,
        status=session.shown_status,
        host=summary.host,
        job_id=summary.job_id,
        rank=summary.rank,
        world_size=summary.world_size,
        event_count=session.event_count,
        started_at_ns=summary.started_at_ns,
        duration_ns=_duration(session),
        peak_allocated_bytes=_peak(session),
        source=session.sources[0] if session.sources else "",
        warning_count=session.warning_count,
    )


def session_rows(sessions: Sequence[SessionData]) -> list[SessionRow]:
    """The rows of every session, in the dataset's order."""
    return [session_row(session) for session in sessions]
