"""ChartedScreen: a chart view whose chart is prepared and drawn in a thread worker.

Every change of the view (window, metric, time axis, ranks, width, highlight) calls
:meth:`ChartedScreen.view_changed`; once the changes of a turn are in and the screen is
redrawn, the chart of the group for that view is asked of a worker (through a
:class:`~stormlog_tui.coalesce.Coalescer`, so requests never pile up), which prepares the
data, the degraded collector stretches and plotext's canvas, paints the canvas into the
widget's lines, and posts ``ChartReady``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from rich.console import Console
from textual import work
from textual.widget import Widget

from stormlog_tui.coalesce import Coalescer
from stormlog_tui.messages import ChartReady
from stormlog_tui.screens.chart_view_screen import ChartViewScreen
from stormlog_tui.screens.data_screen import Handoff, worker_turn
from stormlog_tui.view.chart_data import (
    ChartView,
    Marks,
    Span,
    chart_degraded,
    chart_events,
    prepare_chart,
)
from stormlog_tui.view.detail_group import DetailGroup
from stormlog_tui.view.metrics import METRIC_LABELS
from stormlog_tui.view.rows.ranks import RankRow
from stormlog_tui.widgets import ChartLegend, MemoryChart
from stormlog_tui.widgets.memory_chart import CanvasLook, paint_canvas, plot_canvas


class ChartRequest(NamedTuple):
    """What a chart worker draws: a group, a view of it, the ranks' onsets, and the
    canvas (size, plotext theme, and whether the app's theme is dark), painted into lines
    for a chart widget that looks like ``look`` with ``console``."""

    group: DetailGroup
    view: ChartView
    rank_rows: list[RankRow]
    size: tuple[int, int]
    theme: str
    dark: bool
    look: CanvasLook
    console: Console


def _same_chart(request: ChartRequest, other: ChartRequest | None) -> bool:
    """Whether ``request`` draws what ``other`` draws (asked for twice when a change of
    the data also resizes the chart)."""
    if other is None or request.group is not other.group:
        return False
    return request[1:] == other[1:]


class ChartedScreen(ChartViewScreen):
    """Draws ``group``'s chart for the current view (the subclass sets ``group``)."""

    def __init__(self) -> None:
        super().__init__()
        self.group: DetailGroup | None = None
        self.rank_rows: list[RankRow] = []
        self._charts_in = Handoff[ChartRequest](self._prepare_chart)
        self._charts = Coalescer[ChartRequest](self._charts_in)
        self._last_chart: ChartRequest | None = None  # the last one asked for
        self._chart_asked = False
        #: The marks of the last chart: its group, ranks and onsets, and what they gave.
        self._marks_for: tuple[DetailGroup, object, tuple[Marks, list[Span]]] | None = None

    def show_header(self) -> None:
        """Say what is shown now (the subclass says how)."""

    def view_changed(self) -> None:
        """Say what is shown now; ask for its chart once all changes of this turn are in
        and the screen is redrawn (so the worker does not slow the redraw down)."""
        self.show_header()
        if not self._chart_asked:
            self._chart_asked = True
            self.after_paint(self._ask_chart)

    def paint_anchor(self) -> Widget:
        """The widget that has the most to repaint after new data (the subclass says)."""
        return self.query_one(MemoryChart)

    def after_paint(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the screen has repainted what changed so far.

        A worker started before the repaint competes with it for the GIL and makes it take
        three to five times as long. ``call_after_refresh`` on the screen does not wait for
        it: a widget tells the screen that it needs a repaint when its own message queue
        runs empty, which may come after the screen ran its callbacks. Asked of the
        :meth:`paint_anchor`, the callback reaches the screen just before that widget says
        it needs a repaint, so the screen runs it after the repaint.
        """
        self.paint_anchor().call_after_refresh(callback)

    def live(self) -> bool:
        return self.group is not None and any(s.running for s in self.group.sessions)

    def known_ranks(self) -> list[int] | None:
        return None if self.group is None else self.group.ranks

    def chart_view(self) -> ChartView | None:
        """What the chart shows now (None until the group is put together)."""
        if self.group is None:
            return None
        return ChartView(
            start_ns=self.window.start_ns,
            end_ns=self.window.drawn_end_ns(self.live()),
            origin_ns=self.group.origin_ns,
            metric=self.metric,
            ranks=self.ranks,
            columns=self.columns,
            wall_clock=self.wall_clock,
            highlight=self.highlight,
        )

    def _ask_chart(self) -> None:
        self._chart_asked = False
        view = self.chart_view()
        chart = self.query_one(MemoryChart)
        size = (chart.size.width, chart.size.height)
        if self.group is not None and view is not None and all(size):
            dark = self.app.current_theme.dark
            request = ChartRequest(
                self.group,
                view,
                self.rank_rows,
                size,
                chart.plot_theme(),
                dark,
                chart.look(),
                self.app.console,
            )
            if not _same_chart(request, self._last_chart):
                self._last_chart = request
                self._charts.submit(request)

    @work(thread=True, group="chart", description="prepare the chart")
    def _prepare_chart(self) -> None:
        request = self._charts_in.take()
        group, view, rows, (width, height), theme, dark, look, console = request
        with worker_turn():
            onsets = [(row.rank, row.onset_ns) for row in rows if row.onset_ns is not None]
            events, degraded = self._marks(group, view.ranks, onsets)
            data = prepare_chart(group.tracks, view, events, degraded)
            what = "memory" if data.mode == "metrics" else METRIC_LABELS[view.metric]
            title = f"{what} ({data.unit})"
            canvas = plot_canvas(data, title, width, height, theme, dark)
            painted = paint_canvas(canvas, look, console)
        self.post_message(ChartReady(group, view, data, title, canvas, painted))

    def _marks(
        self, group: DetailGroup, ranks: tuple[int, ...] | None, onsets: list[tuple[int, int]]
    ) -> tuple[Marks, list[Span]]:
        """The marks and degraded stretches of the shown ranks: the same for every window,
        so a zoom or a metric does not gather them again (0.2 s at 512 ranks)."""
        key = (ranks, tuple(onsets))
        known = self._marks_for
        if known is None or known[0] is not group or known[1] != key:
            found = (chart_events(group, ranks, onsets), chart_degraded(group, ranks))
            known = self._marks_for = (group, key, found)
        return known[2]

    def on_chart_ready(self, message: ChartReady) -> None:
        """Draw a prepared chart, unless the view changed meanwhile."""
        self._charts.done()
        if message.group is not self.group or message.view != self.chart_view():
            return
        self.query_one(MemoryChart).show(message.data, message.canvas, message.painted)
        self.query_one(ChartLegend).show(message.data)
