"""Sessions put together for the detail view: a job (its ranks) or one session alone.

A rank with several sessions (elastic restarts) becomes one track, its sessions' series
merged in time order. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stormlog_core.analysis import Job, RankTimeline, group_jobs
from stormlog_core.browse import Dataset, EventRecord, Series, SessionData


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
    ranks_missing: list[int] = field(default_factory=list)
    core_job: Job | None = None

    @property
    def ranks(self) -> list[int]:
        """The ranks present, in order."""
        return [track.rank for track in self.tracks]

    def missing_ranks(self) -> list[int]:
        """Ranks below ``world_size`` that have no session (as core's job says)."""
        return list(self.ranks_missing)

    def track(self, rank: int) -> RankTrack | None:
        """The track of ``rank``."""
        return next((t for t in self.tracks if t.rank == rank), None)


def median_interval_ns(series: Series) -> float:
    """The typical time between samples (0 when fewer than two)."""
    stamps = series.timestamp_ns[series.is_sample] if len(series) else series.timestamp_ns
    if len(stamps) < 2:
        return 0.0
    return float(np.median(np.diff(stamps)))


def _track(timeline: RankTimeline) -> RankTrack:
    """The chart's view of one rank of a core job (restarts merged by core)."""
    return RankTrack(
        rank=timeline.rank,
        sessions=list(timeline.sessions),
        series=timeline.series,
        events=timeline.events,
        interval_ns=median_interval_ns(timeline.series),
        warnings=timeline.warning_count,
        restarts_ns=timeline.restarts_ns,
    )


def make_group(key: str, title: str, sessions: list[SessionData]) -> SessionGroup:
    """Build a group from its sessions: core's jobs give the ranks and missing ranks."""
    jobs = group_jobs(sessions)
    timelines = sorted((t for job in jobs for t in job.ranks), key=lambda t: t.rank)
    tracks = [_track(timeline) for timeline in timelines]
    single = jobs[0] if len(jobs) == 1 else None
    job = single if single is not None and single.job_id is not None else None
    starts = [s.summary.started_at_ns for s in sessions]
    starts += [int(t.series.timestamp_ns[0]) for t in tracks if len(t.series)]
    ends = [int(t.series.timestamp_ns[-1]) for t in tracks if len(t.series)]
    ends += [s.summary.ended_at_ns for s in sessions if s.summary.ended_at_ns is not None]
    origin = min(starts) if starts else 0
    return SessionGroup(
        key=key,
        title=title,
        job_id=sessions[0].summary.job_id if sessions else None,
        sessions=sessions,
        tracks=tracks,
        world_size=job.world_size if job else None,
        origin_ns=origin,
        end_ns=max(ends) if ends else origin,
        ranks_missing=list(job.ranks_missing) if job else [],
        core_job=single,
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
