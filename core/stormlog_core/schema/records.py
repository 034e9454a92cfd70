"""Telemetry event dataclasses (schema v2 and v3) and their plain-dict form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from stormlog_core.schema.fields import V2_DICT_ORDER, V3_DICT_ORDER
from stormlog_core.schema.validation import validate_telemetry_record


@dataclass
class TelemetryEventV2:
    """A schema v2 event (no session id); validated on construction."""

    schema_version: Literal[2]
    timestamp_ns: int
    event_type: str
    collector: str
    sampling_interval_ms: int
    pid: int
    host: str
    device_id: int
    allocator_allocated_bytes: int
    allocator_reserved_bytes: int
    allocator_active_bytes: int | None
    allocator_inactive_bytes: int | None
    allocator_change_bytes: int
    device_used_bytes: int
    device_free_bytes: int | None
    device_total_bytes: int | None
    context: str | None
    job_id: str | None = None
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_telemetry_record(telemetry_event_to_dict(self))


@dataclass
class TelemetryEventV3:
    """A schema v3 event, the canonical in-memory form; validated on construction."""

    schema_version: Literal[3]
    session_id: str
    timestamp_ns: int
    event_type: str
    collector: str
    sampling_interval_ms: int
    pid: int
    host: str
    device_id: int
    allocator_allocated_bytes: int
    allocator_reserved_bytes: int
    allocator_active_bytes: int | None
    allocator_inactive_bytes: int | None
    allocator_change_bytes: int
    device_used_bytes: int
    device_free_bytes: int | None
    device_total_bytes: int | None
    context: str | None
    job_id: str | None = None
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_telemetry_record(telemetry_event_to_dict(self))


TelemetryEvent = TelemetryEventV3


def trusted_event(fields: dict[str, Any]) -> TelemetryEventV3:
    """Build an event from fields that were already validated, skipping re-validation.

    ``fields`` must hold every v3 field with its final value; it becomes the event's state.
    """
    event = object.__new__(TelemetryEventV3)
    event.__dict__.update(fields)
    return event


def telemetry_event_to_dict(event: TelemetryEventV3 | TelemetryEventV2) -> dict[str, Any]:
    """The event as a plain dict, in the canonical field order (metadata copied)."""
    order = V2_DICT_ORDER if isinstance(event, TelemetryEventV2) else V3_DICT_ORDER
    state = event.__dict__
    result = {name: state[name] for name in order}
    result["metadata"] = dict(result["metadata"])
    return result


__all__ = [
    "TelemetryEvent",
    "TelemetryEventV2",
    "TelemetryEventV3",
    "telemetry_event_to_dict",
    "trusted_event",
]
