"""One row per job for the jobs view: ranks present and missing, outliers, statuses.

Built from core's job statistics (``all_job_stats``), so the outliers and their reasons
are the ones the job screen and ``--summary`` show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from stormlog_core.analysis import JobStats, all_job_stats
from stormlog_core.browse import SessionData


@dataclass(frozen=True)
class JobRow:
    """What the jobs table shows about one job."""

    key: str
    job_id: str
    world_size: int | None
    ranks_present: int
    ranks_missing: list[int]
    outliers: list[int]
    statuses: dict[str, int]
    peak_allocated: float | None
    warnings: int
    reasons: list[str] = field(default_factory=list)


def job_row(stats: JobStats) -> JobRow:
    """Sum up one job."""
    job = stats.job
    sessions = [session for timeline in job.ranks for session in timeline.sessions]
    peaks = [r.peak_allocated_bytes for r in stats.ranks if r.peak_allocated_bytes is not None]
    return JobRow(
        key=f"job:{job.job_id}",
        job_id=job.job_id or "-",
        world_size=job.world_size,
        ranks_present=len(job.ranks),
        ranks_missing=list(job.ranks_missing),
        outliers=stats.outliers,
        statuses=dict(Counter(s.shown_status for s in sessions)),
        peak_allocated=max(peaks) if peaks else None,
        warnings=sum(r.warnings for r in stats.ranks),
        reasons=[reason for r in stats.ranks for reason in stats.verdict(r.rank).reasons],
    )


def job_rows(sessions: Sequence[SessionData]) -> list[JobRow]:
    """Every job of ``sessions`` (sessions without a job id are left out), by job id."""
    in_jobs = [s for s in sessions if s.summary.job_id is not None]
    rows = [job_row(stats) for stats in all_job_stats(in_jobs)]
    return sorted(rows, key=lambda row: row.job_id)
