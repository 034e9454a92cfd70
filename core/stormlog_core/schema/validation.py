"""Field rules of telemetry records (schema v2 and v3) and their exact error messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stormlog_core.schema.coerce import (
    as_int,
    as_metadata,
    as_non_negative_int,
    as_optional_int,
    as_optional_required_text,
    as_positive_int,
    as_required_text,
    as_text,
    fail,
)
from stormlog_core.schema.fields import (
    CAPABILITY_FLAG_FIELDS,
    CAPABILITY_TEXT_FIELDS,
    COUNTER_CAPABILITIES,
    KNOWN_V2_FIELDS,
    KNOWN_V3_FIELDS,
    NON_NEGATIVE_COUNTERS,
    OPTIONAL_ALLOCATOR_COUNTERS,
    REQUIRED_V2_FIELDS,
    REQUIRED_V3_FIELDS,
    SCHEMA_VERSION_V2,
    SCHEMA_VERSION_V3,
    SCHEMA_VERSION_V4,
)


def _schema_rules(
    record: Mapping[str, Any], allow_v4: bool
) -> tuple[tuple[str, ...], frozenset[str], bool]:
    version = as_int(record.get("schema_version"), "schema_version")
    if version == SCHEMA_VERSION_V3 or (allow_v4 and version == SCHEMA_VERSION_V4):
        return REQUIRED_V3_FIELDS, KNOWN_V3_FIELDS, True
    if version == SCHEMA_VERSION_V2:
        return REQUIRED_V2_FIELDS, KNOWN_V2_FIELDS, False
    raise fail(f"Unsupported schema_version: {version}")


def _check_field_set(
    record: Mapping[str, Any], required: tuple[str, ...], known: frozenset[str]
) -> None:
    missing = [name for name in required if name not in record]
    if missing:
        raise fail(f"Missing required telemetry fields: {', '.join(missing)}")
    unknown = sorted(str(name) for name in record if name not in known)
    if unknown:
        raise fail(f"Unknown telemetry fields: {', '.join(unknown)}")


def _check_header(record: Mapping[str, Any], require_session_id: bool) -> None:
    if require_session_id:
        as_required_text(record["session_id"], "session_id")
    if as_int(record["timestamp_ns"], "timestamp_ns") < 0:
        raise fail("timestamp_ns must be >= 0")
    as_required_text(record["event_type"], "event_type")
    as_required_text(record["collector"], "collector")
    if as_int(record["sampling_interval_ms"], "sampling_interval_ms") < 0:
        raise fail("sampling_interval_ms must be >= 0")
    if as_int(record["pid"], "pid") < -1:
        raise fail("pid must be >= -1")
    as_required_text(record["host"], "host")


def _check_identity_fields(record: Mapping[str, Any]) -> None:
    if "job_id" in record:
        as_optional_required_text(record["job_id"], "job_id")
    for name in ("rank", "local_rank"):
        if name in record:
            as_non_negative_int(record[name], name)
    if "world_size" in record:
        as_positive_int(record["world_size"], "world_size")


def _check_allocator(record: Mapping[str, Any], nullable: bool) -> None:
    core = as_optional_int if nullable else as_int
    as_int(record["device_id"], "device_id")
    required = [core(record[name], name) for name in NON_NEGATIVE_COUNTERS]
    optional = [as_optional_int(record[name], name) for name in OPTIONAL_ALLOCATOR_COUNTERS]
    core(record["allocator_change_bytes"], "allocator_change_bytes")
    for name, value in zip(NON_NEGATIVE_COUNTERS, required, strict=True):
        if value is not None and value < 0:
            raise fail(f"{name} must be >= 0")
    for name, maybe in zip(OPTIONAL_ALLOCATOR_COUNTERS, optional, strict=True):
        if maybe is not None and maybe < 0:
            raise fail(f"{name} must be >= 0 when provided")


def _check_device(record: Mapping[str, Any], nullable: bool) -> None:
    core = as_optional_int if nullable else as_int
    used = core(record["device_used_bytes"], "device_used_bytes")
    free = as_optional_int(record["device_free_bytes"], "device_free_bytes")
    total = as_optional_int(record["device_total_bytes"], "device_total_bytes")
    if used is not None and used < 0:
        raise fail("device_used_bytes must be >= 0")
    if free is not None and free < 0:
        raise fail("device_free_bytes must be >= 0 when provided")
    if total is not None and total < 0:
        raise fail("device_total_bytes must be >= 0 when provided")
    if total is not None and used is not None and used > total:
        raise fail("device_used_bytes cannot exceed device_total_bytes")
    if total is not None and free is not None and free > total:
        raise fail("device_free_bytes cannot exceed device_total_bytes")


def _check_capabilities(record: Mapping[str, Any], metadata: Mapping[str, Any]) -> None:
    """v4: memory_capabilities is complete, well typed, and no counter outruns it."""
    capabilities = metadata.get("memory_capabilities")
    if not isinstance(capabilities, Mapping):
        raise fail("metadata.memory_capabilities must be an object")
    expected = CAPABILITY_TEXT_FIELDS + CAPABILITY_FLAG_FIELDS
    missing = [name for name in expected if name not in capabilities]
    if missing:
        raise fail("Missing memory capability fields: " + ", ".join(missing))
    unknown = sorted(set(capabilities) - set(expected))
    if unknown:
        raise fail("Unknown memory capability fields: " + ", ".join(unknown))
    for name in CAPABILITY_TEXT_FIELDS:
        as_required_text(capabilities[name], f"metadata.memory_capabilities.{name}")
    for name in CAPABILITY_FLAG_FIELDS:
        if not isinstance(capabilities[name], bool):
            raise fail(f"metadata.memory_capabilities.{name} must be a boolean")
    for counter, capability in COUNTER_CAPABILITIES.items():
        if record[counter] is not None and not capabilities[capability]:
            raise fail(
                f"{counter} must be null when metadata.memory_capabilities.{capability} is false"
            )
    if (
        record["allocator_change_bytes"] is not None
        and not capabilities["supports_allocator_allocated"]
    ):
        raise fail(
            "allocator_change_bytes must be null when allocator allocated memory is unsupported"
        )


def validate_record(record: Mapping[str, Any], *, allow_v4: bool = False) -> None:
    """Check a v2 or v3 record (and v4 when ``allow_v4``); raise ``ValueError`` if invalid."""
    from stormlog_core.schema.identity import resolve_distributed_identity

    if not isinstance(record, Mapping):
        raise fail("record must be a mapping")
    required, known, require_session_id = _schema_rules(record, allow_v4)
    _check_field_set(record, required, known)
    _check_header(record, require_session_id)
    _check_identity_fields(record)
    nullable = record["schema_version"] == SCHEMA_VERSION_V4
    _check_allocator(record, nullable)
    _check_device(record, nullable)
    as_text(record["context"], "context", allow_none=True)
    metadata = as_metadata(record["metadata"])
    if nullable:
        _check_capabilities(record, metadata)
    resolve_distributed_identity(
        job_id=record.get("job_id"),
        rank=record.get("rank"),
        local_rank=record.get("local_rank"),
        world_size=record.get("world_size"),
    )


def validate_telemetry_record(record: Mapping[str, Any]) -> None:
    """Check a v2 or v3 record; raise ``ValueError`` with the reference's message if invalid."""
    validate_record(record)
