"""One table row per loaded session, computed from core's sessions (no Textual here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stormlog_core.browse import SessionData


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


@dataclass(frozen=True)
class LoadResult:
    """Every session row found under the given paths, and one problem per path that failed."""

    rows: list[SessionRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sources: int = 0
    warnings: int = 0


def _duration(session: SessionData) -> int | None:
    """Ended minus started; for a session still running, up to its last record."""
    summary = session.summary
    end = summary.ended_at_ns
    if end is None and len(session.series):
        end = int(session.series.timestamp_ns[-1])
    if end is None:
        return None
    return max(0, end - summary.started_at_ns)


def row_from_session(session: SessionData) -> SessionRow:
    """Build the table row of one loaded session."""
    summary = session.summary
    return SessionRow(
        key=summary.session_id,
        session_id=summary.session_id,
        status=session.display_status,
        host=summary.host,
        job_id=summary.job_id,
        rank=summary.rank,
        world_size=summary.world_size,
        event_count=session.event_count,
        started_at_ns=summary.started_at_ns,
        duration_ns=_duration(session),
        peak_allocated_bytes=session.stats()["peak_allocator_allocated_bytes"],
        source=session.sources[0] if session.sources else "",
        warning_count=session.warning_count,
    )


def sort_rows(rows: Iterable[SessionRow]) -> list[SessionRow]:
    """Order rows by job, then rank, then start time (ranks of one job stay together)."""

    def key(row: SessionRow) -> tuple[str, int, int, str]:
        rank = row.rank if row.rank is not None else -1
        return (row.job_id or "", rank, row.started_at_ns or 0, row.key)

    return sorted(rows, key=key)
