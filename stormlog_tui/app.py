"""StormlogApp: the Textual app, and ``make_app``, the factory the CLI and tests share."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from stormlog_tui import __version__
from stormlog_tui.formatting import literal
from stormlog_tui.loader import load_rows
from stormlog_tui.messages import SessionsLoaded
from stormlog_tui.widgets import SessionsTable, StatusLine


class StormlogApp(App[None]):
    """Browse the telemetry sessions found under ``paths``."""

    CSS_PATH = "app.tcss"
    TITLE = "stormlog-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        follow: bool = False,
        refresh_seconds: float = 2.0,
        subtitle: str | None = None,
    ) -> None:
        super().__init__()
        self.paths = [Path(path) for path in paths]
        self.follow = follow
        self.refresh_seconds = refresh_seconds
        self.sub_title = literal(subtitle or ", ".join(str(path) for path in self.paths)).plain

    def compose(self) -> ComposeResult:
        yield Header()
        yield SessionsTable(id="sessions")
        yield StatusLine("loading ...", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SessionsTable).focus()
        self.action_reload()
        if self.follow:
            self.set_interval(self.refresh_seconds, self.action_reload)

    def action_reload(self) -> None:
        """Read every path again (in a thread)."""
        self._load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        result = load_rows(self.paths)
        if not get_current_worker().is_cancelled:
            self.post_message(SessionsLoaded(result))

    def on_sessions_loaded(self, message: SessionsLoaded) -> None:
        self.query_one(SessionsTable).show(message.result.rows)
        self.query_one(StatusLine).show(message.result, following=self.follow)


def make_app(
    paths: Sequence[str | Path],
    *,
    follow: bool = False,
    refresh_seconds: float = 2.0,
    subtitle: str | None = None,
) -> StormlogApp:
    """Build the app on ``paths``; ``follow`` reloads every ``refresh_seconds``."""
    app = StormlogApp(
        [Path(path) for path in paths],
        follow=follow,
        refresh_seconds=refresh_seconds,
        subtitle=subtitle,
    )
    app.title = f"stormlog-tui {__version__}"
    return app
