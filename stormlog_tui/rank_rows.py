"""One row per rank for the rank table: what core's rank statistics say (pure).

The numbers and the outlier verdicts come from ``stormlog_core.analysis.job_stats`` (see
``rank_source.py``); this module only holds the row type the table shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
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
    reasons: list[str] = field(default_factory=list)
    onset_ns: int | None = None
