"""RankScreen: everything about one rank, over the job it belongs to (``i`` on the rank
table, or a click on a divergence line); ``escape`` closes. The text wraps: every reason
reads in full at 80x24."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from stormlog_tui.widgets.static_text import plain_title


class RankScreen(ModalScreen[None]):
    """One rank of a job, in words."""

    CSS_PATH = "rank_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,i", "close", "Close"),
        Binding("question_mark", "app.help", "Help", show=False),  # a modal hides the app's
    ]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="rank-box") as box:
            box.border_title = plain_title(self.title_text)
            box.border_subtitle = "escape closes"
            with VerticalScroll(id="rank-scroll"):
                yield Static(self.body, id="rank-body")

    def help_sections(self) -> list[tuple[str, type]]:
        """Where the keys of this screen come from, for the help."""
        return [("Rank details", RankScreen)]

    def on_mount(self) -> None:
        self.query_one("#rank-scroll").focus()

    def action_close(self) -> None:
        """Back to the job."""
        self.dismiss(None)
