"""One row per job for the jobs view: ranks present and missing, outliers, status (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from stormlog_core.browse import Dataset
from stormlog_tui.groups import SessionGroup, job_groups
from stormlog_tui.rank_source import rank_rows_for


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


def job_row(group: SessionGroup) -> JobRow:
    """Summarise one job group."""
    rows = rank_rows_for(group)
    peaks = [row.peak_allocated for row in rows if row.peak_allocated is not None]
    return JobRow(
        key=group.key,
        job_id=group.job_id or "-",
        world_size=group.world_size,
        ranks_present=len(group.tracks),
        ranks_missing=group.missing_ranks(),
        outliers=[row.rank for row in rows if row.outlier],
        statuses=dict(Counter(s.display_status for s in group.sessions)),
        peak_allocated=max(peaks) if peaks else None,
        warnings=sum(row.warnings for row in rows),
        reasons=[reason for row in rows for reason in row.reasons],
    )


def job_rows(dataset: Dataset) -> list[JobRow]:
    """Every job of ``dataset``."""
    return [job_row(group) for group in job_groups(dataset)]
