"""DetailScreen: a job (or one session): memory charts, the rank table and the events.

The job is put together from the dataset the app shows (its ranks, their statistics and
events) in a thread worker, again for every live update (``DetailReady``). What the chart
shows (time window, metric, time axis, charted ranks, width) is reactive: changing any of
it asks for a chart, which another thread worker prepares (``ChartReady``).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from stormlog_tui.coalesce import Coalescer
from stormlog_tui.export import try_export
from stormlog_tui.messages import ChartReady, DetailReady, ExportFinished
from stormlog_tui.screens.chart_view_screen import ChartViewScreen
from stormlog_tui.screens.data_screen import gc_paused
from stormlog_tui.view.chart_data import (
    METRIC_LABELS,
    ChartView,
    chart_events,
    prepare_chart,
)
from stormlog_tui.view.detail_group import DetailGroup, group_by_key, title_of
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rank_lists import ranks_label
from stormlog_tui.view.rows.events import EventRow, EventRowCache, event_rows, filter_events
from stormlog_tui.view.rows.ranks import RankRow, group_rank_rows
from stormlog_tui.view.shown import Shown
from stormlog_tui.view.ticks import elapsed_label
from stormlog_tui.view.time_window import TimeWindow
from stormlog_tui.widgets import ChartLegend, EventsView, FilterBar, MemoryChart, RankTable
from stormlog_tui.widgets.memory_chart import plot_canvas
from stormlog_tui.widgets.sortable_table import SortableTable

#: From this width on, the tables sit beside the chart instead of below it.
WIDE_COLUMNS = 180


class ChartRequest(NamedTuple):
    """What a chart worker draws: a group, a view of it, the ranks' onsets, and the
    canvas (size and plotext theme)."""

    group: DetailGroup
    view: ChartView
    rank_rows: list[RankRow]
    size: tuple[int, int]
    theme: str


class DetailScreen(ChartViewScreen):
    """Charts of a group's ranks over a zoomable time window, with ranks and events."""

    CSS_PATH = "detail_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom +"),
        Binding("minus", "zoom(2.0)", "Zoom -"),
        Binding("left_square_bracket", "pan(-0.25)", "Pan ←", key_display="["),
        Binding("right_square_bracket", "pan(0.25)", "Pan →", key_display="]"),
        Binding("0", "reset_zoom", "Reset zoom", show=False),
        Binding("m", "next_metric", "Metric"),
        Binding("c", "toggle_clock", "Elapsed/wall clock", show=False),
        Binding("a", "all_ranks", "All ranks"),
        Binding("k", "ask_ranks", "Rank list", show=False),
        Binding("v", "switch_tab", "Ranks/Events"),
        Binding("slash", "filter_events", "Filter events", show=False),
        Binding("x", "export('csv')", "Export CSV", show=False),
        Binding("X", "export('jsonl')", "Export JSONL", show=False),
    ]

    def __init__(
        self, key: str, ranks: tuple[int, ...] | None = None, *, cursor_rank: int | None = None
    ) -> None:
        super().__init__()
        self.key = key
        self.cursor_rank = cursor_rank
        self.set_reactive(DetailScreen.ranks, ranks)
        self.group: DetailGroup | None = None
        self.rank_rows: list[RankRow] = []
        self.event_rows: list[EventRow] = []
        self._event_rows = EventRowCache()  # used by the (one) detail worker only
        self._charts = Coalescer[ChartRequest](self._prepare_chart)
        self._chart_asked = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="chart-pane"):
                yield Static(id="chart-header")
                yield Static(id="divergence")
                yield MemoryChart(id="chart")
                yield ChartLegend(id="legend")
            with TabbedContent(id="tabs"):
                with TabPane("Ranks", id="ranks-tab"):
                    yield RankTable(id="ranks")
                with TabPane("Events", id="events-tab"):
                    yield FilterBar("filter events: type, context, metadata…", id="event-filter")
                    yield EventsView(id="events")
        yield Footer()

    def help_sections(self) -> list[tuple[str, type]]:
        """Where the keys of this screen come from, for the help."""
        return [
            ("Job / session screen", DetailScreen),
            ("Chart (focused)", MemoryChart),
            ("Rank table", RankTable),
            ("Events", EventsView),
            ("Tables", SortableTable),
        ]

    def on_mount(self) -> None:
        self.query_one(RankTable).focus()
        self._show_header()
        self.watch(self.app, "theme", self.view_changed, init=False)  # colours are drawn in

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE_COLUMNS, "-wide")

    # ------------------------------------------------------------------ data in

    @work(thread=True, group="detail", description="put the job together")
    def compute(self, shown: Shown) -> None:
        """Put the group together with its rank statistics and events (in a thread)."""
        with gc_paused():
            group = group_by_key(shown.dataset, self.key)
            ready = DetailReady(None, [], [])
            if group is not None:
                events = event_rows(group, self._event_rows)
                ready = DetailReady(group, group_rank_rows(group), events)
        self.post_message(ready)

    def on_detail_ready(self, message: DetailReady) -> None:
        """Show a (re)built group, keeping the window and the selection."""
        self.computed()
        group = message.group
        if group is None:
            return
        first = self.group is None
        self.group, self.rank_rows, self.event_rows = group, message.ranks, message.events
        self._fill_tables(first)
        if first:
            self.window = TimeWindow.full(group.origin_ns, group.end_ns)
        else:
            self.window = self.window.extended(group.origin_ns, group.end_ns)
        self.view_changed()

    def _fill_tables(self, first: bool) -> None:
        assert self.group is not None
        table = self.query_one(RankTable)
        table.origin_ns = self.group.origin_ns
        table.show(self.rank_rows)
        table.mark(frozenset(self.ranks or ()))
        if first:
            outliers = [row.rank for row in self.rank_rows if row.outlier]
            rank = outliers[0] if outliers else self.cursor_rank
            if rank is not None:
                table.select_key(str(rank))  # the rank that matters, one enter from its chart
        self._show_divergence()
        self._show_events()

    def _show_events(self) -> None:
        view = self.query_one(EventsView)
        view.origin_ns = self.group.origin_ns if self.group else 0
        rows = self.event_rows
        view.show(rows if self.ranks is None else filter_events(rows, None, "", self.ranks))

    def _show_divergence(self) -> None:
        """One line per outlier rank: why, and since when (from the rank statistics)."""
        origin = self.group.origin_ns if self.group else 0
        line = self.query_one("#divergence", Static)
        text = Text(no_wrap=True, overflow="ellipsis")
        for row in (r for r in self.rank_rows if r.outlier):
            if text:
                text.append("\n")
            text.append(f"⚠ rank {row.rank} diverges", style="bold red")
            if row.onset_ns is not None:
                since = elapsed_label((row.onset_ns - origin) / 1e9, 1)
                text.append(f" since {since}", style="bold red")
            reasons = [r.removeprefix(f"rank {row.rank}: ") for r in row.reasons]
            more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
            text.append_text(literal(f": {reasons[0]}{more}" if reasons else ""))
        line.update(text)
        line.display = bool(text)

    # ------------------------------------------------------------------ the view state

    def ranks_changed(self) -> None:
        self.query_one(RankTable).mark(frozenset(self.ranks or ()))
        self._show_events()

    def view_changed(self) -> None:
        """Say what is shown now; ask for its chart once all changes of this turn are in
        and the screen is redrawn (so the worker does not slow the redraw down)."""
        self._show_header()
        if not self._chart_asked:
            self._chart_asked = True
            self.call_after_refresh(self._ask_chart)

    def chart_view(self) -> ChartView | None:
        """What the chart shows now (None until the group is put together)."""
        if self.group is None:
            return None
        return ChartView(
            start_ns=self.window.start_ns,
            end_ns=self.window.end_ns,
            origin_ns=self.group.origin_ns,
            metric=self.metric,
            ranks=self.ranks,
            columns=self.columns,
            wall_clock=self.wall_clock,
        )

    # ------------------------------------------------------------------ drawing

    def _ask_chart(self) -> None:
        self._chart_asked = False
        view = self.chart_view()
        chart = self.query_one(MemoryChart)
        size = (chart.size.width, chart.size.height)
        if self.group is not None and view is not None and all(size):
            request = ChartRequest(self.group, view, self.rank_rows, size, chart.plot_theme())
            self._charts.submit(request)

    @work(thread=True, group="chart", description="prepare the chart")
    def _prepare_chart(self, request: ChartRequest) -> None:
        group, view, rows, (width, height), theme = request
        with gc_paused():
            onsets = [(row.rank, row.onset_ns) for row in rows if row.onset_ns is not None]
            data = prepare_chart(group.tracks, view, chart_events(group, view.ranks, onsets))
            what = "memory" if data.mode == "metrics" else METRIC_LABELS[view.metric]
            title = f"{what} ({data.unit})"
            canvas = plot_canvas(data, title, width, height, theme)
        self.post_message(ChartReady(group, view, data, title, canvas))

    def on_chart_ready(self, message: ChartReady) -> None:
        """Draw a prepared chart, unless the view changed meanwhile."""
        self._charts.done()
        if message.group is not self.group or message.view != self.chart_view():
            return
        self.query_one(MemoryChart).show(message.data, message.canvas)
        self.query_one(ChartLegend).show(message.data)

    def _show_header(self) -> None:
        self.query_one("#chart-header", Static).update(self._header_text())

    def _header_text(self) -> Text:
        group, window = self.group, self.window
        if group is None:
            return literal(title_of(self.key), "bold")
        text = literal(group.title, "bold")
        world = f"/{group.world_size}" if group.world_size else ""
        text.append(f" · {len(group.tracks)}{world} ranks · showing {ranks_label(self.ranks)}")
        start = elapsed_label((window.start_ns - group.origin_ns) / 1e9, 1)
        end = elapsed_label((window.end_ns - group.origin_ns) / 1e9, 1)
        text.append(f" · {start}–{end}" + ("" if window.is_full else " (zoomed)"))
        text.append(" · wall clock" if self.wall_clock else " · elapsed")
        if group.ranks_missing:
            text.append(f" · missing ranks: {ranks_label(group.ranks_missing)}", style="bold red")
        return text

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.app.pop_screen()

    def action_switch_tab(self) -> None:
        """Switch between the rank table and the events."""
        tabs = self.query_one(TabbedContent)
        tabs.active = "events-tab" if tabs.active == "ranks-tab" else "ranks-tab"
        target = EventsView if tabs.active == "events-tab" else RankTable
        self.query_one(target).focus()

    def action_filter_events(self) -> None:
        """Filter the events by text."""
        self.query_one(TabbedContent).active = "events-tab"
        self.query_one("#event-filter", FilterBar).open()

    def on_filter_bar_filter_changed(self, event: FilterBar.FilterChanged) -> None:
        view = self.query_one(EventsView)
        view.set_filter(event.text)
        if event.done:
            view.focus()

    def action_export(self, fmt: str) -> None:
        """Export the charted ranks in the current window to a file in the cwd."""
        if self.group is not None:
            self._export(self.group, fmt, self.ranks, self.window)

    @work(thread=True, group="export", description="export the charted ranks")
    def _export(
        self, group: DetailGroup, fmt: str, ranks: tuple[int, ...] | None, window: TimeWindow
    ) -> None:
        path, count, error = try_export(
            group, ranks, window.start_ns, window.end_ns, Path.cwd(), fmt
        )
        self.post_message(ExportFinished(path, count, error))
