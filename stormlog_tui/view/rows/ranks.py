"""One row per rank for the rank table: what core's rank statistics and verdicts say.

The numbers, the outlier verdicts, their reasons in words and the onset times all come from
``stormlog_core.analysis.job_stats``, so the table says what ``--summary`` says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stormlog_core.analysis import JobStats, job_stats
from stormlog_tui.view.detail_group import DetailGroup

#: How an outlier rank, its reasons and its OOM are written (the table, the details).
OUTLIER_STYLE = "bold red"


@dataclass(frozen=True)
class RankRow:
    """What the rank table shows about one rank."""

    rank: int
    samples: int
    peak_allocated: float | None
    peak_reserved: float | None
    peak_used: float | None
    headroom_at_peak: float | None
    growth_bytes_per_s: float | None
    longest_gap_ns: int | None
    last_seen_ns: int | None
    warnings: int
    outlier: bool = False
    #: Alerts in the records, by severity (never mixed with the load ``warnings``).
    warning_alerts: int = 0
    critical_alerts: int = 0
    error_alerts: int = 0
    oom_events: int = 0
    #: Time the collector was degraded or partial (not a sampling gap).
    collector_degraded_ns: int = 0
    reasons: tuple[str, ...] = field(default=())
    onset_ns: int | None = None


def alerts_label(row: RankRow) -> str:
    """``✖ OOM 24w 3c 1e``: OOMs, then alerts by severity (warning, critical, error) as
    the records count them; ``-`` when there are none."""
    parts = []
    if row.oom_events:
        parts.append("✖ OOM" if row.oom_events == 1 else f"✖ {row.oom_events} OOM")
    for count, letter in (
        (row.warning_alerts, "w"),
        (row.critical_alerts, "c"),
        (row.error_alerts, "e"),
    ):
        if count:
            parts.append(f"{count}{letter}")
    return " ".join(parts) or "-"


def rank_rows(stats: JobStats) -> list[RankRow]:
    """The rank table's rows of a job, from its statistics."""
    rows = []
    for rank in stats.ranks:
        verdict = stats.verdict(rank.rank)
        rows.append(
            RankRow(
                rank=rank.rank,
                samples=rank.samples,
                peak_allocated=rank.peak_allocated_bytes,
                peak_reserved=rank.peak_reserved_bytes,
                peak_used=rank.peak_device_used_bytes,
                headroom_at_peak=rank.headroom_bytes,
                growth_bytes_per_s=rank.growth_bytes_per_s,
                longest_gap_ns=rank.longest_gap_ns or None,
                last_seen_ns=rank.last_seen_ns,
                warnings=rank.warnings,
                outlier=verdict.outlier,
                reasons=verdict.reasons,
                onset_ns=verdict.onset_ns,
                warning_alerts=rank.warning_alerts,
                critical_alerts=rank.critical_alerts,
                error_alerts=rank.error_alerts,
                oom_events=rank.oom_events,
                collector_degraded_ns=rank.collector_degraded_ns,
            )
        )
    return rows


def group_rank_rows(group: DetailGroup) -> list[RankRow]:
    """The rank table's rows for ``group`` (none when its sessions are not one job)."""
    if group.job is None:
        return []
    try:
        return rank_rows(job_stats(group.job))
    except Exception:  # core's statistics must never take the browser down
        return []
