"""The seed API's typed fast path must agree with stormlog 0.3.9 on records it passes
through without the exact checks: values near float precision, booleans, duplicate
keys, blank strings, nulls, identity defaults and conflicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from generators import v3_record

from .core_compare import load_both

BIG = 2**60

CASES: dict[str, dict[str, Any]] = {
    "used one byte over a huge total": {"device_used_bytes": BIG + 1, "device_total_bytes": BIG},
    "free one byte over a huge total": {"device_free_bytes": BIG + 1, "device_total_bytes": BIG},
    "huge but valid": {"device_used_bytes": BIG, "device_total_bytes": BIG + 1},
    "counter beyond 64 bits": {"allocator_allocated_bytes": 2**70},
    "timestamp beyond int64": {"timestamp_ns": 2**63},
    "rank beyond int64": {"rank": 2**63, "world_size": 2**64 - 1},
    "boolean counter": {"allocator_reserved_bytes": True},
    "float counter": {"allocator_change_bytes": 1.0},
    "null allocated": {"allocator_allocated_bytes": None},
    "blank host": {"host": "  "},
    "blank job": {"job_id": ""},
    "null rank": {"rank": None},
    "rank without world": {"rank": 2},
    "rank within world": {"rank": 2, "world_size": 4},
    "local rank defaults to rank": {"rank": 3, "world_size": 8, "job_id": "j"},
    "metadata not an object": {"metadata": [1]},
    "v2 inside a v3 file": {"schema_version": 2},
    "v4 is not accepted by the seed API": {"schema_version": 4},
    "unknown field": {"extra": 1},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_mutated_record_between_plain_ones(tmp_path: Path, name: str) -> None:
    records = [v3_record(0), v3_record(1, **CASES[name]), v3_record(2)]
    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    load_both(path)


def test_duplicate_keys_take_the_last_value(tmp_path: Path) -> None:
    line = json.dumps(v3_record(0))[:-1] + ', "host": "second", "metadata": {"a": 1, "a": 2}}'
    path = tmp_path / "run.jsonl"
    path.write_text(json.dumps(v3_record(1)) + "\n" + line + "\n")
    load_both(path)
