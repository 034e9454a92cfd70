"""One row per rank for the rank table: peaks, headroom, growth, gaps, outliers (pure).

When core's ``stormlog_core.ranks`` is available its statistics and outlier verdicts are
used (see ``rank_source.py``); ``fallback_rows`` computes the same columns from the series,
with a simple median/MAD outlier test on growth rate and peak, so the table works alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from stormlog_tui.groups import RankTrack, SessionGroup

ALLOCATED = "allocator_allocated_bytes"
MIB = 1024.0**2
#: A rank is an outlier when it sits this many scaled MADs above the median of its peers.
OUTLIER_MADS = 5.0


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


def _peak(track: RankTrack, name: str) -> float | None:
    return track.series.peak(name)


def _headroom(track: RankTrack) -> float | None:
    series = track.series
    used = series.values["device_used_bytes"]
    if not len(used) or np.all(np.isnan(used)):
        return None
    at = int(np.nanargmax(used))
    total = series.values["device_total_bytes"][at]
    return None if np.isnan(total) else float(total - used[at])


def growth_rate(stamps: np.ndarray, values: np.ndarray, bins: int = 12) -> float | None:
    """Slope of ``values`` over time in units per second, robust to noise and to the
    sawtooth of training steps: Theil-Sen (median of pairwise slopes) over the lower
    quartile of each of ``bins`` time bins (the baseline a leak raises)."""
    keep = ~np.isnan(values)
    stamps, values = stamps[keep], values[keep]
    if len(stamps) < 2 * bins or stamps[-1] == stamps[0]:
        return None
    edges = np.linspace(stamps[0], stamps[-1], bins + 1)
    index = np.clip(np.searchsorted(edges, stamps, "right") - 1, 0, bins - 1)
    xs, ys = [], []
    for b in range(bins):
        chosen = values[index == b]
        if len(chosen):
            xs.append((edges[b] + edges[b + 1]) / 2e9)
            ys.append(float(np.percentile(chosen, 25)))
    x, y = np.array(xs), np.array(ys)
    i, j = np.triu_indices(len(x), k=1)
    slopes = (y[j] - y[i]) / (x[j] - x[i])
    return float(np.median(slopes)) if len(slopes) else None


def _longest_gap(track: RankTrack) -> int | None:
    stamps = track.series.timestamp_ns[track.series.is_sample]
    return int(np.diff(stamps).max()) if len(stamps) > 1 else None


def row_for(track: RankTrack) -> RankRow:
    """The statistics of one rank computed from its series."""
    series = track.series
    samples = series.is_sample
    return RankRow(
        rank=track.rank,
        samples=int(samples.sum()),
        peak_allocated=_peak(track, ALLOCATED),
        peak_reserved=_peak(track, "allocator_reserved_bytes"),
        peak_used=_peak(track, "device_used_bytes"),
        headroom_at_peak=_headroom(track),
        growth_bytes_per_s=growth_rate(
            series.timestamp_ns[samples], series.values[ALLOCATED][samples]
        ),
        longest_gap_ns=_longest_gap(track),
        last_seen_ns=int(series.timestamp_ns[-1]) if len(series) else None,
        warnings=track.warnings,
    )


def _robust_outliers(values: Sequence[float | None], floor: float) -> list[tuple[int, float]]:
    """Indices above ``median + OUTLIER_MADS * MAD`` (and ``floor`` above the median)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 3:
        return []
    array = np.array([v for _, v in known])
    median = float(np.median(array))
    mad = 1.4826 * float(np.median(np.abs(array - median)))
    limit = median + max(OUTLIER_MADS * mad, floor)
    return [(i, median) for i, v in known if v > limit]


def flag_outliers(rows: list[RankRow]) -> None:
    """Mark ranks whose growth rate or peak allocation stands out, with reasons."""
    growth = [row.growth_bytes_per_s for row in rows]
    for index, median in _robust_outliers(growth, floor=0.1 * MIB):
        row = rows[index]
        row.outlier = True
        rate = (row.growth_bytes_per_s or 0.0) / MIB
        row.reasons.append(
            f"rank {row.rank}: allocated grows {rate:.1f} MiB/s vs median {median / MIB:.1f} MiB/s"
        )
    peaks = [row.peak_allocated for row in rows]
    for index, median in _robust_outliers(peaks, floor=256 * MIB):
        row = rows[index]
        row.outlier = True
        peak = (row.peak_allocated or 0.0) / 1024**3
        row.reasons.append(
            f"rank {row.rank}: peak allocated {peak:.1f} GiB vs median {median / 1024**3:.1f} GiB"
        )


def fallback_rows(group: SessionGroup) -> list[RankRow]:
    """Rank rows of ``group`` computed here (no onset time)."""
    rows = [row_for(track) for track in group.tracks]
    flag_outliers(rows)
    return rows
