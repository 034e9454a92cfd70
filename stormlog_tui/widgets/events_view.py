"""EventsView: non-sample events with time, rank, type, severity colour and literal context."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    EventRows,
    context_of,
    details_of,
    event_key,
    filtered,
    sorted_rows,
)
from stormlog_tui.widgets.sortable_table import Arranged, Column, SortableTable

#: What each column sorts by, in the order of the columns (see ``view.rows.events``).
SORTED_BY = ("time", "rank", "type", "severity", "context", "details")

SEVERITY_STYLES = {
    "critical": "bold red",
    "error": "red",
    "warning": "yellow",
    "info": "",
}


class EventsView(SortableTable[EventRow]):
    """Events of the charted ranks; ``f`` cycles the type filter, ``/`` filters by text.

    Its rows are ``EventRows`` (a group's event columns and an order): only the drawn
    rows are made into records, and sorting and filtering run on the columns."""

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
        super().__init__(self._columns(), id=id)
        self.all_rows = EventRows.empty()

    def _columns(self) -> list[Column[EventRow]]:
        def style(row: EventRow) -> str:
            return SEVERITY_STYLES.get(row.severity, "")

        unused = lambda _row: 0  # noqa: E731 - rows are sorted on the columns (SORTED_BY)
        return [
            Column(
                "Time",
                lambda r: Text(format_elapsed(r.timestamp_ns - self.origin_ns, self.span_ns)),
                unused,
            ),
            Column("Rank", lambda r: Text(str(r.rank), justify="right"), unused),
            Column("Type", lambda r: literal(r.event_type, style(r)), unused),
            Column("Severity", lambda r: Text(r.severity, style=style(r)), unused),
            Column("Context", lambda r: literal(context_of(r)), unused, cuttable=True),
            Column("Details", lambda r: literal(details_of(r), "dim"), unused, cuttable=True),
        ]

    def row_key(self, row: EventRow) -> str:
        return f"{row.timestamp_ns}|{row.rank}|{row.event_type}|{context_of(row)}"

    def arranger(self) -> Callable[[Sequence[EventRow]], Arranged[EventRow]]:
        """Filter and sort on the columns (see :meth:`SortableTable.arranger`)."""
        arrangement = self.arrangement()
        column, reverse = SORTED_BY[self.sort_column], self.reverse
        kind, needle = self.kind, self.filter_text
        current = self.selected()
        selected = self.row_key(current) if current is not None else None
        key = event_key(current) if current is not None else None

        def arrange(rows: Sequence[EventRow]) -> Arranged[EventRow]:
            every = rows if isinstance(rows, EventRows) else EventRows.of(rows)
            shown = sorted_rows(filtered(every, kind, needle), column, reverse)
            cursor = shown.position_of(key) if key is not None else None
            return Arranged(arrangement, every, shown, selected, cursor or 0)

        return arrange

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
