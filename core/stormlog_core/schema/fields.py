"""The one list of record fields and counters: every other field list derives from here.

Schema versions, the fields of a record in the order stormlog writes and reports them,
the distributed identity fields, the memory counters (the columns of a series) and the
v4 capability flags that gate them.
"""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION_V2: Final = 2
SCHEMA_VERSION_V3: Final = 3
SCHEMA_VERSION_V4: Final = 4
SCHEMA_VERSION_LATEST: Final = 3
#: Versions the browser reads (the seed API reads v2 and v3 only, like stormlog 0.3.9).
BROWSER_SCHEMA_VERSIONS: Final = (SCHEMA_VERSION_V2, SCHEMA_VERSION_V3, SCHEMA_VERSION_V4)

#: Record header fields, in stormlog's order.
HEADER_FIELDS: Final[tuple[str, ...]] = (
    "schema_version",
    "session_id",
    "timestamp_ns",
    "event_type",
    "collector",
    "sampling_interval_ms",
    "pid",
    "host",
)
IDENTITY_FIELDS: Final[tuple[str, ...]] = ("job_id", "rank", "local_rank", "world_size")

#: The memory counters of a record, in bytes; the columns of a series (NaN = null/absent).
COUNTERS: Final[tuple[str, ...]] = (
    "allocator_allocated_bytes",
    "allocator_reserved_bytes",
    "allocator_active_bytes",
    "allocator_inactive_bytes",
    "allocator_change_bytes",
    "device_used_bytes",
    "device_free_bytes",
    "device_total_bytes",
)
#: Counters that only schema v4 may leave null.
CORE_COUNTERS: Final[tuple[str, ...]] = (
    "allocator_allocated_bytes",
    "allocator_reserved_bytes",
    "allocator_change_bytes",
    "device_used_bytes",
)
NON_NEGATIVE_COUNTERS: Final = ("allocator_allocated_bytes", "allocator_reserved_bytes")
OPTIONAL_ALLOCATOR_COUNTERS: Final = ("allocator_active_bytes", "allocator_inactive_bytes")
DEVICE_COUNTERS: Final = ("device_used_bytes", "device_free_bytes", "device_total_bytes")
TEXT_FIELDS: Final[tuple[str, ...]] = ("context", "metadata")

#: Required fields of a v3 record, in the order the reference reports missing ones.
REQUIRED_V3_FIELDS: Final[tuple[str, ...]] = (*HEADER_FIELDS, "device_id", *COUNTERS, *TEXT_FIELDS)
REQUIRED_V2_FIELDS: Final = tuple(name for name in REQUIRED_V3_FIELDS if name != "session_id")
KNOWN_V2_FIELDS: Final = frozenset(REQUIRED_V2_FIELDS + IDENTITY_FIELDS)
KNOWN_V3_FIELDS: Final = frozenset(REQUIRED_V3_FIELDS + IDENTITY_FIELDS)

#: Field order of ``telemetry_event_to_dict`` for v3 (v2 is the same without session_id).
V3_DICT_ORDER: Final[tuple[str, ...]] = (
    *HEADER_FIELDS,
    *IDENTITY_FIELDS,
    "device_id",
    *COUNTERS,
    *TEXT_FIELDS,
)
V2_DICT_ORDER: Final[tuple[str, ...]] = tuple(
    name for name in V3_DICT_ORDER if name != "session_id"
)

#: v4 (stormlog 0.3.10+): ``metadata.memory_capabilities`` and the counters each one gates.
CAPABILITY_TEXT_FIELDS: Final = ("backend", "telemetry_collector", "sampling_source")
COUNTER_CAPABILITIES: Final = {
    "allocator_allocated_bytes": "supports_allocator_allocated",
    "allocator_reserved_bytes": "supports_allocator_reserved",
    "allocator_active_bytes": "supports_allocator_active",
    "allocator_inactive_bytes": "supports_allocator_inactive",
    "device_used_bytes": "supports_device_used",
    "device_free_bytes": "supports_device_free",
    "device_total_bytes": "supports_device_total",
}
CAPABILITY_FLAG_FIELDS: Final = (
    *COUNTER_CAPABILITIES.values(),
    "supports_native_allocator_history",
    "supports_fragmentation_analysis",
    "supports_allocator_attribution",
    "supports_bounded_profiling",
)
