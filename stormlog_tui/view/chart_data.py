"""What the memory chart draws, prepared from rank tracks without Textual (benchmarkable).

``prepare_chart`` takes the tracks of a group, a ``ChartView`` (metric, ranks, time window,
width in columns) and returns ``ChartData``: lines already downsampled to about two points
per column, the band of many ranks (min, median, max on a common time grid), the device
total as a limit, event marks and axis ticks, the spans to shade (the runs of the phase
chosen in the phases table) and the stretches of degraded collector health, all in display
units.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from stormlog_core.analysis import RankTimeline, degraded_intervals, headroom_at_peak
from stormlog_core.browse import EventKind, downsample_minmax
from stormlog_tui.view.detail_group import DetailGroup
from stormlog_tui.view.metrics import METRIC_LABELS, METRICS
from stormlog_tui.view.ticks import memory_step, time_ticks

FloatArray = npt.NDArray[np.float64]

#: At most this many ranks get one line each; more are drawn as a band plus the top ranks.
FEW_RANKS = 8
TOP_RANKS = 3
_UNITS = (("TiB", 1024.0**4), ("GiB", 1024.0**3), ("MiB", 1024.0**2), ("KiB", 1024.0))
#: The event kinds (core's taxonomy) the chart marks; other events are not drawn.
MARKED_KINDS = frozenset({EventKind.ALERT, EventKind.OOM, EventKind.COLLECTOR, EventKind.PHASE})
#: The mark of a rank's divergence onset (from the rank statistics, not an event).
ONSET = "onset"


Span = tuple[int, int]
T = TypeVar("T")


@dataclass(frozen=True)
class Highlight:
    """Time spans the chart shades behind its lines (the runs of a chosen phase), the one
    shaded strongest (its worst run), and what they are."""

    label: str
    spans: tuple[Span, ...] = ()
    strong: Span | None = None


@dataclass(frozen=True)
class ChartView:
    """What to draw: a metric, the ranks (None = all), a window, a width and a time mode."""

    start_ns: int
    end_ns: int
    origin_ns: int
    metric: str = "allocated"
    ranks: tuple[int, ...] | None = None
    columns: int = 100
    wall_clock: bool = False
    highlight: Highlight | None = None


@dataclass
class ChartLine:
    """One drawn line: ``role`` is ``rank``, ``band`` (min/median/max), ``metric`` or ``limit``."""

    label: str
    x: FloatArray
    y: FloatArray
    role: str = "rank"
    rank: int | None = None


@dataclass
class ChartData:
    """Everything the chart widget hands to plotext, in seconds and display units."""

    lines: list[ChartLine] = field(default_factory=list)
    #: The device total in display units (the limit line), and in bytes with the least
    #: headroom a charted rank had at its peak of device memory used.
    limit: float | None = None
    limit_bytes: float | None = None
    headroom_bytes: float | None = None
    unit: str = "GiB"
    y_max: float = 1.0
    x_min: float = 0.0
    x_max: float = 1.0
    xticks: tuple[list[float], list[str]] = field(default_factory=lambda: ([], []))
    marks: dict[str, list[float]] = field(default_factory=dict)
    mode: str = "ranks"
    ranks_shown: int = 0
    #: Spans shaded behind the lines (seconds), the strongest one, and their label.
    shaded: list[tuple[float, float]] = field(default_factory=list)
    strong: tuple[float, float] | None = None
    shade_label: str = ""
    #: Stretches (seconds) where a charted rank's collector was degraded or partial.
    degraded: list[tuple[float, float]] = field(default_factory=list)

    @property
    def points(self) -> int:
        """How many points all lines hold together (what plotext will draw)."""
        return sum(len(line.x) for line in self.lines)


def pick_unit(peak_bytes: float) -> tuple[str, float]:
    """The binary unit that keeps ``peak_bytes`` readable (GiB, MiB, ...)."""
    for name, size in _UNITS:
        if peak_bytes >= size:
            return name, size
    return "B", 1.0


def _slice(track: RankTimeline, view: ChartView) -> slice:
    stamps = track.series.timestamp_ns
    lo = int(np.searchsorted(stamps, view.start_ns, "left"))
    hi = int(np.searchsorted(stamps, view.end_ns, "right"))
    return slice(lo, hi)


def _break_gaps(x: FloatArray, y: FloatArray, limit_s: float) -> tuple[FloatArray, FloatArray]:
    """Insert a NaN wherever consecutive points are more than ``limit_s`` apart."""
    if len(x) < 2 or limit_s <= 0:
        return x, y
    where = np.flatnonzero(np.diff(x) > limit_s) + 1
    if not len(where):
        return x, y
    return np.insert(x, where, np.nan), np.insert(y, where, np.nan)


def _line(track: RankTimeline, view: ChartView, field_name: str, scale: float) -> ChartLine:
    part = _slice(track, view)
    stamps = track.series.timestamp_ns[part]
    window = (float(view.start_ns), float(view.end_ns))
    x, y = downsample_minmax(stamps, track.series.values[field_name][part], view.columns, window)
    x = (x - view.origin_ns) / 1e9
    bucket_s = (view.end_ns - view.start_ns) / max(view.columns, 1) / 1e9
    x, y = _break_gaps(x, y, max(2.5 * bucket_s, 5 * track.interval_ns / 1e9))
    return ChartLine(f"rank {track.rank}", x, y / scale, "rank", track.rank)


def _window_peak(track: RankTimeline, view: ChartView, field_name: str) -> float:
    column = track.series.values[field_name][_slice(track, view)]
    if not len(column) or np.all(np.isnan(column)):
        return float("nan")
    return float(np.nanmax(column))


def _grid(tracks: Sequence[RankTimeline], view: ChartView, field_name: str) -> FloatArray:
    """Per rank and per column, the largest value in that column (NaN when none)."""
    columns = max(view.columns, 1)
    edges = np.linspace(view.start_ns, view.end_ns, columns + 1)
    grid = np.full((len(tracks), columns), np.nan)
    for row, track in enumerate(tracks):
        part = _slice(track, view)
        values = track.series.values[field_name][part]
        if not len(values):
            continue
        starts = np.searchsorted(track.series.timestamp_ns[part], edges[:-1], "left")
        filled = np.flatnonzero(np.diff(np.r_[starts, len(values)]) > 0)
        grid[row, filled] = np.fmax.reduceat(values, starts[filled])
    return grid


def _band(grid: FloatArray, view: ChartView, scale: float) -> list[ChartLine]:
    """Min, median and max across ranks, per column."""
    columns = grid.shape[1]
    x = (np.linspace(view.start_ns, view.end_ns, columns + 1)[:-1] - view.origin_ns) / 1e9
    x = x + (view.end_ns - view.start_ns) / columns / 2e9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, mid, high = (
            np.nanmin(grid, axis=0),
            np.nanmedian(grid, axis=0),
            np.nanmax(grid, axis=0),
        )
    return [
        ChartLine("max", x, high / scale, "band"),
        ChartLine("median", x, mid / scale, "band"),
        ChartLine("min", x, low / scale, "band"),
    ]


def _selected(tracks: Sequence[RankTimeline], view: ChartView) -> list[RankTimeline]:
    if view.ranks is None:
        return list(tracks)
    wanted = set(view.ranks)
    return [track for track in tracks if track.rank in wanted]


def _track_fact(track: RankTimeline, name: str, compute: Callable[[], T]) -> T:
    """A fact of a rank's whole series, worked out once per state of its records (the
    same at every zoom and pan: 60 ms a chart at 512 ranks when worked out each time)."""
    facts: dict[tuple[str, int], Any] = track.__dict__.setdefault("_chart_facts", {})
    key = (name, len(track.series))
    if key not in facts:
        facts[key] = compute()
    found: T = facts[key]
    return found


def device_total(track: RankTimeline) -> float | None:
    """The device total of a rank (the limit line), if reported."""
    return _track_fact(track, "total", lambda: track.series.peak("device_total_bytes"))


def track_headroom(track: RankTimeline) -> int | None:
    """A rank's headroom at its peak of device memory used (core's rule)."""
    return _track_fact(track, "headroom", lambda: headroom_at_peak(track.series))


def _limit(tracks: Sequence[RankTimeline]) -> float | None:
    totals = [total for total in map(device_total, tracks) if total is not None]
    return max(totals) if totals else None


def _scale_for(peak: float, limit: float | None) -> tuple[str, float, float]:
    top = max(peak if np.isfinite(peak) else 0.0, limit or 0.0, 1.0)
    unit, scale = pick_unit(top)
    return unit, scale, top / scale


def prepare_chart(
    tracks: Sequence[RankTimeline],
    view: ChartView,
    events: Marks | None = None,
    degraded: Sequence[Span] = (),
) -> ChartData:
    """The chart of ``view.metric`` for the selected ranks, ready for plotext, with the
    view's highlight and the ``degraded`` collector stretches in the window."""
    shown = _selected(tracks, view)
    data = _prepare_lines(shown, view, events)
    headrooms = [h for h in map(track_headroom, shown) if h is not None]
    data.headroom_bytes = min(headrooms) if headrooms and data.limit_bytes else None
    data.degraded = spans_in_window(degraded, view)
    if view.highlight is not None:
        data.shaded = spans_in_window(view.highlight.spans, view)
        strong = spans_in_window([view.highlight.strong] if view.highlight.strong else [], view)
        data.strong = strong[0] if strong else None
        data.shade_label = view.highlight.label
    return data


def spans_in_window(spans: Sequence[Span], view: ChartView) -> list[tuple[float, float]]:
    """The parts of ``spans`` inside the window, in seconds since the origin."""
    found = []
    for start, end in spans:
        lo, hi = max(start, view.start_ns), min(end, view.end_ns)
        if lo <= hi:
            found.append(((lo - view.origin_ns) / 1e9, (hi - view.origin_ns) / 1e9))
    return found


def _prepare_lines(
    shown: Sequence[RankTimeline], view: ChartView, events: Marks | None
) -> ChartData:
    """The lines of the charted ranks ``shown``."""
    if len(shown) == 1:
        return _one_rank(shown[0], view, events)
    field_name = METRICS[view.metric]
    limit = _limit(shown)
    if len(shown) <= FEW_RANKS:
        peaks = [_window_peak(t, view, field_name) for t in shown]
        unit, scale, top = _scale_for(max(peaks, default=0.0, key=_finite), limit)
        data = _frame(view, unit, scale, top, limit, events, len(shown))
        data.lines = [_line(t, view, field_name, scale) for t in shown]
        return data
    grid = _grid(shown, view, field_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rank_peaks = np.nan_to_num(np.nanmax(grid, axis=1), nan=-1.0)
    unit, scale, top = _scale_for(float(rank_peaks.max(initial=0.0)), limit)
    data = _frame(view, unit, scale, top, limit, events, len(shown))
    data.mode = "band"
    data.lines = _band(grid, view, scale)
    order = np.argsort(-rank_peaks, kind="stable")[:TOP_RANKS]
    data.lines += [_line(shown[int(i)], view, field_name, scale) for i in order]
    return data


def _finite(value: float) -> float:
    return value if np.isfinite(value) else -1.0


def _one_rank(track: RankTimeline, view: ChartView, events: Marks | None) -> ChartData:
    """One rank: allocated, reserved and device used together, with the device total."""
    peaks = [_window_peak(track, view, name) for name in METRICS.values()]
    limit = device_total(track)
    unit, scale, top = _scale_for(max(peaks, default=0.0, key=_finite), limit)
    data = _frame(view, unit, scale, top, limit, events, 1)
    data.mode = "metrics"
    for metric, name in reversed(METRICS.items()):  # allocated last: drawn on top
        line = _line(track, view, name, scale)
        line.label, line.role = METRIC_LABELS[metric], "metric"
        data.lines.append(line)
    return data


def rounded_top(value: float) -> float:
    """The top of the memory axis: ``value`` rounded up to a twentieth of itself in round
    steps, so that a growing peak rescales the chart now and then, not at every update."""
    if not value > 0 or not np.isfinite(value):
        return 1.0
    step = memory_step(value / 20)
    return math.ceil(value / step - 1e-9) * step


def _frame(
    view: ChartView,
    unit: str,
    scale: float,
    top: float,
    limit_bytes: float | None,
    events: Marks | None,
    ranks_shown: int,
) -> ChartData:
    """The chart's frame: axes in ``unit`` (``scale`` bytes), the device total, the marks."""
    x_min = (view.start_ns - view.origin_ns) / 1e9
    x_max = (view.end_ns - view.origin_ns) / 1e9
    ticks = time_ticks(x_min, x_max, view.origin_ns, max(2, view.columns // 14), view.wall_clock)
    return ChartData(
        limit=limit_bytes / scale if limit_bytes else None,
        limit_bytes=limit_bytes,
        unit=unit,
        y_max=rounded_top(top * 1.05),
        x_min=x_min,
        x_max=x_max,
        xticks=ticks,
        marks=event_marks(events, view),
        ranks_shown=ranks_shown,
    )


@dataclass(frozen=True)
class Marks:
    """What the chart may mark, as columns: each mark's time and label (an index into
    :data:`MARK_LABELS`), in the order they are marked. Kept sorted by label, then time
    (``at`` gives each one's place in that order), so a window's marks are found by
    bisection: a 512-rank job has millions."""

    times: npt.NDArray[np.int64]
    labels: npt.NDArray[np.int64]
    #: The times sorted by label, then time; ``at``: where each one is in ``times``;
    #: ``blocks``: each label's ``(label, start, stop)`` in that order.
    sorted_times: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    at: npt.NDArray[np.intp] = field(init=False, repr=False, compare=False)
    blocks: tuple[tuple[int, int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        order = np.lexsort((self.times, self.labels))
        labels = self.labels[order]
        bounds = [0, *(np.flatnonzero(np.diff(labels)) + 1).tolist(), len(labels)]
        blocks = [(int(labels[lo]), lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]
        object.__setattr__(self, "sorted_times", self.times[order])
        object.__setattr__(self, "at", order)
        object.__setattr__(self, "blocks", tuple(blocks))

    def pairs(self) -> list[tuple[int, str]]:
        """``(timestamp_ns, label)`` of every mark."""
        return [
            (at, MARK_LABELS[label])
            for at, label in zip(self.times.tolist(), self.labels.tolist(), strict=True)
        ]


#: The labels of the marks: an event kind's (its value is its index), then the onset.
MARK_LABELS: tuple[str, ...] = (*(kind.label for kind in EventKind), ONSET)


def event_marks(events: Marks | None, view: ChartView) -> dict[str, list[float]]:
    """Event times in the window, by kind, at most one mark per column and kind (the
    first one, in the order given)."""
    if events is None or not len(events.times):
        return {}
    span = max(view.end_ns - view.start_ns, 1)
    found: list[tuple[int, str, list[float]]] = []
    every, places = events.sorted_times, events.at
    for label, lo, hi in events.blocks:
        first = lo + int(np.searchsorted(every[lo:hi], view.start_ns, "left"))
        last = lo + int(np.searchsorted(every[lo:hi], view.end_ns, "right"))
        if first == last:
            continue
        inside, given = every[first:last], places[first:last]
        column = ((inside - view.start_ns) * (view.columns / span)).astype(np.int64)
        starts = np.flatnonzero(np.diff(column, prepend=-1))  # times sorted: columns too
        chosen = np.sort(np.minimum.reduceat(given, starts))  # each column's first given
        at = (events.times[chosen] - view.origin_ns) / 1e9
        found.append((int(chosen[0]), MARK_LABELS[label], at.tolist()))
    return {label: times for _, label, times in sorted(found, key=lambda item: item[0])}


def chart_events(
    group: DetailGroup, ranks: Sequence[int] | None, onsets: Sequence[tuple[int, int]] = ()
) -> Marks:
    """What the chart marks for the shown ranks: events of the marked kinds (by core's
    taxonomy, so an OOM is an OOM however it was written) and the ``(rank, onset_ns)`` of
    diverging ranks."""
    wanted = None if ranks is None else set(ranks)
    times, labels = [], []
    for track in group.tracks:
        if wanted is not None and track.rank not in wanted:
            continue
        events = track.events
        marked = events.of_kind(*MARKED_KINDS)
        times.append(events.times[marked])
        labels.append(events.kinds[marked].astype(np.int64))
    shown = [at for rank, at in onsets if wanted is None or rank in wanted]
    times.append(np.array(shown, dtype=np.int64))
    labels.append(np.full(len(shown), MARK_LABELS.index(ONSET), dtype=np.int64))
    return Marks(np.concatenate(times), np.concatenate(labels))


def chart_degraded(group: DetailGroup, ranks: Sequence[int] | None) -> list[Span]:
    """The stretches where a shown rank's collector was degraded (core's collector health),
    merged across ranks: time with doubtful numbers, not time without samples."""
    wanted = None if ranks is None else set(ranks)
    spans: list[Span] = []
    for track in group.tracks:
        if wanted is not None and track.rank not in wanted:
            continue
        for session in track.sessions:
            times = session.series.timestamp_ns
            end = int(times[-1]) if len(times) else 0
            found = degraded_intervals(session.events, track.rank, end)
            spans += [(interval.start_ns, interval.end_ns) for interval in found]
    return _merged(spans)


def _merged(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
