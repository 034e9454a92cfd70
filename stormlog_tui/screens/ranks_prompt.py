"""RanksPromptScreen: type the ranks to chart (``0,3,5-7``, empty = all)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class RanksPromptScreen(ModalScreen[str | None]):
    """A one-line prompt; enter returns the text, escape returns None."""

    CSS_PATH = "ranks_prompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Ranks to chart: a list like 0,3,5-7, or empty for all")
            yield Input(value="" if self.current == "all" else self.current, id="ranks-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without changing the ranks."""
        self.dismiss(None)
