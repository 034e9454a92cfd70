"""Rank statistics of a job and divergence: which rank differs from its peers, since when.

:func:`job_stats` takes a :class:`~stormlog_core.analysis.jobs.Job`, sums up each rank
(:func:`~stormlog_core.analysis.rank_stats.rank_stats`), compares the ranks with
median/MAD statistics and names the outliers with reasons in words and the time the
divergence became visible
(``onset_ns``). Everything is vectorized with numpy: a job of 512 ranks of 10k samples each
takes a fraction of a second.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from stormlog_core.analysis.jobs import Job, MiB, RankTimeline, format_ranks, group_jobs
from stormlog_core.analysis.rank_stats import RankStats, present_values, rank_stats
from stormlog_core.browse.session_data import SessionData, gap_threshold_ns
from stormlog_core.schema.units import (
    counted,
    format_bytes,
    format_duration,
    format_rate,
    rate_unit,
)

if TYPE_CHECKING:
    import numpy.typing as npt

    from stormlog_core.browse.series import FloatArray, IntArray

__all__ = [
    "Divergence",
    "JobStats",
    "all_job_stats",
    "job_stats",
]

#: A rank is an outlier when its robust z-score (0.6745 * |x - median| / MAD) exceeds this...
ROBUST_Z = 3.5
#: ...and it differs from the median by at least this many bytes...
MIN_EFFECT_BYTES = 64 * MiB
#: ...and by at least this fraction of the median (peaks), or of the median peak allocated
#: accumulated over the job's span (growth rates).
MIN_EFFECT_FRACTION = 0.05
#: A growth rate must also differ from the median rate by this fraction of it.
MIN_GROWTH_FRACTION = 0.25
#: Ranks needed before any rank can be called an outlier.
MIN_PEERS = 3
#: Points of the common time grid on which rank shapes are compared.
GRID_POINTS = 512
#: Half-width of the peers' band, in robust standard deviations (1.4826 * MAD).
BAND_K = 3.5
#: Grid points a rank must stay outside the band for the divergence to count.
BAND_PERSISTENCE = 3
#: Rank clock offsets above this many sampling intervals get a note.
OFFSET_NOTE_INTERVALS = 5
#: Notes about single ranks (gaps, degradations) listed per job before summarizing.
MAX_RANK_NOTES = 8
_MAD_SCALE = 1.4826
_PEAKS = (
    ("allocated", "peak_allocated_bytes"),
    ("reserved", "peak_reserved_bytes"),
    ("device used", "peak_device_used_bytes"),
)


@dataclass(frozen=True)
class Divergence:
    """Whether a rank is an outlier among its peers, why, and since when."""

    outlier: bool = False
    reasons: tuple[str, ...] = ()
    onset_ns: int | None = None


@dataclass(frozen=True)
class JobStats:
    """A job with the statistics of each rank and the verdict on each rank."""

    job: Job
    ranks: tuple[RankStats, ...]
    divergence: Mapping[int, Divergence] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: Spread of the ranks' first-sample times (max - min), in ns.
    clock_offset_ns: int = 0

    @property
    def outliers(self) -> list[int]:
        """Ranks flagged as outliers, ascending."""
        return [s.rank for s in self.ranks if self.verdict(s.rank).outlier]

    def verdict(self, rank: int) -> Divergence:
        """The divergence verdict of ``rank`` (not an outlier when unknown)."""
        return self.divergence.get(rank, Divergence())

    def to_dict(self) -> dict[str, Any]:
        """The job's entry of ``--summary --json``."""
        job = self.job
        return {
            "job_id": job.job_id,
            "world_size": job.world_size,
            "ranks_present": job.ranks_present,
            "ranks_missing": list(job.ranks_missing),
            "missing_count": job.missing_count,
            "ranks_stopped_early": list(job.ranks_stopped_early),
            "ranks_beyond_world_size": list(job.ranks_beyond_world_size),
            "inconsistent_world_sizes": list(job.inconsistent_world_sizes),
            "sessions": job.session_ids,
            "restarts": job.restarts,
            "outliers": self.outliers,
            "clock_offset_ns": self.clock_offset_ns,
            "notes": list(self.notes),
            "ranks": [_rank_dict(stats, self.verdict(stats.rank)) for stats in self.ranks],
        }

    def summary_lines(self) -> list[str]:
        """Plain-text lines for ``--summary``: ranks present/missing, outliers, notes.

        The job id comes from the files: escape the lines before printing them.
        """
        job = self.job
        lines = [
            f"job {job.job_id}: world size {job.world_size}, "
            f"{counted(len(job.ranks), 'rank')} present, missing: {_missing_text(job)}"
        ]
        if job.ranks_stopped_early:
            lines.append(f"  stopped early: {format_ranks(job.ranks_stopped_early)}")
        for stats in self.ranks:
            verdict = self.verdict(stats.rank)
            if not verdict.outlier:
                continue
            onset = ""
            if verdict.onset_ns is not None and stats.first_seen_ns is not None:
                since = format_duration(verdict.onset_ns - stats.first_seen_ns)
                onset = f", diverging from {since} after its first record"
            lines.append(f"  outlier: rank {stats.rank}{onset}")
            lines += [f"    {reason}" for reason in verdict.reasons]
        if not self.outliers and len(self.ranks) >= MIN_PEERS:
            lines.append("  no outlier rank")
        lines += [f"  note: {note}" for note in self.notes]
        return lines


def _rank_dict(stats: RankStats, verdict: Divergence) -> dict[str, Any]:
    return {
        **stats.to_dict(),
        "outlier": verdict.outlier,
        "reasons": list(verdict.reasons),
        "onset_ns": verdict.onset_ns,
    }


# --- a job -------------------------------------------------------------------------------


def _missing_text(job: Job) -> str:
    listed = format_ranks(job.ranks_missing)
    more = job.missing_count - len(job.ranks_missing)
    return f"{listed} (+{more:,} more)" if more > 0 else listed


def all_job_stats(sessions: Sequence[SessionData]) -> list[JobStats]:
    """:func:`job_stats` of every job of :func:`~stormlog_core.analysis.jobs.group_jobs`."""
    return [job_stats(job) for job in group_jobs(sessions)]


def job_stats(job: Job, grid_points: int = GRID_POINTS) -> JobStats:
    """Rank statistics of a job, outliers among its ranks with reasons, onsets and notes."""
    stats = tuple(rank_stats(timeline) for timeline in job.ranks)
    reasons = _reasons(stats, _span_s(stats))
    curves = [_curve(timeline) for timeline in job.ranks]
    clock_offset = _clock_offset(curves)
    flagged = [index for index, s in enumerate(stats) if reasons.get(s.rank)]
    onsets = _onsets(curves, flagged, job.interval_ns, grid_points) if flagged else {}
    divergence = {
        s.rank: Divergence(True, tuple(reasons[s.rank]), onsets.get(index))
        for index, s in enumerate(stats)
        if s.rank in reasons
    }
    notes = _notes(job, stats, clock_offset)
    return JobStats(job, stats, divergence, tuple(notes), clock_offset)


def _span_s(stats: Sequence[RankStats]) -> float:
    firsts = [s.first_seen_ns for s in stats if s.first_seen_ns is not None]
    lasts = [s.last_seen_ns for s in stats if s.last_seen_ns is not None]
    return (max(lasts) - min(firsts)) / 1e9 if firsts and lasts else 0.0


def _notes(job: Job, stats: Sequence[RankStats], clock_offset: int) -> list[str]:
    notes = []
    if job.inconsistent_world_sizes:
        sizes = ", ".join(map(str, job.inconsistent_world_sizes))
        notes.append(f"sessions disagree on world_size ({sizes}); using {job.world_size}")
    if job.ranks_beyond_world_size:
        beyond = format_ranks(job.ranks_beyond_world_size)
        notes.append(f"ranks {beyond} are beyond world_size {job.world_size}")
    if job.restarts:
        notes.append(counted(job.restarts, "elastic restart"))
    with_data = sum(1 for s in stats if s.peak_allocated_bytes is not None)
    if job.job_id is not None and with_data < MIN_PEERS:
        notes.append(f"{counted(with_data, 'rank')} with data: too few to compare ranks")
    notes += _gap_notes(stats, gap_threshold_ns(job.interval_ns))
    if clock_offset > OFFSET_NOTE_INTERVALS * job.interval_ns:
        notes.append(
            f"rank clocks differ by up to {clock_offset / 1e9:.1f} s (first samples); "
            "ranks were aligned on their first sample to compare shapes"
        )
    return notes


def _gap_notes(stats: Sequence[RankStats], long_gap_ns: int) -> list[str]:
    """One note per rank whose collector degraded or whose samples stopped for a while."""
    notes = []
    for s in stats:
        if s.collector_degradations == 0 and s.longest_gap_ns <= long_gap_ns:
            continue
        text = f"rank {s.rank}: longest sampling gap {format_duration(s.longest_gap_ns)}"
        if s.collector_degradations:
            text += f", collector degraded {counted(s.collector_degradations, 'time')}"
        notes.append(text)
    if len(notes) > MAX_RANK_NOTES:
        notes = [
            *notes[:MAX_RANK_NOTES],
            f"... and {counted(len(notes) - MAX_RANK_NOTES, 'more rank')}",
        ]
    return notes


def _reasons(stats: Sequence[RankStats], span_s: float) -> dict[int, list[str]]:
    """Why each outlier rank is one, in words (ranks that are not outliers are absent)."""
    reasons: dict[int, list[str]] = {}
    for rank, text in _growth_reasons(stats, span_s):
        reasons.setdefault(rank, []).append(text)
    for label, name in _PEAKS:
        values = _column(stats, name)
        median = _median(values)
        floor = max(MIN_EFFECT_BYTES, MIN_EFFECT_FRACTION * abs(median))
        for index in _outliers(values, floor):
            rank, value = stats[index].rank, float(values[index])
            text = f"rank {rank}: peak {label} {format_bytes(value)} vs median "
            reasons.setdefault(rank, []).append(text + format_bytes(median))
    return reasons


def _growth_reasons(stats: Sequence[RankStats], span_s: float) -> Iterator[tuple[int, str]]:
    if span_s <= 0:
        return
    rates = _column(stats, "growth_bytes_per_s")
    median = _median(rates)
    peak = _median(_column(stats, "peak_allocated_bytes"))
    accumulated = max(MIN_EFFECT_BYTES, MIN_EFFECT_FRACTION * abs(peak)) / span_s
    floor = max(accumulated, MIN_GROWTH_FRACTION * abs(median))
    for index in _outliers(rates, floor):
        rate = float(rates[index])
        unit = rate_unit(max(abs(rate), abs(median)))
        verb = "grows" if rate >= 0 else "shrinks"
        yield (
            stats[index].rank,
            f"rank {stats[index].rank}: allocated {verb} {format_rate(abs(rate), unit)} "
            f"vs median {format_rate(median, unit)}",
        )


def _column(stats: Sequence[RankStats], name: str) -> FloatArray:
    values = [getattr(s, name) for s in stats]
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _median(values: FloatArray) -> float:
    present = values[~np.isnan(values)]
    return float(np.median(present)) if len(present) else 0.0


def _outliers(values: FloatArray, min_effect: float) -> list[int]:
    """Indices whose robust z-score exceeds ``ROBUST_Z`` and that differ by ``min_effect``."""
    present = ~np.isnan(values)
    if np.count_nonzero(present) < MIN_PEERS:
        return []
    median = float(np.median(values[present]))
    mad = float(np.median(np.abs(values[present] - median)))
    deviation = np.abs(np.where(present, values, median) - median)
    hit = (deviation > min_effect) & (deviation > ROBUST_Z * _MAD_SCALE * mad)
    return [int(index) for index in np.flatnonzero(hit)]


# --- onsets: when a rank left the band of its peers --------------------------------------

_Curve: TypeAlias = "tuple[IntArray, FloatArray]"
_Band: TypeAlias = "tuple[FloatArray, FloatArray]"


def _curve(timeline: RankTimeline) -> _Curve:
    """The rank's allocated bytes with their times (null values dropped)."""
    series = timeline.series
    return present_values(series.timestamp_ns, series.values["allocator_allocated_bytes"])


def _clock_offset(curves: Sequence[_Curve]) -> int:
    firsts = [int(times[0]) for times, _ in curves if len(times)]
    return max(firsts) - min(firsts) if firsts else 0


def _onsets(
    curves: Sequence[_Curve], flagged: Sequence[int], interval_ns: int, grid_points: int
) -> dict[int, int]:
    """Onset time (rank clock, ns) of each flagged rank (by index) that left its peers' band.

    Ranks are aligned on their first sample and resampled onto a common grid. A rank out of
    the peers' band from its start diverged at its first sample; otherwise its level is
    aligned on its early level and the onset is the change point (a hinge fit) before the
    first time it stayed out of the band.
    """
    usable = [len(times) >= 2 for times, _ in curves]
    duration = max((int(t[-1] - t[0]) for t, _ in curves if len(t) >= 2), default=0)
    if duration <= 0:
        return {}
    grid = np.linspace(0.0, float(duration), grid_points)
    matrix = _grid_matrix(curves, grid, gap_threshold_ns(interval_ns))
    excluded = set(flagged)
    peers = [i for i in range(len(curves)) if i not in excluded and usable[i]]
    if len(peers) < 2:
        peers = [i for i in range(len(curves)) if usable[i]]
    early = max(8, grid_points // 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        typical = _nanmedian(matrix[peers], axis=0)
        residual = matrix - typical
        levelled = residual - _nanmedian(residual[:, :early], axis=1)[:, None]
        level = float(np.nanmedian(typical))
        bands = (_band(residual[peers], level), _band(levelled[peers], level))
    step = float(grid[1] - grid[0]) if grid_points > 1 else float(duration)
    persistence = max(BAND_PERSISTENCE, int(np.ceil(BAND_PERSISTENCE * interval_ns / step)))
    found: dict[int, int] = {}
    for index in flagged:
        if not usable[index]:
            continue
        at = _onset_index(residual[index], levelled[index], bands, early, persistence)
        if at is not None:
            found[index] = _to_rank_clock(curves[index][0], float(grid[at]))
    return found


def _nanmedian(matrix: FloatArray, axis: int) -> FloatArray:
    """Median along ``axis`` ignoring NaN (NaN where a line has no value); sort-based."""
    ordered = np.sort(matrix, axis=axis)
    count = np.count_nonzero(~np.isnan(ordered), axis=axis, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0), axis=axis)
    high = np.take_along_axis(ordered, count // 2 - (count == 0), axis=axis)
    middle = np.where(count > 0, (low + high) / 2, np.nan)
    return np.squeeze(middle, axis=axis)


def _grid_matrix(curves: Sequence[_Curve], grid: FloatArray, max_gap_ns: int) -> FloatArray:
    """Every rank on the grid (aligned on its first sample); NaN outside it and in long gaps."""
    matrix = np.full((len(curves), len(grid)), np.nan)
    for row, (times, values) in enumerate(curves):
        if len(times) < 2:
            continue
        aligned = (times - times[0]).astype(np.float64)
        matrix[row] = np.interp(grid, aligned, values, left=np.nan, right=np.nan)
        after = np.searchsorted(aligned, grid, side="right")
        inside = (after > 0) & (after < len(aligned))
        gap = np.zeros(len(grid), dtype=bool)
        gap[inside] = aligned[after[inside]] - aligned[after[inside] - 1] > max_gap_ns
        matrix[row, gap] = np.nan
    return matrix


def _band(rows: FloatArray, level: float) -> _Band:
    """The peers' median and band half-width at each grid point.

    The width is the larger of the spread at that point and the spread pooled over the
    whole run (so a moment where a few peers happen to agree does not narrow the band), and
    at least ``MIN_EFFECT_BYTES`` or 1 % of ``level``.
    """
    center = _nanmedian(rows, axis=0)
    deviation = np.abs(rows - center)
    pooled = np.nanmedian(deviation) if np.any(~np.isnan(deviation)) else 0.0
    spread = np.fmax(_nanmedian(deviation, axis=0), pooled)
    floor = max(float(MIN_EFFECT_BYTES), 0.01 * abs(level))
    return center, np.maximum(BAND_K * _MAD_SCALE * np.nan_to_num(spread), floor)


def _onset_index(
    residual: FloatArray,
    levelled: FloatArray,
    bands: tuple[_Band, _Band],
    early: int,
    persistence: int,
) -> int | None:
    """Grid index where a rank's divergence began, or None if it never left the band."""
    raw_out = _outside(residual, bands[0])
    present = ~np.isnan(residual[:early])
    if np.any(present) and np.mean(raw_out[:early][present]) > 0.5:
        return int(np.flatnonzero(~np.isnan(residual))[0])
    exit_at = _first_run(_outside(levelled, bands[1]), persistence)
    if exit_at is None:
        return None
    apart = levelled - bands[1][0]
    sign = np.sign(np.nanmedian(apart[exit_at : exit_at + persistence]))
    end = min(len(apart), exit_at + max(persistence, exit_at // 2))
    return _hinge(apart[:end], exit_at, float(sign))


def _outside(values: FloatArray, band: _Band) -> npt.NDArray[np.bool_]:
    center, width = band
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.abs(values - center), nan=0.0) > width


def _first_run(flags: npt.NDArray[np.bool_], length: int) -> int | None:
    """The first index that starts ``length`` consecutive True flags."""
    if len(flags) < length:
        return None
    runs = np.lib.stride_tricks.sliding_window_view(flags, length).all(axis=1)
    hits = np.flatnonzero(runs)
    return int(hits[0]) if len(hits) else None


def _hinge(values: FloatArray, last: int, sign: float) -> int:
    """The change point ``k <= last`` of a flat-then-linear fit to ``values`` (grid index)."""
    index = np.flatnonzero(~np.isnan(values))
    x, y = index.astype(np.float64), values[index]
    candidates = x[x <= last]
    if len(candidates) < 2:
        return last
    ramp = np.maximum(0.0, x[None, :] - candidates[:, None])
    ramp -= ramp.mean(axis=1, keepdims=True)
    cov = ramp @ (y - y.mean())
    var = np.einsum("ij,ij->i", ramp, ramp)
    gain = np.where((var > 0) & (np.sign(cov) == sign), cov * cov / np.maximum(var, 1e-300), -1)
    return int(candidates[int(np.argmax(gain))])


def _to_rank_clock(times: IntArray, offset_ns: float) -> int:
    """The first record of the rank at or after ``offset_ns`` past its first sample."""
    target = int(times[0]) + round(offset_ns)
    after = int(np.searchsorted(times, target, side="left"))
    return int(times[after]) if after < len(times) else target
