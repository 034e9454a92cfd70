"""Chart preparation (pure): points per column, band for many ranks, gaps, units, marks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style

from stormlog_core.browse import (
    EventKind,
    EventRecord,
    EventTable,
    classify_event,
    downsample_minmax,
)
from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.fields import COUNTERS as SERIES_FIELDS
from stormlog_core.schema.sessions import SessionSummary
from stormlog_tui.view.chart_data import (
    ChartView,
    Highlight,
    Marks,
    chart_events,
    pick_unit,
    prepare_chart,
)
from stormlog_tui.view.detail_group import DetailGroup, make_group
from stormlog_tui.view.palette import DARK, rich_colour
from stormlog_tui.view.rows.events import TYPE_FILTERS, event_rows, filtered
from stormlog_tui.view.ticks import elapsed_label, memory_ticks, time_ticks
from stormlog_tui.view.time_window import TimeWindow
from stormlog_tui.widgets.chart_legend import wrap_items
from stormlog_tui.widgets.memory_chart import (
    CanvasLook,
    PaintedCanvas,
    changed_regions,
    plot_canvas,
)

GIB = 1024.0**3
T0 = 1_700_000_000_000_000_000


def session(rank: int, samples: int, *, slope: float = 0.0, world: int = 8) -> SessionData:
    stamps = T0 + np.arange(samples, dtype=np.int64) * 100_000_000
    values = {name: np.full(samples, np.nan) for name in SERIES_FIELDS}
    values["allocator_allocated_bytes"] = 10 * GIB + slope * np.arange(samples)
    values["allocator_reserved_bytes"] = values["allocator_allocated_bytes"] + GIB
    values["device_used_bytes"] = values["allocator_reserved_bytes"] + GIB
    values["device_total_bytes"] = np.full(samples, 80 * GIB)
    summary = SessionSummary(f"s{rank}", "completed", T0, None, "h", 1, "job", rank, 0, world)
    series = Series(stamps, values, np.ones(samples, dtype=bool))
    return SessionData(summary, series, sampling_interval_ms=100)


def group(ranks: int, samples: int) -> DetailGroup:
    sessions = [
        session(r, samples, slope=GIB / samples * (20 if r == 3 else 0)) for r in range(ranks)
    ]
    return make_group("job:job", "job job", sessions)


def view_of(g: DetailGroup, **changes: object) -> ChartView:
    return replace(ChartView(g.origin_ns, g.end_ns, g.origin_ns, columns=50), **changes)  # type: ignore[arg-type]


def test_few_ranks_get_one_line_each_with_at_most_two_points_per_column() -> None:
    g = group(4, 5000)
    data = prepare_chart(g.tracks, view_of(g))
    assert [line.rank for line in data.lines] == [0, 1, 2, 3]
    assert all(len(line.x) <= 2 * 50 + 2 for line in data.lines)
    assert data.unit == "GiB" and data.limit == 80.0
    assert data.y_max >= 80.0  # one scale for all ranks, up to the device total


def test_many_ranks_are_a_band_plus_the_top_ranks() -> None:
    g = group(64, 500)
    data = prepare_chart(g.tracks, view_of(g))
    assert data.mode == "band"
    roles = [line.role for line in data.lines]
    assert roles[:3] == ["band"] * 3
    ranked = [line.rank for line in data.lines if line.role == "rank"]
    assert ranked[0] == 3 and len(ranked) == 3  # the leaking rank is on top
    assert data.points <= 3 * 50 + 3 * (2 * 50 + 2)


def test_rank_selection_and_one_rank_shows_every_metric() -> None:
    g = group(4, 200)
    data = prepare_chart(g.tracks, view_of(g, ranks=(1, 2)))
    assert [line.rank for line in data.lines] == [1, 2]
    single = prepare_chart(g.tracks, view_of(g, ranks=(3,)))
    assert single.mode == "metrics"
    assert [line.label for line in single.lines] == ["device used", "reserved", "allocated"]


def test_nulls_are_gaps_not_zeros() -> None:
    s = session(0, 100)
    s.series.values["allocator_allocated_bytes"][40:60] = np.nan
    g = make_group("session:s0", "s", [s])
    data = prepare_chart(g.tracks, view_of(g, ranks=None, columns=200))
    line = next(line for line in data.lines if line.label == "allocated")
    assert np.isnan(line.y).sum() >= 20
    assert np.nanmin(line.y) > 0


def test_a_long_pause_in_samples_breaks_the_line() -> None:
    s = session(0, 100)
    s.series.timestamp_ns[50:] += 60_000_000_000  # a minute without samples
    g = make_group("session:s0", "s", [s])
    data = prepare_chart(g.tracks, view_of(g, columns=100))
    assert all(np.isnan(line.x).any() for line in data.lines)


def test_zoom_narrows_the_x_range_and_keeps_points_bounded() -> None:
    g = group(2, 100_000)
    window = TimeWindow.full(g.origin_ns, g.end_ns).zoom(0.1, 0.5)
    data = prepare_chart(g.tracks, view_of(g, start_ns=window.start_ns, end_ns=window.end_ns))
    span = (g.end_ns - g.origin_ns) / 1e9
    assert abs((data.x_max - data.x_min) - span / 10) < 0.01 * span
    assert all(len(line.x) <= 2 * 50 + 2 for line in data.lines)
    assert all(data.x_min <= x <= data.x_max for x in data.lines[0].x[~np.isnan(data.lines[0].x)])


def test_events_are_marked_once_per_column() -> None:
    g = group(2, 100)
    times = [g.origin_ns + i * 1000 for i in range(50)] + [g.end_ns]
    labels = [int(EventKind.ALERT)] * 50 + [int(EventKind.OOM)]
    events = Marks(np.array(times, dtype=np.int64), np.array(labels, dtype=np.int64))
    data = prepare_chart(g.tracks, view_of(g), events)
    assert len(data.marks["alert"]) == 1 and len(data.marks["oom"]) == 1
    assert classify_event("collector_degraded", {}) is EventKind.COLLECTOR
    assert classify_event("critical", {}) is EventKind.ALERT
    assert classify_event("error", {}, "CUDA out of memory") is EventKind.OOM
    assert classify_event("sample", {}) is EventKind.SAMPLE  # samples are never marked


def oom_event(at_ns: int) -> EventRecord:
    """What stormlog's tracker writes on an OOM: an ``error`` with ``oom_reason``."""
    metadata = {"oom_reason": "allocation of 2 GiB failed", "severity": "error"}
    return EventRecord("s0", at_ns, "error", "error", "step 12", metadata, 0, "p", 1, 0.0, 0.0)


def test_a_stormlog_oom_is_marked_oom_and_found_by_the_oom_filter() -> None:
    s = session(0, 100, world=1)
    at = int(s.series.timestamp_ns[50])
    s.events = s.events.merged(EventTable.from_records([oom_event(at)]))
    g = make_group("job:job", "job job", [s])
    assert chart_events(g, None).pairs() == [(at, "oom")]
    data = prepare_chart(g.tracks, view_of(g), chart_events(g, None))
    assert list(data.marks) == ["oom"] and "alert" not in data.marks
    rows = event_rows(g)
    assert "oom" in TYPE_FILTERS
    assert [row.event_type for row in filtered(rows, "oom", "")] == ["error"]
    assert list(filtered(rows, "alert", "")) == []


def test_units_and_time_labels() -> None:
    assert pick_unit(3 * GIB) == ("GiB", GIB)
    assert pick_unit(5 * 1024**2)[0] == "MiB"
    assert elapsed_label(95, 5) == "1m35s"
    _, labels = time_ticks(0, 120, T0, 5, wall_clock=False)
    assert labels[0] == "0s" and labels[-1] == "2m"
    _, wall = time_ticks(0, 120, T0, 5, wall_clock=True)
    assert all(label.count(":") == 2 for label in wall)


def test_shaded_phase_and_degraded_collector_hide_no_line() -> None:
    """The shading only changes backgrounds, and ``░`` only replaces the x axis's ``─``:
    every character of the lines, marks and ticks is still drawn."""
    job = group(3, 200)
    start = job.origin_ns
    view = ChartView(start, job.end_ns, job.origin_ns, columns=70)
    third = (job.end_ns - start) // 3
    highlight = Highlight(
        "p", ((start + third, start + 2 * third),), (start + third, start + third * 2)
    )
    plain = prepare_chart(job.tracks, view)
    marked = prepare_chart(
        job.tracks, replace(view, highlight=highlight), degraded=[(start, start + third)]
    )
    assert marked.shaded and marked.strong and marked.degraded
    before = plot_canvas(plain, "t", 80, 16, "default").plain.splitlines()
    after = plot_canvas(marked, "t", 80, 16, "default")
    lines = after.plain.splitlines()
    bottom = next(i for i, line in enumerate(before) if "└" in line)
    assert lines[:bottom] == before[:bottom] and lines[bottom + 1 :] == before[bottom + 1 :]
    assert "░" in lines[bottom] and lines[bottom].replace("░", "─") == before[bottom]
    styles = {str(span.style) for span in after.spans}
    weak, strong = DARK.shades
    assert {f"on {rich_colour(weak)}", f"on {rich_colour(strong)}"} <= styles


def test_memory_ticks_are_round_and_the_device_total_is_labelled_at_its_value() -> None:
    positions, labels = memory_ticks(25.2, 14, 24.0)  # a 24 GiB device, peak near it
    assert labels == ["0", "5", "10", "15", "20", "24.0"]
    assert positions[-1] == 24.0
    positions, labels = memory_ticks(25.2, 3, 24.0)  # 80x24: three rows of plot
    assert labels[-1] == "24.0" and labels[0] == "0" and len(labels) <= 3
    _, labels = memory_ticks(0.9, 10, None)
    assert labels == ["0.0", "0.2", "0.4", "0.6", "0.8"]
    _, labels = memory_ticks(84.0, 20, 80.0)  # an 80 GiB device
    assert labels[-1] == "80.0" and "84" not in " ".join(labels)


def test_the_legend_wraps_between_items_never_inside_one() -> None:
    items = [Text(f"━ rank {r}") for r in range(8)] + [Text("─ total 24.0 GiB, headroom 1 GiB")]
    wrapped = wrap_items(items, 50, max_lines=9).plain.split("\n")
    assert all(len(line) <= 50 for line in wrapped)
    pieces = [piece for line in wrapped for piece in line.split("  ")]
    assert pieces == [item.plain for item in items]
    cut = wrap_items(items, 20, max_lines=2).plain.split("\n")
    assert len(cut) == 2 and cut[-1].endswith("…")


def test_a_live_full_window_leaves_room_and_keeps_its_axis_between_steps() -> None:
    start = 1_700_000_000_000_000_000
    ends = [TimeWindow.full(start, start + s * 10**9).drawn_end_ns(live=True) for s in (61, 68)]
    assert ends[0] == ends[1] == start + 90 * 10**9  # 61 s and 68 s of data: a 0-90 s axis
    finished = TimeWindow.full(start, start + 68 * 10**9)
    assert finished.drawn_end_ns(live=False) == finished.end_ns
    zoomed = finished.zoom(0.5)
    assert zoomed.drawn_end_ns(live=True) == zoomed.end_ns  # a zoom is the user's window


def test_buckets_over_the_window_keep_drawn_points_as_points_are_appended() -> None:
    x = np.arange(0, 1000, dtype=np.float64)
    y = np.sin(x / 30)
    window = (0.0, 2000.0)
    before = downsample_minmax(x[:700], y[:700], 50, window)
    after = downsample_minmax(x, y, 50, window)
    kept = before[0] < 680  # the buckets the appended points do not reach
    assert np.array_equal(before[0][kept], after[0][: kept.sum()])
    assert np.array_equal(before[1][kept], after[1][: kept.sum()])


def test_only_the_changed_cells_of_a_chart_are_drawn_again() -> None:
    look = CanvasLook(10, Style(), (), ("left", "top"))
    old = PaintedCanvas(look, [Strip([Segment("0123456789")]), Strip([Segment("abcdefghij")])])
    new = PaintedCanvas(look, [Strip([Segment("0123456789")]), Strip([Segment("abcXYfghij")])])
    assert changed_regions(old, new) == [Region(3, 1, 2, 1)]
    assert changed_regions(old, old) == []
    assert changed_regions(None, new) is None
    taller = PaintedCanvas(look, [*new.strips, Strip([Segment("x")])])
    assert changed_regions(old, taller) is None
