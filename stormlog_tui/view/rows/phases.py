"""One row per phase path for the phases table: core's phase statistics, and where the
worst run of each phase is (what ``enter`` zooms the chart on).

The numbers (count, total and median duration, peak allocated inside, median change, the
rank where the change is largest, open runs) are ``stormlog_core.analysis.phase_table``'s,
so the table says what ``--summary --json`` says. The worst run is the run of the phase on
that worst rank whose allocated memory grew most from enter to exit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from stormlog_core.analysis import PhaseInterval, phase_table, session_intervals
from stormlog_core.browse import SessionData, counted
from stormlog_tui.view.detail_group import DetailGroup
from stormlog_tui.view.formats import signed_bytes_or_dash
from stormlog_tui.view.rank_lists import ranks_label

Span = tuple[int, int]


@dataclass(frozen=True)
class PhaseRow:
    """What the phases table shows about one phase path."""

    path: str
    count: int
    total_ns: int
    median_ns: int
    peak_allocated: int | None
    median_change: int | None
    worst_rank: int | None
    worst_rank_change: int | None
    open_count: int
    #: The worst run (start, end), what ``enter`` zooms on.
    worst: Span | None = None
    #: Every run of the phase on the worst rank (shaded on the chart with the worst one).
    runs: tuple[Span, ...] = ()

    @property
    def worst_label(self) -> str:
        """``3 (+1.2 GiB)``: the worst rank and its median change; ``-`` when unknown."""
        if self.worst_rank is None:
            return "-"
        return f"{self.worst_rank} ({signed_bytes_or_dash(self.worst_rank_change)})"


def _change(interval: PhaseInterval) -> float:
    change = interval.change_bytes
    return -math.inf if math.isnan(change) else change


def _worst_run(runs: Sequence[PhaseInterval], rank: int | None) -> PhaseInterval | None:
    """The run on ``rank`` that grew most (the longest run when no rank is known)."""
    on_rank = [run for run in runs if run.rank == rank]
    if on_rank:
        return max(on_rank, key=_change)
    return max(runs, key=lambda run: run.duration_ns, default=None)


def phase_rows(sessions: Sequence[SessionData]) -> list[PhaseRow]:
    """The phases table of ``sessions`` (a job's ranks, or one session), by peak."""
    if not sessions:
        return []
    runs: dict[str, list[PhaseInterval]] = defaultdict(list)
    for session in sessions:
        for interval in session_intervals(session):
            runs[interval.path].append(interval)
    rows = []
    for stats in phase_table(sessions):
        worst = _worst_run(runs[stats.path], stats.worst_rank)
        rank = worst.rank if worst is not None else None
        rows.append(
            PhaseRow(
                path=stats.path,
                count=stats.count,
                total_ns=stats.total_ns,
                median_ns=stats.median_ns,
                peak_allocated=stats.peak_allocator_allocated_bytes,
                median_change=stats.median_change_bytes,
                worst_rank=stats.worst_rank,
                worst_rank_change=stats.worst_rank_change_bytes,
                open_count=stats.open_count,
                worst=(worst.start_ns, worst.end_ns) if worst is not None else None,
                runs=tuple((r.start_ns, r.end_ns) for r in runs[stats.path] if r.rank == rank),
            )
        )
    return rows


def group_phase_rows(group: DetailGroup, ranks: Sequence[int] | None) -> list[PhaseRow]:
    """The phases table of the group's charted ranks (every rank when ``ranks`` is None)."""
    wanted = None if ranks is None else set(ranks)
    sessions = [
        session
        for track in group.tracks
        if wanted is None or track.rank in wanted
        for session in track.sessions
    ]
    try:
        return phase_rows(sessions)
    except Exception:  # core's statistics must never take the browser down
        return []


def phases_title(count: int, ranks: Sequence[int] | None) -> str:
    """``12 phases of ranks 0-3``, ``1 phase of rank 5``, ``3 phases of every rank``."""
    if ranks is None:
        of = "every rank"
    else:
        of = f"{'rank' if len(ranks) == 1 else 'ranks'} {ranks_label(tuple(ranks))}"
    return f"{counted(count, 'phase')} of {of}"
