"""Collector health: the stretches where a rank's collector could not measure everything.

Every record stormlog writes carries its collector's health in ``metadata``
(``collector_health_status``, ``telemetry_partial``, ``collector_last_error``), and a
failing collector writes ``collector_degraded`` then ``collector_recovered``. A stretch
starts at the first event that is degraded or partial and ends at the next healthy,
complete one (or at the session's last record: ``open``). These are not sampling gaps:
a gap is time without samples; a degraded stretch is time with doubtful numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stormlog_core.browse.event_table import TEXTS, EventTable
from stormlog_core.schema.event_fields import HEALTH_DEGRADED, HEALTH_UNKNOWN


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


def degraded_intervals(events: EventTable, rank: int, end_ns: int) -> list[DegradedInterval]:
    """The degraded stretches of one session's events (in time order); each record's
    health is ``schema.event_fields.collector_health``."""
    health = events.columns["health"]
    said = np.flatnonzero(health != HEALTH_UNKNOWN)
    if not len(said):
        return []
    state = health[said] == HEALTH_DEGRADED
    starts = np.flatnonzero(state & ~np.concatenate([[False], state[:-1]]))
    found: list[DegradedInterval] = []
    healthy = np.flatnonzero(~state)
    times, reasons = events.times, events.columns["reason"]
    for start in starts.tolist():
        after = int(np.searchsorted(healthy, start))
        row = int(said[start])
        why = TEXTS.get(int(reasons[row]))
        if after < len(healthy):
            end_row = int(said[healthy[after]])
            found.append(DegradedInterval(rank, int(times[row]), int(times[end_row]), why))
        else:
            end = max(end_ns, int(times[row]))
            found.append(DegradedInterval(rank, int(times[row]), end, why, True))
    return found
