"""The app's screens: sessions (the first), detail (a job or session), jobs, help, and the
record view."""

from stormlog_tui.screens.detail_screen import DetailScreen
from stormlog_tui.screens.help_screen import HelpScreen
from stormlog_tui.screens.jobs_screen import JobsScreen
from stormlog_tui.screens.ranks_prompt import RanksPromptScreen
from stormlog_tui.screens.record_screen import RecordScreen
from stormlog_tui.screens.sessions_screen import SessionsScreen

#: The style sheets of the screens the app pushes, as the app names them (relative to its
#: module): the app reads them when it starts. Textual reads a screen's style sheet at its
#: first push, then parses the whole style sheet again and restyles every screen: 22 ms of
#: a blocked event loop when the job screen first opened. Not the sessions screen's:
#: Textual never reads the style sheet of the first screen (``get_default_screen``), so
#: ``sessions_screen.tcss`` has never applied, and reading it would change that screen.
SCREEN_STYLES = [
    f"screens/{screen.CSS_PATH}"
    for screen in (JobsScreen, DetailScreen, RecordScreen, HelpScreen, RanksPromptScreen)
]

__all__ = [
    "SCREEN_STYLES",
    "DetailScreen",
    "HelpScreen",
    "JobsScreen",
    "RanksPromptScreen",
    "RecordScreen",
    "SessionsScreen",
]
