"""One rank summed up: peaks, final values, headroom, a robust growth rate, the longest
sampling gap, and alert, degradation and OOM counts (by the event taxonomy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.analysis.collector import degraded_intervals
from stormlog_core.analysis.jobs import RankTimeline
from stormlog_core.browse.event_table import EventTable, alert_counts
from stormlog_core.browse.series import Series
from stormlog_core.schema.taxonomy import EventKind

if TYPE_CHECKING:
    import numpy.typing as npt

    from stormlog_core.browse.series import FloatArray, IntArray

#: Buckets (of equal record counts) whose means feed the Theil–Sen growth rate.
SLOPE_BUCKETS = 64


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
    #: Time the collector was degraded or partial (not sampling gaps: see ``collector``).
    collector_degraded_ns: int = 0
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
        headroom_bytes=headroom_at_peak(series),
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
        collector_degraded_ns=_degraded_ns(timeline),
        warnings=timeline.warning_count,
        stale=timeline.stale,
    )


def _degraded_ns(timeline: RankTimeline) -> int:
    total = 0
    for session in timeline.sessions:
        times = session.series.timestamp_ns
        end = int(times[-1]) if len(times) else 0
        total += sum(i.duration_ns for i in degraded_intervals(session.events, timeline.rank, end))
    return total


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


def headroom_at_peak(series: Series) -> int | None:
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


def _event_counts(events: EventTable) -> dict[str, int]:
    """Alerts by severity, collector degradations and OOM events (by the taxonomy)."""
    counts = alert_counts(events)
    counts["degraded"] = int(np.count_nonzero(events.columns["degradation"]))
    counts["oom"] = int(np.count_nonzero(events.of_kind(EventKind.OOM)))
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
