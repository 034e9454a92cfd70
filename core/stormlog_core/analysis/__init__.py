"""Distributed jobs put back together, each rank summed up, and the ranks that diverge.

``jobs`` groups sessions into jobs and rank timelines; ``rank_stats`` sums up one rank;
``job_stats`` compares the ranks of a job (outliers, reasons, onset); ``phases`` sums up
phases; ``report`` writes what ``--summary`` says about sessions and jobs.
"""

from __future__ import annotations

from stormlog_core.analysis.collector import DegradedInterval, degraded_intervals
from stormlog_core.analysis.job_stats import Divergence, JobStats, all_job_stats, job_stats
from stormlog_core.analysis.jobs import Job, RankTimeline, format_ranks, group_jobs
from stormlog_core.analysis.phases import (
    IntervalArrays,
    PhaseInterval,
    PhaseStats,
    interval_arrays,
    phase_table,
    session_intervals,
)
from stormlog_core.analysis.rank_stats import RankStats, headroom_at_peak, rank_stats
from stormlog_core.analysis.report import (
    coverage_lines,
    job_report,
    oom_lines,
    phase_lines,
    session_report,
)

__all__ = [
    "DegradedInterval",
    "Divergence",
    "IntervalArrays",
    "Job",
    "JobStats",
    "PhaseInterval",
    "PhaseStats",
    "RankStats",
    "RankTimeline",
    "all_job_stats",
    "coverage_lines",
    "degraded_intervals",
    "format_ranks",
    "group_jobs",
    "headroom_at_peak",
    "interval_arrays",
    "job_report",
    "job_stats",
    "oom_lines",
    "phase_lines",
    "phase_table",
    "rank_stats",
    "session_intervals",
    "session_report",
]
