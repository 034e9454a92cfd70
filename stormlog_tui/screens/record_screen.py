"""RecordScreen: the raw record behind a warning or an event, with its file, line and
session; ``enter`` opens the session's job, ``escape`` closes.

The line is read by core's ``read_record`` in a thread worker (a slow or stuck filesystem
never blocks the event loop): read-only, bounded by the line limit. The record is shown
literally (``view.record_view``): no markup, control characters made visible.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from stormlog_core.browse import read_record
from stormlog_tui.messages import RecordRead
from stormlog_tui.view.record_view import (
    RecordSource,
    record_body,
    unread_reason,
    where_text,
)
from stormlog_tui.widgets.static_text import plain_title


class RecordScreen(ModalScreen[RecordSource | None]):
    """Shows one record; dismissed with its source when the user asks for its session."""

    CSS_PATH = "record_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("enter,o", "open_session", "Open its job"),
        Binding("question_mark", "app.help", "Help", show=False),  # a modal hides the app's
    ]

    def __init__(self, source: RecordSource, *, can_open: bool = True) -> None:
        """``can_open``: offer to open the record's session (not from its own job)."""
        super().__init__()
        self.source = source
        self.can_open = can_open and source.session is not None
        self.record_text = Text()

    def compose(self) -> ComposeResult:
        with Vertical(id="record-box") as box:
            box.border_title = plain_title(f"record · {self.source.short_where}")
            box.border_subtitle = self._hint()
            yield Static(where_text(self.source), id="record-where")
            with VerticalScroll(id="record-scroll"):
                yield Static(Text("reading …", style="dim"), id="record-body")

    def help_sections(self) -> list[tuple[str, type]]:
        """Where the keys of this screen come from, for the help."""
        return [("Record view", RecordScreen)]

    def _hint(self) -> str:
        return "enter opens its job · escape closes" if self.can_open else "escape closes"

    def on_mount(self) -> None:
        self.query_one("#record-scroll").focus()
        reason = unread_reason(self.source)
        if reason is not None:
            self._show(Text(reason, style="bold yellow"))
        elif self.source.path is not None and self.source.line is not None:
            self._read(self.source.path, self.source.line)

    @work(thread=True, exclusive=True, group="record", description="read the record")
    def _read(self, path: str, line: int) -> None:
        record = read_record(path, line)
        self.post_message(RecordRead(record, record_body(record)))

    def on_record_read(self, message: RecordRead) -> None:
        self._show(message.body)

    def _show(self, body: Text) -> None:
        self.record_text = body
        self.query_one("#record-body", Static).update(body)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_session":
            return self.can_open
        return True

    def action_close(self) -> None:
        """Close the record view."""
        self.dismiss(None)

    def action_open_session(self) -> None:
        """Close and open the job (or session) the record belongs to."""
        if self.can_open:
            self.dismiss(self.source)
