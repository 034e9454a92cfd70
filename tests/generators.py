"""Fixture generators: telemetry records and files in every shape stormlog 0.3.9 reads.

Pure functions return records (dicts); the ``write_*`` helpers put them into files or sink
directories under a caller-given directory and return the path. Nothing here imports the
reference implementation or our core, except ``write_sink`` which uses our ``SinkWriter``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from stormlog_core.testing.writer import SinkWriter

GIB = 1024**3
MIB = 1024**2
BASE_NS = 1_700_000_000_000_000_000

Record = dict[str, Any]


# --------------------------------------------------------------------------- records


def v3_record(index: int = 0, *, session_id: str = "session-a", **overrides: Any) -> Record:
    """Return a valid schema v3 sample record; ``overrides`` replace or add fields."""
    allocated = (index + 1) * 64 * MIB
    record: Record = {
        "schema_version": 3,
        "session_id": session_id,
        "timestamp_ns": BASE_NS + index * 100_000_000,
        "event_type": "sample",
        "collector": "stormlog.cuda_tracker",
        "sampling_interval_ms": 100,
        "pid": 4242,
        "host": "node-0",
        "device_id": 0,
        "allocator_allocated_bytes": allocated,
        "allocator_reserved_bytes": allocated + 32 * MIB,
        "allocator_active_bytes": allocated,
        "allocator_inactive_bytes": 32 * MIB,
        "allocator_change_bytes": 64 * MIB,
        "device_used_bytes": allocated + 32 * MIB,
        "device_free_bytes": 16 * GIB - allocated - 32 * MIB,
        "device_total_bytes": 16 * GIB,
        "context": f"step {index}",
        "metadata": {"backend": "cuda", "phase_scope": "train"},
    }
    record.update(overrides)
    return record


def v2_record(index: int = 0, **overrides: Any) -> Record:
    """Return a valid schema v2 record (no session_id)."""
    record = v3_record(index, schema_version=2)
    del record["session_id"]
    record.update(overrides)
    return record


def ranked_record(index: int, *, rank: int, world_size: int, job_id: str, **extra: Any) -> Record:
    """Return a v3 record carrying explicit distributed identity for ``rank``."""
    return v3_record(
        index,
        session_id=f"{job_id}-rank{rank}",
        job_id=job_id,
        rank=rank,
        local_rank=rank % 4,
        world_size=world_size,
        device_id=rank % 4,
        host=f"node-{rank // 4}",
        **extra,
    )


def session_records(
    session_id: str, count: int, *, stop: bool = True, schema: int = 3, **overrides: Any
) -> list[Record]:
    """Return a start, ``count`` samples and (optionally) a stop event for one session."""
    records = [v3_record(i, session_id=session_id, **overrides) for i in range(count + 2)]
    records[0]["event_type"] = "start"
    records[-1]["event_type"] = "stop"
    if not stop:
        records.pop()
    if schema == 2:
        for record in records:
            record["schema_version"] = 2
            del record["session_id"]
    return records


# Legacy shapes, one per branch of the reference converter (no schema_version).

LEGACY_RECORDS: dict[str, Record] = {
    "float_seconds_timestamp": {"timestamp": 1700000000.25, "memory_allocated": 1024},
    "int_seconds_timestamp": {"timestamp": 1700000000, "memory_allocated": 2048},
    "timestamp_ns_present": {"timestamp_ns": BASE_NS, "event_type": "sample"},
    "memory_allocated_reserved_change": {
        "timestamp": 1.5,
        "memory_allocated": 4096,
        "memory_reserved": 8192,
        "memory_change": -512,
        "device": "cuda:1",
    },
    "tensorflow_memory_mb": {"timestamp": 2.0, "memory_mb": 12.5, "device": "/gpu:0"},
    "tensorflow_memory_mb_no_device": {"timestamp": 2.0, "memory_mb": 3},
    "device_cpu": {"timestamp": 3.0, "memory_allocated": 10, "device": "cpu"},
    "device_uppercase_cpu": {"timestamp": 3.0, "memory_allocated": 10, "device": "CPU:0"},
    "device_gpu_path_index": {"timestamp": 3.0, "memory_allocated": 10, "device": "/gpu:3"},
    "device_gpu_no_index": {"timestamp": 3.0, "memory_allocated": 10, "device": "/GPU"},
    "device_without_index": {"timestamp": 3.0, "memory_allocated": 10, "device": "cuda"},
    "device_id_explicit": {"timestamp": 3.0, "memory_allocated": 10, "device_id": 2},
    "backend_mps": {"timestamp": 4.0, "memory_allocated": 1, "backend": "mps"},
    "backend_rocm": {"timestamp": 4.0, "memory_allocated": 1, "backend": " ROCm "},
    "backend_cuda": {"timestamp": 4.0, "memory_allocated": 1, "backend": "cuda"},
    "backend_cpu": {"timestamp": 4.0, "memory_allocated": 1, "backend": "cpu"},
    "backend_unknown": {"timestamp": 4.0, "backend": "tpu"},
    "backend_in_metadata": {"timestamp": 4.0, "metadata": {"backend": "rocm"}},
    "collector_explicit": {"timestamp": 4.0, "collector": "custom.collector"},
    "total_memory_top_level": {"timestamp": 5.0, "memory_allocated": 100, "total_memory": 1000},
    "device_total_top_level": {"timestamp": 5.0, "memory_allocated": 100, "device_total": 400},
    "total_bytes_top_level": {"timestamp": 5.0, "memory_allocated": 100, "total_bytes": 800},
    "total_memory_null": {"timestamp": 5.0, "memory_allocated": 100, "total_memory": None},
    "total_in_metadata": {
        "timestamp": 5.0,
        "memory_allocated": 100,
        "metadata": {"total_memory": 5000},
    },
    "device_total_in_metadata_key": {
        "timestamp": 5.0,
        "memory_allocated": 100,
        "metadata_total_bytes": 700,
    },
    "explicit_device_counters": {
        "timestamp": 5.0,
        "device_used_bytes": 300,
        "device_free_bytes": 700,
        "device_total_bytes": 1000,
        "allocator_active_bytes": 10,
        "allocator_inactive_bytes": None,
    },
    "type_and_message_aliases": {"timestamp": 6.0, "type": "warning", "message": "high water"},
    "event_type_over_type": {"timestamp": 6.0, "event_type": "stop", "type": "warning"},
    "metadata_prefixed_keys": {
        "timestamp": 7.0,
        "metadata_phase_scope": "eval",
        "metadata_severity": "high",
        "metadata": {"phase_scope": "train"},
    },
    "identity_in_metadata": {
        "timestamp": 8.0,
        "metadata": {"job_id": "job-7", "rank": 1, "local_rank": 1, "world_size": 2},
    },
    "identity_top_level_over_metadata": {
        "timestamp": 8.0,
        "rank": 0,
        "world_size": 4,
        "metadata": {"rank": 3, "job_id": "job-8"},
    },
    "session_id_in_metadata": {"timestamp": 9.0, "metadata": {"session_id": "meta-session"}},
    "session_id_blank": {"timestamp": 9.0, "session_id": "  "},
    "pid_host_in_metadata": {"timestamp": 10.0, "metadata": {"pid": 77, "host": "meta-host"}},
    "pid_host_top_level": {"timestamp": 10.0, "pid": 5, "host": "top-host"},
    "sampling_interval": {"timestamp": 10.0, "sampling_interval_ms": 250},
    "context_over_message": {"timestamp": 10.0, "context": "ctx", "message": "msg"},
    "cpu_tracker_export": {
        "timestamp": 1700000000.123456,
        "type": "allocation",
        "memory_allocated": 123456,
        "memory_reserved": 123456,
        "memory_change": 1024,
        "device_id": -1,
        "context": "cpu sample",
        "backend": "cpu",
        "metadata": {"rss_bytes": 123456},
    },
}

# Legacy records the reference rejects with ValueError (the message is part of the contract).
INVALID_LEGACY_RECORDS: dict[str, Record] = {
    "no_timestamp": {"memory_allocated": 1},
    "string_timestamp": {"timestamp": "12.5"},
    "bool_timestamp": {"timestamp": True},
    "float_memory_allocated": {"timestamp": 1.0, "memory_allocated": 1.5},
    "metadata_not_object": {"timestamp": 1.0, "metadata": [1, 2]},
    "host_not_string": {"timestamp": 1.0, "host": 3},
    "empty_host": {"timestamp": 1.0, "host": ""},
    "type_not_string": {"timestamp": 1.0, "type": 3},
    "rank_beyond_world": {"timestamp": 1.0, "rank": 2, "world_size": 2},
    "rank_without_world": {"timestamp": 1.0, "rank": 1},
    "negative_used": {"timestamp": 1.0, "memory_allocated": -5},
    "total_in_metadata_float": {"timestamp": 1.0, "metadata": {"total_bytes": 1.5}},
    "pid_in_metadata_string": {"timestamp": 1.0, "metadata": {"pid": "7"}},
    "empty_type": {"timestamp": 6.0, "type": ""},
    "total_smaller_than_used": {"timestamp": 5.0, "memory_allocated": 900, "total_memory": 100},
    "negative_total_in_metadata": {"timestamp": 5.0, "metadata": {"device_total": -1}},
    "reserved_bool": {"timestamp": 5.0, "memory_reserved": False},
}

# Legacy records on which the reference raises something other than ValueError.
CRASHING_LEGACY_RECORDS: dict[str, Record] = {
    "infinite_timestamp": {"timestamp": float("inf")},
    "nan_timestamp": {"timestamp": float("nan")},
}


def legacy_records() -> list[Record]:
    """Return every valid legacy shape, in a stable order, as fresh copies."""
    return [json.loads(json.dumps(r)) for r in LEGACY_RECORDS.values()]


# ----------------------------------------------------------------------------- files


def write_json(path: Path, payload: Any) -> Path:
    """Write ``payload`` as JSON to ``path`` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path


def write_json_list(path: Path, records: Sequence[Mapping[str, Any]]) -> Path:
    """Write records as a top-level JSON list."""
    return write_json(path, list(records))


def write_json_events(
    path: Path, records: Sequence[Mapping[str, Any]], key: str = "events", **extra: Any
) -> Path:
    """Write records under ``key`` of a JSON object (stormlog's export shape)."""
    return write_json(path, {**extra, key: list(records)})


def write_json_single(path: Path, record: Mapping[str, Any]) -> Path:
    """Write one record as the whole JSON document."""
    return write_json(path, dict(record))


def jsonl_text(
    records: Iterable[Mapping[str, Any]],
    *,
    blank_lines: bool = False,
    torn_tail: str | None = None,
    ensure_ascii: bool = True,
) -> str:
    """Return JSONL text: one record a line, optional blank lines and a torn last line."""
    lines = [json.dumps(dict(r), sort_keys=True, ensure_ascii=ensure_ascii) for r in records]
    if blank_lines:
        lines = [part for line in lines for part in (line, "", "   ")]
    text = "".join(line + "\n" for line in lines)
    return text + (torn_tail or "")


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]], **options: Any) -> Path:
    """Write records as JSONL (see ``jsonl_text`` for the options)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(jsonl_text(records, **options), encoding="utf-8")
    return path


def u2028_records(session_id: str = "u2028") -> list[Record]:
    """Return records whose context holds U+2028 / U+2029 (they split lines in splitlines)."""
    return [
        v3_record(0, session_id=session_id, context="before\u2028after"),
        v3_record(1, session_id=session_id, context="para\u2029graph"),
    ]


# ------------------------------------------------------------------------------ sinks


def write_sink(
    root: Path,
    sessions: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
    *,
    final_status: str | None = "completed",
    torn_tail: str | None = None,
    **writer_options: Any,
) -> Path:
    """Write a sink with one session per ``(session_id, records)``, in order.

    Every session but the last is closed ``completed``; the last is closed with
    ``final_status``, or abandoned (left ``running``, optional torn tail) when it is None.
    """
    writer = SinkWriter(root, **writer_options)
    for position, (session_id, records) in enumerate(sessions):
        first = records[0] if records else {}
        writer.start_session(
            session_id=session_id,
            started_at_ns=int(first.get("timestamp_ns", BASE_NS)) - 1,
            host=str(first.get("host", "node-0")),
            pid=int(first.get("pid", 4242)),
            job_id=first.get("job_id"),
            rank=int(first.get("rank", 0)),
            local_rank=int(first.get("local_rank", 0)),
            world_size=int(first.get("world_size", 1)),
        )
        for record in records:
            writer.append(record)
        last = position == len(sessions) - 1
        ended = int(records[-1].get("timestamp_ns", BASE_NS)) + 1 if records else BASE_NS
        if not last:
            writer.close("completed", ended_at_ns=ended)
        elif final_status is None:
            writer.abandon(torn_tail)
        else:
            writer.close(final_status, ended_at_ns=ended)
    return root


def write_multi_session_sink(root: Path) -> Path:
    """Write a sink with a completed and an interrupted session, rolling over every 3 events."""
    return write_sink(
        root,
        [
            ("sess-1", session_records("sess-1", 4)),
            ("sess-2", session_records("sess-2", 3, stop=False)),
        ],
        final_status="interrupted",
        rollover_max_events=3,
    )


def write_rollover_sink(root: Path, *, events: int = 20, retention_max_files: int = 3) -> Path:
    """Write one completed session that rolled over every 4 events and lost old segments."""
    records = session_records("rolled", events)
    return write_sink(
        root,
        [("rolled", records)],
        rollover_max_events=4,
        flush_every_events=2,
        retention_max_files=retention_max_files,
    )


def write_killed_sink(root: Path, torn_tail: str = '{"schema_version": 3, "sess') -> Path:
    """Write a sink whose writer was killed: status running and a torn last line."""
    return write_sink(
        root,
        [("killed", session_records("killed", 5, stop=False))],
        final_status=None,
        torn_tail=torn_tail,
    )


def add_orphan_segment(root: Path, records: Sequence[Mapping[str, Any]], index: int = 99) -> Path:
    """Add a segment file the manifest does not list and return its path."""
    return write_jsonl(root / f"segment-{index:06d}.jsonl", records)


def add_missing_manifest_segment(root: Path, session_id: str, index: int = 50) -> Path:
    """List a segment in the manifest whose file does not exist; return the manifest path."""
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["segments"].append(
        {
            "filename": f"segment-{index:06d}.jsonl",
            "event_count": 3,
            "size_bytes": 300,
            "closed": True,
            "session_id": session_id,
        }
    )
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest_path


def write_manifest_only(root: Path, session_ids: Sequence[str] = ("lonely",)) -> Path:
    """Write a sink directory with a manifest listing sessions but no segment file."""
    writer = SinkWriter(root)
    for offset, session_id in enumerate(session_ids):
        writer.start_session(
            session_id=session_id, started_at_ns=BASE_NS + offset, host="node-0", pid=1
        )
        writer.close("completed", ended_at_ns=BASE_NS + offset + 10)
    return root


def write_segment_sink_without_manifest(root: Path) -> Path:
    """Write bare segment files (v2 records, no session ids) with no manifest."""
    write_jsonl(root / "segment-000001.jsonl", session_records("x", 2, schema=2))
    write_jsonl(root / "segment-000002.jsonl", [v2_record(9)])
    return root
