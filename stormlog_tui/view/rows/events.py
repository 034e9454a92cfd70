"""Rows of the events view: the non-sample events of a group, filtered by kind and text.

An event's kind is core's taxonomy (``classify_event``, kept on each ``EventRecord`` as
``kind``), so the ``f`` filter, the chart marks and the rank statistics agree on what an
alert, an OOM or a phase is.

A row is core's ``EventRecord`` itself, and its metadata as the view shows it (JSON text)
is kept in :class:`EventTexts`, a dictionary of strings: a row object per event would be
tens of thousands more objects for the garbage collector to walk, and on a 512-rank job
the collections they caused blocked the event loop for 30 ms at the job screen's first
paint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

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

#: A row of the events view: the event itself.
EventRow = EventRecord
#: How an event is known across loads and live updates: its file, line, session and time
#: (a loaded record does not change).
EventKey = tuple[str, int, str, int]


def event_key(event: EventRecord) -> EventKey:
    """The key of ``event``."""
    return (event.path, event.line, event.session_id, event.timestamp_ns)


def metadata_text(metadata: object) -> str:
    """An event's metadata as the view shows it: JSON with sorted keys."""
    try:
        return json.dumps(metadata, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(metadata)


class EventTexts:
    """The metadata texts of a group's events, each made once: a live update re-uses the
    texts of the events seen before (``previous``) and only makes those of new events. An
    event it does not know gets its text made when asked (so texts of an older group are
    never wrong, only slower)."""

    _texts: dict[EventKey, str]

    def __init__(
        self, events: Iterable[EventRecord] = (), previous: EventTexts | None = None
    ) -> None:
        known = previous._texts if previous is not None else {}
        texts: dict[EventKey, str] = {}
        for event in events:
            key = event_key(event)
            text = known.get(key)
            texts[key] = metadata_text(event.metadata) if text is None else text
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    def text(self, event: EventRecord) -> str:
        """The metadata text of ``event``."""
        text = self._texts.get(event_key(event))
        return metadata_text(event.metadata) if text is None else text


def context_of(event: EventRecord) -> str:
    """Its context, or ``""``."""
    return event.context or ""


def time_order(event: EventRecord) -> tuple[int, int]:
    """The events view's time order: by time, then by rank."""
    return (event.timestamp_ns, event.rank)


def matches(event: EventRecord, needle: str, texts: EventTexts) -> bool:
    """Case-insensitive text match on type, context, metadata and rank."""
    if not needle:
        return True
    haystack = f"{event.event_type} {context_of(event)} {texts.text(event)} rank {event.rank}"
    return needle.lower() in haystack.lower()


def event_rows(group: DetailGroup) -> list[EventRow]:
    """Every non-sample event of the group's ranks, in time order."""
    return sorted((e for track in group.tracks for e in track.events), key=time_order)


def filter_events(
    rows: Iterable[EventRow],
    kind: str | None,
    needle: str,
    ranks: Sequence[int] | None = None,
    texts: EventTexts | None = None,
) -> list[EventRow]:
    """The rows of kind ``kind`` (None = all) containing ``needle``, for ``ranks``."""
    wanted = None if ranks is None else set(ranks)
    known = texts if texts is not None else EventTexts()
    return [
        row
        for row in rows
        if (kind is None or row.kind.label == kind)
        and (wanted is None or row.rank in wanted)
        and matches(row, needle, known)
    ]
