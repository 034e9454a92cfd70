"""One non-sample event as an object: a drawn row, a record view, an OOM."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stormlog_core.browse.record_at import read_line_at
from stormlog_core.schema.event_fields import event_fields
from stormlog_core.schema.taxonomy import EventKind


class EventRecord:
    """One non-sample event as an object: what a shown row, a record view or an OOM needs.

    ``metadata`` is read from the event's line in its file the first time it is asked for
    (``None`` given), unless the record was built with it.
    """

    __slots__ = (
        "_metadata",
        "allocator_allocated_bytes",
        "context",
        "details",
        "device_used_bytes",
        "event_type",
        "kind",
        "known",
        "line",
        "offset",
        "path",
        "rank",
        "session_id",
        "severity",
        "timestamp_ns",
    )

    def __init__(
        self,
        session_id: str,
        timestamp_ns: int,
        event_type: str,
        severity: str,
        context: str | None,
        metadata: Mapping[str, Any] | None,
        rank: int,
        path: str,
        line: int,
        allocator_allocated_bytes: float,
        device_used_bytes: float,
        *,
        kind: EventKind | None = None,
        offset: int = -1,
        known: Mapping[str, Any] | None = None,
        details: str | None = None,
    ) -> None:
        self.session_id = session_id
        self.timestamp_ns = timestamp_ns
        self.event_type = event_type
        self.severity = severity
        self.context = context
        self._metadata = dict(metadata) if metadata is not None else None
        self.rank = rank
        self.path = path
        self.line = line
        self.allocator_allocated_bytes = allocator_allocated_bytes
        self.device_used_bytes = device_used_bytes
        self.offset = offset
        #: Metadata fields kept in memory (an OOM's reason and bundle path).
        self.known = known
        #: The short account of it the events view shows (phase path, degradation, OOM).
        self.details = details
        if kind is None:
            kind = event_fields(event_type, self.metadata, context).kind
        self.kind = kind

    @property
    def metadata(self) -> dict[str, Any]:
        """The event's metadata (read from its line on first use; ``{}`` when unreadable)."""
        if self._metadata is None:
            self._metadata = dict(self.known or {})
            if self.offset >= 0:
                record = read_line_at(self.path, self.offset)
                found = record.get("metadata") if isinstance(record, dict) else None
                if isinstance(found, dict):
                    self._metadata = found
        return self._metadata

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventRecord):
            return NotImplemented
        return (self.path, self.line, self.timestamp_ns, self.session_id) == (
            other.path,
            other.line,
            other.timestamp_ns,
            other.session_id,
        )

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.timestamp_ns, self.session_id))

    def __repr__(self) -> str:
        return f"EventRecord({self.event_type!r} at {self.timestamp_ns}, {self.path}:{self.line})"
