"""Rows of the events view: the non-sample events of a group, filtered and sorted on
their columns.

An event's kind is core's taxonomy (the ``kind`` column of core's ``EventTable``), so the
``f`` filter, the chart marks and the rank statistics agree on what an alert, an OOM or a
phase is.

The rows are :class:`EventRows`: a group's event table and an order (indices into it).
Filtering by kind, rank or text and sorting by a column are numpy operations on the
columns (a text is matched once per distinct text, not once per row), so 400k events are
filtered in milliseconds; a row becomes an ``EventRecord`` only when it is drawn.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, overload

import numpy as np

from stormlog_core.browse import SHOWN_COLUMNS, EventKind, EventRecord, EventTable, event_texts
from stormlog_tui.view.detail_group import DetailGroup

if TYPE_CHECKING:
    import numpy.typing as npt

#: The kinds the events view's type filter cycles through, after "every kind".
FILTER_KINDS: tuple[EventKind, ...] = (
    EventKind.ALERT,
    EventKind.OOM,
    EventKind.COLLECTOR,
    EventKind.PHASE,
    EventKind.ALLOCATION,
    EventKind.LIFECYCLE,
    EventKind.OTHER,
)
#: The type filters by label (None = every kind): ``all, alert, oom, collector, ...``.
TYPE_FILTERS: tuple[str | None, ...] = (None, *(kind.label for kind in FILTER_KINDS))
#: Records made for drawn rows that an :class:`EventRows` keeps (the visible ones and more).
KEPT_RECORDS: Final = 4096

#: A row of the events view: the event as an object.
EventRow = EventRecord
#: How an event is known across loads and live updates: its file, line, session and time
#: (a loaded record does not change).
EventKey = tuple[str, int, str, int]


def event_key(event: EventRecord) -> EventKey:
    """The key of ``event``."""
    return (event.path, event.line, event.session_id, event.timestamp_ns)


def context_of(event: EventRecord) -> str:
    """Its context, or ``""``."""
    return event.context or ""


def details_of(event: EventRecord) -> str:
    """What the Details column says of an event (its phase path, why its collector
    degraded, an OOM's reason); the whole record is one key away (``r``)."""
    return event.details or ""


class EventRows(Sequence[EventRecord]):
    """Events of ``table`` in the order ``order`` (indices into it), made into records
    only when asked for (a drawn row)."""

    def __init__(self, table: EventTable, order: npt.NDArray[np.int64] | None = None) -> None:
        self.table = table
        self.order = np.arange(len(table), dtype=np.int64) if order is None else order
        self._made: dict[int, EventRecord] = {}

    @classmethod
    def empty(cls) -> EventRows:
        """No events."""
        return cls(EventTable())

    @classmethod
    def of(cls, records: Sequence[EventRecord]) -> EventRows:
        """Records held as objects, in their order."""
        return cls(EventTable.from_records(records))

    def __len__(self) -> int:
        return len(self.order)

    @overload
    def __getitem__(self, index: int) -> EventRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[EventRecord]: ...
    def __getitem__(self, index: int | slice) -> EventRecord | list[EventRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self.order):
            raise IndexError(index)
        row = int(self.order[index])
        made = self._made.get(row)
        if made is None:
            if len(self._made) >= KEPT_RECORDS:
                self._made.clear()
            made = self._made[row] = self.table.record(row)
        return made

    def __iter__(self) -> Iterator[EventRecord]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        """The same events in the same order (another ``EventRows``, or a list)."""
        if isinstance(other, EventRows) and self.table is other.table:
            return bool(np.array_equal(self.order, other.order))
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    #: The order is by time, then rank (what :func:`event_rows` makes; a filter keeps it).
    in_time_order = False

    def reordered(self, order: npt.NDArray[np.int64], in_time_order: bool = False) -> EventRows:
        """The same table in another order (records already made are kept)."""
        rows = EventRows(self.table, order)
        rows._made = self._made
        rows.in_time_order = in_time_order
        return rows

    def position_of(self, key: EventKey) -> int | None:
        """Where the event with ``key`` is in this order, if it is shown."""
        c = self.table.columns
        path, line, session, at = key
        found = np.flatnonzero((c["timestamp_ns"] == at) & (c["line"] == line))
        for row in found.tolist():
            record = self.table.record(row)
            if (record.path, record.session_id) == (path, session):
                where = np.flatnonzero(self.order == row)
                return int(where[0]) if len(where) else None
        return None


def event_rows(group: DetailGroup) -> EventRows:
    """Every non-sample event of the group's ranks, in time order (then by rank)."""
    table = EventTable.concat([track.events for track in group.tracks], SHOWN_COLUMNS)
    c = table.columns
    rows = EventRows(table, np.lexsort((c["rank"], c["timestamp_ns"])).astype(np.int64))
    rows.in_time_order = True
    return rows


def _text_matches(table: EventTable, column: str, needle: str) -> npt.NDArray[np.bool_]:
    found: npt.NDArray[np.bool_] = event_texts().matching(needle)[table.columns[column]]
    return found


def filtered(
    rows: EventRows, kind: str | None, needle: str, ranks: Sequence[int] | None = None
) -> EventRows:
    """The rows of kind ``kind`` (None = all) holding ``needle`` (case-insensitive, in the
    type, context, details or ``rank N``), for ``ranks`` (None = all), in their order."""
    table, order = rows.table, rows.order
    keep = np.ones(len(table), dtype=bool)
    if kind is not None:
        wanted = next((k for k in EventKind if k.label == kind), None)
        keep &= table.kinds == (int(wanted) if wanted is not None else -1)
    if ranks is not None:
        keep &= np.isin(table.columns["rank"], list(ranks))
    if needle:
        text = np.zeros(len(table), dtype=bool)
        for column in ("etype", "context", "phase_path", "reason"):
            text |= _text_matches(table, column, needle)
        for row in np.flatnonzero(~text & (table.kinds == int(EventKind.OOM))).tolist():
            text[row] = needle.lower() in (table.record(row).details or "").lower()
        lowered = needle.lower().strip()
        if lowered.startswith("rank"):
            number = lowered.removeprefix("rank").strip()
            if number.isdigit():
                text |= table.columns["rank"] == int(number)
            elif not number:
                text[:] = True
        keep &= text
    return rows.reordered(order[keep[order]], rows.in_time_order)


def _sort_key(table: EventTable, name: str) -> npt.NDArray[Any]:
    """The values that order column ``name`` (texts by their alphabetical rank)."""
    c = table.columns
    if name == "time":
        return np.lexsort((c["rank"], c["timestamp_ns"]))
    if name == "rank":
        return c["rank"]
    column = {"type": "etype", "severity": "severity", "context": "context"}.get(name)
    texts = event_texts()
    if column is None:  # details: the phase path, else the reason; an OOM's reason
        codes = np.where(c["phase_path"] >= 0, c["phase_path"], c["reason"])
        for row in np.flatnonzero(table.kinds == int(EventKind.OOM)).tolist():
            codes[row] = texts.code(table.record(row).details)
    else:
        codes = c[column]
    ranks = texts.alphabetical()
    return ranks[codes]


def sorted_rows(rows: EventRows, column: str, reverse: bool) -> EventRows:
    """The rows sorted by ``column`` (``time``, ``rank``, ``type``, ``severity``,
    ``context`` or ``details``), stable, so equal keys keep their order."""
    table, order = rows.table, rows.order
    if column == "time" and rows.in_time_order:  # the usual case: no sort at all
        return rows.reordered(order[::-1].copy()) if reverse else rows
    key = _sort_key(table, column)
    if column == "time":
        position = np.empty(len(key), dtype=np.int64)
        position[key] = np.arange(len(key))
        values = position[order]
    else:
        values = key[order]
    picked = np.argsort(-values if reverse else values, kind="stable")
    return rows.reordered(order[picked])
