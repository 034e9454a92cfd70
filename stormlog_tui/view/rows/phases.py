"""One row per phase path for the phases table: core's phase statistics, and where the
worst run of each phase is (what ``enter`` zooms the chart on).

The numbers (count, total and median duration, peak allocated inside, median change, the
rank where the change is largest, open runs) are ``stormlog_core.analysis.phase_table``'s,
so the table says what ``--summary --json`` says. The worst run is the run of the phase on
that worst rank whose allocated memory grew most from enter to exit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stormlog_core.analysis import interval_arrays, phase_table
from stormlog_core.browse import SessionData, counted, event_texts
from stormlog_tui.view.detail_group import DetailGroup
from stormlog_tui.view.formats import signed_bytes_or_dash
from stormlog_tui.view.rank_lists import ranks_label

if TYPE_CHECKING:
    import numpy.typing as npt

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


@dataclass(frozen=True)
class _Runs:
    """Every run of every phase of some sessions, as columns (sessions in order)."""

    path: npt.NDArray[np.int32]
    rank: npt.NDArray[np.int64]
    start_ns: npt.NDArray[np.int64]
    end_ns: npt.NDArray[np.int64]
    change: npt.NDArray[np.float64]  # NaN (a counter was null) counts as the least growth

    @classmethod
    def of(cls, sessions: Sequence[SessionData]) -> _Runs:
        found = [(interval_arrays(session), session.summary.rank) for session in sessions]
        return cls(
            path=np.concatenate([a.path for a, _ in found]),
            rank=np.concatenate([np.full(len(a), rank, dtype=np.int64) for a, rank in found]),
            start_ns=np.concatenate([a.start_ns for a, _ in found]),
            end_ns=np.concatenate([a.end_ns for a, _ in found]),
            change=np.concatenate([a.exit_allocated - a.enter_allocated for a, _ in found]),
        )

    def worst(self, path: int, rank: int | None) -> tuple[Span | None, tuple[Span, ...]]:
        """The run of ``path`` on ``rank`` that grew most (else the longest run of
        ``path``), and every run of ``path`` on the worst run's rank."""
        mine = self.path == path
        on_rank = mine & (self.rank == rank) if rank is not None else np.zeros_like(mine)
        if on_rank.any():
            rows = np.flatnonzero(on_rank)
            change = np.where(np.isnan(self.change[rows]), -np.inf, self.change[rows])
            best = int(rows[int(np.argmax(change))])
        elif mine.any():
            rows = np.flatnonzero(mine)
            best = int(rows[int(np.argmax(self.end_ns[rows] - self.start_ns[rows]))])
        else:
            return None, ()
        same = np.flatnonzero(mine & (self.rank == self.rank[best]))
        starts, ends = self.start_ns[same].tolist(), self.end_ns[same].tolist()
        spans = tuple(zip(starts, ends, strict=True))
        return (int(self.start_ns[best]), int(self.end_ns[best])), spans


def phase_rows(sessions: Sequence[SessionData]) -> list[PhaseRow]:
    """The phases table of ``sessions`` (a job's ranks, or one session), by peak."""
    if not sessions:
        return []
    runs = _Runs.of(sessions)
    codes = event_texts()
    rows = []
    for stats in phase_table(sessions):
        worst, spans = runs.worst(codes.code(stats.path), stats.worst_rank)
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
                worst=worst,
                runs=spans,
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
