"""Every rule of validate_telemetry_record, with its exact message, in ours and the reference."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import pytest
from generators import v2_record, v3_record

Validate = Callable[[Mapping[str, Any]], None]
_DROP = object()


@pytest.fixture(params=["stormlog_core.telemetry", "stormlog.telemetry"], ids=["ours", "ref"])
def impl(request: pytest.FixtureRequest) -> ModuleType:
    return importlib.import_module(request.param)


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Return ``base`` with fields replaced, added, or dropped (value ``_DROP``)."""
    record = dict(base)
    for key, value in changes.items():
        if value is _DROP:
            record.pop(key, None)
        else:
            record[key] = value
    return record


V3 = v3_record(3)
V2 = v2_record(3)

# (case id, record, exact message)
INVALID: list[tuple[str, dict[Any, Any], str]] = [
    ("schema_missing", _with(V3, schema_version=_DROP), "schema_version must be an integer"),
    ("schema_str", _with(V3, schema_version="3"), "schema_version must be an integer"),
    ("schema_bool", _with(V3, schema_version=True), "schema_version must be an integer"),
    ("schema_float", _with(V3, schema_version=3.0), "schema_version must be an integer"),
    ("schema_4", _with(V3, schema_version=4), "Unsupported schema_version: 4"),
    ("schema_1", _with(V3, schema_version=1), "Unsupported schema_version: 1"),
    ("schema_neg", _with(V3, schema_version=-3), "Unsupported schema_version: -3"),
    ("v3_no_session", _with(V3, session_id=_DROP), "Missing required telemetry fields: session_id"),
    (
        "missing_in_schema_order",
        _with(V3, metadata=_DROP, host=_DROP, timestamp_ns=_DROP),
        "Missing required telemetry fields: timestamp_ns, host, metadata",
    ),
    (
        "missing_before_unknown",
        _with(V3, context=_DROP, zzz=1),
        "Missing required telemetry fields: context",
    ),
    ("unknown_sorted", _with(V3, zeta=1, alpha=2), "Unknown telemetry fields: alpha, zeta"),
    ("unknown_non_str_key", {**V3, 7: "x"}, "Unknown telemetry fields: 7"),
    ("v2_with_session_id", _with(V2, session_id="s"), "Unknown telemetry fields: session_id"),
    (
        "v2_v4_field",
        _with(V2, memory_capabilities={}),
        "Unknown telemetry fields: memory_capabilities",
    ),
    ("session_int", _with(V3, session_id=5), "session_id must be a string"),
    ("session_empty", _with(V3, session_id=""), "session_id must be a non-empty string"),
    ("session_blank", _with(V3, session_id=" \t"), "session_id must be a non-empty string"),
    ("session_none", _with(V3, session_id=None), "session_id must be a non-empty string"),
    ("ts_float", _with(V3, timestamp_ns=1.0), "timestamp_ns must be an integer"),
    ("ts_bool", _with(V3, timestamp_ns=False), "timestamp_ns must be an integer"),
    ("ts_negative", _with(V3, timestamp_ns=-1), "timestamp_ns must be >= 0"),
    ("event_type_empty", _with(V3, event_type=""), "event_type must be a non-empty string"),
    ("event_type_none", _with(V3, event_type=None), "event_type must be a non-empty string"),
    ("event_type_int", _with(V3, event_type=1), "event_type must be a string"),
    ("collector_blank", _with(V3, collector="  "), "collector must be a non-empty string"),
    ("collector_list", _with(V3, collector=["a"]), "collector must be a string"),
    (
        "interval_str",
        _with(V3, sampling_interval_ms="5"),
        "sampling_interval_ms must be an integer",
    ),
    ("interval_negative", _with(V3, sampling_interval_ms=-1), "sampling_interval_ms must be >= 0"),
    ("pid_below_unknown", _with(V3, pid=-2), "pid must be >= -1"),
    ("pid_float", _with(V3, pid=1.0), "pid must be an integer"),
    ("host_empty", _with(V3, host=""), "host must be a non-empty string"),
    ("host_bytes", _with(V3, host=b"h"), "host must be a string"),
    ("job_id_empty", _with(V3, job_id=""), "job_id must be a non-empty string"),
    ("job_id_int", _with(V3, job_id=3), "job_id must be a string"),
    ("rank_negative", _with(V3, rank=-1, world_size=2), "rank must be >= 0"),
    ("rank_none", _with(V3, rank=None), "rank must be an integer"),
    ("rank_str", _with(V3, rank="0"), "rank must be an integer"),
    ("local_rank_negative", _with(V3, local_rank=-1), "local_rank must be >= 0"),
    ("local_rank_bool", _with(V3, local_rank=True), "local_rank must be an integer"),
    ("world_size_zero", _with(V3, world_size=0), "world_size must be >= 1"),
    ("world_size_none", _with(V3, world_size=None), "world_size must be an integer"),
    ("device_id_str", _with(V3, device_id="0"), "device_id must be an integer"),
    (
        "allocated_negative",
        _with(V3, allocator_allocated_bytes=-1),
        "allocator_allocated_bytes must be >= 0",
    ),
    (
        "reserved_negative",
        _with(V3, allocator_reserved_bytes=-1),
        "allocator_reserved_bytes must be >= 0",
    ),
    (
        "active_negative",
        _with(V3, allocator_active_bytes=-1),
        "allocator_active_bytes must be >= 0 when provided",
    ),
    (
        "inactive_negative",
        _with(V3, allocator_inactive_bytes=-1),
        "allocator_inactive_bytes must be >= 0 when provided",
    ),
    (
        "active_float",
        _with(V3, allocator_active_bytes=1.5),
        "allocator_active_bytes must be an integer",
    ),
    (
        "allocated_none",
        _with(V3, allocator_allocated_bytes=None),
        "allocator_allocated_bytes must be an integer",
    ),
    (
        "change_type_before_sign_checks",
        _with(V3, allocator_allocated_bytes=-1, allocator_change_bytes="x"),
        "allocator_change_bytes must be an integer",
    ),
    (
        "reserved_str",
        _with(V3, allocator_reserved_bytes="1"),
        "allocator_reserved_bytes must be an integer",
    ),
    (
        "inactive_bool",
        _with(V3, allocator_inactive_bytes=True),
        "allocator_inactive_bytes must be an integer",
    ),
    (
        "change_none",
        _with(V3, allocator_change_bytes=None),
        "allocator_change_bytes must be an integer",
    ),
    ("free_float", _with(V3, device_free_bytes=0.0), "device_free_bytes must be an integer"),
    ("used_negative", _with(V3, device_used_bytes=-1), "device_used_bytes must be >= 0"),
    ("used_none", _with(V3, device_used_bytes=None), "device_used_bytes must be an integer"),
    (
        "free_negative",
        _with(V3, device_free_bytes=-1),
        "device_free_bytes must be >= 0 when provided",
    ),
    (
        "total_negative",
        _with(V3, device_total_bytes=-1, device_used_bytes=0, device_free_bytes=None),
        "device_total_bytes must be >= 0 when provided",
    ),
    (
        "total_type_before_used_sign",
        _with(V3, device_used_bytes=-1, device_total_bytes="x"),
        "device_total_bytes must be an integer",
    ),
    (
        "used_exceeds_total",
        _with(V3, device_used_bytes=11, device_free_bytes=0, device_total_bytes=10),
        "device_used_bytes cannot exceed device_total_bytes",
    ),
    (
        "free_exceeds_total",
        _with(V3, device_used_bytes=1, device_free_bytes=11, device_total_bytes=10),
        "device_free_bytes cannot exceed device_total_bytes",
    ),
    (
        "allocator_checks_before_device",
        _with(V3, allocator_reserved_bytes=-1, device_used_bytes=-1),
        "allocator_reserved_bytes must be >= 0",
    ),
    ("context_int", _with(V3, context=5), "context must be a string"),
    ("metadata_list", _with(V3, metadata=[]), "metadata must be an object"),
    ("metadata_none", _with(V3, metadata=None), "metadata must be an object"),
    ("context_before_metadata", _with(V3, context=1, metadata=None), "context must be a string"),
    ("rank_reaches_world", _with(V3, rank=2, world_size=2), "rank must be < world_size"),
    ("rank_without_world", _with(V3, rank=1), "rank must be < world_size"),
    (
        "local_rank_reaches_world",
        _with(V3, local_rank=3, world_size=2),
        "local_rank must be < world_size",
    ),
    ("identity_checked_last", _with(V3, rank=5, metadata=3), "metadata must be an object"),
    (
        "timestamp_before_event_type",
        _with(V3, timestamp_ns=-5, event_type=""),
        "timestamp_ns must be >= 0",
    ),
    ("host_before_job_id", _with(V3, host="", job_id=""), "host must be a non-empty string"),
    ("v2_field_rules_apply", _with(V2, pid=-9), "pid must be >= -1"),
]

VALID: list[tuple[str, dict[str, Any]]] = [
    ("v3", V3),
    ("v2", V2),
    ("v3_identity", _with(V3, job_id="j", rank=3, local_rank=1, world_size=4)),
    ("v3_identity_none_job", _with(V3, job_id=None, rank=0)),
    ("v3_nullable_counters", _with(V3, allocator_active_bytes=None, allocator_inactive_bytes=None)),
    ("v3_no_total", _with(V3, device_total_bytes=None, device_free_bytes=None)),
    (
        "v3_used_equals_total",
        _with(V3, device_used_bytes=10, device_free_bytes=0, device_total_bytes=10),
    ),
    ("v3_free_without_total", _with(V3, device_total_bytes=None, device_free_bytes=10**30)),
    ("v3_unknown_pid", _with(V3, pid=-1)),
    ("v3_negative_device_and_change", _with(V3, device_id=-7, allocator_change_bytes=-(10**20))),
    ("v3_empty_context", _with(V3, context="")),
    ("v3_null_context", _with(V3, context=None)),
    ("v3_unicode", _with(V3, host="nœud-\u2028", context="[bold]x[/]", session_id="é")),
    ("v3_huge_ints", _with(V3, timestamp_ns=2**80, allocator_allocated_bytes=2**70)),
    ("v3_odd_event_type", _with(V3, event_type="custom_kind")),
]


@pytest.mark.parametrize(
    ("record", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_record_message(impl: ModuleType, record: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        impl.validate_telemetry_record(record)
    assert str(caught.value) == message


@pytest.mark.parametrize("record", [c[1] for c in VALID], ids=[c[0] for c in VALID])
def test_valid_record_passes(impl: ModuleType, record: dict[str, Any]) -> None:
    assert impl.validate_telemetry_record(record) is None


def test_validation_ignores_rank_environment(
    impl: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "")
    impl.validate_telemetry_record(V3)


def test_validation_does_not_mutate(impl: ModuleType) -> None:
    record = _with(V3, metadata={"a": [1]})
    snapshot = repr(record)
    impl.validate_telemetry_record(record)
    assert repr(record) == snapshot


@pytest.mark.parametrize("value", [None, [V3], "record", 3], ids=["none", "list", "str", "int"])
def test_non_mapping_record(value: Any) -> None:
    """The reference crashes with AttributeError; ours reports a ValueError."""
    reference = importlib.import_module("stormlog.telemetry")
    ours = importlib.import_module("stormlog_core.telemetry")
    with pytest.raises(AttributeError):
        reference.validate_telemetry_record(value)
    with pytest.raises(ValueError):
        ours.validate_telemetry_record(value)
