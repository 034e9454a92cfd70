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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.browse.event_table import TEXTS
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.event_fields import PATH_SEPARATOR, PHASE_ENTER, PHASE_EXIT
from stormlog_core.schema.taxonomy import EventKind

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["PATH_SEPARATOR", "IntervalArrays", "PhaseInterval", "PhaseStats", "phase_table"]


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


@dataclass(frozen=True)
class IntervalArrays:
    """The phase intervals of a session as columns, in start order."""

    path: npt.NDArray[np.int32]  # codes of event_table.TEXTS
    start_ns: npt.NDArray[np.int64]
    end_ns: npt.NDArray[np.int64]
    enter_allocated: npt.NDArray[np.float64]
    exit_allocated: npt.NDArray[np.float64]
    thread: npt.NDArray[np.int32]
    open: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.start_ns)


def interval_arrays(session: SessionData) -> IntervalArrays:
    """Every phase interval of a session: an enter paired with the next exit of the same
    scope (its scope id, else its path); an enter followed by another enter of the same
    scope is replaced by it; an exit without an enter is ignored; an enter never exited
    is open and ends at the session's last record."""
    events = session.events
    c = events.columns
    chosen = np.flatnonzero(
        (c["kind"] == int(EventKind.PHASE)) & (c["phase_action"] != 0) & (c["phase_path"] >= 0)
    )
    if not len(chosen):
        return _no_intervals()
    path, key = c["phase_path"][chosen], c["phase_key"][chosen]
    order = np.lexsort((np.arange(len(chosen)), c["timestamp_ns"][chosen], key, path))
    rows = chosen[order]
    path, key, action = path[order], key[order], c["phase_action"][rows]
    same_next = np.zeros(len(rows), dtype=bool)
    same_next[:-1] = (path[1:] == path[:-1]) & (key[1:] == key[:-1])
    is_enter = action == PHASE_ENTER
    closed = np.zeros(len(rows), dtype=bool)
    closed[:-1] = is_enter[:-1] & same_next[:-1] & (action[1:] == PHASE_EXIT)
    still_open = is_enter & ~same_next
    enters = np.flatnonzero(closed | still_open)
    exits = np.minimum(enters + 1, len(rows) - 1)
    is_open = still_open[enters]
    times, allocated = c["timestamp_ns"], c["allocated"]
    series_times = session.series.timestamp_ns
    last_ns = int(series_times[-1]) if len(series_times) else int(times[rows[-1]])
    start = times[rows[enters]]
    end = np.where(is_open, np.maximum(last_ns, start), times[rows[exits]])
    exit_allocated = np.where(is_open, np.nan, allocated[rows[exits]])
    by_start = np.argsort(start, kind="stable")
    return IntervalArrays(
        path=path[enters][by_start],
        start_ns=start[by_start],
        end_ns=end[by_start],
        enter_allocated=allocated[rows[enters]][by_start],
        exit_allocated=exit_allocated[by_start],
        thread=c["phase_thread"][rows[enters]][by_start],
        open=is_open[by_start],
    )


def _no_intervals() -> IntervalArrays:
    ints, floats = np.zeros(0, np.int64), np.zeros(0, np.float64)
    codes = np.zeros(0, np.int32)
    return IntervalArrays(codes, ints, ints, floats, floats, codes, np.zeros(0, bool))


def session_intervals(session: SessionData) -> list[PhaseInterval]:
    """Every phase interval of a session, in start order (see :func:`interval_arrays`)."""
    found = interval_arrays(session)
    rank = session.summary.rank
    return [
        PhaseInterval(
            path=TEXTS.get(path) or "",
            rank=rank,
            start_ns=start,
            end_ns=end,
            enter_allocated=enter,
            exit_allocated=exit_,
            thread=TEXTS.get(thread),
            open=is_open,
        )
        for path, start, end, enter, exit_, thread, is_open in zip(
            found.path.tolist(),
            found.start_ns.tolist(),
            found.end_ns.tolist(),
            found.enter_allocated.tolist(),
            found.exit_allocated.tolist(),
            found.thread.tolist(),
            found.open.tolist(),
            strict=True,
        )
    ]


def window_peaks(
    times: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    start_ns: npt.NDArray[np.int64],
    end_ns: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """The highest non-null value with ``start <= t <= end`` for each window (NaN: none),
    by a sparse table: O(n log n) to build, O(1) per window."""
    lo = np.searchsorted(times, start_ns, side="left")
    hi = np.searchsorted(times, end_ns, side="right")
    out = np.full(len(lo), np.nan)
    if not len(values) or not len(lo):
        return out
    levels = [values]
    span = 1
    while 2 * span <= len(values):
        previous = levels[-1]
        levels.append(np.fmax(previous[:-span], previous[span:]))
        span *= 2
    width = hi - lo
    some = width > 0
    level = np.zeros(len(lo), dtype=np.int64)
    level[some] = np.floor(np.log2(width[some])).astype(np.int64)
    for k in np.unique(level[some]).tolist():
        picked = some & (level == k)
        table = levels[k]
        left, right = lo[picked], hi[picked] - (1 << k)
        out[picked] = np.fmax(table[left], table[right])
    return out


def _runs_and_peaks(
    session: SessionData,
) -> tuple[IntervalArrays, npt.NDArray[np.float64]]:
    """A session's intervals and the peak inside each, computed once per state of its
    records (a session's table and its job's both need them)."""
    series, events = session.series, session.events
    key = (id(series), len(series), id(events), len(events))
    memo = session.__dict__.get("_phase_runs")
    if memo is not None and memo[0] == key:
        return memo[1], memo[2]
    found = interval_arrays(session)
    peaks = window_peaks(
        series.timestamp_ns,
        series.values["allocator_allocated_bytes"],
        found.start_ns,
        found.end_ns,
    )
    session.__dict__["_phase_runs"] = (key, found, peaks)
    return found, peaks


def phase_table(sessions: Sequence[SessionData]) -> list[PhaseStats]:
    """One row per phase path over ``sessions`` (one session, or a job's ranks), by peak."""
    parts = []
    for session in sessions:
        found, peaks = _runs_and_peaks(session)
        if not len(found):
            continue
        ranks = np.full(len(found), session.summary.rank, dtype=np.int64)
        parts.append((found, peaks, ranks))
    if not parts:
        return []
    path = np.concatenate([p[0].path for p in parts])
    duration = np.concatenate([p[0].end_ns - p[0].start_ns for p in parts])
    change = np.concatenate([p[0].exit_allocated - p[0].enter_allocated for p in parts])
    is_open = np.concatenate([p[0].open for p in parts])
    peaks = np.concatenate([p[1] for p in parts])
    ranks = np.concatenate([p[2] for p in parts])
    rows = []
    for code in np.unique(path).tolist():
        mine = path == code
        peak = peaks[mine]
        known = peak[~np.isnan(peak)]
        worst_rank, worst_change = _worst_rank(ranks[mine], change[mine])
        rows.append(
            PhaseStats(
                path=TEXTS.get(code) or "",
                count=int(mine.sum()),
                total_ns=int(duration[mine].sum()),
                median_ns=int(np.median(duration[mine])),
                peak_allocator_allocated_bytes=int(known.max()) if len(known) else None,
                median_change_bytes=_nan_median(change[mine]),
                worst_rank=worst_rank,
                worst_rank_change_bytes=worst_change,
                open_count=int(is_open[mine].sum()),
            )
        )
    rows.sort(key=lambda row: (-(row.peak_allocator_allocated_bytes or -1), row.path))
    return rows


def _worst_rank(
    ranks: npt.NDArray[np.int64], changes: npt.NDArray[np.float64]
) -> tuple[int | None, int | None]:
    """The rank whose median change is largest (the lowest rank on a tie), and it."""
    medians = {}
    for rank in np.unique(ranks).tolist():
        value = _nan_median(changes[ranks == rank])
        if value is not None:
            medians[rank] = value
    if not medians:
        return None, None
    rank = max(medians, key=lambda r: (medians[r], -r))
    return rank, medians[rank]


def _nan_median(values: npt.NDArray[np.float64]) -> int | None:
    present = values[~np.isnan(values)]
    return int(np.median(present)) if len(present) else None
