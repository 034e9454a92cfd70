"""The record list inside a decoded JSON document: a list, ``{"events": [...]}``, or one
record (the reference's rules and messages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stormlog_core.errors import TelemetryFileError

_EVENT_KEYS = frozenset(
    {"schema_version", "event_type", "type", "memory_allocated", "memory_mb", "timestamp"}
    | {"timestamp_ns"}
)


def looks_like_event(payload: Mapping[str, Any]) -> bool:
    """True when a lone JSON object is itself a telemetry record."""
    return any(key in payload for key in _EVENT_KEYS)


def json_records(payload: Any, events_key: str | None) -> list[Any]:
    """The record list inside a decoded JSON document (list, events object, or one record)."""
    if isinstance(payload, list):
        return payload
    if not isinstance(payload, Mapping):
        raise TelemetryFileError("Telemetry payload must be a JSON object or array")
    if events_key is not None:
        records = payload.get(events_key)
        if not isinstance(records, list):
            raise TelemetryFileError(f"Top-level key '{events_key}' must contain a list of events")
        return records
    if isinstance(payload.get("events"), list):
        return list(payload["events"])
    if looks_like_event(payload):
        return [payload]
    raise TelemetryFileError("JSON payload does not contain telemetry events")
