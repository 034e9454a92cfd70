"""Phases of a capture written by stormlog 0.3.9's own tracker (tests/data/real_gpu_job),
checked against an independent reading of the raw JSONL."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from statistics import median
from typing import Any

from stormlog_core.analysis import phase_table, session_intervals
from stormlog_core.browse import SessionData, load_dataset

JOB = Path(__file__).resolve().parents[2] / "data" / "real_gpu_job"


def raw_records(rank: int) -> list[dict[str, Any]]:
    path = JOB / f"rank-{rank}" / "segment-000001.jsonl"
    return sorted(
        (json.loads(line) for line in path.read_text().splitlines()),
        key=lambda record: record["timestamp_ns"],
    )


def raw_phases(rank: int) -> dict[str, dict[str, Any]]:
    """count, total_ns, peak allocated and median change per path, straight from the file."""
    records = raw_records(rank)
    enters: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for record in records:
        scope = record["metadata"].get("phase_scope")
        if record["event_type"] == "phase_enter":
            enters[scope["scope_id"]] = record
        elif record["event_type"] == "phase_exit":
            runs[" / ".join(scope["path"])].append((enters.pop(scope["scope_id"]), record))
    assert not enters, "the capture closes every phase"
    table = {}
    for path, pairs in runs.items():
        inside = [
            r["allocator_allocated_bytes"]
            for enter, exit_ in pairs
            for r in records
            if enter["timestamp_ns"] <= r["timestamp_ns"] <= exit_["timestamp_ns"]
        ]
        changes = [
            x["allocator_allocated_bytes"] - e["allocator_allocated_bytes"] for e, x in pairs
        ]
        table[path] = {
            "count": len(pairs),
            "total_ns": sum(x["timestamp_ns"] - e["timestamp_ns"] for e, x in pairs),
            "peak_allocator_allocated_bytes": max(inside),
            "median_change_bytes": int(median(changes)),
        }
    return table


def session_of(rank: int) -> SessionData:
    dataset = load_dataset([JOB / f"rank-{rank}"])
    [session] = dataset.sessions
    return session


def test_every_rank_has_the_nested_training_step_phases() -> None:
    paths = {interval.path for interval in session_intervals(session_of(0))}
    expected = {"train_step", "train_step / forward", "train_step / backward"}
    assert expected | {"train_step / optimizer"} == paths


def test_the_phase_table_agrees_with_the_raw_records() -> None:
    for rank in (0, 3, 5):
        ours = {row.path: row.to_dict() for row in phase_table([session_of(rank)])}
        expected = raw_phases(rank)
        assert {
            path: {k: v for k, v in row.items() if k != "path"} for path, row in ours.items()
        } == expected


def test_over_the_job_the_leaking_rank_grows_most_in_its_forward_pass() -> None:
    dataset = load_dataset([JOB])
    truth = json.loads((JOB / "truth.json").read_text())
    forward = next(
        row for row in phase_table(dataset.sessions) if row.path == "train_step / forward"
    )
    assert forward.worst_rank == truth["leak_rank"]
    assert forward.count == sum(
        1
        for rank in range(8)
        for r in raw_records(rank)
        if r["event_type"] == "phase_exit" and r["metadata"]["phase_scope"]["name"] == "forward"
    )


def test_an_enter_without_its_exit_ends_at_the_last_record_and_says_so(tmp_path: Path) -> None:
    records = raw_records(0)
    cut = next(i for i, r in enumerate(records) if r["event_type"] == "phase_exit")
    kept = records[:cut] + records[cut + 1 :]
    path = tmp_path / "cut.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in kept))
    [session] = load_dataset([path]).sessions
    opened = [interval for interval in session_intervals(session) if interval.open]
    assert len(opened) == 1 and opened[0].end_ns == int(session.series.timestamp_ns[-1])


def test_the_failing_collector_is_a_degraded_stretch_with_its_error_not_a_gap() -> None:
    from stormlog_core.analysis import all_job_stats, degraded_intervals

    truth = json.loads((JOB / "truth.json").read_text())
    flaky = truth["flaky_collector_rank"]
    records = raw_records(flaky)
    first = next(i for i, r in enumerate(records) if r["event_type"] == "collector_degraded")
    back = next(i for i, r in enumerate(records) if r["event_type"] == "collector_recovered")
    session = session_of(flaky)
    [stretch] = degraded_intervals(session.events, flaky, int(session.series.timestamp_ns[-1]))
    assert (stretch.start_ns, stretch.end_ns) == (
        records[first]["timestamp_ns"],
        records[back]["timestamp_ns"],
    )
    assert stretch.reason == records[first]["metadata"]["collector_last_error"]
    [job] = all_job_stats(load_dataset([JOB]).sessions)
    degraded = {rank.rank: rank.collector_degraded_ns for rank in job.ranks}
    assert degraded.pop(flaky) == stretch.duration_ns and set(degraded.values()) == {0}
