"""StatusLine: one line saying what was loaded, when, and what went wrong."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from stormlog_tui.formatting import literal
from stormlog_tui.session_rows import LoadResult


def status_text(result: LoadResult, *, following: bool) -> Text:
    """``8 sessions from 8 sources · updated 10:42:01`` plus the first problem, literally."""
    text = Text(no_wrap=True, overflow="ellipsis")
    noun = "session" if len(result.rows) == 1 else "sessions"
    sources = "source" if result.sources == 1 else "sources"
    text.append(f"{len(result.rows)} {noun} from {result.sources} {sources}")
    mode = "following" if following else "updated"
    text.append(f" · {mode} {datetime.now():%H:%M:%S}", style="dim")
    if result.problems:
        more = f" (+{len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
        text.append("  ")
        text.append_text(literal(f"⚠ {result.problems[0]}{more}", style="bold yellow"))
    return text


class StatusLine(Static):
    """The line above the footer: a summary of the last load."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; }
    """

    def show(self, result: LoadResult, *, following: bool) -> None:
        """Show the summary of ``result``."""
        self.update(status_text(result, following=following))
