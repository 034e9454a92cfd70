"""EventsView: non-sample events with time, rank, type, severity colour and literal context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from stormlog_core.browse import EventRecord
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rows.events import TYPE_FILTERS, EventRow
from stormlog_tui.view.ticks import elapsed_label
from stormlog_tui.widgets.sortable_table import Column, SortableTable

SEVERITY_STYLES = {
    "critical": "bold red",
    "error": "red",
    "warning": "yellow",
    "info": "",
}


class EventsView(SortableTable[EventRow]):
    """Events of the charted ranks; ``f`` cycles the type filter, ``/`` filters by text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "next_type", "Event type"),
        Binding("enter", "show_time", "Go to time", show=False),
        Binding("r", "show_record", "Show the record", show=False),
    ]

    class TimeChosen(Message):
        """Centre the charts on ``timestamp_ns``."""

        def __init__(self, timestamp_ns: int) -> None:
            super().__init__()
            self.timestamp_ns = timestamp_ns

    class RecordWanted(Message):
        """Show the raw record of ``event`` (its file and line)."""

        def __init__(self, event: EventRecord) -> None:
            super().__init__()
            self.event = event

    def __init__(self, *, id: str | None = None) -> None:
        self.origin_ns = 0
        self.kind: str | None = None
        super().__init__(self._columns(), id=id)

    def _columns(self) -> list[Column[EventRow]]:
        def style(row: EventRow) -> str:
            return SEVERITY_STYLES.get(row.severity, "")

        return [
            Column(
                "Time",
                lambda r: Text(elapsed_label((r.timestamp_ns - self.origin_ns) / 1e9, 1)),
                lambda r: (r.timestamp_ns, r.rank),
            ),
            Column("Rank", lambda r: Text(str(r.rank), justify="right"), lambda r: r.rank),
            Column("Type", lambda r: literal(r.event_type, style(r)), lambda r: r.event_type),
            Column("Severity", lambda r: Text(r.severity, style=style(r)), lambda r: r.severity),
            Column("Context", lambda r: literal(r.context), lambda r: r.context),
            Column("Metadata", lambda r: literal(r.metadata, "dim"), lambda r: r.metadata),
        ]

    def row_key(self, row: EventRow) -> str:
        return f"{row.timestamp_ns}|{row.rank}|{row.event_type}|{row.context}"

    def row_matches(self, row: EventRow, needle: str) -> bool:
        return (self.kind is None or row.kind == self.kind) and row.matches(needle)

    def filtering(self) -> bool:
        return self.kind is not None or super().filtering()

    def show(self, rows: Sequence[EventRow]) -> None:
        super().show(rows)
        self._retitle()

    def set_kind(self, kind: str | None) -> None:
        """Show only events of ``kind``."""
        self.kind = kind
        self._refill()
        self._retitle()

    def _retitle(self) -> None:
        kind = self.kind or "all types"
        self.border_title = f"{len(self.shown_rows)}/{len(self.all_rows)} events · {kind}"

    def action_next_type(self) -> None:
        """Cycle the type filter: all, alert, oom, collector, phase, allocation, ..."""
        index = TYPE_FILTERS.index(self.kind) if self.kind in TYPE_FILTERS else 0
        self.set_kind(TYPE_FILTERS[(index + 1) % len(TYPE_FILTERS)])

    def action_show_time(self) -> None:
        """Centre the charts on the highlighted event."""
        row = self.selected()
        if row is not None:
            self.post_message(self.TimeChosen(row.timestamp_ns))

    def action_show_record(self) -> None:
        """Show the highlighted event's raw record."""
        row = self.selected()
        if row is not None:
            self.post_message(self.RecordWanted(row.record))
