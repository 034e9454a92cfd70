"""ChartViewScreen: a screen's view of a chart (time window, metric, time axis, charted
ranks, width) as reactives, and the keys and messages that change it.

Every change calls :meth:`ChartViewScreen.view_changed` (and a change of the ranks
:meth:`ChartViewScreen.ranks_changed` first): the screen redraws from the state, nobody
calls a redraw by hand. No data here: :class:`~stormlog_tui.screens.detail_screen.DetailScreen`
says what the chart shows.
"""

from __future__ import annotations

from typing import Any

from textual.reactive import var

from stormlog_tui.config import Settings
from stormlog_tui.screens.data_screen import DataScreen
from stormlog_tui.screens.ranks_prompt import RanksPromptScreen
from stormlog_tui.view.chart_data import Highlight
from stormlog_tui.view.metrics import METRICS
from stormlog_tui.view.rank_lists import parse_ranks, ranks_label
from stormlog_tui.view.time_window import TimeWindow
from stormlog_tui.widgets import EventsView, MemoryChart, PhaseTable, RankTable

#: How many steps into the data escape can go back.
MAX_VIEWS_BACK = 50


class ChartViewScreen(DataScreen):
    """The chart's view state and the keys that change it (bound by the subclass)."""

    #: The time window shown (inside the group's whole range).
    window: var[TimeWindow] = var(TimeWindow.full(0, 1), init=False)
    #: ``allocated``, ``reserved`` or ``used``.
    metric: var[str] = var("allocated", init=False)
    #: Wall-clock time axis instead of elapsed time.
    wall_clock: var[bool] = var(False, init=False)
    #: The charted ranks (None = all).
    ranks: var[tuple[int, ...] | None] = var(None, init=False)
    #: The chart's width in cells (what the chart data is downsampled to).
    columns: var[int] = var(80, init=False)
    #: The chart widget's size (plotext draws a canvas that size).
    chart_size: var[tuple[int, int]] = var((0, 0), init=False)
    #: The spans shaded behind the lines (the runs of the phase chosen in the phases table).
    highlight: var[Highlight | None] = var(None, init=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The views before each step into the data, the last one last (escape goes back).
        self._views: list[tuple[tuple[int, ...] | None, TimeWindow, Highlight | None]] = []
        try:
            settings = getattr(self.app, "settings", None)
        except RuntimeError:  # built outside an app (Textual's NoActiveAppError)
            settings = None
        if isinstance(settings, Settings):  # the config file's first metric and time axis
            self.set_reactive(ChartViewScreen.metric, settings.metric)
            self.set_reactive(ChartViewScreen.wall_clock, settings.time_axis == "wall_clock")

    def view_changed(self) -> None:
        """Something the chart shows changed: redraw (the subclass says how)."""
        raise NotImplementedError

    def known_ranks(self) -> list[int] | None:
        """The ranks there are to chart (None until the data is in: the subclass says)."""
        return None

    def validate_ranks(self, ranks: tuple[int, ...] | None) -> tuple[int, ...] | None:
        """Only ranks the job has are charted; the others are refused with a message (an
        empty chart would say nothing)."""
        known = self.known_ranks()
        if ranks is None or known is None:
            return ranks
        unknown = [rank for rank in ranks if rank not in known]
        if not unknown:
            return ranks
        self.notify(
            f"no rank {ranks_label(unknown)} here: the ranks are {ranks_label(known)}",
            severity="error",
        )
        kept = tuple(rank for rank in ranks if rank in known)
        if kept:
            return kept
        current = self.ranks  # none of them is a rank here: keep what is charted
        return current if current is not None and set(current) <= set(known) else None

    def ranks_changed(self) -> None:
        """The charted ranks changed (before :meth:`view_changed`)."""

    def watch_window(self) -> None:
        self.view_changed()

    def watch_metric(self) -> None:
        self.view_changed()

    def watch_wall_clock(self) -> None:
        self.view_changed()

    def watch_columns(self) -> None:
        self.view_changed()

    def watch_chart_size(self) -> None:
        self.view_changed()

    def watch_highlight(self) -> None:
        self.view_changed()

    def watch_ranks(self) -> None:
        self.ranks_changed()
        self.view_changed()

    def on_memory_chart_resized(self, event: MemoryChart.Resized) -> None:
        self.columns = event.columns
        self.chart_size = (event.width, event.height)

    def live(self) -> bool:
        """The data is still growing (the chart then leaves room on the right)."""
        return False

    def on_memory_chart_zoom_requested(self, event: MemoryChart.ZoomRequested) -> None:
        window = self.window  # the anchor is a place on the drawn axis, room included
        drawn = window.drawn_end_ns(self.live()) - window.start_ns
        anchor = min(event.anchor * drawn / max(window.span_ns, 1), 1.0)
        self.window = window.zoom(event.factor, anchor)

    def on_memory_chart_pan_requested(self, event: MemoryChart.PanRequested) -> None:
        self.window = self.window.pan(event.fraction)

    def action_zoom(self, factor: float) -> None:
        """Zoom the time window around its centre."""
        self.window = self.window.zoom(factor)

    def action_pan(self, fraction: float) -> None:
        """Move the time window."""
        self.window = self.window.pan(fraction)

    def action_reset_zoom(self) -> None:
        """Show the whole time range (and shade no phase)."""
        self.window = TimeWindow.full(self.window.full_start_ns, self.window.full_end_ns)
        self.highlight = None

    def action_next_metric(self) -> None:
        """Cycle allocated, reserved and device used."""
        names = list(METRICS)
        self.metric = names[(names.index(self.metric) + 1) % len(names)]

    def action_toggle_clock(self) -> None:
        """Switch the time axis between elapsed time and wall clock."""
        self.wall_clock = not self.wall_clock

    def action_all_ranks(self) -> None:
        """Chart every rank."""
        self.ranks = None

    def action_ask_ranks(self) -> None:
        """Type a rank list (``0,3,5-7``)."""

        def chosen(text: str | None) -> None:
            if text is None:
                return
            try:
                self.ranks = parse_ranks(text)
            except ValueError as error:
                self.notify(str(error), severity="error")

        self.app.push_screen(RanksPromptScreen(ranks_label(self.ranks)), chosen)

    def remember_view(self) -> None:
        """Before a step into the data (a rank, an event, a phase): escape comes back here."""
        self._views.append((self.ranks, self.window, self.highlight))
        del self._views[:-MAX_VIEWS_BACK]

    def go_back(self) -> bool:
        """Back to the view before the last step into the data, as it was (on data grown
        since, a whole window stays whole); False when there was no such step."""
        if not self._views:
            return False
        ranks, window, highlight = self._views.pop()
        self.ranks, self.highlight = ranks, highlight
        self.window = window.extended(self.window.full_start_ns, self.window.full_end_ns)
        return True

    def on_rank_table_rank_chosen(self, event: RankTable.RankChosen) -> None:
        self.remember_view()
        self.ranks = (event.rank,)

    def on_rank_table_rank_toggled(self, event: RankTable.RankToggled) -> None:
        current = set(self.ranks or ()) ^ {event.rank}
        self.ranks = tuple(sorted(current)) or None

    def on_events_view_time_chosen(self, event: EventsView.TimeChosen) -> None:
        self.remember_view()
        window = self.window
        span = window.span_ns if not window.is_full else window.span_ns // 8
        full = TimeWindow.full(window.full_start_ns, window.full_end_ns)
        at = event.timestamp_ns  # in the middle, unless the run's start or end is nearer
        self.window = full.around(at - span // 2, at + span // 2, margin=0.0)
        self.highlight = Highlight(event.label, (), (event.timestamp_ns, event.timestamp_ns))

    def on_phase_table_phase_chosen(self, event: PhaseTable.PhaseChosen) -> None:
        row = event.row
        if row.worst is None:
            return
        self.remember_view()
        where = f"worst run on rank {row.worst_rank}" if row.worst_rank is not None else "runs"
        self.highlight = Highlight(f"{row.path} ({where})", row.runs, row.worst)
        self.window = self.window.around(*row.worst)
