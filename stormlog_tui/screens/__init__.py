"""The app's screens: sessions (the first), detail (a job or session), jobs, help, and the
record view."""

from stormlog_tui.screens.detail_screen import DetailScreen
from stormlog_tui.screens.help_screen import HelpScreen
from stormlog_tui.screens.jobs_screen import JobsScreen
from stormlog_tui.screens.ranks_prompt import RanksPromptScreen
from stormlog_tui.screens.record_screen import RecordScreen
from stormlog_tui.screens.sessions_screen import SessionsScreen

__all__ = [
    "DetailScreen",
    "HelpScreen",
    "JobsScreen",
    "RanksPromptScreen",
    "RecordScreen",
    "SessionsScreen",
]
