"""Projected records: a small, immutable, backend-neutral view of one telemetry event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

from stormlog_core.schema.taxonomy import SEVERITY_BY_EVENT_TYPE

PROJECTION_SCHEMA_VERSION: Final = 1
_METADATA_SOURCE_KINDS: Final = frozenset({"cpu", "cuda", "rocm", "mps", "tensorflow"})
_COLLECTOR_SOURCE_KINDS: Final = ("cuda", "rocm", "mps", "cpu", "tensorflow")
_ATTRIBUTE_FIELDS: Final = (
    ("sampling.interval_ms", "sampling_interval_ms"),
    ("memory.allocator.allocated_bytes", "allocator_allocated_bytes"),
    ("memory.allocator.reserved_bytes", "allocator_reserved_bytes"),
    ("memory.allocator.active_bytes", "allocator_active_bytes"),
    ("memory.allocator.inactive_bytes", "allocator_inactive_bytes"),
    ("memory.allocator.change_bytes", "allocator_change_bytes"),
    ("memory.device.used_bytes", "device_used_bytes"),
    ("memory.device.free_bytes", "device_free_bytes"),
    ("memory.device.total_bytes", "device_total_bytes"),
)
_RESOURCE_FIELDS: Final = (
    "collector",
    "host",
    "pid",
    "device_id",
    "job_id",
    "rank",
    "local_rank",
    "world_size",
)
_IDENTITY_FIELDS: Final = ("session_id", "job_id", "rank", "local_rank", "world_size")


@dataclass(frozen=True)
class ProjectedTelemetryRecord:
    """Immutable event envelope: identity, timing, severity, resource and attributes."""

    schema_version: Literal[1]
    record_id: str
    timestamp_ns: int
    observed_timestamp_ns: int
    session_id: str
    source_kind: str
    event_type: str
    stage: str | None
    severity: str | None
    severity_text: str | None
    body: str | None
    resource: Mapping[str, Any] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    correlation: Mapping[str, Any] = field(default_factory=dict)


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({str(key): _freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """Plain dicts and lists from a frozen projection value."""
    if isinstance(value, Mapping):
        return {str(key): thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


def _canonical_json(payload: Mapping[str, Any]) -> str:
    """Sorted-key JSON of a mapping after a JSON round trip (non-JSON values as str)."""
    normalized = json.loads(json.dumps(thaw(payload), sort_keys=True, default=str))
    return json.dumps(normalized, sort_keys=True)


def record_id(record: Mapping[str, Any]) -> str:
    """``telemetry-`` + the first 32 hex digits of the SHA-256 of the canonical JSON."""
    digest = hashlib.sha256(_canonical_json(record).encode("utf-8")).hexdigest()
    return f"telemetry-{digest[:32]}"


def _source_kind(record: Mapping[str, Any], metadata: Mapping[str, Any]) -> str:
    backend = metadata.get("backend")
    if isinstance(backend, str) and backend.strip().lower() in _METADATA_SOURCE_KINDS:
        return backend.strip().lower()
    collector = record.get("collector")
    if isinstance(collector, str):
        lowered = collector.lower()
        for kind in _COLLECTOR_SOURCE_KINDS:
            if kind in lowered:
                return kind
    device_id = record.get("device_id")
    return "gpu" if isinstance(device_id, int) and device_id >= 0 else "other"


def _stage(metadata: Mapping[str, Any]) -> str | None:
    scope = metadata.get("phase_scope")
    if not isinstance(scope, Mapping):
        return None
    name = scope.get("name")
    if isinstance(name, str) and name.strip():
        return name
    path = scope.get("path")
    if isinstance(path, list) and path and isinstance(path[-1], str) and path[-1].strip():
        return path[-1]
    return None


def _severity(record: Mapping[str, Any], metadata: Mapping[str, Any]) -> str | None:
    explicit = metadata.get("severity")
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip().lower()
    event_type = record.get("event_type")
    if isinstance(event_type, str):
        return SEVERITY_BY_EVENT_TYPE.get(event_type.strip().lower())
    return None


def _correlation(record: Mapping[str, Any], metadata: Mapping[str, Any]) -> dict[str, Any]:
    correlation = {name: record.get(name) for name in _IDENTITY_FIELDS}
    scope = metadata.get("phase_scope")
    if isinstance(scope, Mapping):
        for key in ("scope_id", "parent_scope_id", "sequence"):
            if scope.get(key) is not None:
                correlation[f"phase.{key}"] = scope.get(key)
    return correlation


def _require_int(value: Any, message: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(message)
    return value


def project_mapping(
    record: Mapping[str, Any], *, observed_timestamp_ns: int | None = None
) -> ProjectedTelemetryRecord:
    """Project a normalized v3 record mapping; raises ``ValueError`` if identity is missing."""
    session_id = record.get("session_id")
    if not isinstance(session_id, str) or not session_id.strip():
        raise ValueError("projected telemetry record requires session_id")
    timestamp = _require_int(
        record.get("timestamp_ns"), "projected telemetry record requires integer timestamp_ns"
    )
    if observed_timestamp_ns is not None:
        _require_int(
            observed_timestamp_ns,
            "projected telemetry record requires integer observed_timestamp_ns",
        )
        if observed_timestamp_ns < 0:
            raise ValueError(
                "projected telemetry record requires non-negative observed_timestamp_ns"
            )
    event_type = record.get("event_type")
    if not isinstance(event_type, str) or not event_type.strip():
        raise ValueError("projected telemetry record requires event_type")
    raw_metadata = record.get("metadata", {})
    if not isinstance(raw_metadata, Mapping):
        raise ValueError("projected telemetry record metadata must be a mapping")
    metadata = dict(raw_metadata)
    kind = _source_kind(record, metadata)
    body = record.get("context")
    severity_text = metadata.get("severity_text")
    attributes = dict(metadata)
    attributes.update({key: record.get(name) for key, name in _ATTRIBUTE_FIELDS})
    resource = {"source_kind": kind, **{name: record.get(name) for name in _RESOURCE_FIELDS}}
    return ProjectedTelemetryRecord(
        schema_version=PROJECTION_SCHEMA_VERSION,
        record_id=record_id(record),
        timestamp_ns=timestamp,
        observed_timestamp_ns=timestamp if observed_timestamp_ns is None else observed_timestamp_ns,
        session_id=session_id,
        source_kind=kind,
        event_type=event_type,
        stage=_stage(metadata),
        severity=_severity(record, metadata),
        severity_text=None if severity_text is None else str(severity_text),
        body=None if body is None else str(body),
        resource=_freeze(resource),
        attributes=_freeze(attributes),
        correlation=_freeze(_correlation(record, metadata)),
    )


def _unique(mappings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    unique: list[dict[str, Any]] = []
    for mapping in mappings:
        plain: dict[str, Any] = thaw(mapping)
        key = _canonical_json(plain)
        if key not in seen:
            seen.add(key)
            unique.append(plain)
    return unique


def unique_resources(records: Iterable[ProjectedTelemetryRecord]) -> list[dict[str, Any]]:
    """Distinct resources, in first-seen order."""
    return _unique(record.resource for record in records)


def unique_correlations(records: Iterable[ProjectedTelemetryRecord]) -> list[dict[str, Any]]:
    """Distinct correlation contexts, in first-seen order."""
    return _unique(record.correlation for record in records)
