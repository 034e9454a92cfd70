"""Hypothesis strategies: valid v3/v2 records, near-valid records, legacy records, files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators import BASE_NS, jsonl_text, write_json, write_jsonl
from generators import legacy_records as legacy_records_fixed
from hypothesis import strategies as st

from stormlog_core.testing.writer import SinkWriter

Record = dict[str, Any]

EVENT_TYPES = [
    "sample",
    "start",
    "stop",
    "warning",
    "critical",
    "error",
    "phase_enter",
    "phase_exit",
    "collector_degraded",
    "collector_recovered",
    "allocation",
]
COLLECTORS = ["stormlog.cuda_tracker", "stormlog.cpu_tracker", "stormlog.mps_tracker", "x"]

names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8)
non_blank = names.filter(lambda s: bool(s.strip()))
small_ids = st.sampled_from(["s1", "s2", "s3", "legacy-x", "é"])
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), names
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)),
    max_leaves=8,
)
metadata_values = st.dictionaries(
    st.one_of(
        st.sampled_from(
            [
                "phase_scope",
                "backend",
                "severity",
                "severity_text",
                "stage",
                "phase",
                "scope_id",
                "phase_name",
                "memory_capabilities",
                "device_name",
                "trace_id",
                "span_id",
            ]
        ),
        names,
    ),
    st.one_of(
        st.sampled_from(
            [
                "train",
                "eval",
                "cuda",
                "rocm",
                "mps",
                "cpu",
                "tensorflow",
                "warning",
                "critical",
                "info",
                "error",
                "enter",
                "exit",
            ]
        ),
        json_values,
    ),
    max_size=4,
)


@st.composite
def identity_fields(draw: st.DrawFn) -> Record:
    """Return a consistent subset of job_id / rank / local_rank / world_size."""
    world = draw(st.integers(1, 8))
    fields: Record = {
        "job_id": draw(st.one_of(st.none(), non_blank)),
        "rank": draw(st.integers(0, world - 1)),
        "local_rank": draw(st.integers(0, world - 1)),
        "world_size": world,
    }
    keep = draw(st.sets(st.sampled_from(sorted(fields))))
    if {"rank", "local_rank"} & keep:
        keep.add("world_size")
    return {key: value for key, value in fields.items() if key in keep}


@st.composite
def valid_records(draw: st.DrawFn, schema: int = 3) -> Record:
    """Return a record ``validate_telemetry_record`` accepts (schema 3 or 2)."""
    counters = st.integers(0, 2**64)
    total = draw(st.one_of(st.none(), counters))
    bounded = counters if total is None else st.integers(0, total)
    record: Record = {
        "schema_version": schema,
        "session_id": draw(st.one_of(small_ids, non_blank)),
        "timestamp_ns": draw(st.integers(0, 2**64)),
        "event_type": draw(st.one_of(st.sampled_from(EVENT_TYPES), non_blank)),
        "collector": draw(st.one_of(st.sampled_from(COLLECTORS), non_blank)),
        "sampling_interval_ms": draw(st.integers(0, 10_000)),
        "pid": draw(st.integers(-1, 2**31)),
        "host": draw(st.one_of(st.just("node-0"), non_blank)),
        "device_id": draw(st.integers(-2, 16)),
        "allocator_allocated_bytes": draw(counters),
        "allocator_reserved_bytes": draw(counters),
        "allocator_active_bytes": draw(st.one_of(st.none(), counters)),
        "allocator_inactive_bytes": draw(st.one_of(st.none(), counters)),
        "allocator_change_bytes": draw(st.integers(-(2**64), 2**64)),
        "device_used_bytes": draw(bounded),
        "device_free_bytes": draw(st.one_of(st.none(), bounded)),
        "device_total_bytes": total,
        "context": draw(st.one_of(st.none(), names, st.just("a\u2028b"))),
        "metadata": draw(metadata_values),
    }
    record.update(draw(identity_fields()))
    if schema == 2:
        del record["session_id"]
    return record


any_valid_record = st.one_of(valid_records(3), valid_records(2))
BAD_VALUES: list[Any] = [
    None,
    True,
    False,
    1.5,
    -1,
    -2,
    0,
    "",
    " ",
    "x",
    [],
    {},
    2**64,
    -(2**64),
    "3",
]


@st.composite
def near_valid_records(draw: st.DrawFn) -> Record:
    """Return a valid record with one field dropped, given a wrong value, or one unknown added."""
    record: Record = draw(any_valid_record)
    kind = draw(st.sampled_from(["drop", "wrong", "unknown", "session_in_v2"]))
    if kind == "drop":
        del record[draw(st.sampled_from(sorted(record)))]
    elif kind == "wrong":
        key = draw(st.sampled_from(sorted(record)))
        record[key] = draw(st.one_of(st.sampled_from(BAD_VALUES), json_values))
    elif kind == "unknown":
        record[draw(names.filter(lambda k: k not in record))] = draw(json_leaf)
    else:
        record["session_id"] = draw(st.one_of(small_ids, json_leaf))
    return record


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``value``, sometimes any JSON scalar (a wrong type)."""
    return st.one_of(value, value, value, json_leaf)


LEGACY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "timestamp": _maybe(
        st.one_of(
            st.floats(0, 2e9),
            st.integers(0, 2**40),
            st.sampled_from([float("inf"), float("-inf"), float("nan"), -1.5]),
        )
    ),
    "timestamp_ns": _maybe(st.integers(0, 2**64)),
    "memory_allocated": _maybe(st.integers(0, 2**40)),
    "memory_reserved": _maybe(st.integers(0, 2**40)),
    "memory_change": _maybe(st.integers(-(2**40), 2**40)),
    "memory_mb": _maybe(st.floats(0, 1e6)),
    "device": _maybe(
        st.sampled_from(
            [
                "cuda:0",
                "cuda:1",
                "/gpu:0",
                "/GPU:2",
                "cpu",
                "CPU:0",
                "mps",
                "cuda",
                "gpu:x",
                "/gpu",
                ":7",
                "rocm:3",
            ]
        )
    ),
    "device_id": _maybe(st.integers(-1, 8)),
    "backend": _maybe(st.sampled_from(["mps", "rocm", "cuda", "cpu", " CUDA ", "tpu", ""])),
    "collector": _maybe(st.sampled_from(["custom", "", "  ", "stormlog.cpu_tracker"])),
    "total_memory": _maybe(st.one_of(st.none(), st.integers(0, 2**41))),
    "device_total": _maybe(st.integers(0, 2**41)),
    "total_bytes": _maybe(st.integers(0, 2**41)),
    "device_total_bytes": _maybe(st.one_of(st.none(), st.integers(0, 2**41))),
    "device_used_bytes": _maybe(st.integers(0, 2**40)),
    "device_free_bytes": _maybe(st.one_of(st.none(), st.integers(0, 2**40))),
    "allocator_active_bytes": _maybe(st.one_of(st.none(), st.integers(0, 2**40))),
    "allocator_inactive_bytes": _maybe(st.one_of(st.none(), st.integers(0, 2**40))),
    "type": _maybe(st.sampled_from(EVENT_TYPES)),
    "event_type": _maybe(st.sampled_from(EVENT_TYPES)),
    "message": _maybe(names),
    "context": _maybe(st.one_of(st.none(), names)),
    "pid": _maybe(st.integers(-1, 99999)),
    "host": _maybe(non_blank),
    "sampling_interval_ms": _maybe(st.integers(0, 1000)),
    "session_id": _maybe(small_ids),
    "job_id": _maybe(non_blank),
    "rank": _maybe(st.integers(0, 3)),
    "local_rank": _maybe(st.integers(0, 3)),
    "world_size": _maybe(st.integers(1, 4)),
    "metadata_phase_scope": names,
    "metadata_rank": _maybe(st.integers(0, 3)),
    "metadata_session_id": _maybe(small_ids),
}
LEGACY_METADATA: dict[str, st.SearchStrategy[Any]] = {
    key: LEGACY_FIELDS[name]
    for key, name in [
        ("backend", "backend"),
        ("job_id", "job_id"),
        ("rank", "rank"),
        ("local_rank", "local_rank"),
        ("world_size", "world_size"),
        ("session_id", "session_id"),
        ("pid", "pid"),
        ("host", "host"),
        ("total_memory", "total_memory"),
        ("device_total", "device_total"),
        ("total_bytes", "total_bytes"),
    ]
}


@st.composite
def legacy_records(draw: st.DrawFn) -> Record:
    """Return a record without schema_version built from the legacy field vocabulary."""
    keys = draw(st.sets(st.sampled_from(sorted(LEGACY_FIELDS)), max_size=7))
    if draw(st.booleans()):
        keys.add(draw(st.sampled_from(["timestamp", "timestamp_ns"])))
    record: Record = {key: draw(LEGACY_FIELDS[key]) for key in sorted(keys)}
    if draw(st.booleans()):
        meta_keys = draw(st.sets(st.sampled_from(sorted(LEGACY_METADATA)), max_size=4))
        record["metadata"] = {key: draw(LEGACY_METADATA[key]) for key in sorted(meta_keys)}
        record["metadata"].update(draw(metadata_values))
    elif draw(st.integers(0, 9)) == 0:
        record["metadata"] = draw(json_leaf)
    return record


any_record = st.one_of(valid_records(3), valid_records(2), near_valid_records(), legacy_records())
converter_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "permissive_legacy": st.booleans(),
        "default_collector": st.sampled_from(["legacy.unknown", "custom.default"]),
        "default_sampling_interval_ms": st.integers(0, 500),
        "default_session_id": st.one_of(st.none(), small_ids),
    },
)
env_values = st.one_of(st.integers(-2, 9).map(str), st.sampled_from(["", " 3 ", "x", "1.0"]))
environments = st.dictionaries(
    st.sampled_from(
        [
            "RANK",
            "LOCAL_RANK",
            "WORLD_SIZE",
            "OMPI_COMM_WORLD_RANK",
            "OMPI_COMM_WORLD_LOCAL_RANK",
            "OMPI_COMM_WORLD_SIZE",
            "SLURM_PROCID",
            "SLURM_LOCALID",
            "SLURM_NTASKS",
            "TORCHELASTIC_RUN_ID",
            "SLURM_JOB_ID",
        ]
    ),
    env_values,
    max_size=5,
)


# ------------------------------------------------------------------------------- files


@dataclass
class FileCase:
    """A telemetry input to write under a directory: ``write(root)`` returns the path."""

    kind: str
    records: list[Any]
    options: dict[str, Any] = field(default_factory=dict)

    def write(self, root: Path) -> Path:
        """Write the input under ``root`` and return the path to load."""
        writer = getattr(self, f"_write_{self.kind}")
        path: Path = writer(root)
        return path

    def _write_json_list(self, root: Path) -> Path:
        return write_json(root / "events.json", self.records)

    def _write_json_events(self, root: Path) -> Path:
        return write_json(root / "export.json", {"meta": 1, "events": self.records})

    def _write_json_custom(self, root: Path) -> Path:
        return write_json(root / "custom.json", {self.options["key"]: self.records})

    def _write_json_single(self, root: Path) -> Path:
        return write_json(root / "one.json", self.records[0] if self.records else {})

    def _write_jsonl(self, root: Path) -> Path:
        text = jsonl_text(self.records, **self.options["jsonl"])
        for position, garbage in self.options.get("garbage", []):
            lines = text.splitlines(keepends=True)
            lines.insert(min(position, len(lines)), garbage)
            text = "".join(lines)
        path = root / "events.jsonl"
        path.write_text(text, encoding="utf-8")
        return path

    def _write_sink(self, root: Path) -> Path:
        sink = root / "sink"
        writer = SinkWriter(sink, **self.options["limits"])
        sessions = self.options["sessions"]
        for position, (session_id, status) in enumerate(sessions):
            chunk = self.records[position :: len(sessions)]
            writer.start_session(
                session_id=session_id, started_at_ns=BASE_NS + position, host="node-0", pid=position
            )
            for record in chunk:
                adopt = self.options.get("adopt") and record.get("schema_version") == 3
                writer.append({**record, "session_id": session_id} if adopt else record)
            if status == "killed":
                writer.abandon(self.options.get("torn_tail"))
                if position < len(sessions) - 1:
                    writer = SinkWriter(sink, **self.options["limits"])
            else:
                writer.close(status, ended_at_ns=BASE_NS + 100 + position * self.options["gap"])
        for index, records in self.options.get("orphans", []):
            write_jsonl(sink / f"segment-{index:06d}.jsonl", records)
        self._add_missing_entries(sink)
        return sink

    def _add_missing_entries(self, sink: Path) -> None:
        missing = self.options.get("missing", [])
        if not missing:
            return
        manifest_path = sink / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for index, session_id in missing:
            manifest["segments"].append(
                {
                    "filename": f"segment-{index:06d}.jsonl",
                    "event_count": 1,
                    "size_bytes": 10,
                    "closed": True,
                    "session_id": session_id,
                }
            )
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


fixed_legacy = st.sampled_from(legacy_records_fixed())
clean_records = st.lists(
    st.one_of(valid_records(3), valid_records(3), valid_records(2), fixed_legacy),
    min_size=1,
    max_size=6,
)
dirty_records = st.lists(
    st.one_of(valid_records(3), legacy_records(), near_valid_records()), max_size=6
)
# Mostly files that load, sometimes files with a bad record somewhere.
file_records = st.one_of(clean_records, clean_records, dirty_records)
sink_records = st.one_of(clean_records, clean_records, dirty_records)


@st.composite
def jsonl_options(draw: st.DrawFn) -> dict[str, Any]:
    """Return JSONL writing options: blank lines, torn tail, raw U+2028, garbage lines."""
    jsonl = {
        "blank_lines": draw(st.booleans()),
        "torn_tail": draw(
            st.one_of(st.none(), st.sampled_from(['{"schema', "{", "x", "  ", '{"a": 1}', "[1]"]))
        ),
        "ensure_ascii": draw(st.booleans()),
    }
    garbage = draw(
        st.lists(
            st.tuples(
                st.integers(0, 8),
                st.sampled_from(["not json\n", "[1, 2]\n", "3\n", "\u2028\n", "{}\n", "null\n"]),
            ),
            max_size=1,
        )
    )
    return {"jsonl": jsonl, "garbage": garbage}


@st.composite
def sink_options(draw: st.DrawFn) -> dict[str, Any]:
    """Return SinkWriter limits, sessions (with final statuses), orphans and missing entries."""
    count = draw(st.integers(1, 3))
    ids = draw(st.lists(small_ids, min_size=count, max_size=count, unique=True))
    statuses = draw(
        st.lists(
            st.sampled_from(["completed", "interrupted", "incomplete", "killed"]),
            min_size=count,
            max_size=count,
        )
    )
    files = draw(st.integers(1, 4))
    return {
        "limits": {
            "rollover_max_events": draw(st.integers(1, 4)),
            "flush_every_events": draw(st.integers(1, 3)),
            "retention_max_files": files,
        },
        "sessions": list(zip(ids, statuses, strict=True)),
        "gap": draw(st.sampled_from([0, 1, -1])),
        "adopt": draw(st.booleans()),
        "torn_tail": draw(st.one_of(st.none(), st.just('{"schema_version": 3, "ses'))),
        "orphans": draw(
            st.lists(
                st.tuples(st.integers(1, 12), st.lists(legacy_records(), max_size=2)), max_size=1
            )
        ),
        "missing": draw(st.lists(st.tuples(st.integers(13, 20), small_ids), max_size=1)),
    }


@st.composite
def file_cases(draw: st.DrawFn) -> FileCase:
    """Return any of the supported file shapes, filled with mostly valid records."""
    kind = draw(
        st.sampled_from(
            [
                "json_list",
                "json_events",
                "json_custom",
                "json_single",
                "jsonl",
                "jsonl",
                "sink",
                "sink",
            ]
        )
    )
    if kind == "sink":
        return FileCase(kind, draw(sink_records), draw(sink_options()))
    records = draw(file_records)
    if kind == "jsonl":
        return FileCase(kind, records, draw(jsonl_options()))
    if kind == "json_custom":
        return FileCase(kind, records, {"key": draw(st.sampled_from(["items", "events", "x"]))})
    if draw(st.integers(0, 9)) == 0:
        records = [*records, draw(json_leaf)]
    return FileCase(kind, records)
