"""Distributed jobs: sessions grouped by job_id, indexed by rank, and each rank summed up.

Every rank of a distributed run is its own process and session. :func:`group_jobs` puts
them back together: one :class:`Job` per job_id (sessions without a job_id stay alone, and
different job_ids are never merged), one :class:`RankTimeline` per rank (several sessions
of one rank, e.g. after elastic restarts, in start order), and the job-level facts a user
checks first: world size, missing ranks, ranks that stopped reporting early.
:func:`rank_stats` sums up one rank: peaks, final values, headroom, a robust growth rate,
the longest sampling gap, alert/degradation/OOM counts. Comparing the ranks of a job is
:mod:`stormlog_core.ranks`' business.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .parsing import EventRecord
from .series import Series
from .sessions_data import SessionData

if TYPE_CHECKING:
    import numpy.typing as npt

    from .series import FloatArray, IntArray

__all__ = [
    "EARLY_STOP_INTERVALS",
    "EARLY_STOP_SPAN_FRACTION",
    "Job",
    "RankStats",
    "RankTimeline",
    "format_ranks",
    "group_jobs",
    "rank_stats",
    "robust_slope",
]

MiB = 1024 * 1024
#: A rank stopped early when its last record is this many sampling intervals...
EARLY_STOP_INTERVALS = 5
#: ...and this fraction of the job's span before the median last record of its job.
EARLY_STOP_SPAN_FRACTION = 0.05
#: Buckets (of equal record counts) whose means feed the Theil–Sen growth rate.
SLOPE_BUCKETS = 64
_DEFAULT_INTERVAL_NS = 1_000_000_000
_ALERT_SEVERITIES = ("warning", "critical", "error")
_OOM_METADATA_KEYS = frozenset({"oom_reason", "oom_dump_path"})


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
    def events(self) -> list[EventRecord]:
        """Non-sample events of every session, in time order."""
        found = [event for session in self.sessions for event in session.events]
        return sorted(found, key=lambda event: event.timestamp_ns)

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
        declared = [s.sampling_interval_ms for s in self.sessions if s.sampling_interval_ms > 0]
        if declared:
            return int(np.median(declared) * 1_000_000)
        series = self.series
        times = series.timestamp_ns[series.is_sample]
        steps = np.diff(times)
        steps = steps[steps > 0]
        return int(np.median(steps)) if len(steps) else _DEFAULT_INTERVAL_NS

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
    missing = sorted(set(range(world_size)) - present) if job_id is not None else []
    return Job(
        job_id=job_id,
        ranks=ranks,
        world_size=world_size,
        inconsistent_world_sizes=inconsistent,
        ranks_missing=tuple(missing),
        ranks_stopped_early=tuple(_stopped_early(ranks)),
        ranks_beyond_world_size=tuple(rank for rank in sorted(present) if rank >= world_size),
    )


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


@dataclass(frozen=True)
class RankStats:
    """What one rank of a job did: memory peaks, growth, gaps and event counts."""

    rank: int
    sessions: tuple[str, ...]
    restarts_ns: tuple[int, ...]
    samples: int
    records: int
    peak_allocated_bytes: int | None
    final_allocated_bytes: int | None
    peak_reserved_bytes: int | None
    final_reserved_bytes: int | None
    peak_device_used_bytes: int | None
    final_device_used_bytes: int | None
    device_total_bytes: int | None
    #: Device total minus device used, at the peak of device used.
    headroom_bytes: int | None
    #: Robust (Theil–Sen) slope of allocated over time.
    growth_bytes_per_s: float | None
    longest_gap_ns: int
    first_seen_ns: int | None
    last_seen_ns: int | None
    warning_alerts: int = 0
    critical_alerts: int = 0
    error_alerts: int = 0
    collector_degradations: int = 0
    oom_events: int = 0
    warnings: int = 0
    stale: bool = False

    @property
    def alerts(self) -> int:
        """Warning, critical and error alerts together."""
        return self.warning_alerts + self.critical_alerts + self.error_alerts

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (bytes as ints, rates as floats, tuples as lists)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        out["alerts"] = self.alerts
        return out


def rank_stats(timeline: RankTimeline) -> RankStats:
    """The statistics of one rank over all of its sessions."""
    series = timeline.series
    counts = _event_counts(timeline.events)
    return RankStats(
        rank=timeline.rank,
        sessions=tuple(timeline.session_ids),
        restarts_ns=tuple(timeline.restarts_ns),
        samples=int(np.count_nonzero(series.is_sample)),
        records=len(series),
        **_peaks_and_finals(series),
        device_total_bytes=_peak(series.values["device_total_bytes"]),
        headroom_bytes=_headroom(series),
        growth_bytes_per_s=robust_slope(
            series.timestamp_ns, series.values["allocator_allocated_bytes"]
        ),
        longest_gap_ns=_longest_gap(series),
        first_seen_ns=timeline.first_seen_ns,
        last_seen_ns=timeline.last_seen_ns,
        warning_alerts=counts["warning"],
        critical_alerts=counts["critical"],
        error_alerts=counts["error"],
        collector_degradations=counts["degraded"],
        oom_events=counts["oom"],
        warnings=timeline.warning_count,
        stale=timeline.stale,
    )


def _peaks_and_finals(series: Series) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for short, name in (
        ("allocated", "allocator_allocated_bytes"),
        ("reserved", "allocator_reserved_bytes"),
        ("device_used", "device_used_bytes"),
    ):
        out[f"peak_{short}_bytes"] = _peak(series.values[name])
        out[f"final_{short}_bytes"] = _final(series.values[name])
    return out


def _peak(column: FloatArray) -> int | None:
    """The largest non-null value (fast when there is no null)."""
    if not len(column):
        return None
    peak = column.max()
    if np.isnan(peak):
        present = column[~np.isnan(column)]
        if not len(present):
            return None
        peak = present.max()
    return int(peak)


def _final(column: FloatArray) -> int | None:
    """The last non-null value."""
    if len(column) and not np.isnan(column[-1]):
        return int(column[-1])
    present = np.flatnonzero(~np.isnan(column))
    return int(column[present[-1]]) if len(present) else None


def _headroom(series: Series) -> int | None:
    """Device total minus used at the peak of used (the total there, else the max total)."""
    used = series.values["device_used_bytes"]
    peak = _peak(used)
    if peak is None:
        return None
    at = int(np.argmax(np.nan_to_num(used, nan=-1.0)))
    total = series.values["device_total_bytes"][at]
    if np.isnan(total):
        peak_total = _peak(series.values["device_total_bytes"])
        if peak_total is None:
            return None
        total = peak_total
    return int(total - used[at])


def _longest_gap(series: Series) -> int:
    """The longest time between consecutive samples (all records if there are no samples)."""
    times = series.timestamp_ns[series.is_sample]
    if len(times) < 2:
        times = series.timestamp_ns
    return int(np.max(np.diff(times))) if len(times) >= 2 else 0


def _event_counts(events: Sequence[EventRecord]) -> Counter[str]:
    """Alerts by severity, collector degradations and OOM events."""
    counts: Counter[str] = Counter()
    for event in events:
        kind, metadata = event.event_type.strip().lower(), event.metadata
        if kind == "collector_degraded" or metadata.get("collector_transition") == "degraded":
            counts["degraded"] += 1
        if "oom" in kind or not _OOM_METADATA_KEYS.isdisjoint(metadata):
            counts["oom"] += 1
        if event.severity in _ALERT_SEVERITIES and not kind.startswith("collector_"):
            counts[event.severity] += 1
    return counts


def robust_slope(
    timestamp_ns: IntArray, values: FloatArray, buckets: int = SLOPE_BUCKETS
) -> float | None:
    """Theil–Sen slope of ``values`` over time, in units per second; None below 3 points.

    The records are cut into at most ``buckets`` runs of equal count (averaging out noise
    and periodic swings); the median of the slopes between every two runs ignores runs
    spoilt by a spike, a gap or a short episode.
    """
    times, ys = present_values(timestamp_ns, values)
    if len(times) < 3 or times[-1] == times[0]:
        return None
    per = -(-len(times) // buckets)
    count = len(times) // per
    t = (times[: count * per] - times[0]).reshape(count, per).mean(axis=1)
    y = ys[: count * per].reshape(count, per).mean(axis=1)
    first, second = _pairs(count)
    dt = t[second] - t[first]
    usable = dt > 0
    if not np.any(usable):
        return None
    return float(np.median((y[second] - y[first])[usable] / dt[usable]) * 1e9)


@lru_cache(maxsize=16)
def _pairs(count: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    first, second = np.triu_indices(count, 1)
    return first, second


def present_values(times: IntArray, values: FloatArray) -> tuple[IntArray, FloatArray]:
    """The points whose value is not null."""
    present = ~np.isnan(values)
    return (times, values) if present.all() else (times[present], values[present])
