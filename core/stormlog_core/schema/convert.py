"""Turn one record (v3, v2 or legacy) into a validated canonical v3 event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stormlog_core.schema import legacy
from stormlog_core.schema.coerce import as_int, as_metadata, as_text, fail
from stormlog_core.schema.fields import SCHEMA_VERSION_V2, SCHEMA_VERSION_V3, SCHEMA_VERSION_V4
from stormlog_core.schema.identity import resolve_distributed_identity
from stormlog_core.schema.records import TelemetryEventV3, trusted_event
from stormlog_core.schema.sessions import stable_legacy_session_id
from stormlog_core.schema.validation import validate_record

_IDENTITY_KEYS = frozenset({"job_id", "rank", "local_rank", "world_size"})


def resolve_session_id(
    record: Mapping[str, Any],
    metadata: Mapping[str, Any] | None,
    default_session_id: str | None,
) -> str:
    """The record's session id, else metadata's, else the default, else a stable legacy id."""
    raw = record.get("session_id")
    if raw is None and metadata is not None:
        raw = metadata.get("session_id")
    if isinstance(raw, str) and raw.strip():
        return raw
    if default_session_id is not None:
        return default_session_id
    return stable_legacy_session_id(
        record.get("timestamp_ns", record.get("timestamp", "unknown")),
        record.get("host", legacy.UNKNOWN_HOST),
        record.get("pid", legacy.UNKNOWN_PID),
    )


def _identity(record: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    return resolve_distributed_identity(
        job_id=record.get("job_id"),
        rank=record.get("rank"),
        local_rank=record.get("local_rank"),
        world_size=record.get("world_size"),
        metadata=metadata,
    )


def _from_versioned(
    record: Mapping[str, Any], default_session_id: str | None, allow_v4: bool = False
) -> TelemetryEventV3:
    version = as_int(record["schema_version"], "schema_version")
    v4 = allow_v4 and version == SCHEMA_VERSION_V4
    if version not in (SCHEMA_VERSION_V2, SCHEMA_VERSION_V3) and not v4:
        raise fail(f"Unsupported schema_version: {version}")
    metadata = as_metadata(record.get("metadata", {}))
    identity = _identity(record, None)
    session_id = resolve_session_id(record, metadata, default_session_id)
    upgraded = dict(record)
    upgraded["schema_version"] = SCHEMA_VERSION_V4 if v4 else SCHEMA_VERSION_V3
    upgraded["session_id"] = session_id
    validate_record(upgraded, allow_v4=v4)
    upgraded.update(identity)
    upgraded["metadata"] = as_metadata(upgraded["metadata"])
    return trusted_event(upgraded)


def _legacy_fields(
    record: Mapping[str, Any], default_collector: str, default_interval_ms: int
) -> dict[str, Any]:
    metadata = legacy.legacy_metadata(record)
    timestamp = legacy.timestamp_ns(record)
    device = legacy.device_id(record)
    allocated = legacy.allocated_bytes(record)
    reserved = legacy.reserved_bytes(record, allocated)
    change = legacy.change_bytes(record)
    active = legacy.optional_counter(record, "allocator_active_bytes")
    inactive = legacy.optional_counter(record, "allocator_inactive_bytes")
    used = legacy.used_bytes(record, allocated)
    total = legacy.total_bytes(record, metadata)
    free = legacy.free_bytes(record, used, total)
    event_type = as_text(record.get("event_type", record.get("type", "sample")), "event_type")
    interval = as_int(
        record.get("sampling_interval_ms", default_interval_ms), "sampling_interval_ms"
    )
    return {
        "metadata": metadata,
        "timestamp_ns": timestamp,
        "event_type": event_type or "sample",
        "collector": legacy.collector(record, default_collector, device, metadata),
        "sampling_interval_ms": interval,
        "pid": legacy.pid(record, metadata),
        "host": legacy.host(record, metadata),
        "device_id": device,
        "allocator_allocated_bytes": allocated,
        "allocator_reserved_bytes": reserved,
        "allocator_active_bytes": active,
        "allocator_inactive_bytes": inactive,
        "allocator_change_bytes": change,
        "device_used_bytes": used,
        "device_free_bytes": free,
        "device_total_bytes": total,
    }


def _from_legacy(
    record: Mapping[str, Any],
    default_collector: str,
    default_interval_ms: int,
    default_session_id: str | None,
) -> TelemetryEventV3:
    fields = _legacy_fields(record, default_collector, default_interval_ms)
    metadata = fields.pop("metadata")
    identity = _identity(record, metadata)
    metadata = {key: value for key, value in metadata.items() if key not in _IDENTITY_KEYS}
    session_id = resolve_session_id(record, metadata, default_session_id)
    metadata.pop("session_id", None)
    context = as_text(record.get("context", record.get("message")), "context", allow_none=True)
    return TelemetryEventV3(
        schema_version=SCHEMA_VERSION_V3,
        session_id=session_id,
        context=context,
        metadata=metadata,
        **fields,
        **identity,
    )


def telemetry_event_from_record(
    record: Mapping[str, Any],
    permissive_legacy: bool = True,
    default_collector: str = "legacy.unknown",
    default_sampling_interval_ms: int = 0,
    default_session_id: str | None = None,
) -> TelemetryEventV3:
    """A validated v3 event from a v3, v2 or (when ``permissive_legacy``) legacy record."""
    if not isinstance(record, Mapping):
        raise fail("record must be a mapping")
    if "schema_version" in record:
        return _from_versioned(record, default_session_id)
    if not permissive_legacy:
        raise fail("Legacy record conversion is disabled")
    return _from_legacy(record, default_collector, default_sampling_interval_ms, default_session_id)


def browser_event_from_record(
    record: Mapping[str, Any], default_session_id: str | None
) -> TelemetryEventV3:
    """Like :func:`telemetry_event_from_record`, but schema v4 records are accepted.

    A v4 event keeps ``schema_version == 4`` and may hold null core counters; it is only
    used inside the browser's loading path, never returned by the seed-compatible API.
    """
    if not isinstance(record, Mapping):
        raise fail("record must be a mapping")
    if "schema_version" in record:
        return _from_versioned(record, default_session_id, allow_v4=True)
    return _from_legacy(record, "legacy.unknown", 0, default_session_id)
