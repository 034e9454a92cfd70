"""The records of chosen sessions as their files hold them, for exports that round-trip.

The loaded series keep counters only; an export must carry every record whole (samples and
events, context and metadata), so it reads the sessions' files again. Each good record of
the chosen sessions inside the time window comes out once (an exact copy of an earlier one
is left out), converted as the loader converts it (v2 and legacy records become v3; v4
stays v4), in time order: each file is read in order with a small reorder buffer, and the
files are merged. Memory stays bounded by the buffer, however large the sessions are.
Files are only opened for reading; a file that cannot be read is skipped (the loader has
already said why).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import count
from pathlib import Path
from typing import Any, Final

from stormlog_core.browse.load_warnings import LoadWarning
from stormlog_core.browse.parse import record_or_warning
from stormlog_core.io import jsonio
from stormlog_core.io.documents import json_records
from stormlog_core.io.files import open_regular
from stormlog_core.io.lines import max_line_bytes
from stormlog_core.schema.records import TelemetryEventV3, telemetry_event_to_dict

#: Records held back per file to put stormlog's small thread reorders in time order.
REORDER_BUFFER: Final = 4096
_READ_BYTES: Final = 1 << 20


def session_records(
    sources: Mapping[str, str],
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every record of the sessions ``sources`` names (file path -> the session id its
    records without one belong to), as ``telemetry_event_to_dict`` gives them.

    Only records of those sessions with ``start_ns <= timestamp_ns <= end_ns`` come out.
    """
    wanted = set(sources.values())
    streams = [
        _in_order(_file_events(Path(path), hint, wanted, start_ns, end_ns))
        for path, hint in sorted(sources.items())
    ]
    seen: set[str] = set()
    previous_time: int | None = None
    for event in heapq.merge(*streams, key=lambda e: e.timestamp_ns):
        if event.timestamp_ns != previous_time:
            seen.clear()  # copies share a time: only those at this instant are compared
            previous_time = event.timestamp_ns
        record = telemetry_event_to_dict(event)
        key = json.dumps(record, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            yield record


def sources_of(sessions: Iterable[Any], wanted: Collection[str] | None = None) -> dict[str, str]:
    """``path -> session id`` for the files of ``sessions`` (``SessionData``), optionally
    only those whose id is in ``wanted``."""
    out: dict[str, str] = {}
    for session in sessions:
        if wanted is not None and session.session_id not in wanted:
            continue
        for path in session.sources:
            out.setdefault(path, session.session_id)
    return out


def _file_events(
    path: Path, hint: str, wanted: set[str], start_ns: int | None, end_ns: int | None
) -> Iterator[TelemetryEventV3]:
    for number, payload in _payloads(path):
        event = record_or_warning(payload, str(path), number, hint)
        if isinstance(event, LoadWarning) or event.session_id not in wanted:
            continue
        stamp = event.timestamp_ns
        if (start_ns is None or stamp >= start_ns) and (end_ns is None or stamp <= end_ns):
            yield event


def _payloads(path: Path) -> Iterator[tuple[int | None, Any]]:
    """Decoded records of one file: JSON Lines line by line, else the JSON document's."""
    try:
        with open_regular(path) as handle:
            head = handle.read(_READ_BYTES)
            if path.suffix == ".json" and not _looks_like_lines(head):
                data = head + handle.read()
                yield from ((None, record) for record in _document(data))
                return
            yield from _lines(handle, head)
    except OSError:
        return


def _looks_like_lines(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)
    return len(first) == 2 and first[0].rstrip().endswith(b"}") and first[1].lstrip()[:1] == b"{"


def _document(data: bytes) -> list[Any]:
    try:
        payload = jsonio.loads(data)
    except (ValueError, RecursionError):
        return []
    events_key = "telemetry_events" if isinstance(payload, dict) else None
    if isinstance(payload, dict) and "telemetry_events" not in payload:
        events_key = "events" if "events" in payload else None
    return json_records(payload, events_key)


def _lines(handle: Any, head: bytes) -> Iterator[tuple[int | None, Any]]:
    limit = max_line_bytes()
    pending, number, chunk, skipping = b"", 0, head, False
    while chunk:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            number += 1
            if skipping:  # the end of a line too long to hold: skipped, like the loader
                skipping = False
                continue
            decoded = _decode(line) if line.strip() and len(line) <= limit else None
            if decoded is not None:
                yield number, decoded
        if len(pending) > limit:
            pending, skipping = b"", True
        chunk = handle.read(_READ_BYTES)
    decoded = _decode(pending) if pending.strip() and not skipping else None
    if decoded is not None:
        yield number + 1, decoded


def _decode(line: bytes) -> Any | None:
    try:
        return jsonio.loads(line)
    except (ValueError, RecursionError):
        return None


def _in_order(events: Iterator[TelemetryEventV3]) -> Iterator[TelemetryEventV3]:
    """``events`` in time order, given that none is more than ``REORDER_BUFFER`` records
    late (stable for equal times)."""
    heap: list[tuple[int, int, TelemetryEventV3]] = []
    order = count()
    for event in events:
        heapq.heappush(heap, (event.timestamp_ns, next(order), event))
        if len(heap) > REORDER_BUFFER:
            yield heapq.heappop(heap)[2]
    while heap:
        yield heapq.heappop(heap)[2]


__all__: Sequence[str] = ["REORDER_BUFFER", "session_records", "sources_of"]
