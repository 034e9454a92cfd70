"""DetailScreen: a job (or one session): memory charts, the rank table and the events."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from stormlog_core.browse import Dataset
from stormlog_tui.chart_data import METRIC_LABELS, METRICS, ChartView, prepare_chart
from stormlog_tui.event_rows import chart_events, filter_events, group_events
from stormlog_tui.export import export_group
from stormlog_tui.formatting import literal
from stormlog_tui.groups import SessionGroup, group_by_key
from stormlog_tui.messages import ExportFinished
from stormlog_tui.rank_list import format_ranks, parse_ranks
from stormlog_tui.rank_rows import RankRow
from stormlog_tui.rank_source import rank_rows_for
from stormlog_tui.screens.ranks_prompt import RanksPromptScreen
from stormlog_tui.ticks import elapsed_label
from stormlog_tui.time_window import TimeWindow
from stormlog_tui.widgets import ChartLegend, EventsView, FilterBar, MemoryChart, RankTable
from stormlog_tui.widgets.sortable_table import SortableTable

#: From this width on, the tables sit beside the chart instead of below it.
WIDE_COLUMNS = 180


class DetailScreen(Screen[None]):
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
        self,
        group: SessionGroup,
        ranks: tuple[int, ...] | None = None,
        *,
        cursor_rank: int | None = None,
    ) -> None:
        super().__init__()
        self.cursor_rank = cursor_rank
        self.group = group
        self.ranks = ranks
        self.metric = "allocated"
        self.wall_clock = False
        self.columns = 80
        self.window = TimeWindow.full(group.origin_ns, group.end_ns)
        self.rank_rows: list[RankRow] = []

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
        self._fill_tables()
        table = self.query_one(RankTable)
        outliers = [row.rank for row in table.all_rows if row.outlier]
        first = outliers[0] if outliers else self.cursor_rank
        if first is not None:
            table.select_key(str(first))  # the rank that matters, one enter from its chart
        table.focus()
        self.redraw()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE_COLUMNS, "-wide")

    # ------------------------------------------------------------------ data in

    def show_dataset(self, dataset: Dataset, **_: object) -> None:
        """Rebuild from a reloaded or grown dataset, keeping window and selection."""
        group = group_by_key(dataset, self.group.key)
        if group is None:
            return
        self.group = group
        self.window = self.window.extended(group.origin_ns, group.end_ns)
        self._fill_tables()
        self.redraw()

    def _fill_tables(self) -> None:
        table = self.query_one(RankTable)
        table.origin_ns = self.group.origin_ns
        self.rank_rows = rank_rows_for(self.group)
        table.show(self.rank_rows)
        self._show_divergence()
        table.mark(frozenset(self.ranks or ()))
        view = self.query_one(EventsView)
        view.origin_ns = self.group.origin_ns
        view.show(filter_events(group_events(self.group), None, "", self.ranks))

    def _show_divergence(self) -> None:
        """One line per outlier rank: why, and since when (from the rank statistics)."""
        line = self.query_one("#divergence", Static)
        text = Text(no_wrap=True, overflow="ellipsis")
        for row in (r for r in self.rank_rows if r.outlier):
            if text:
                text.append("\n")
            text.append(f"⚠ rank {row.rank} diverges", style="bold red")
            if row.onset_ns is not None:
                since = elapsed_label((row.onset_ns - self.group.origin_ns) / 1e9, 1)
                text.append(f" since {since}", style="bold red")
            reasons = [r.removeprefix(f"rank {row.rank}: ") for r in row.reasons]
            more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
            text.append_text(literal(f": {reasons[0]}{more}" if reasons else ""))
        line.update(text)
        line.display = bool(text)

    def _onsets(self) -> list[tuple[int, str]]:
        shown = None if self.ranks is None else set(self.ranks)
        return [
            (row.onset_ns, "onset")
            for row in self.rank_rows
            if row.onset_ns is not None and (shown is None or row.rank in shown)
        ]

    # ------------------------------------------------------------------ drawing

    def chart_view(self) -> ChartView:
        """What the chart shows now."""
        return ChartView(
            start_ns=self.window.start_ns,
            end_ns=self.window.end_ns,
            origin_ns=self.group.origin_ns,
            metric=self.metric,
            ranks=self.ranks,
            columns=self.columns,
            wall_clock=self.wall_clock,
        )

    def redraw(self) -> None:
        """Prepare the chart data for the current view and draw it."""
        view = self.chart_view()
        marks = chart_events(self.group, self.ranks) + self._onsets()
        data = prepare_chart(self.group.tracks, view, marks)
        what = "memory" if data.mode == "metrics" else METRIC_LABELS[self.metric]
        self.query_one(MemoryChart).draw(data, f"{what} ({data.unit})")
        self.query_one(ChartLegend).show(data)
        self.query_one("#chart-header", Static).update(self._header_text())

    def _header_text(self) -> Text:
        group, window = self.group, self.window
        text = literal(group.title, "bold")
        present = len(group.tracks)
        world = f"/{group.world_size}" if group.world_size else ""
        text.append(f" · {present}{world} ranks · showing {format_ranks(self.ranks)}")
        start = elapsed_label((window.start_ns - group.origin_ns) / 1e9, 1)
        end = elapsed_label((window.end_ns - group.origin_ns) / 1e9, 1)
        text.append(f" · {start}–{end}" + ("" if window.is_full else " (zoomed)"))
        text.append(" · wall clock" if self.wall_clock else " · elapsed")
        missing = group.missing_ranks()
        if missing:
            text.append(f" · missing ranks: {format_ranks(missing)}", style="bold red")
        return text

    def on_memory_chart_resized(self, event: MemoryChart.Resized) -> None:
        if event.columns != self.columns:
            self.columns = event.columns
            self.redraw()

    def on_memory_chart_zoom_requested(self, event: MemoryChart.ZoomRequested) -> None:
        self._set_window(self.window.zoom(event.factor, event.anchor))

    def on_memory_chart_pan_requested(self, event: MemoryChart.PanRequested) -> None:
        self._set_window(self.window.pan(event.fraction))

    def _set_window(self, window: TimeWindow) -> None:
        if window != self.window:
            self.window = window
            self.redraw()

    def _set_ranks(self, ranks: tuple[int, ...] | None) -> None:
        self.ranks = ranks
        self.query_one(RankTable).mark(frozenset(ranks or ()))
        view = self.query_one(EventsView)
        view.show(filter_events(group_events(self.group), None, "", ranks))
        self.redraw()

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.app.pop_screen()

    def action_zoom(self, factor: float) -> None:
        """Zoom the time window around its centre."""
        self._set_window(self.window.zoom(factor))

    def action_pan(self, fraction: float) -> None:
        """Move the time window."""
        self._set_window(self.window.pan(fraction))

    def action_reset_zoom(self) -> None:
        """Show the whole time range."""
        self._set_window(TimeWindow.full(self.group.origin_ns, self.group.end_ns))

    def action_next_metric(self) -> None:
        """Cycle allocated, reserved and device used."""
        names = list(METRICS)
        self.metric = names[(names.index(self.metric) + 1) % len(names)]
        self.redraw()

    def action_toggle_clock(self) -> None:
        """Switch the time axis between elapsed time and wall clock."""
        self.wall_clock = not self.wall_clock
        self.redraw()

    def action_all_ranks(self) -> None:
        """Chart every rank."""
        self._set_ranks(None)

    def action_ask_ranks(self) -> None:
        """Type a rank list (``0,3,5-7``)."""

        def chosen(text: str | None) -> None:
            if text is None:
                return
            try:
                self._set_ranks(parse_ranks(text))
            except ValueError as error:
                self.notify(str(error), severity="error")

        self.app.push_screen(RanksPromptScreen(format_ranks(self.ranks)), chosen)

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

    def on_rank_table_rank_chosen(self, event: RankTable.RankChosen) -> None:
        self._set_ranks((event.rank,))

    def on_rank_table_rank_toggled(self, event: RankTable.RankToggled) -> None:
        current = set(self.ranks or ())
        current ^= {event.rank}
        self._set_ranks(tuple(sorted(current)) or None)

    def on_events_view_time_chosen(self, event: EventsView.TimeChosen) -> None:
        span = self.window.span_ns if not self.window.is_full else self.window.span_ns // 8
        full = TimeWindow.full(self.window.full_start_ns, self.window.full_end_ns)
        anchor = (event.timestamp_ns - full.start_ns) / max(full.span_ns, 1)
        self._set_window(full.zoom(span / max(full.span_ns, 1), anchor).pan(0.0))

    def action_export(self, fmt: str) -> None:
        """Export the charted ranks in the current window to a file in the cwd."""
        self._export(fmt, self.ranks, self.window.start_ns, self.window.end_ns)

    @work(thread=True, group="export")
    def _export(self, fmt: str, ranks: tuple[int, ...] | None, start: int, end: int) -> None:
        try:
            path, count = export_group(self.group, ranks, start, end, Path.cwd(), fmt)
        except OSError as error:
            self.post_message(ExportFinished(None, error=str(error)))
            return
        self.post_message(ExportFinished(path, count))
