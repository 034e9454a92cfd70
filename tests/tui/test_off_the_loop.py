"""What the job screen prepares off the event loop shows exactly what the loop would have
drawn: the chart's lines painted in its worker, the events sorted and filtered in theirs,
table cells drawn without Rich's layers; and the machinery around the workers (their turns,
their inputs, the footer's rebuilds) leaves no state behind. No timings here: the event
loop's figures are measured by ``bench/bench_event_loop.py``."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from stormlog_core.browse import load_dataset
from stormlog_tui.app import StormlogApp, make_app
from stormlog_tui.messages import DatasetUpdated
from stormlog_tui.screens import DetailScreen
from stormlog_tui.screens.data_screen import Handoff, worker_turn
from stormlog_tui.widgets import EventsView, MemoryChart, RankTable, SessionsTable
from stormlog_tui.widgets.keys_footer import KeysFooter
from stormlog_tui.widgets.line_table import CELL_PADDING, _cell_segments, _fitted, _Paint

from .conftest import fixed_clock, loaded

pytestmark = pytest.mark.anyio


async def open_demo(app: StormlogApp, pilot: object) -> DetailScreen:
    await loaded(app, pilot)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await loaded(app, pilot)
    assert isinstance(app.screen, DetailScreen)
    return app.screen


def textual_lines(chart: MemoryChart) -> list[list[Segment]]:
    """The chart's lines as Textual draws its ``render()`` (the widget's own path)."""
    chart._set_dirty()
    return [list(Widget.render_line(chart, y)) for y in range(chart.size.height)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (250, 60)])
async def test_the_chart_painted_in_its_worker_is_what_textual_draws(
    demo_dir: Path, size: tuple[int, int]
) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_demo(app, pilot)
        for keys in ((), ("enter",), ("t",), ("v", "v", "enter")):  # one rank, light, a phase
            await pilot.press(*keys)
            await loaded(app, pilot)
            chart = screen.query_one(MemoryChart)
            assert chart.painted is not None and chart.painted.look == chart.look()
            painted = [list(chart.render_line(y)) for y in range(chart.size.height)]
            assert painted == textual_lines(chart)


async def test_a_chart_painted_for_another_height_is_cut_or_padded_as_textual_does(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        chart = screen.query_one(MemoryChart)
        painted = chart.painted
        assert painted is not None
        monkeypatch.setattr(screen, "_ask_chart", lambda: None)  # keep the painted chart
        for height in (len(painted.strips) - 3, len(painted.strips) + 3):
            chart.styles.height = height
            await pilot.pause()
            assert chart.size.height == height and chart.painted is painted
            assert [list(chart.render_line(y)) for y in range(height)] == textual_lines(chart)


async def test_events_arranged_in_a_worker_are_shown_as_the_view_would_arrange_them(
    demo_dir: Path,
) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        view = screen.query_one(EventsView)
        rows = list(reversed(view.all_rows))
        arranged = view.arranger()(rows)  # what the events worker does
        view.show_arranged(arranged)
        assert view.shown_rows is arranged.rows
        view.show(rows)
        assert view.shown_rows == arranged.rows
        late = view.arranger()(rows)
        await pilot.press("v", "s")  # the sort changed before the worker's rows arrived
        view.show_arranged(late)
        assert view.shown_rows != late.rows
        view_rows = list(view.shown_rows)
        view.show(rows)
        assert view.shown_rows == view_rows


async def test_a_finished_worker_keeps_no_group_alive(demo_dir: Path) -> None:
    """Textual keeps finished workers in reference cycles: their inputs must not be in
    them, or every live update leaves a group for the collector's full collections."""
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        assert screen.group is not None
        first = weakref.ref(screen.group)
        gc.disable()
        try:
            app.post_message(DatasetUpdated(load_dataset([demo_dir]), "test"))
            await loaded(app, pilot)
            assert screen.group is not first()
            assert first() is None  # freed by its last reference, not by the collector
        finally:
            gc.enable()


async def test_the_footer_is_rebuilt_only_when_its_keys_change(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_demo(app, pilot)
        footer = screen.query_one(KeysFooter)
        keys = list(footer.children)
        assert keys
        screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert list(footer.children) == keys
        await pilot.press("v")  # the events view: other keys
        await pilot.pause()
        await pilot.pause()
        assert list(footer.children) != keys
        assert screen.query_one(EventsView).has_focus


def test_worker_turns_pause_the_collector_until_the_last_one_ends() -> None:
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with worker_turn():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(5)
    assert not gc.isenabled()
    release.set()
    thread.join(5)
    assert gc.isenabled()
    gc.disable()
    try:
        with worker_turn():
            pass
        assert not gc.isenabled()  # off before: stays off
    finally:
        gc.enable()


def test_a_worker_takes_its_input_once() -> None:
    started: list[int] = []
    handoff = Handoff[int](lambda: started.append(handoff.take()))
    handoff(7)
    assert started == [7]
    with pytest.raises(RuntimeError):
        handoff.take()


def reference_cell(
    console: Console, cell: Text, width: int, pre: Style, post: Style
) -> list[Segment]:
    """A cell as Rich's layers draw it (what ``_cell_segments`` must equal)."""
    inner = max(0, width - 2 * CELL_PADDING)
    base = console.get_style(cell.style) if cell.style else None
    length, justify, plain = cell.cell_len, cell.justify or "default", cell.plain
    line: Iterable[Segment]
    if length <= inner and justify in ("default", "left", "right") and plain == plain.rstrip():
        segments = list(cell.render(console, end=""))
        if base is not None:
            segments = list(Segment.apply_style(segments, base))
        fill = Segment(" " * (inner - length), None if justify == "default" else base)
        line = [fill, *segments] if justify == "right" else [*segments, fill]
    else:
        line = _fitted(console, cell, inner, base)
    pad = Segment(" " * CELL_PADDING)
    return list(Segment.apply_style([pad, *line, pad], pre, post))


CELLS = [
    Text("plain"),
    Text("7.5 GiB", justify="right", style="bold red"),
    Text.assemble(("ab", "red"), ("cd", "blue on white")),
    Text("a text far too long for its cell", style="dim"),
    Text("centred", justify="center"),
    Text("trailing  "),
    Text(""),
    Text("漢字 wide", justify="right"),
    Text("linked", style=Style(link="https://example.invalid")),
]


@pytest.mark.parametrize("cell", CELLS, ids=lambda cell: cell.plain or "empty")
@pytest.mark.parametrize("cursor", [False, True])
def test_a_cell_is_drawn_as_richs_layers_draw_it(cell: Text, cursor: bool) -> None:
    console = Console(width=80)
    pre = Style.parse("on #202020") + (Style.parse("reverse") if cursor else Style())
    post = Style.from_color(Style.parse("#ffffff").color if cursor else None)
    for width in (6, 12, 24):
        drawn = _cell_segments(_Paint(console, pre, post), cell, width)
        assert drawn == reference_cell(console, cell, width, pre, post)


async def test_the_rank_table_draws_the_same_rows_after_a_live_update(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        table = (await open_demo(app, pilot)).query_one(RankTable)
        before = [table.render_line(y).text for y in range(table.size.height)]
        app.post_message(DatasetUpdated(load_dataset([demo_dir]), "test"))
        await loaded(app, pilot)
        assert [table.render_line(y).text for y in range(table.size.height)] == before


async def test_the_job_screen_follows_the_terminal_when_it_is_resized(demo_dir: Path) -> None:
    """The screens skip Textual's second layout at the size they were laid out at: a real
    change of the terminal's size must still lay out and redraw them."""
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(app, pilot)
        for width, height in ((160, 50), (100, 30)):
            await pilot.resize_terminal(width, height)
            await loaded(app, pilot)
            chart, table = screen.query_one(MemoryChart), screen.query_one(RankTable)
            assert screen.size == (width, height)
            assert chart.size.width > width // 2 and table.size.width > width // 2
            assert chart.painted is not None and chart.painted.look.width == chart.size.width
            assert chart.render_line(0).cell_length == chart.size.width
            await pilot.press("escape")  # the screen below was resized too
            await loaded(app, pilot)
            assert app.screen.query_one(SessionsTable).size.width == width
            await pilot.press("enter")
            await loaded(app, pilot)
            screen = app.screen  # type: ignore[assignment]
            assert isinstance(screen, DetailScreen)
