"""Pilot tests of the job/session screen: charts, zoom and pan, ranks, events, export."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from generators import v3_record, write_sink
from textual.widgets import Input

from stormlog_tui.app import StormlogApp, make_app
from stormlog_tui.screens import DetailScreen, RanksPromptScreen
from stormlog_tui.widgets import (
    ChartLegend,
    EventsView,
    FilterBar,
    MemoryChart,
    PhaseTable,
    RankTable,
    StatusLine,
)

from .conftest import fixed_clock, loaded, screen_text
from .test_sessions_table import column

pytestmark = pytest.mark.anyio


async def open_demo(app: StormlogApp, pilot: object) -> DetailScreen:
    await loaded(app, pilot)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await loaded(app, pilot)
    assert isinstance(app.screen, DetailScreen)
    return app.screen


async def test_the_leaking_rank_in_two_keys(demo_dir: Path) -> None:
    """enter opens the job with the cursor on the flagged rank; enter charts it alone."""
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        table = screen.query_one(RankTable)
        assert table.has_focus
        assert [row.rank for row in table.shown_rows if row.outlier] == [3]
        assert table.selected() is not None and table.selected().rank == 3  # type: ignore[union-attr]
        await pilot.press("enter")
        assert screen.ranks == (3,)
        await loaded(app, pilot)  # the chart is prepared in a thread worker
        chart = screen.query_one(MemoryChart)
        assert chart.data is not None and chart.data.mode == "metrics"
        assert "showing 3 " in str(screen.query_one("#chart-header").render())


async def test_rank_table_sorts_by_growth(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        table = screen.query_one(RankTable)
        await pilot.press("s", "s", "s", "s", "s", "s")  # growth: the fastest first
        assert table.sort_column == 6 and table.shown_rows[0].rank == 3
        await pilot.press("S")
        assert table.shown_rows[-1].rank == 3


async def test_chart_draws_every_rank_with_a_legend_and_limit(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        data = screen.query_one(MemoryChart).data
        assert data is not None
        assert [line.rank for line in data.lines] == list(range(8))
        assert data.limit is not None and data.unit == "GiB"
        columns = screen.query_one(MemoryChart).columns
        assert all(len(line.x) <= 2 * columns + 4 for line in data.lines)
        legend = str(screen.query_one(ChartLegend).render())
        assert "rank 7" in legend and "─ total 80.0 GiB, headroom" in legend
        assert set(data.marks) >= {"alert", "collector", "phase"}


async def test_zoom_pan_and_reset_keys(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        full = screen.window
        await pilot.press("plus")
        assert abs(screen.window.span_ns - full.span_ns // 2) <= 1
        await pilot.press("left_square_bracket")
        assert screen.window.start_ns < full.start_ns + full.span_ns // 4
        await pilot.press("right_square_bracket", "right_square_bracket")
        moved = screen.window
        assert moved.start_ns > full.start_ns
        await pilot.press("minus")
        assert abs(screen.window.span_ns - full.span_ns) <= 1
        await pilot.press("plus", "plus", "0")
        assert screen.window == full
        chart = screen.query_one(MemoryChart)
        chart.focus()
        await pilot.press("up")
        assert screen.window.span_ns < full.span_ns
        await pilot.press("right")
        await pilot.press("down", "down")
        assert screen.window.is_full
        await pilot.press("0")


async def test_mouse_scroll_zooms_around_the_pointer(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        full = screen.window
        await pilot.mouse_down(MemoryChart)  # focus is not needed for scrolling
        chart = screen.query_one(MemoryChart)
        chart.post_message(MemoryChart.ZoomRequested(0.8, 0.0))
        await pilot.pause()
        assert screen.window.start_ns == full.start_ns and screen.window.span_ns < full.span_ns
        from textual.events import MouseScrollDown

        chart.post_message(
            MouseScrollDown(chart, 60, 5, 0, 0, 0, False, False, False, screen_x=60, screen_y=5)
        )
        await pilot.pause()
        await pilot.pause()
        assert screen.window.span_ns >= full.span_ns * 0.99


async def test_metric_clock_and_rank_selection_keys(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        header = screen.query_one("#chart-header")
        await pilot.press("m")
        assert screen.metric == "reserved"
        await pilot.press("m", "m")
        assert screen.metric == "allocated"
        await pilot.press("c")
        assert screen.wall_clock and "wall clock" in str(header.render())
        await loaded(app, pilot)  # the chart is prepared in a thread worker
        labels = screen.query_one(MemoryChart).data.xticks[1]  # type: ignore[union-attr]
        assert all(label.count(":") == 2 for label in labels)
        await pilot.press("space", "down", "space")  # the cursor starts on rank 3 (flagged)
        assert screen.ranks == (3, 4)
        await pilot.press("a")
        assert screen.ranks is None
        await pilot.press("k")
        assert isinstance(app.screen, RanksPromptScreen)
        await pilot.press(*"2,5-6", "enter")
        await pilot.pause()
        assert screen.ranks == (2, 5, 6)
        await pilot.press("k", "ctrl+a", *"x!", "enter")
        await pilot.pause()
        assert screen.ranks == (2, 5, 6)  # a bad list changes nothing


async def test_events_view_filters_by_type_and_text(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        await pilot.press("v")
        view = screen.query_one(EventsView)
        assert view.has_focus and view.row_count == len(view.all_rows) > 0
        await pilot.press("f")  # alerts
        assert view.kind == "alert"
        assert {row.event_type for row in view.shown_rows} <= {"warning", "critical", "error"}
        await pilot.press("f")
        await pilot.press("f")  # collector
        assert {row.rank for row in view.shown_rows} == {5}
        for kind in ("phase", "allocation", "lifecycle", "other", None):  # then back to all
            await pilot.press("f")
            assert view.kind == kind
        await pilot.press("slash")
        assert screen.query_one("#event-filter", FilterBar).has_focus
        await pilot.press(*"recovered", "enter")
        assert view.row_count == 1 and view.has_focus
        before = screen.window
        await pilot.press("enter")  # go to that time
        assert screen.window != before and not screen.window.is_full
        await pilot.press("v")  # v cycles ranks, events, phases
        assert screen.query_one(PhaseTable).has_focus
        await pilot.press("v")
        assert screen.query_one(RankTable).has_focus


@pytest.mark.parametrize("size", [(120, 40), (200, 60)], ids=["120x40", "200x60"])
async def test_a_long_text_is_cut_with_an_ellipsis_at_the_tables_edge(
    size: tuple[int, int],
) -> None:
    """A context or details text longer than its column is cut with … inside the table,
    so nothing is hidden past the edge of the screen (no sideways scrolling), alone or
    beside the chart."""
    capture = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job"
    app = make_app([capture], clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_demo(app, pilot)
        await pilot.press("v")
        await loaded(app, pilot)
        view = screen.query_one(EventsView)
        assert not view.show_horizontal_scrollbar
        right = view.region.right - view.scrollbar_size_vertical
        line = next(ln for ln in screen_text(app).splitlines() if "Large allocation" in ln)
        start = line.index("Large allocation")
        assert start < right
        context = line[start:right]
        assert "4.33 GB" in context or "…" in context  # whole, or cut where it shows


async def test_export_keys_write_files_in_the_cwd(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        await pilot.press("enter", "plus", "x")  # rank 3, half the window, CSV
        await loaded(app, pilot)
        await pilot.press("X")
        await loaded(app, pilot)
        await pilot.pause()
        files = sorted(p.name for p in tmp_path.iterdir())
        assert [Path(f).suffix for f in files] == [".csv", ".jsonl"]
        with (tmp_path / files[0]).open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and {row["rank"] for row in rows} == {"3"}
        assert {row["event_type"] for row in rows} >= {"sample"}
        stamps = np.array([int(row["timestamp_ns"]) for row in rows])
        assert stamps.min() >= screen.window.start_ns and stamps.max() <= screen.window.end_ns
        await pilot.press("escape", "x")  # from the sessions screen: the whole session
        await loaded(app, pilot)
        assert len(list(tmp_path.iterdir())) == 3


async def test_session_and_rank_preselected(demo_dir: Path) -> None:
    from stormlog_core.browse.dataset import load_dataset

    session = load_dataset([demo_dir]).sessions[4].session_id
    app = make_app([demo_dir], session=session, ranks=(3, 4), clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.ranks == (3, 4)
        assert "showing 3-4" in str(app.screen.query_one("#chart-header").render())


async def test_layout_fits_small_and_uses_wide_screens(demo_dir: Path) -> None:
    for size, wide in (((80, 24), False), ((250, 70), True)):
        app = make_app([demo_dir], clock=fixed_clock)
        async with app.run_test(size=size) as pilot:
            screen = await open_demo(app, pilot)
            chart = screen.query_one(MemoryChart)
            table = screen.query_one(RankTable)
            assert chart.size.height >= 6 and table.size.height >= 3
            status = screen.query_one(StatusLine)  # just above the keys, whole
            assert status.region.y == size[1] - 2 and status.region.width == size[0]
            assert "8 sessions from 8 sources · loaded 12:00:00" in str(status.render())
            assert screen.has_class("-wide") is wide
            if wide:
                assert table.region.x > chart.region.x  # side by side


@pytest.mark.parametrize("running", [True, False], ids=["running", "finished"])
async def test_the_last_record_of_a_rank_is_time_ago_while_the_job_runs(
    tmp_path: Path, running: bool
) -> None:
    """In a live job every rank's time since the start reads alike; the silence does not."""
    last = {0: 20, 1: 12}  # rank 1 fell silent 8 samples before rank 0
    for rank, count in last.items():
        records = [
            v3_record(i, session_id=f"r{rank}", job_id="j", rank=rank, world_size=2)
            for i in range(count)
        ]
        write_sink(
            tmp_path / f"rank-{rank}",
            [(f"r{rank}", records)],
            final_status=(None if running else "completed"),
        )
    ends = {r: v3_record(n - 1)["timestamp_ns"] for r, n in last.items()}
    app = make_app([tmp_path], follow=False, clock=fixed_clock)  # this machine's clock: unused
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("enter")
        await loaded(app, pilot)
        table = app.screen.query_one(RankTable)
        cells = column(table, "Last record")
        if running:  # measured from the newest record, and growing while nothing comes
            agos = [seconds_of(cell.removesuffix(" ago")) for cell in cells]
            assert agos[0] < 1.0 and abs(agos[1] - agos[0] - (ends[0] - ends[1]) / 1e9) < 0.05
            await pilot.pause(2.2)  # two ticks of the 1 s redraw
            later = [seconds_of(c.removesuffix(" ago")) for c in column(table, "Last record")]
            assert later[0] >= agos[0] + 1.0, (cells, later)
    if not running:
        origin = min(v3_record(0)["timestamp_ns"] - 1, v3_record(0)["timestamp_ns"])
        assert cells == [f"{(e - origin) / 1e9:.3f}s" for e in ends.values()]


def seconds_of(text: str) -> float:
    """``53.6 ms`` -> 0.0536, ``1.2 s`` -> 1.2 (core's durations)."""
    value, unit = text.split()
    return float(value) * {"µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def _notes(app: StormlogApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


async def test_session_takes_the_id_prefix_that_summary_prints(demo_dir: Path) -> None:
    from stormlog_core.browse.dataset import load_dataset

    session = load_dataset([demo_dir]).sessions[4]
    shown = session.session_id[:13] + "…"  # as --summary cuts it
    app = make_app([demo_dir], session=shown, clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        selected = app.screen.query_one(RankTable).selected()
        assert selected is not None and selected.rank in (session.summary.rank, 3)


async def test_an_ambiguous_or_unknown_session_is_said_so(tmp_path: Path) -> None:
    for name in ("run-a", "run-b"):
        write_sink(tmp_path / name, [(name, [v3_record(i, session_id=name) for i in range(3)])])
    for asked, said in (
        ("run-", "run- starts 2 session ids (run-a, run-b)"),
        ("x", "no session x"),
    ):
        app = make_app([tmp_path], session=asked, clock=fixed_clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(app, pilot)
            assert not isinstance(app.screen, DetailScreen)
            assert any(said in note for note in _notes(app)), _notes(app)


async def test_a_rank_the_job_does_not_have_is_refused_with_a_word(demo_dir: Path) -> None:
    from stormlog_core.browse.dataset import load_dataset

    session = load_dataset([demo_dir]).sessions[0].session_id
    app = make_app([demo_dir], session=session, ranks=(3, 9), clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.ranks == (3,)
        assert any("no rank 9 here: the ranks are 0-7" in n for n in _notes(app)), _notes(app)
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one(Input).value = "12"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.ranks == (3,)  # kept: 12 is not a rank of this job
        assert any("no rank 12 here" in n for n in _notes(app))


async def test_notifications_show_telemetry_text_literally(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        app.notify("export failed: /runs/[bold]x[/bold] [/nope]", severity="error")
        await pilot.pause(0.3)
        [note] = [n for n in app._notifications if "export failed" in n.message]  # shown plain
        assert note.message.endswith("/runs/[bold]x[/bold] [/nope]") and not note.markup
