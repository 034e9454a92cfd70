"""The app's widgets, one module per widget."""

from stormlog_tui.widgets.chart_legend import ChartLegend
from stormlog_tui.widgets.divergence_line import DivergenceLine
from stormlog_tui.widgets.events_view import EventsView
from stormlog_tui.widgets.filter_bar import FilterBar
from stormlog_tui.widgets.memory_chart import MemoryChart
from stormlog_tui.widgets.phase_table import PhaseTable
from stormlog_tui.widgets.rank_table import RankTable
from stormlog_tui.widgets.sessions_table import SessionsTable
from stormlog_tui.widgets.status_line import StatusLine
from stormlog_tui.widgets.warnings_panel import WarningsPanel

__all__ = [
    "ChartLegend",
    "DivergenceLine",
    "EventsView",
    "FilterBar",
    "MemoryChart",
    "PhaseTable",
    "RankTable",
    "SessionsTable",
    "StatusLine",
    "WarningsPanel",
]
