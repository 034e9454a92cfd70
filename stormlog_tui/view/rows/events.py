"""Rows of the events view: the non-sample events of a group, filtered by kind and text.

An event's kind is core's taxonomy (``classify_event``, kept on each ``EventRecord`` as
``kind``), so the ``f`` filter, the chart marks and the rank statistics agree on what an
alert, an OOM or a phase is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from stormlog_core.browse import EventKind, EventRecord
from stormlog_tui.view.detail_group import DetailGroup

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


class EventRow(NamedTuple):
    """One event as the events view shows it: the record, its metadata as text, and its
    kind (the taxonomy's label).

    Three fields, the rest read from the record: a big job has tens of thousands of these,
    and the garbage collector's full collections walk every one of them.
    """

    record: EventRecord
    metadata: str
    kind: str

    @property
    def timestamp_ns(self) -> int:
        """When the event happened."""
        return self.record.timestamp_ns

    @property
    def rank(self) -> int:
        """The rank that wrote it."""
        return self.record.rank

    @property
    def event_type(self) -> str:
        """Its type, as written."""
        return self.record.event_type

    @property
    def severity(self) -> str:
        """Its severity (core's rule)."""
        return self.record.severity

    @property
    def context(self) -> str:
        """Its context, or ``""``."""
        return self.record.context or ""

    def matches(self, needle: str) -> bool:
        """Case-insensitive text match on type, context, metadata and rank."""
        if not needle:
            return True
        haystack = f"{self.event_type} {self.context} {self.metadata} rank {self.rank}".lower()
        return needle.lower() in haystack


def _metadata_text(metadata: object) -> str:
    try:
        return json.dumps(metadata, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(metadata)


def event_row(event: EventRecord) -> EventRow:
    """The view's row of one event."""
    return EventRow(event, _metadata_text(event.metadata), event.kind.label)


def event_rows(group: DetailGroup, cache: EventRowCache | None = None) -> list[EventRow]:
    """Every non-sample event of the group's ranks, in time order (rows of events seen
    before come from ``cache``)."""
    make = event_row if cache is None else cache.row
    rows = [make(e) for track in group.tracks for e in track.events]
    if cache is not None:
        cache.forget_unseen()
    return sorted(rows, key=lambda row: (row.timestamp_ns, row.rank))


class EventRowCache:
    """The rows of the events a group had last time: a live update re-uses them and only
    builds rows for new events (an event is known by its file, line, session and time;
    a loaded record does not change)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int, str, int], EventRow] = {}
        self._next: dict[tuple[str, int, str, int], EventRow] = {}

    def row(self, event: EventRecord) -> EventRow:
        """The row of ``event``, built once."""
        key = (event.path, event.line, event.session_id, event.timestamp_ns)
        row = self._rows.get(key)
        if row is None:
            row = event_row(event)
        self._next[key] = row
        return row

    def forget_unseen(self) -> None:
        """Keep only the rows asked for since the last call (the group's events now)."""
        self._rows, self._next = self._next, {}


def filter_events(
    rows: Iterable[EventRow], kind: str | None, needle: str, ranks: Sequence[int] | None = None
) -> list[EventRow]:
    """The rows of kind ``kind`` (None = all) containing ``needle``, for ``ranks``."""
    wanted = None if ranks is None else set(ranks)
    return [
        row
        for row in rows
        if (kind is None or row.kind == kind)
        and (wanted is None or row.rank in wanted)
        and row.matches(needle)
    ]
