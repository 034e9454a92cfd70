"""Collector health: the stretches where a rank's collector could not measure everything.

Every record stormlog writes carries its collector's health in ``metadata``
(``collector_health_status``, ``telemetry_partial``, ``collector_last_error``), and a
failing collector writes ``collector_degraded`` then ``collector_recovered``. A stretch
starts at the first event that is degraded or partial and ends at the next healthy,
complete one (or at the session's last record: ``open``). These are not sampling gaps:
a gap is time without samples; a degraded stretch is time with doubtful numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from stormlog_core.browse.chunks import EventRecord
from stormlog_core.schema.taxonomy import EventKind

_UNHEALTHY: Final = frozenset({"degraded", "unhealthy", "failed", "failing"})


@dataclass(frozen=True)
class DegradedInterval:
    """One stretch of doubtful telemetry on one rank."""

    rank: int
    start_ns: int
    end_ns: int
    reason: str | None
    open: bool = False

    @property
    def duration_ns(self) -> int:
        """How long it lasted."""
        return self.end_ns - self.start_ns


def is_degraded(event: EventRecord) -> bool | None:
    """True when an event says its collector is degraded, False when healthy, None when
    it says nothing about it."""
    metadata = event.metadata
    if event.kind is EventKind.COLLECTOR:
        return event.event_type.strip().lower() == "collector_degraded"
    status = metadata.get("collector_health_status")
    partial = metadata.get("telemetry_partial")
    if status is None and partial is None:
        return None
    unhealthy = isinstance(status, str) and status.strip().lower() in _UNHEALTHY
    return unhealthy or partial is True


def degraded_intervals(
    events: Iterable[EventRecord], rank: int, end_ns: int
) -> list[DegradedInterval]:
    """The degraded stretches of one session's events (in time order)."""
    found: list[DegradedInterval] = []
    start: EventRecord | None = None
    for event in events:
        state = is_degraded(event)
        if state is True and start is None:
            start = event
        elif state is False and start is not None:
            found.append(
                DegradedInterval(rank, start.timestamp_ns, event.timestamp_ns, _why(start))
            )
            start = None
    if start is not None:
        found.append(
            DegradedInterval(
                rank, start.timestamp_ns, max(end_ns, start.timestamp_ns), _why(start), True
            )
        )
    return found


def _why(event: EventRecord) -> str | None:
    metadata: Mapping[str, Any] = event.metadata
    error = metadata.get("collector_last_error")
    if isinstance(error, str) and error.strip():
        return error.strip()
    return event.context
