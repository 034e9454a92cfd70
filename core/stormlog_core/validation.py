"""Field rules of telemetry records (schema v2 and v3) and their exact error messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .errors import TelemetryRecordError

SCHEMA_VERSION_V2: Final = 2
SCHEMA_VERSION_V3: Final = 3
SCHEMA_VERSION_V4: Final = 4
SCHEMA_VERSION_LATEST: Final = 3

#: Required fields of a v3 record, in the order the reference reports missing ones.
REQUIRED_V3_FIELDS: Final[tuple[str, ...]] = (
    "schema_version",
    "session_id",
    "timestamp_ns",
    "event_type",
    "collector",
    "sampling_interval_ms",
    "pid",
    "host",
    "device_id",
    "allocator_allocated_bytes",
    "allocator_reserved_bytes",
    "allocator_active_bytes",
    "allocator_inactive_bytes",
    "allocator_change_bytes",
    "device_used_bytes",
    "device_free_bytes",
    "device_total_bytes",
    "context",
    "metadata",
)
IDENTITY_FIELDS: Final[tuple[str, ...]] = ("job_id", "rank", "local_rank", "world_size")
REQUIRED_V2_FIELDS: Final = tuple(name for name in REQUIRED_V3_FIELDS if name != "session_id")
KNOWN_V2_FIELDS: Final = frozenset(REQUIRED_V2_FIELDS + IDENTITY_FIELDS)
KNOWN_V3_FIELDS: Final = frozenset(REQUIRED_V3_FIELDS + IDENTITY_FIELDS)

#: v4 (stormlog 0.3.10+): ``metadata.memory_capabilities`` and the counters each one gates.
CAPABILITY_TEXT_FIELDS: Final = ("backend", "telemetry_collector", "sampling_source")
CAPABILITY_FLAG_FIELDS: Final = (
    "supports_allocator_allocated",
    "supports_allocator_reserved",
    "supports_allocator_active",
    "supports_allocator_inactive",
    "supports_device_used",
    "supports_device_free",
    "supports_device_total",
    "supports_native_allocator_history",
    "supports_fragmentation_analysis",
    "supports_allocator_attribution",
    "supports_bounded_profiling",
)
COUNTER_CAPABILITIES: Final = {
    "allocator_allocated_bytes": "supports_allocator_allocated",
    "allocator_reserved_bytes": "supports_allocator_reserved",
    "allocator_active_bytes": "supports_allocator_active",
    "allocator_inactive_bytes": "supports_allocator_inactive",
    "device_used_bytes": "supports_device_used",
    "device_free_bytes": "supports_device_free",
    "device_total_bytes": "supports_device_total",
}

_NON_NEGATIVE_COUNTERS: Final = ("allocator_allocated_bytes", "allocator_reserved_bytes")
_OPTIONAL_ALLOCATOR_COUNTERS: Final = ("allocator_active_bytes", "allocator_inactive_bytes")


def fail(message: str) -> TelemetryRecordError:
    """Build the error raised for an invalid record."""
    return TelemetryRecordError(message)


def is_int(value: Any) -> bool:
    """True for integers that are not booleans."""
    return isinstance(value, int) and not isinstance(value, bool)


def as_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, or raise ``<name> must be an integer``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise fail(f"{name} must be an integer")


def as_optional_int(value: Any, name: str) -> int | None:
    """Like :func:`as_int`, but ``None`` passes through."""
    return None if value is None else as_int(value, name)


def as_non_negative_int(value: Any, name: str) -> int:
    """An int that is >= 0."""
    number = as_int(value, name)
    if number < 0:
        raise fail(f"{name} must be >= 0")
    return number


def as_positive_int(value: Any, name: str) -> int:
    """An int that is >= 1."""
    number = as_int(value, name)
    if number <= 0:
        raise fail(f"{name} must be >= 1")
    return number


def as_text(value: Any, name: str, *, allow_none: bool = False) -> str | None:
    """A string; unless ``allow_none``, it must be present and not blank."""
    if value is None:
        if allow_none:
            return None
        raise fail(f"{name} must be a non-empty string")
    if not isinstance(value, str):
        raise fail(f"{name} must be a string")
    if not allow_none and not value.strip():
        raise fail(f"{name} must be a non-empty string")
    return value


def as_required_text(value: Any, name: str) -> str:
    """A non-blank string."""
    text = as_text(value, name)
    assert text is not None  # as_text raises for None unless allow_none
    return text


def as_optional_required_text(value: Any, name: str) -> str | None:
    """``None``, or a non-blank string."""
    return None if value is None else as_required_text(value, name)


def as_metadata(value: Any) -> dict[str, Any]:
    """A copy of the metadata object (a real ``dict``)."""
    if not isinstance(value, dict):
        raise fail("metadata must be an object")
    return dict(value)


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
    required = [core(record[name], name) for name in _NON_NEGATIVE_COUNTERS]
    optional = [as_optional_int(record[name], name) for name in _OPTIONAL_ALLOCATOR_COUNTERS]
    core(record["allocator_change_bytes"], "allocator_change_bytes")
    for name, value in zip(_NON_NEGATIVE_COUNTERS, required, strict=True):
        if value is not None and value < 0:
            raise fail(f"{name} must be >= 0")
    for name, maybe in zip(_OPTIONAL_ALLOCATOR_COUNTERS, optional, strict=True):
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
    from .identity import resolve_distributed_identity

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
