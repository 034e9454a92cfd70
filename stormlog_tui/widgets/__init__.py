"""The app's widgets, one module per widget."""

from stormlog_tui.widgets.sessions_table import SessionsTable
from stormlog_tui.widgets.status_line import StatusLine

__all__ = ["SessionsTable", "StatusLine"]
