"""WarningsPanel: every load warning, most severe first, with its file and line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from stormlog_core.browse import SEVERITY_ORDER, LoadWarning
from stormlog_tui.remote.names import shown_text
from stormlog_tui.view.literal import literal
from stormlog_tui.view.record_view import common_folder, where_label
from stormlog_tui.widgets.sortable_table import Column, SortableTable

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _columns(where: Callable[[LoadWarning], Text]) -> list[Column[LoadWarning]]:
    return [
        Column(
            "Severity",
            lambda w: Text(w.severity, style=SEVERITY_STYLES.get(w.severity, "")),
            lambda w: (SEVERITY_ORDER.get(w.severity, 9), w.path or "", w.line or 0),
        ),
        Column("Where", where, lambda w: (w.path or "", w.line or 0), cuttable=True),
        Column("Code", lambda w: Text(w.code), lambda w: w.code),
        Column(
            "Message", lambda w: literal(shown_text(w.message)), lambda w: w.message, cuttable=True
        ),
    ]


class WarningsPanel(SortableTable[LoadWarning]):
    """Load warnings; enter shows the record a warning is about (and from there, its job)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Show its record"),
    ]

    class WarningChosen(Message):
        """The user chose a warning (``session_id`` is None for file-level warnings)."""

        def __init__(self, warning: LoadWarning) -> None:
            super().__init__()
            self.warning = warning

    def __init__(self, *, id: str | None = None) -> None:
        #: The folder holding every warning's file: paths are shown below it when the
        #: file's own folder is not enough to tell them apart.
        self._base: str | None = None
        super().__init__(_columns(self._where), id=id)

    def _where(self, warning: LoadWarning) -> Text:
        if warning.path is None:
            return Text("-", style="dim")
        return literal(where_label(warning.path, warning.line, self._base))

    def row_key(self, row: LoadWarning) -> str:
        return f"{row.code}|{row.path}|{row.line}|{row.session_id}|{row.message}"

    def show(self, rows: Sequence[LoadWarning]) -> None:
        self._base = common_folder(w.path for w in rows)
        super().show(rows)
        self.border_title = f"Warnings ({len(self.all_rows)})"

    def action_open(self) -> None:
        """Ask to show the highlighted warning's record."""
        row = self.selected()
        if row is not None:
            self.post_message(self.WarningChosen(row))
