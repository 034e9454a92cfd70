"""The simulated job (``stormlog_core.testing.simulate``), checked against stormlog 0.3.9 itself."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from stormlog.telemetry import load_telemetry_sessions, validate_telemetry_record  # type: ignore[import-untyped]

from stormlog_core.testing.simulate import JobSpec, LiveJob, job_records, rank_records, write_job

SPEC = JobSpec(ranks=4, samples_per_rank=90, seed=11, leak_rank=2, degraded_rank=1)


def _allocated_by_epoch(rank: int) -> list[int]:
    """The highest allocated sample of each epoch of ``rank``."""
    peaks: dict[str, int] = {}
    epoch = ""
    for record in rank_records(SPEC, rank):
        scope = record["metadata"].get("phase_scope")
        if scope and scope["depth"] == 1 and scope["action"] == "enter":
            epoch = scope["name"]
        if record["event_type"] == "sample":
            peaks[epoch] = max(peaks.get(epoch, 0), record["allocator_allocated_bytes"])
    return list(peaks.values())


def test_the_leaking_rank_grows_and_the_others_do_not() -> None:
    leaking = _allocated_by_epoch(2)
    healthy = _allocated_by_epoch(0)
    assert leaking == sorted(leaking) and leaking[-1] > leaking[0] * 1.3
    assert max(healthy) < min(healthy) * 1.1


def test_only_the_leaking_rank_raises_warnings_and_criticals() -> None:
    kinds = {rank: Counter(r["event_type"] for r in rank_records(SPEC, rank)) for rank in range(4)}
    assert kinds[2]["warning"] > 0 and kinds[2]["critical"] > 0
    assert all(kinds[rank]["warning"] == kinds[rank]["critical"] == 0 for rank in (0, 1, 3))


def test_the_degraded_rank_has_a_gap_between_degraded_and_recovered() -> None:
    records = list(rank_records(SPEC, 1))
    types = [r["event_type"] for r in records]
    lost_at, back_at = types.index("collector_degraded"), types.index("collector_recovered")
    gap_ns = records[back_at]["timestamp_ns"] - records[lost_at]["timestamp_ns"]
    assert gap_ns > 5 * SPEC.interval_ms * 1_000_000
    assert "sample" not in types[lost_at:back_at]
    assert records[lost_at]["metadata"]["collector_health_status"] == "unhealthy"
    assert types.count("sample") < SPEC.samples_per_rank


def test_records_are_valid_v3_in_time_order_from_start_to_stop() -> None:
    for rank in range(SPEC.ranks):
        records = list(rank_records(SPEC, rank))
        for record in records:
            validate_telemetry_record(record)
        times = [r["timestamp_ns"] for r in records]
        assert times == sorted(times)
        assert records[0]["event_type"] == "start" and records[-1]["event_type"] == "stop"
        enters = sum(r["event_type"] == "phase_enter" for r in records)
        assert enters == sum(r["event_type"] == "phase_exit" for r in records) > 0
    size = len(json.dumps(next(rank_records(SPEC, 0))))
    assert 700 < size < 1400  # about 1 KB per record, like the real tracker


def test_the_same_seed_gives_the_same_job() -> None:
    assert list(job_records(SPEC)) == list(job_records(SPEC))
    other = JobSpec(ranks=4, samples_per_rank=90, seed=12)
    assert list(rank_records(SPEC, 0)) != list(rank_records(other, 0))


def test_stormlog_loads_every_written_event_and_sessions_are_completed(tmp_path: Path) -> None:
    sinks = write_job(SPEC, tmp_path, rollover_max_events=40)
    assert [sink.name for sink in sinks] == [f"rank-{rank}" for rank in range(SPEC.ranks)]
    for rank, sink in enumerate(sinks):
        assert len(list(sink.glob("segment-*.jsonl"))) > 1  # rolled over
        (session,) = load_telemetry_sessions(sink)
        assert session.summary.status == "completed"
        assert session.summary.rank == rank and session.summary.world_size == SPEC.ranks
        assert len(session.events) == len(list(rank_records(SPEC, rank)))


def test_live_job_appends_as_time_passes_and_completes(tmp_path: Path) -> None:
    now = [1_750_000_000 * 10**9]
    live = LiveJob(SPEC, tmp_path, backfill_samples=10, clock_ns=lambda: now[0])
    now[0] = live.spec.start_ns + 12 * SPEC.interval_ms * 1_000_000
    first = live.step()
    assert 0 < first < len(list(job_records(live.spec))) / 2
    (running,) = load_telemetry_sessions(tmp_path / "rank-0")
    assert running.summary.status == "running"
    assert len(running.events) > 0
    now[0] += 10**12
    live.run(tick_s=0)
    assert live.done
    for rank in range(SPEC.ranks):
        (session,) = load_telemetry_sessions(tmp_path / f"rank-{rank}")
        assert session.summary.status == "completed"
        assert len(session.events) == len(list(rank_records(live.spec, rank)))


def test_a_stopped_live_job_leaves_sessions_running(tmp_path: Path) -> None:
    live = LiveJob(SPEC, tmp_path, backfill_samples=5)
    live.step()
    live.stop()
    live.run()
    assert not live.done
    statuses = {s.summary.status for s in load_telemetry_sessions(tmp_path / "rank-3")}
    assert statuses == {"running"}
