"""EventsView: non-sample events with time, rank, type, severity colour and literal context."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from stormlog_core.browse import EventRecord
from stormlog_tui.view.formats import format_elapsed
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rows.events import (
    TYPE_FILTERS,
    EventRow,
    EventTexts,
    context_of,
    matches,
    time_order,
)
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
        Binding("f", "next_type", "Event type", id="event_type"),
        Binding("enter", "show_time", "Go to time", show=False),
        Binding("r", "show_record", "Show the record", show=False, id="show_record"),
    ]

    class TimeChosen(Message):
        """Centre the charts on ``timestamp_ns`` and mark it, named ``label``."""

        def __init__(self, timestamp_ns: int, label: str = "") -> None:
            super().__init__()
            self.timestamp_ns = timestamp_ns
            self.label = label

    class RecordWanted(Message):
        """Show the raw record of ``event`` (its file and line)."""

        def __init__(self, event: EventRecord) -> None:
            super().__init__()
            self.event = event

    def __init__(self, *, id: str | None = None) -> None:
        self.origin_ns = 0
        #: The span of the group (its times are written as precisely as it calls for).
        self.span_ns = 0
        self.kind: str | None = None
        #: The metadata texts of the events shown (set with the rows).
        self.texts = EventTexts()
        super().__init__(self._columns(), id=id)

    def _columns(self) -> list[Column[EventRow]]:
        def style(row: EventRow) -> str:
            return SEVERITY_STYLES.get(row.severity, "")

        return [
            Column(
                "Time",
                lambda r: Text(format_elapsed(r.timestamp_ns - self.origin_ns, self.span_ns)),
                time_order,
            ),
            Column("Rank", lambda r: Text(str(r.rank), justify="right"), lambda r: r.rank),
            Column("Type", lambda r: literal(r.event_type, style(r)), lambda r: r.event_type),
            Column("Severity", lambda r: Text(r.severity, style=style(r)), lambda r: r.severity),
            Column("Context", lambda r: literal(context_of(r)), context_of, cuttable=True),
            Column(
                "Metadata",
                lambda r: literal(self.texts.text(r), "dim"),
                lambda r: self.texts.text(r),
                cuttable=True,
            ),
        ]

    def row_key(self, row: EventRow) -> str:
        return f"{row.timestamp_ns}|{row.rank}|{row.event_type}|{context_of(row)}"

    def matcher(self) -> Callable[[EventRow], bool] | None:
        kind, needle, texts = self.kind, self.filter_text.lower(), self.texts
        if kind is None and not needle:
            return None
        return lambda row: (kind is None or row.kind.label == kind) and matches(row, needle, texts)

    def arrangement(self) -> tuple[object, ...]:
        return (*super().arrangement(), self.kind)

    def rows_shown(self) -> None:
        self._retitle()

    def set_kind(self, kind: str | None) -> None:
        """Show only events of ``kind``."""
        self.kind = kind
        self._refill()

    def _retitle(self) -> None:
        kind = self.kind or "all types"
        self.border_title = f"{len(self.shown_rows)}/{len(self.all_rows)} events · {kind}"

    def action_next_type(self) -> None:
        """Cycle the type filter: all, alert, oom, collector, phase, allocation, ..."""
        index = TYPE_FILTERS.index(self.kind) if self.kind in TYPE_FILTERS else 0
        self.set_kind(TYPE_FILTERS[(index + 1) % len(TYPE_FILTERS)])

    def action_show_time(self) -> None:
        """Centre the charts on the highlighted event, and mark it."""
        row = self.selected()
        if row is not None:
            at = format_elapsed(row.timestamp_ns - self.origin_ns, self.span_ns)
            label = f"{row.event_type} of rank {row.rank} at {at}"
            self.post_message(self.TimeChosen(row.timestamp_ns, label))

    def action_show_record(self) -> None:
        """Show the highlighted event's raw record."""
        row = self.selected()
        if row is not None:
            self.post_message(self.RecordWanted(row))
