"""Where rank rows come from: core's ``stormlog_core.ranks`` (issue 6), else our own.

``rank_rows_for(group)`` returns ``RankRow``s filled from core's rank statistics and
divergence verdicts (outliers, reasons in words, onset time). If core's module is missing
or fails on some input, ``rank_rows.fallback_rows`` computes the same columns here.
"""

from __future__ import annotations

from stormlog_tui.groups import SessionGroup
from stormlog_tui.rank_rows import RankRow, fallback_rows

try:
    from stormlog_core import ranks as core_ranks
    from stormlog_core.jobs import group_jobs
except Exception:  # pragma: no cover - core without (or with a broken) issue 6
    core_ranks = None  # type: ignore[assignment]


def _core_rows(group: SessionGroup) -> list[RankRow] | None:
    if core_ranks is None or not group.sessions:
        return None
    jobs = group_jobs(group.sessions)
    if len(jobs) != 1:
        return None
    stats = core_ranks.job_stats(jobs[0])
    rows = []
    for rank in stats.ranks:
        verdict = stats.divergence.get(rank.rank)
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
                outlier=bool(verdict and verdict.outlier),
                reasons=list(verdict.reasons) if verdict else [],
                onset_ns=verdict.onset_ns if verdict else None,
            )
        )
    return rows


def rank_rows_for(group: SessionGroup) -> list[RankRow]:
    """The rank table's rows for ``group``."""
    try:
        rows = _core_rows(group)
    except Exception:  # core's statistics must never take the browser down
        rows = None
    return rows if rows is not None else fallback_rows(group)


def job_notes(group: SessionGroup) -> list[str]:
    """Core's notes about a job (clock offsets, gaps, early stops), if available."""
    if core_ranks is None or not group.sessions:
        return []
    try:
        jobs = group_jobs(group.sessions)
        return list(core_ranks.job_stats(jobs[0]).notes) if len(jobs) == 1 else []
    except Exception:
        return []
