"""Session summaries: identity, lifecycle status, ordering and default selection."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar
from uuid import NAMESPACE_URL, uuid4, uuid5

STATUS_RUNNING: Final = "running"
STATUS_COMPLETED: Final = "completed"
STATUS_INTERRUPTED: Final = "interrupted"
STATUS_INCOMPLETE: Final = "incomplete"
STATUSES: Final = frozenset(
    {STATUS_RUNNING, STATUS_COMPLETED, STATUS_INTERRUPTED, STATUS_INCOMPLETE}
)

#: Sessions sort by this priority first: finished captures before live ones.
STATUS_PRIORITY: Final = {
    STATUS_COMPLETED: 0,
    STATUS_INTERRUPTED: 1,
    STATUS_INCOMPLETE: 2,
    STATUS_RUNNING: 3,
}


@dataclass(frozen=True)
class SessionSummary:
    """Identity and lifecycle of one capture session."""

    session_id: str
    status: str
    started_at_ns: int
    ended_at_ns: int | None
    host: str
    pid: int
    job_id: str | None = None
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    source: str = "stormlog.session"


class _HasSummary(Protocol):
    summary: SessionSummary


class _HasEventsAndSummary(Protocol):
    @property
    def summary(self) -> SessionSummary: ...
    @property
    def events(self) -> Sequence[Any]: ...


_SessionT = TypeVar("_SessionT", bound=_HasSummary)
_LoadedT = TypeVar("_LoadedT", bound=_HasEventsAndSummary)


def stable_legacy_session_id(*parts: object) -> str:
    """Deterministic id for records that carry none: ``legacy-<uuid5 of the parts>``."""
    payload = "::".join(str(part) for part in parts if part is not None)
    return f"legacy-{uuid5(NAMESPACE_URL, payload)}"


def normalize_status(value: object) -> str:
    """A known status, lower-cased; raises ``ValueError`` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("session status must be a non-empty string")
    normalized = value.strip().lower()
    if normalized not in STATUSES:
        raise ValueError(f"Unsupported session status: {value}")
    return normalized


def new_summary(
    *,
    source: str,
    status: str,
    session_id: str | None = None,
    started_at_ns: int | None = None,
    ended_at_ns: int | None = None,
    host: str | None = None,
    pid: int | None = None,
    job_id: str | None = None,
    rank: int = 0,
    local_rank: int = 0,
    world_size: int = 1,
) -> SessionSummary:
    """A summary with defaults taken from this process and clock where values are missing."""
    return SessionSummary(
        session_id=session_id or str(uuid4()),
        status=normalize_status(status),
        started_at_ns=int(time.time_ns() if started_at_ns is None else started_at_ns),
        ended_at_ns=None if ended_at_ns is None else int(ended_at_ns),
        host=host or socket.gethostname(),
        pid=int(os.getpid() if pid is None else pid),
        job_id=job_id,
        rank=int(rank),
        local_rank=int(local_rank),
        world_size=max(1, int(world_size)),
        source=source,
    )


def summary_from_manifest_entry(entry: Mapping[str, Any]) -> SessionSummary:
    """Parse one ``sessions`` entry of a sink manifest; raises on a malformed entry."""
    session_id = entry.get("session_id")
    if not isinstance(session_id, str) or not session_id.strip():
        raise ValueError("session_id must be a non-empty string")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError("source must be a non-empty string")
    status = normalize_status(entry.get("status"))
    if entry.get("started_at_ns") is None:
        raise ValueError("started_at_ns must be present")
    started_at_ns = int(entry["started_at_ns"])
    ended = entry.get("ended_at_ns")
    ended_at_ns = None if ended is None else int(ended)
    host = entry.get("host")
    if not isinstance(host, str) or not host.strip():
        raise ValueError("host must be a non-empty string")
    return SessionSummary(
        session_id=session_id,
        status=status,
        started_at_ns=started_at_ns,
        ended_at_ns=ended_at_ns,
        host=host,
        pid=int(entry.get("pid", -1)),
        job_id=entry.get("job_id"),
        rank=int(entry.get("rank", 0)),
        local_rank=int(entry.get("local_rank", 0)),
        world_size=max(1, int(entry.get("world_size", 1))),
        source=source,
    )


def status_from_stops(stop_times_ns: Sequence[int]) -> tuple[str, int | None]:
    """The status of a session known only from its events, and its end: ``completed`` at the
    last ``stop`` when there is one, else ``incomplete`` (the reference's rule)."""
    if stop_times_ns:
        return STATUS_COMPLETED, int(max(stop_times_ns))
    return STATUS_INCOMPLETE, None


def infer_summary(session_id: str, events: Sequence[Any], source: str) -> SessionSummary:
    """Summary of a session known only from its events (time-ordered, non-empty).

    ``completed`` (ended at the last ``stop``) when a ``stop`` event exists, else
    ``incomplete``; identity comes from the first event.
    """
    if not events:
        return new_summary(source=source, status=STATUS_INCOMPLETE, session_id=session_id)
    first = events[0]
    status, ended = status_from_stops(
        [int(event.timestamp_ns) for event in events if event.event_type == "stop"]
    )
    return new_summary(
        source=source,
        status=status,
        session_id=session_id,
        started_at_ns=int(first.timestamp_ns),
        ended_at_ns=ended,
        host=str(first.host),
        pid=int(first.pid),
        job_id=first.job_id,
        rank=int(first.rank),
        local_rank=int(first.local_rank),
        world_size=max(1, int(first.world_size)),
    )


def session_sort_key(summary: SessionSummary) -> tuple[int, int, int, str]:
    """Status priority, then most recent end (or start), then most recent start, then id."""
    return (
        STATUS_PRIORITY.get(summary.status, 99),
        -int(summary.ended_at_ns or summary.started_at_ns),
        -summary.started_at_ns,
        summary.session_id,
    )


def sort_summaries(summaries: Iterable[SessionSummary]) -> list[SessionSummary]:
    """Summaries in display and selection order."""
    return sorted(summaries, key=session_sort_key)


def select_default(sessions: Iterable[_LoadedT]) -> _LoadedT | None:
    """The session shown first: the best-ordered one among those that have events."""
    candidates = list(sessions)
    with_events = [loaded for loaded in candidates if len(loaded.events) > 0]
    pool = with_events or candidates
    if not pool:
        return None
    return min(pool, key=lambda loaded: session_sort_key(loaded.summary))


__all__ = [
    "STATUSES",
    "STATUS_COMPLETED",
    "STATUS_INCOMPLETE",
    "STATUS_INTERRUPTED",
    "STATUS_RUNNING",
    "SessionSummary",
    "infer_summary",
    "normalize_status",
    "select_default",
    "session_sort_key",
    "sort_summaries",
    "stable_legacy_session_id",
    "summary_from_manifest_entry",
]
