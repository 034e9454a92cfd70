"""Rows of the events view: non-sample events, filtered by type and text (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stormlog_core.browse import EventRecord
from stormlog_tui.chart_data import event_kind
from stormlog_tui.groups import SessionGroup

#: The type filters the events view cycles through (None = every type).
TYPE_FILTERS: tuple[str | None, ...] = (None, "alert", "oom", "collector", "phase", "other")


@dataclass(frozen=True)
class EventRow:
    """One event as the events view shows it."""

    timestamp_ns: int
    rank: int
    event_type: str
    severity: str
    context: str
    metadata: str
    kind: str

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


def row_of(event: EventRecord) -> EventRow:
    """The view's row of one event."""
    return EventRow(
        timestamp_ns=event.timestamp_ns,
        rank=event.rank,
        event_type=event.event_type,
        severity=event.severity,
        context=event.context or "",
        metadata=_metadata_text(event.metadata),
        kind=event_kind(event.event_type, event.context) or "other",
    )


def group_events(group: SessionGroup) -> list[EventRow]:
    """Every non-sample event of the group's ranks, in time order."""
    events = [row_of(e) for track in group.tracks for e in track.events]
    return sorted(events, key=lambda row: (row.timestamp_ns, row.rank))


def chart_events(group: SessionGroup, ranks: Sequence[int] | None) -> list[tuple[int, str]]:
    """``(timestamp_ns, kind)`` of the events the chart marks, for the shown ranks."""
    wanted = None if ranks is None else set(ranks)
    marks = []
    for track in group.tracks:
        if wanted is not None and track.rank not in wanted:
            continue
        for event in track.events:
            kind = event_kind(event.event_type, event.context)
            if kind is not None:
                marks.append((event.timestamp_ns, kind))
    return marks


def filter_events(
    rows: Iterable[EventRow], kind: str | None, needle: str, ranks: Sequence[int] | None = None
) -> list[EventRow]:
    """The rows of type ``kind`` (None = all) containing ``needle``, for ``ranks``."""
    wanted = None if ranks is None else set(ranks)
    return [
        row
        for row in rows
        if (kind is None or row.kind == kind)
        and (wanted is None or row.rank in wanted)
        and row.matches(needle)
    ]
