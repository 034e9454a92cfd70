"""DetailScreen: a job (or one session): memory charts, the rank table, the events and
the phases.

The job is put together from the dataset the app shows (its ranks, their statistics and
events) in a thread worker, again for every live update (``DetailReady``); the phases
table of the charted ranks is computed in another (``PhasesReady``), and the events of the
charted ranks are filtered and sorted as the events view shows them in a third
(``EventsReady``: tens of thousands of rows take too long for the event loop). What the chart shows
(time window, metric, time axis, charted ranks, width, shaded phase) is reactive: changing
any of it asks for a chart, which another worker prepares (``ChartReady``, see
:class:`~stormlog_tui.screens.charted_screen.ChartedScreen`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Header, Static, TabbedContent, TabPane

from stormlog_core.browse import EventTable
from stormlog_tui.coalesce import Coalescer
from stormlog_tui.export import try_export
from stormlog_tui.messages import DetailReady, EventsReady, ExportFinished, PhasesReady
from stormlog_tui.screens.charted_screen import ChartedScreen
from stormlog_tui.screens.data_screen import Handoff, worker_turn
from stormlog_tui.screens.rank_screen import RankScreen
from stormlog_tui.screens.record_screen import RecordScreen
from stormlog_tui.view.detail_group import DetailGroup, group_by_key, newest_while_running
from stormlog_tui.view.detail_lines import divergence_text, header_text
from stormlog_tui.view.rank_detail import detail_row, rank_detail_text
from stormlog_tui.view.record_view import event_source
from stormlog_tui.view.rows.events import EventRow, EventRows, event_rows, filtered
from stormlog_tui.view.rows.phases import group_phase_rows, phases_title
from stormlog_tui.view.rows.ranks import group_rank_rows
from stormlog_tui.view.time_window import TimeWindow
from stormlog_tui.widgets import (
    ChartLegend,
    DivergenceLine,
    EventsView,
    FilterBar,
    MemoryChart,
    PhaseTable,
    RankTable,
    StatusLine,
)
from stormlog_tui.widgets.keys_footer import KeysFooter
from stormlog_tui.widgets.sortable_table import Arranged, SortableTable
from stormlog_tui.widgets.static_text import show_text

#: From this width on, the tables sit beside the chart instead of below it.
WIDE_COLUMNS = 180
#: The tabs under the chart, in the order ``v`` cycles them, and the widget each focuses.
TAB_TARGETS: tuple[tuple[str, type[Widget]], ...] = (
    ("ranks-tab", RankTable),
    ("events-tab", EventsView),
    ("phases-tab", PhaseTable),
)

#: What a phases worker computes: the phases of a group's charted ranks (None = all).
PhasesRequest = tuple[DetailGroup, tuple[int, ...] | None]
#: What an events worker computes: a group's event rows, those of the charted ranks
#: (None = all) arranged as the events view's arranger says.
EventsRequest = tuple[
    DetailGroup,
    EventRows,
    tuple[int, ...] | None,
    Callable[[EventRows], Arranged[EventRow]],
]


class DetailScreen(ChartedScreen):
    """Charts of a group's ranks over a zoomable time window, with ranks, events, phases."""

    CSS_PATH = "detail_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom +", id="zoom_in"),
        Binding("minus", "zoom(2.0)", "Zoom -", id="zoom_out"),
        Binding("left_square_bracket", "pan(-0.25)", "Pan ←", key_display="[", id="pan_left"),
        Binding("right_square_bracket", "pan(0.25)", "Pan →", key_display="]", id="pan_right"),
        Binding("0", "reset_zoom", "Reset zoom", show=False, id="reset_zoom"),
        Binding("m", "next_metric", "Metric", id="metric"),
        Binding("c", "toggle_clock", "Elapsed/wall clock", show=False, id="time_axis"),
        Binding("a", "all_ranks", "All ranks", id="all_ranks"),
        Binding("k", "ask_ranks", "Rank list", show=False, id="rank_list"),
        Binding("v", "switch_tab", "Ranks/Events/Phases", id="switch_tab"),
        Binding("P", "show_phases", "Phases table", show=False, id="phases"),
        Binding("slash", "filter_events", "Filter events", show=False, id="filter"),
        Binding("x", "export('csv')", "Export CSV", show=False, id="export_csv"),
        Binding("X", "export('jsonl')", "Export JSONL", show=False, id="export_jsonl"),
    ]

    def __init__(
        self,
        key: str,
        ranks: tuple[int, ...] | None = None,
        *,
        cursor_rank: int | None = None,
        cursor_first: bool = False,
    ) -> None:
        """``cursor_rank``: the rank the rank table's cursor starts on when no rank is an
        outlier (always, with ``cursor_first``: the user asked for that rank)."""
        super().__init__()
        self.key = key
        self.cursor_rank = cursor_rank
        self.cursor_first = cursor_first
        self.set_reactive(DetailScreen.ranks, ranks)
        self.event_rows = EventRows(EventTable())
        self._phases_in = Handoff[PhasesRequest](self._compute_phases)
        self._phases = Coalescer[PhasesRequest](self._phases_in)
        self._events_in = Handoff[EventsRequest](self._arrange_events)
        self._events = Coalescer[EventsRequest](self._events_in)
        self._tables_asked = False

    def compose(self) -> ComposeResult:
        # Before the first styling, not at the first resize: switching later styles and
        # lays out the whole screen again.
        self.set_class(self.app.size.width >= WIDE_COLUMNS, "-wide")
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="chart-pane"):
                yield Static(id="chart-header")
                yield DivergenceLine(id="divergence")
                yield MemoryChart(id="chart")
                yield ChartLegend(id="legend")
            with TabbedContent(id="tabs"):
                with TabPane("Ranks", id="ranks-tab"):
                    yield RankTable(id="ranks")
                with TabPane("Events", id="events-tab"):
                    yield FilterBar(
                        "filter events: type, context, details, rank…", id="event-filter"
                    )
                    yield EventsView(id="events")
                with TabPane("Phases", id="phases-tab"):
                    yield PhaseTable(id="phases")
        yield StatusLine("loading …", id="status")
        yield KeysFooter()

    def help_sections(self) -> list[tuple[str, type]]:
        """Where the keys of this screen come from, for the help."""
        return [
            ("Job / session screen", DetailScreen),
            ("Chart (focused)", MemoryChart),
            ("Rank table", RankTable),
            ("Events", EventsView),
            ("Phases", PhaseTable),
            ("Tables", SortableTable),
        ]

    def on_mount(self) -> None:
        self.query_one(RankTable).focus()
        self.show_header()
        self.watch(self.app, "theme", self.view_changed, init=False)  # colours are drawn in

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE_COLUMNS, "-wide")

    def paint_anchor(self) -> Widget:
        return self.query_one(RankTable)  # a live update redraws every rank's row

    # ------------------------------------------------------------------ data in

    @work(thread=True, group="detail", description="put the job together")
    def compute(self) -> None:
        """Put the group together with its rank statistics and events (in a thread)."""
        shown = self.take_shown()
        with worker_turn():
            group = group_by_key(shown.dataset, self.key)
            ready = DetailReady(shown, None, [], EventRows(EventTable()))
            if group is not None:
                ready = DetailReady(shown, group, group_rank_rows(group), event_rows(group))
        self.post_message(ready)

    def on_detail_ready(self, message: DetailReady) -> None:
        """Show a (re)built group, keeping the window and the selection."""
        self.computed()
        self.show_status(message.shown)
        group = message.group
        if group is None:
            return
        first = self.group is None
        self.group, self.rank_rows, self.event_rows = group, message.ranks, message.events
        self._fill_tables(first)
        self._tables_changed()
        if first:
            self.ranks = self.ranks  # asked for before the ranks were known: check them
            self.window = TimeWindow.full(group.origin_ns, group.end_ns)
        else:
            self.window = self.window.extended(group.origin_ns, group.end_ns)
        self.view_changed()

    @work(thread=True, group="phases", description="compute the phases")
    def _compute_phases(self) -> None:
        """The phases table of the charted ranks (in a thread)."""
        group, ranks = self._phases_in.take()
        with worker_turn():
            rows = group_phase_rows(group, ranks)
        self.post_message(PhasesReady(group, ranks, rows))

    def on_phases_ready(self, message: PhasesReady) -> None:
        self._phases.done()
        if message.group is not self.group or message.ranks != self.ranks:
            return
        table = self.query_one(PhaseTable)
        table.show(message.rows)
        table.border_title = phases_title(len(message.rows), self.ranks)

    def _fill_tables(self, first: bool) -> None:
        assert self.group is not None
        table = self.query_one(RankTable)
        table.set_times(self.group.origin_ns, self.group.end_ns, newest_while_running(self.group))
        table.show(self.rank_rows)
        table.mark(frozenset(self.ranks or ()))
        if first:
            outliers = [row.rank for row in self.rank_rows if row.outlier]
            rank = outliers[0] if outliers and not self.cursor_first else self.cursor_rank
            if rank is not None:
                table.select_key(str(rank))  # the rank that matters, one enter from its chart
        divergence = divergence_text(self.rank_rows, self.group)
        line = self.query_one(DivergenceLine)
        show_text(line, divergence)
        line.display = bool(divergence)

    def _tables_changed(self) -> None:
        """Ask for the phases and the events of the charted ranks once the changes of this
        turn are in and the screen is redrawn (as the chart is asked for): their workers
        would slow the redraw down."""
        if not self._tables_asked:
            self._tables_asked = True
            self.after_paint(self._ask_tables)

    def _ask_tables(self) -> None:
        self._tables_asked = False
        if self.group is not None:
            self._phases.submit((self.group, self.ranks))
            arranger = self.query_one(EventsView).arranger()
            self._events.submit((self.group, self.event_rows, self.ranks, arranger))

    @work(thread=True, group="events", description="arrange the events")
    def _arrange_events(self) -> None:
        """The events of the charted ranks, filtered and sorted as the view shows them."""
        group, rows, ranks, arrange = self._events_in.take()
        with worker_turn():
            arranged = arrange(rows if ranks is None else filtered(rows, None, "", ranks))
        self.post_message(EventsReady(group, ranks, arranged))

    def on_events_ready(self, message: EventsReady) -> None:
        self._events.done()
        if message.group is not self.group or message.ranks != self.ranks:
            return  # a newer request is on its way
        view = self.query_one(EventsView)
        view.origin_ns = message.group.origin_ns
        view.span_ns = message.group.end_ns - message.group.origin_ns
        view.show_arranged(message.arranged)

    # ------------------------------------------------------------------ the view state

    def ranks_changed(self) -> None:
        self.query_one(RankTable).mark(frozenset(self.ranks or ()))
        self._tables_changed()

    def show_header(self) -> None:
        text = header_text(self.key, self.group, self.window, self.ranks, self.wall_clock)
        show_text(self.query_one("#chart-header", Static), text)

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the view before the last step into the data, else the previous screen."""
        if not self.go_back():
            self.app.pop_screen()

    def on_rank_table_details_wanted(self, event: RankTable.DetailsWanted) -> None:
        """Everything about a rank (the first outlier when none is named), in a panel."""
        row = detail_row(self.rank_rows, event.rank)
        if row is not None and self.group is not None:
            body = rank_detail_text(row, self.group)
            self.app.push_screen(RankScreen(f"rank {row.rank} · {self.group.title}", body))

    def action_switch_tab(self) -> None:
        """Switch between the rank table, the events and the phases."""
        tabs = self.query_one(TabbedContent)
        names = [name for name, _ in TAB_TARGETS]
        index = names.index(tabs.active) if tabs.active in names else -1
        tabs.active, target = TAB_TARGETS[(index + 1) % len(TAB_TARGETS)]
        self.query_one(target).focus()

    def action_show_phases(self) -> None:
        """Show the phases table."""
        self.query_one(TabbedContent).active = "phases-tab"
        self.query_one(PhaseTable).focus()

    def on_events_view_record_wanted(self, event: EventsView.RecordWanted) -> None:
        sessions = self.group.sessions if self.group is not None else ()
        self.app.push_screen(RecordScreen(event_source(event.event, sessions), can_open=False))

    def action_filter_events(self) -> None:
        """Filter the events by text."""
        self.query_one(TabbedContent).active = "events-tab"
        self.query_one("#event-filter", FilterBar).open()

    def on_filter_bar_filter_changed(self, event: FilterBar.FilterChanged) -> None:
        view = self.query_one(EventsView)
        view.set_filter(event.text)
        if event.done:
            view.focus()

    @work(thread=True, group="export", description="export the charted ranks")
    def action_export(self, fmt: str) -> None:
        """Export the charted ranks in the current window to a file in the cwd (in a thread:
        the window and ranks are read once, as they are when the key is pressed)."""
        group, ranks, window = self.group, self.ranks, self.window
        if group is not None:
            done = try_export(group, ranks, window.start_ns, window.end_ns, Path.cwd(), fmt)
            self.post_message(ExportFinished(*done))
