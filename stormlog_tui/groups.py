"""Sessions put together for the detail view: a job (its ranks) or one session alone.

A rank with several sessions (elastic restarts) becomes one track, its sessions' series
merged in time order. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stormlog_core.dataset import Dataset
from stormlog_core.parsing import EventRecord
from stormlog_core.series import Series
from stormlog_core.sessions_data import SessionData


@dataclass
class RankTrack:
    """One rank of a group: its sessions, merged series and events."""

    rank: int
    sessions: list[SessionData]
    series: Series
    events: list[EventRecord]
    interval_ns: float
    warnings: int = 0
    restarts_ns: list[int] = field(default_factory=list)

    @property
    def total_bytes(self) -> float | None:
        """The device total (the limit line), if reported."""
        return self.series.peak("device_total_bytes")


@dataclass
class SessionGroup:
    """What the detail screen shows: a job's ranks, or one session without a job."""

    key: str
    title: str
    job_id: str | None
    sessions: list[SessionData]
    tracks: list[RankTrack]
    world_size: int | None
    origin_ns: int
    end_ns: int

    @property
    def ranks(self) -> list[int]:
        """The ranks present, in order."""
        return [track.rank for track in self.tracks]

    def missing_ranks(self) -> list[int]:
        """Ranks below ``world_size`` that have no session."""
        if self.world_size is None:
            return []
        present = set(self.ranks)
        return [rank for rank in range(self.world_size) if rank not in present]

    def track(self, rank: int) -> RankTrack | None:
        """The track of ``rank``."""
        return next((t for t in self.tracks if t.rank == rank), None)


def median_interval_ns(series: Series) -> float:
    """The typical time between samples (0 when fewer than two)."""
    stamps = series.timestamp_ns[series.is_sample] if len(series) else series.timestamp_ns
    if len(stamps) < 2:
        return 0.0
    return float(np.median(np.diff(stamps)))


def _track(rank: int, sessions: list[SessionData]) -> RankTrack:
    ordered = sorted(sessions, key=lambda s: s.summary.started_at_ns)
    series = ordered[0].series
    for later in ordered[1:]:
        series = series.extend(later.series)
    events = sorted((e for s in ordered for e in s.events), key=lambda e: e.timestamp_ns)
    return RankTrack(
        rank=rank,
        sessions=ordered,
        series=series,
        events=events,
        interval_ns=median_interval_ns(series),
        warnings=sum(s.warning_count for s in ordered),
        restarts_ns=[s.summary.started_at_ns for s in ordered[1:]],
    )


def make_group(key: str, title: str, sessions: list[SessionData]) -> SessionGroup:
    """Build a group from its sessions (grouped into tracks by rank)."""
    by_rank: dict[int, list[SessionData]] = {}
    for session in sessions:
        by_rank.setdefault(session.summary.rank, []).append(session)
    tracks = [_track(rank, by_rank[rank]) for rank in sorted(by_rank)]
    starts = [s.summary.started_at_ns for s in sessions]
    starts += [int(t.series.timestamp_ns[0]) for t in tracks if len(t.series)]
    ends = [int(t.series.timestamp_ns[-1]) for t in tracks if len(t.series)]
    ends += [s.summary.ended_at_ns for s in sessions if s.summary.ended_at_ns is not None]
    origin = min(starts) if starts else 0
    worlds = [s.summary.world_size for s in sessions if s.summary.job_id is not None]
    return SessionGroup(
        key=key,
        title=title,
        job_id=sessions[0].summary.job_id if sessions else None,
        sessions=sessions,
        tracks=tracks,
        world_size=max(worlds) if worlds else None,
        origin_ns=origin,
        end_ns=max(ends) if ends else origin,
    )


def group_key(session: SessionData) -> str:
    """``job:<id>`` for a session in a job, else ``session:<id>``."""
    job = session.summary.job_id
    return f"job:{job}" if job is not None else f"session:{session.session_id}"


def group_of(dataset: Dataset, session_id: str) -> SessionGroup | None:
    """The group holding ``session_id``: its whole job, or the session alone."""
    session = dataset.session(session_id)
    if session is None:
        return None
    key = group_key(session)
    members = [s for s in dataset.sessions if group_key(s) == key]
    job = session.summary.job_id
    title = f"job {job}" if job is not None else f"session {session_id}"
    return make_group(key, title, members)


def group_by_key(dataset: Dataset, key: str) -> SessionGroup | None:
    """The group with this key, rebuilt from ``dataset`` (after a reload)."""
    members = [s for s in dataset.sessions if group_key(s) == key]
    if not members:
        return None
    return group_of(dataset, members[0].session_id)


def job_groups(dataset: Dataset) -> list[SessionGroup]:
    """One group per job id (sessions without a job are left out), by job id."""
    jobs = sorted({s.summary.job_id for s in dataset.sessions if s.summary.job_id is not None})
    groups = []
    for job in jobs:
        members = [s for s in dataset.sessions if s.summary.job_id == job]
        groups.append(make_group(f"job:{job}", f"job {job}", members))
    return groups
