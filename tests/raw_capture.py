"""Facts read straight from the files of a capture written by stormlog itself, for tests
that check the loader against them: records, OOM bundles, the sizes PyTorch's message
names, and phase runs paired by hand. Nothing here calls the code under test.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from statistics import median
from typing import Any

_SIZE = r"([\d.]+) (B|KiB|MiB|GiB|TiB)"
_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def records(segment: Path) -> list[dict[str, Any]]:
    """A JSONL file's records, in file order."""
    return [json.loads(line) for line in segment.read_text().splitlines() if line.strip()]


def bundle(job: Path, rank: int) -> tuple[Path, dict[str, Any]]:
    """A rank's one OOM bundle directory and its ``metadata.json``."""
    [found] = (job / f"rank-{rank}" / "oom_dumps").glob("oom_dump_*")
    metadata: dict[str, Any] = json.loads((found / "metadata.json").read_text())
    return found, metadata


def message_sizes(message: str) -> tuple[int, int]:
    """What PyTorch's OOM message says was asked for and was free, in bytes."""
    asked = re.search(r"Tried to allocate " + _SIZE, message)
    free = re.search(r"of which " + _SIZE + " is free", message)
    assert asked and free, message
    return (
        round(float(asked[1]) * _UNITS[asked[2]]),
        round(float(free[1]) * _UNITS[free[2]]),
    )


def raw_runs(rank_records: list[dict[str, Any]]) -> dict[str, list[dict[str, int]]]:
    """Every phase run of one rank by path (``train_step / forward``): enter and exit
    paired by ``phase_scope.scope_id``, with the highest allocated memory any record of
    the rank shows from enter to exit (inclusive), the change and the rank."""
    enters: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[dict[str, int]]] = defaultdict(list)
    for record in rank_records:
        scope = record["metadata"].get("phase_scope")
        if record["event_type"] == "phase_enter":
            enters[scope["scope_id"]] = record
        elif record["event_type"] == "phase_exit":
            enter = enters.pop(scope["scope_id"])
            assert scope["path"] == enter["metadata"]["phase_scope"]["path"]
            start, end = enter["timestamp_ns"], record["timestamp_ns"]
            inside = [
                r["allocator_allocated_bytes"]
                for r in rank_records
                if start <= r["timestamp_ns"] <= end and r["allocator_allocated_bytes"] is not None
            ]
            runs[" / ".join(scope["path"])].append(
                {
                    "duration": end - start,
                    "change": record["allocator_allocated_bytes"]
                    - enter["allocator_allocated_bytes"],
                    "peak": max(inside),
                    "rank": record["rank"],
                }
            )
    assert not enters, "stormlog closed every phase of these captures"
    return runs


def expected_phases(runs: dict[str, list[dict[str, int]]]) -> dict[str, dict[str, int]]:
    """The ``phases`` entries of ``--summary --json`` those runs make."""
    return {
        path: {
            "count": len(found),
            "total_ns": sum(run["duration"] for run in found),
            "median_ns": int(median(run["duration"] for run in found)),
            "peak_allocator_allocated_bytes": max(run["peak"] for run in found),
            "median_change_bytes": int(median(run["change"] for run in found)),
            "open_count": 0,
        }
        for path, found in runs.items()
    }
