"""Conversion of legacy (unversioned) records, as older stormlog and its predecessors wrote.

Each helper reads one canonical field from the legacy aliases, in the reference's order of
precedence. The result is validated as a v3 event by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from stormlog_core.schema.coerce import as_int, as_optional_int, as_text, fail

UNKNOWN_PID: Final = -1
UNKNOWN_HOST: Final = "unknown"
_TOTAL_ALIASES: Final = ("total_memory", "device_total", "total_bytes")
_BACKEND_COLLECTORS: Final = {
    "mps": "stormlog.mps_tracker",
    "rocm": "stormlog.rocm_tracker",
    "cuda": "stormlog.cuda_tracker",
    "cpu": "stormlog.cpu_tracker",
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scaled_int(value: Any, factor: int, name: str) -> int:
    """``int(float(value) * factor)``, with a ValueError (not OverflowError) when infinite."""
    try:
        scaled = float(value) * factor
    except OverflowError as exc:
        raise fail(f"{name} is too large") from exc
    if math.isinf(scaled):
        raise fail(f"{name} must be a finite number")
    return int(scaled)


def legacy_metadata(record: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata`` merged with top-level ``metadata_<key>`` entries (those win)."""
    metadata: dict[str, Any] = {}
    raw = record.get("metadata")
    if isinstance(raw, Mapping):
        metadata.update(dict(raw))
    elif raw is not None:
        raise fail("metadata must be an object when provided")
    for key, value in record.items():
        if isinstance(key, str) and key.startswith("metadata_"):
            metadata[key.removeprefix("metadata_")] = value
    return metadata


def timestamp_ns(record: Mapping[str, Any]) -> int:
    """``timestamp_ns``, else ``timestamp`` in (float) seconds."""
    if "timestamp_ns" in record:
        return as_int(record["timestamp_ns"], "timestamp_ns")
    seconds = record.get("timestamp")
    if _is_number(seconds):
        return _scaled_int(seconds, 1_000_000_000, "timestamp")
    raise fail("Legacy record is missing a valid timestamp")


def device_id(record: Mapping[str, Any]) -> int:
    """``device_id``, else parsed from a ``device`` string (``cuda:1``, ``/gpu:0``, ``cpu``)."""
    if "device_id" in record:
        return as_int(record["device_id"], "device_id")
    device = record.get("device")
    if isinstance(device, str):
        if "cpu" in device.lower():
            return -1
        if ":" in device:
            tail = device.rsplit(":", 1)[-1]
            if tail.isdigit():
                return int(tail)
        if device.lower().startswith("/gpu"):
            return 0
    return 0 if "memory_mb" in record else -1


def allocated_bytes(record: Mapping[str, Any]) -> int:
    """Allocator bytes from the v3 name, ``memory_allocated``, TF ``memory_mb`` or device use."""
    if "allocator_allocated_bytes" in record:
        return as_int(record["allocator_allocated_bytes"], "allocator_allocated_bytes")
    if "memory_allocated" in record:
        return as_int(record["memory_allocated"], "memory_allocated")
    megabytes = record.get("memory_mb")
    if _is_number(megabytes):
        return _scaled_int(megabytes, 1024**2, "memory_mb")
    if "device_used_bytes" in record:
        return as_int(record["device_used_bytes"], "device_used_bytes")
    return 0


def _first_alias(record: Mapping[str, Any], names: tuple[str, ...], default: int) -> int:
    for name in names:
        if name in record:
            return as_int(record[name], name)
    return default


def reserved_bytes(record: Mapping[str, Any], allocated: int) -> int:
    """Reserved bytes; defaults to the allocated bytes."""
    return _first_alias(record, ("allocator_reserved_bytes", "memory_reserved"), allocated)


def change_bytes(record: Mapping[str, Any]) -> int:
    """Allocation change since the previous sample; defaults to 0."""
    return _first_alias(record, ("allocator_change_bytes", "memory_change"), 0)


def optional_counter(record: Mapping[str, Any], name: str) -> int | None:
    """A counter that may be absent or null."""
    return as_optional_int(record.get(name), name)


def total_bytes(record: Mapping[str, Any], metadata: Mapping[str, Any]) -> int | None:
    """Device total from ``device_total_bytes`` or its aliases, top level before metadata."""
    if "device_total_bytes" in record:
        return as_optional_int(record.get("device_total_bytes"), "device_total_bytes")
    for source in (record, metadata):
        for name in _TOTAL_ALIASES:
            if name in source:
                return as_optional_int(source[name], name)
    return None


def used_bytes(record: Mapping[str, Any], allocated: int) -> int:
    """Device used bytes; defaults to the allocated bytes."""
    return _first_alias(record, ("device_used_bytes",), allocated)


def free_bytes(record: Mapping[str, Any], used: int, total: int | None) -> int | None:
    """Device free bytes; derived as total - used (not below 0) when absent."""
    if "device_free_bytes" in record:
        return as_optional_int(record.get("device_free_bytes"), "device_free_bytes")
    return None if total is None else max(total - used, 0)


def pid(record: Mapping[str, Any], metadata: Mapping[str, Any]) -> int:
    """Process id from the record, then metadata, else -1."""
    for source in (record, metadata):
        if "pid" in source:
            return as_int(source["pid"], "pid")
    return UNKNOWN_PID


def host(record: Mapping[str, Any], metadata: Mapping[str, Any]) -> str:
    """Host name from the record, then metadata, else ``unknown``."""
    for source in (record, metadata):
        if "host" in source:
            return as_text(source["host"], "host") or UNKNOWN_HOST
    return UNKNOWN_HOST


def collector(
    record: Mapping[str, Any], default: str, device: int, metadata: Mapping[str, Any]
) -> str:
    """Collector name, else derived from the backend or the legacy field names."""
    named = record.get("collector")
    if isinstance(named, str) and named.strip():
        return named
    backend = record.get("backend", metadata.get("backend"))
    if isinstance(backend, str) and backend.strip().lower() in _BACKEND_COLLECTORS:
        return _BACKEND_COLLECTORS[backend.strip().lower()]
    if "memory_mb" in record:
        return "stormlog.tensorflow.memory_tracker"
    if "memory_allocated" in record:
        return "stormlog.cpu_tracker" if device == -1 else "stormlog.cuda_tracker"
    return default
