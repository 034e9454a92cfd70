"""The real GPU capture (``tests/data/real_gpu_job``) read straight from its files, so the
app's tests can compare what the screen says with the records themselves (never with the
app's or core's own computations)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .conftest import ROOT

CAPTURE = ROOT / "tests" / "data" / "real_gpu_job"
_SIZE = r"([\d.]+) (B|KiB|MiB|GiB|TiB)"
_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


@dataclass(frozen=True)
class Line:
    """One record with where it is."""

    path: Path
    number: int
    text: str
    record: dict[str, Any]


@lru_cache(maxsize=1)
def truth() -> dict[str, Any]:
    """The generator's facts about the capture."""
    result: dict[str, Any] = json.loads((CAPTURE / "truth.json").read_text())
    return result


@lru_cache(maxsize=1)
def lines() -> tuple[Line, ...]:
    """Every record of every rank's segments, in file order."""
    found = []
    for path in sorted(CAPTURE.glob("rank-*/segment-*.jsonl")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found.append(Line(path, number, text, json.loads(text)))
    return tuple(found)


def of_rank(rank: int) -> list[Line]:
    """The records of one rank."""
    return [line for line in lines() if line.record["rank"] == rank]


def origin_ns() -> int:
    """The job's first instant: its earliest record or session start."""
    starts = [int(line.record["timestamp_ns"]) for line in lines()]
    for manifest in CAPTURE.glob("rank-*/manifest.json"):
        for session in json.loads(manifest.read_text()).get("sessions", []):
            if isinstance(session.get("started_at_ns"), int):
                starts.append(session["started_at_ns"])
    return min(starts)


def binary_size(text: str) -> int:
    """``1.25 GiB`` -> bytes."""
    match = re.fullmatch(_SIZE, text)
    assert match, text
    return round(float(match[1]) * _UNITS[match[2]])


def oom_sizes(message: str) -> tuple[int, int]:
    """What PyTorch's message says was asked for and was free, in bytes."""
    asked = re.search(r"Tried to allocate " + _SIZE, message)
    free = re.search(r"of which " + _SIZE + " is free", message)
    assert asked and free, message
    return binary_size(f"{asked[1]} {asked[2]}"), binary_size(f"{free[1]} {free[2]}")


def alert_counts(rank: int) -> Counter[str]:
    """Records of type warning, critical and error of one rank (stormlog's alert types)."""
    return Counter(
        line.record["event_type"]
        for line in of_rank(rank)
        if line.record["event_type"] in ("warning", "critical", "error")
    )


def phase_runs(rank: int | None = None) -> dict[str, list[tuple[int, int, int]]]:
    """``path -> [(start_ns, end_ns, allocated change)]`` from the enter/exit records of
    one rank (every rank when None), paired by ``phase_scope.scope_id``."""
    enters: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[tuple[int, int, int]]] = {}
    for line in lines():
        record = line.record
        if rank is not None and record["rank"] != rank:
            continue
        scope = record.get("metadata", {}).get("phase_scope")
        if record["event_type"] == "phase_enter":
            enters[scope["scope_id"]] = record
        elif record["event_type"] == "phase_exit":
            enter = enters.pop(scope["scope_id"])
            path = " / ".join(scope["path"])
            change = record["allocator_allocated_bytes"] - enter["allocator_allocated_bytes"]
            runs.setdefault(path, []).append(
                (enter["timestamp_ns"], record["timestamp_ns"], change)
            )
    return runs
