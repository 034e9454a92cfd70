"""Phases: which part of a training step holds the memory, and which one grows.

Stormlog's ``tracker.phase(name)`` writes a ``phase_enter`` and a ``phase_exit`` record
whose ``metadata.phase_scope`` carries the nested ``path`` (``["train_step", "forward"]``),
a ``scope_id`` shared by the enter and its exit, the parent's scope id, the thread and a
sequence number. An interval runs from an enter to the exit of the same scope id; an
enter without its exit ends at the session's last record, and says so (``open``).

For each phase path: how often it ran, its total and median duration, the peak allocated
memory inside it, and the median change of allocated memory from enter to exit; over a
job, the rank where that change is largest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from stormlog_core.browse.chunks import EventRecord
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.taxonomy import EventKind

#: How a phase path is written: ``train_step / forward``.
PATH_SEPARATOR: Final = " / "


@dataclass(frozen=True)
class PhaseInterval:
    """One run of one phase in one session."""

    path: str
    rank: int
    start_ns: int
    end_ns: int
    enter_allocated: float
    exit_allocated: float
    thread: str | None
    #: True when no exit was recorded: the interval ends at the session's last record.
    open: bool = False

    @property
    def duration_ns(self) -> int:
        """How long it ran."""
        return self.end_ns - self.start_ns

    @property
    def change_bytes(self) -> float:
        """Allocated memory at exit minus at enter (NaN when a counter is null)."""
        return self.exit_allocated - self.enter_allocated


@dataclass(frozen=True)
class PhaseStats:
    """One phase path summed up over its intervals (a session's, or a job's)."""

    path: str
    count: int
    total_ns: int
    median_ns: int
    peak_allocator_allocated_bytes: int | None
    median_change_bytes: int | None
    #: The rank whose median enter-to-exit change is largest (job tables), and that change.
    worst_rank: int | None
    worst_rank_change_bytes: int | None
    open_count: int

    def to_dict(self) -> dict[str, Any]:
        """An entry of ``phases`` in ``--summary --json``."""
        return {
            "path": self.path,
            "count": self.count,
            "total_ns": self.total_ns,
            "peak_allocator_allocated_bytes": self.peak_allocator_allocated_bytes,
            "median_change_bytes": self.median_change_bytes,
        }


def phase_path(metadata: Mapping[str, Any], context: str | None) -> str | None:
    """The phase's nested path from ``phase_scope`` (else its name, else the context)."""
    scope = metadata.get("phase_scope")
    if isinstance(scope, Mapping):
        path = scope.get("path")
        if isinstance(path, list) and path and all(isinstance(p, str) for p in path):
            return PATH_SEPARATOR.join(path)
        name = scope.get("name")
        if isinstance(name, str) and name.strip():
            return name
    name = metadata.get("phase")
    return name if isinstance(name, str) and name.strip() else None


def session_intervals(session: SessionData) -> list[PhaseInterval]:
    """Every phase interval of a session, in start order."""
    events = [e for e in session.events if e.kind is EventKind.PHASE]
    if not events:
        return []
    last_ns = (
        int(session.series.timestamp_ns[-1]) if len(session.series) else events[-1].timestamp_ns
    )
    enters: dict[tuple[str, str], EventRecord] = {}
    found: list[PhaseInterval] = []
    for event in events:
        path = phase_path(event.metadata, event.context)
        if path is None:
            continue
        key = (_scope_id(event) or path, path)
        if event.event_type.strip().lower() == "phase_enter":
            enters[key] = event
        elif key in enters:
            found.append(_interval(enters.pop(key), event, path, session.summary.rank))
    for (_, path), enter in enters.items():
        found.append(_interval(enter, None, path, session.summary.rank, end_ns=last_ns))
    found.sort(key=lambda interval: interval.start_ns)
    return found


def _scope_id(event: EventRecord) -> str | None:
    scope = event.metadata.get("phase_scope")
    value = scope.get("scope_id") if isinstance(scope, Mapping) else None
    return value if isinstance(value, str) else None


def _interval(
    enter: EventRecord, exit_: EventRecord | None, path: str, rank: int, end_ns: int = 0
) -> PhaseInterval:
    scope = enter.metadata.get("phase_scope")
    thread = scope.get("thread_name") if isinstance(scope, Mapping) else None
    return PhaseInterval(
        path=path,
        rank=rank,
        start_ns=enter.timestamp_ns,
        end_ns=exit_.timestamp_ns if exit_ is not None else max(end_ns, enter.timestamp_ns),
        enter_allocated=enter.allocator_allocated_bytes,
        exit_allocated=exit_.allocator_allocated_bytes if exit_ else float("nan"),
        thread=thread if isinstance(thread, str) else None,
        open=exit_ is None,
    )


def phase_table(sessions: Sequence[SessionData]) -> list[PhaseStats]:
    """One row per phase path over ``sessions`` (one session, or a job's ranks), by peak."""
    by_path: dict[str, list[tuple[PhaseInterval, SessionData]]] = defaultdict(list)
    for session in sessions:
        for interval in session_intervals(session):
            by_path[interval.path].append((interval, session))
    rows = [_stats(path, runs) for path, runs in by_path.items()]
    rows.sort(key=lambda row: (-(row.peak_allocator_allocated_bytes or -1), row.path))
    return rows


def _stats(path: str, runs: Iterable[tuple[PhaseInterval, SessionData]]) -> PhaseStats:
    runs = list(runs)
    durations = np.array([interval.duration_ns for interval, _ in runs], dtype=np.int64)
    changes = np.array([interval.change_bytes for interval, _ in runs], dtype=np.float64)
    peaks = [_peak_inside(session, interval) for interval, session in runs]
    known = [peak for peak in peaks if peak is not None]
    worst_rank, worst_change = _worst_rank(runs)
    return PhaseStats(
        path=path,
        count=len(runs),
        total_ns=int(durations.sum()),
        median_ns=int(np.median(durations)),
        peak_allocator_allocated_bytes=max(known) if known else None,
        median_change_bytes=_nan_median(changes),
        worst_rank=worst_rank,
        worst_rank_change_bytes=worst_change,
        open_count=sum(1 for interval, _ in runs if interval.open),
    )


def _peak_inside(session: SessionData, interval: PhaseInterval) -> int | None:
    """The highest allocated memory recorded from the phase's enter to its exit."""
    times = session.series.timestamp_ns
    lo = int(np.searchsorted(times, interval.start_ns, side="left"))
    hi = int(np.searchsorted(times, interval.end_ns, side="right"))
    window = session.series.values["allocator_allocated_bytes"][lo:hi]
    if not len(window) or np.all(np.isnan(window)):
        return None
    return int(np.nanmax(window))


def _worst_rank(runs: Sequence[tuple[PhaseInterval, SessionData]]) -> tuple[int | None, int | None]:
    by_rank: dict[int, list[float]] = defaultdict(list)
    for interval, _ in runs:
        by_rank[interval.rank].append(interval.change_bytes)
    medians = {
        rank: value
        for rank, values in by_rank.items()
        if (value := _nan_median(np.array(values, dtype=np.float64))) is not None
    }
    if not medians:
        return None, None
    rank = max(medians, key=lambda r: (medians[r], -r))
    return rank, medians[rank]


def _nan_median(values: np.ndarray[Any, np.dtype[np.float64]]) -> int | None:
    present = values[~np.isnan(values)]
    return int(np.median(present)) if len(present) else None
