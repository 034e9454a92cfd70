"""The app's screens: sessions (the first), detail (a job or session), jobs, help, the
record view and the rank details."""

from stormlog_tui.screens.detail_screen import DetailScreen
from stormlog_tui.screens.help_screen import HelpScreen
from stormlog_tui.screens.jobs_screen import JobsScreen
from stormlog_tui.screens.rank_screen import RankScreen
from stormlog_tui.screens.ranks_prompt import RanksPromptScreen
from stormlog_tui.screens.record_screen import RecordScreen
from stormlog_tui.screens.sessions_screen import SessionsScreen

#: Every screen's style sheet, as the app names them (relative to its module): the app
#: reads them all when it starts. Textual would read a pushed screen's style sheet at its
#: first push, then parse the whole style sheet again and restyle every screen: 22 ms of a
#: blocked event loop when the job screen first opened. And it never reads the style sheet
#: of the first screen (the one ``get_default_screen`` returns), so the sessions screen's
#: would not apply at all without this list.
SCREEN_STYLES = [
    f"screens/{screen.CSS_PATH}"
    for screen in (
        SessionsScreen,
        JobsScreen,
        DetailScreen,
        RecordScreen,
        RankScreen,
        HelpScreen,
        RanksPromptScreen,
    )
]

__all__ = [
    "SCREEN_STYLES",
    "DetailScreen",
    "HelpScreen",
    "JobsScreen",
    "RankScreen",
    "RanksPromptScreen",
    "RecordScreen",
    "SessionsScreen",
]
