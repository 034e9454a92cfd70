"""Distributed jobs: sessions grouped by job_id, indexed by rank, and each rank summed up.

Every rank of a distributed run is its own process and session. :func:`group_jobs` puts
them back together: one :class:`Job` per job_id (sessions without a job_id stay alone, and
different job_ids are never merged), one :class:`RankTimeline` per rank (several sessions
of one rank, e.g. after elastic restarts, in start order), and the job-level facts a user
checks first: world size, missing ranks, ranks that stopped reporting early.
:func:`rank_stats` sums up one rank: peaks, final values, headroom, a robust growth rate,
the longest sampling gap, alert/degradation/OOM counts. Comparing the ranks of a job is
:mod:`stormlog_core.analysis.job_stats`' business.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from stormlog_core.browse.event_table import EventTable
from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData

if TYPE_CHECKING:
    pass

__all__ = [
    "EARLY_STOP_INTERVALS",
    "EARLY_STOP_SPAN_FRACTION",
    "Job",
    "RankTimeline",
    "format_ranks",
    "group_jobs",
]

MiB = 1024 * 1024
#: At most this many missing ranks are listed by number.
MAX_LISTED_MISSING = 4096
#: A rank stopped early when its last record is this many sampling intervals...
EARLY_STOP_INTERVALS = 5
#: ...and this fraction of the job's span before the median last record of its job.
EARLY_STOP_SPAN_FRACTION = 0.05


@dataclass(frozen=True)
class RankTimeline:
    """One rank of a job: its sessions in start order (more than one after restarts)."""

    rank: int
    sessions: tuple[SessionData, ...]

    @property
    def session_ids(self) -> list[str]:
        """Ids of the rank's sessions, in start order."""
        return [session.session_id for session in self.sessions]

    @property
    def restarts_ns(self) -> list[int]:
        """Start time of every session after the first: one entry per restart."""
        return [_start_ns(session) for session in self.sessions[1:]]

    @cached_property
    def series(self) -> Series:
        """All records of the rank's sessions merged in time order."""
        merged = self.sessions[0].series
        for session in self.sessions[1:]:
            merged = merged.extend(session.series)
        return merged

    @cached_property
    def events(self) -> EventTable:
        """Non-sample events of every session, in time order."""
        return EventTable.concat([session.events for session in self.sessions]).sorted()

    @property
    def stale(self) -> bool:
        """True when the rank's latest session is running but its writer seems gone."""
        return self.sessions[-1].display_status == "stale"

    @property
    def warning_count(self) -> int:
        """Load warnings about the rank's sessions."""
        return sum(session.warning_count for session in self.sessions)

    @cached_property
    def interval_ns(self) -> int:
        """The sampling interval: as declared, else the median spacing of samples."""
        return int(np.median([session.interval_ns for session in self.sessions]))

    @property
    def first_seen_ns(self) -> int | None:
        """Time of the rank's first record, or None if it has none."""
        times = self.series.timestamp_ns
        return int(times[0]) if len(times) else None

    @property
    def last_seen_ns(self) -> int | None:
        """Time of the rank's last record, else the end of its last session, or None."""
        times = self.series.timestamp_ns
        if len(times):
            return int(times[-1])
        return self.sessions[-1].summary.ended_at_ns


@dataclass(frozen=True)
class Job:
    """The sessions of one job_id (or a single session without a job_id), by rank."""

    job_id: str | None
    ranks: tuple[RankTimeline, ...]
    world_size: int
    inconsistent_world_sizes: tuple[int, ...] = ()
    ranks_missing: tuple[int, ...] = ()
    ranks_stopped_early: tuple[int, ...] = ()
    ranks_beyond_world_size: tuple[int, ...] = ()
    #: How many ranks below world_size have no session (``ranks_missing`` lists at most
    #: ``MAX_LISTED_MISSING`` of them: a world size read from a file can be huge).
    missing_count: int = 0

    @property
    def ranks_present(self) -> list[int]:
        """Ranks with at least one session, ascending."""
        return [timeline.rank for timeline in self.ranks]

    @property
    def session_ids(self) -> list[str]:
        """Every session of the job, by rank then start order."""
        return [sid for timeline in self.ranks for sid in timeline.session_ids]

    @property
    def restarts(self) -> int:
        """Elastic restarts over all ranks (sessions beyond the first of each rank)."""
        return sum(len(timeline.sessions) - 1 for timeline in self.ranks)

    @property
    def interval_ns(self) -> int:
        """The job's typical sampling interval (median over ranks)."""
        return int(np.median([timeline.interval_ns for timeline in self.ranks]))

    def rank(self, rank: int) -> RankTimeline | None:
        """The timeline of ``rank``, if present."""
        return next((t for t in self.ranks if t.rank == rank), None)


def group_jobs(sessions: Sequence[SessionData]) -> list[Job]:
    """Jobs from sessions: one per job_id (sorted by id), then one per session without one."""
    by_job: dict[str, list[SessionData]] = defaultdict(list)
    alone: list[SessionData] = []
    for session in sessions:
        job_id = session.summary.job_id
        if job_id is None:
            alone.append(session)
        else:
            by_job[str(job_id)].append(session)
    jobs = [_make_job(job_id, members) for job_id, members in sorted(by_job.items())]
    jobs += [_make_job(None, [session]) for session in alone]
    return jobs


def _make_job(job_id: str | None, sessions: list[SessionData]) -> Job:
    by_rank: dict[int, list[SessionData]] = defaultdict(list)
    for session in sessions:
        by_rank[session.summary.rank].append(session)
    ranks = tuple(
        RankTimeline(rank, tuple(sorted(members, key=_start_key)))
        for rank, members in sorted(by_rank.items())
    )
    world_size, inconsistent = _world_size(sessions)
    present = {timeline.rank for timeline in ranks}
    missing, missing_count = _missing_ranks(present, world_size) if job_id else ((), 0)
    return Job(
        job_id=job_id,
        ranks=ranks,
        world_size=world_size,
        inconsistent_world_sizes=inconsistent,
        ranks_missing=missing,
        missing_count=missing_count,
        ranks_stopped_early=tuple(_stopped_early(ranks)),
        ranks_beyond_world_size=tuple(rank for rank in sorted(present) if rank >= world_size),
    )


def _missing_ranks(present: set[int], world_size: int) -> tuple[tuple[int, ...], int]:
    """The first missing ranks (at most ``MAX_LISTED_MISSING``) and how many are missing,
    in time proportional to the ranks present, whatever the world size."""
    inside = sorted(rank for rank in present if 0 <= rank < world_size)
    listed: list[int] = []
    expected = 0
    for rank in [*inside, world_size]:
        stop = min(rank, expected + MAX_LISTED_MISSING - len(listed))
        listed.extend(range(expected, max(expected, stop)))
        expected = rank + 1
        if len(listed) >= MAX_LISTED_MISSING:
            break
    return tuple(listed), world_size - len(inside)


def _world_size(sessions: Sequence[SessionData]) -> tuple[int, tuple[int, ...]]:
    """The most common world size (ties: the largest) and, if they differ, every size."""
    counts = Counter(session.summary.world_size for session in sessions)
    size = max(counts, key=lambda value: (counts[value], value))
    return size, tuple(sorted(counts)) if len(counts) > 1 else ()


def _stopped_early(ranks: Sequence[RankTimeline]) -> list[int]:
    """Ranks that are stale or whose last record is well before the job's median last one."""
    last = {t.rank: t.last_seen_ns for t in ranks if t.last_seen_ns is not None}
    firsts = [t.first_seen_ns for t in ranks if t.first_seen_ns is not None]
    early = {t.rank for t in ranks if t.stale}
    if len(last) >= 2 and firsts:
        span = max(last.values()) - min(firsts)
        interval = int(np.median([t.interval_ns for t in ranks]))
        margin = max(EARLY_STOP_INTERVALS * interval, EARLY_STOP_SPAN_FRACTION * span)
        median_last = float(np.median(list(last.values())))
        early |= {rank for rank, seen in last.items() if seen < median_last - margin}
    return sorted(early)


def _start_ns(session: SessionData) -> int:
    times = session.series.timestamp_ns
    return session.summary.started_at_ns or (int(times[0]) if len(times) else 0)


def _start_key(session: SessionData) -> tuple[int, str]:
    return _start_ns(session), session.session_id


def format_ranks(ranks: Sequence[int]) -> str:
    """Ranks as compact ranges, e.g. ``0-3, 7, 9-10`` (``none`` when empty)."""
    ordered = sorted(set(ranks))
    parts: list[str] = []
    start = previous = None
    for rank in [*ordered, None]:
        if rank is not None and previous is not None and rank == previous + 1:
            previous = rank
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = rank
    return ", ".join(parts) or "none"
