"""Rank rows from core's ``stormlog_core.analysis.job_stats``: statistics and divergence verdicts.

``rank_rows_for(group)`` returns ``RankRow``s filled from core's rank statistics and
divergence verdicts (outliers, reasons in words, onset time), so the table says what
``--summary`` says.
"""

from __future__ import annotations

from stormlog_core import analysis as core_ranks
from stormlog_tui.groups import SessionGroup
from stormlog_tui.rank_rows import RankRow


def _core_rows(group: SessionGroup) -> list[RankRow] | None:
    if group.core_job is None:
        return None
    stats = core_ranks.job_stats(group.core_job)
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
    return rows or []
