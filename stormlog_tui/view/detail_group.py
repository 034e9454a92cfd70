"""The sessions the job screen shows together: a job's ranks, or one session alone.

A :class:`DetailGroup` is built from core's jobs (``group_jobs``): its tracks are core's
:class:`~stormlog_core.analysis.RankTimeline` s (a rank with several sessions after elastic
restarts is one timeline, its series merged by core). No Textual here; building a group
reads every rank, so the app does it in a thread worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from stormlog_core.analysis import Job, RankTimeline, group_jobs
from stormlog_core.browse import Dataset, SessionData, counted
from stormlog_tui.view.safe_text import safe_text


@dataclass(frozen=True)
class DetailGroup:
    """A job's ranks (or one session without a job) and the time range they cover."""

    key: str
    title: str
    job_id: str | None
    sessions: tuple[SessionData, ...]
    tracks: tuple[RankTimeline, ...]
    world_size: int | None
    origin_ns: int
    end_ns: int
    ranks_missing: tuple[int, ...] = ()
    #: Core's job when the sessions make exactly one (what the rank statistics need).
    job: Job | None = field(default=None, compare=False)

    @property
    def ranks(self) -> list[int]:
        """The ranks present, in order."""
        return [track.rank for track in self.tracks]


def group_key(session: SessionData) -> str:
    """``job:<id>`` for a session in a job, else ``session:<id>``."""
    job = session.summary.job_id
    return f"job:{job}" if job is not None else f"session:{session.session_id}"


def title_of(key: str) -> str:
    """``job:llm`` -> ``job llm``; ``session:s1`` -> ``session s1``."""
    kind, _, name = key.partition(":")
    return f"{kind} {name}"


def _time_range(sessions: Sequence[SessionData], tracks: Sequence[RankTimeline]) -> tuple[int, int]:
    starts = [s.summary.started_at_ns for s in sessions]
    starts += [int(t.series.timestamp_ns[0]) for t in tracks if len(t.series)]
    ends = [int(t.series.timestamp_ns[-1]) for t in tracks if len(t.series)]
    ends += [s.summary.ended_at_ns for s in sessions if s.summary.ended_at_ns is not None]
    origin = min(starts) if starts else 0
    return origin, max(ends) if ends else origin


def make_group(key: str, title: str, sessions: Sequence[SessionData]) -> DetailGroup:
    """Build a group from its sessions: core's jobs give the ranks and the missing ranks."""
    jobs = group_jobs(list(sessions))
    tracks = tuple(sorted((t for job in jobs for t in job.ranks), key=lambda t: t.rank))
    single = jobs[0] if len(jobs) == 1 else None
    job = single if single is not None and single.job_id is not None else None
    origin, end = _time_range(sessions, tracks)
    return DetailGroup(
        key=key,
        title=title,
        job_id=sessions[0].summary.job_id if sessions else None,
        sessions=tuple(sessions),
        tracks=tracks,
        world_size=job.world_size if job else None,
        origin_ns=origin,
        end_ns=end,
        ranks_missing=job.ranks_missing if job else (),
        job=single,
    )


def group_by_key(dataset: Dataset, key: str) -> DetailGroup | None:
    """The group with this key, built from ``dataset`` (None when it has no such sessions)."""
    members = [s for s in list(dataset.sessions) if group_key(s) == key]
    return make_group(key, title_of(key), members) if members else None


def group_of(dataset: Dataset, session_id: str) -> DetailGroup | None:
    """The group holding ``session_id``: its whole job, or the session alone."""
    session = dataset.session(session_id)
    return None if session is None else group_by_key(dataset, group_key(session))


def newest_while_running(group: DetailGroup) -> int | None:
    """The group's newest record while one of its sessions still runs (a rank's silence is
    measured from it: the nodes' clocks, not this machine's, which may be set otherwise);
    None for a finished group."""
    return group.end_ns if any(s.running for s in group.sessions) else None


def session_problem(text: str, found: Sequence[SessionData]) -> str:
    """Why ``--session TEXT`` names no session: none matches, or several start so."""
    if not found:
        return f"no session {safe_text(text)} in these paths"
    ids = ", ".join(safe_text(s.session_id) for s in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return (
        f"{safe_text(text)} starts {counted(len(found), 'session id')} ({ids}{more}): "
        "give more of the id"
    )
