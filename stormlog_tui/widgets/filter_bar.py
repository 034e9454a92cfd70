"""FilterBar: a one-line input shown by ``/``; typing filters the table below it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """Posts ``FilterChanged`` as the user types; enter keeps the filter, escape clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter"),
    ]

    class FilterChanged(Message):
        """The filter text is now ``text``; ``done`` when the user left the bar."""

        def __init__(self, bar: FilterBar, text: str, done: bool = False) -> None:
            super().__init__()
            self.bar = bar
            self.text = text
            self.done = done

        @property
        def control(self) -> FilterBar:
            return self.bar

    def __init__(self, placeholder: str = "filter…", *, id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.display = False

    def open(self) -> None:
        """Show the bar and focus it."""
        self.display = True
        self.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(self, event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.display = bool(self.value)
        self.post_message(self.FilterChanged(self, self.value, done=True))

    def action_clear_filter(self) -> None:
        """Clear the filter and hide the bar."""
        self.value = ""
        self.display = False
        self.post_message(self.FilterChanged(self, "", done=True))
