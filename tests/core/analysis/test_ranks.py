"""Rank statistics and divergence: the leaking rank is named, with a reason and an onset."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stormlog_core.analysis.job_stats import JobStats, all_job_stats, job_stats
from stormlog_core.analysis.jobs import group_jobs
from stormlog_core.analysis.rank_stats import rank_stats, robust_slope
from stormlog_core.browse.dataset import load_dataset
from stormlog_core.browse.event_record import EventRecord
from stormlog_core.browse.event_table import EventTable
from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.fields import COUNTERS as SERIES_FIELDS
from stormlog_core.schema.sessions import SessionSummary
from stormlog_core.schema.taxonomy import severity_of
from stormlog_core.schema.units import format_rate
from stormlog_core.testing.simulate import JobSpec, rank_records, write_job

GiB = 1024**3
MiB = 1024**2
#: "Within a few samples of the true onset".
ONSET_TOLERANCE_SAMPLES = 3


# --- helpers -----------------------------------------------------------------------------


def _session_from_records(records: list[dict[str, Any]], clock_shift_ns: int = 0) -> SessionData:
    """One rank's simulated records as a loaded session, without going through files."""
    first, last = records[0], records[-1]
    times = np.array([r["timestamp_ns"] + clock_shift_ns for r in records], dtype=np.int64)
    values = {name: np.array([float(r[name]) for r in records]) for name in SERIES_FIELDS}
    is_sample = np.array([r["event_type"] == "sample" for r in records])
    events = [
        EventRecord(
            r["session_id"],
            r["timestamp_ns"] + clock_shift_ns,
            r["event_type"],
            severity_of(r["event_type"], r["metadata"]),
            r["context"],
            r["metadata"],
            r["rank"],
            "memory",
            line,
            float(r["allocator_allocated_bytes"]),
            float(r["device_used_bytes"]),
        )
        for line, r in enumerate(records, start=1)
        if r["event_type"] != "sample"
    ]
    summary = SessionSummary(
        first["session_id"],
        "completed",
        int(times[0]),
        int(times[-1]),
        first["host"],
        first["pid"],
        first["job_id"],
        first["rank"],
        first["local_rank"],
        first["world_size"],
    )
    series = Series(times, values, is_sample)
    return SessionData(
        summary,
        series,
        EventTable.from_records(events),
        sampling_interval_ms=last["sampling_interval_ms"],
    )


def _in_memory_job(spec: JobSpec, shifts: dict[int, int] | None = None) -> JobStats:
    shifts = shifts or {}
    sessions = [
        _session_from_records(list(rank_records(spec, rank)), shifts.get(rank, 0))
        for rank in range(spec.ranks)
    ]
    jobs = group_jobs(sessions)
    assert len(jobs) == 1
    return job_stats(jobs[0])


def _true_onset_ns(spec: JobSpec, clock_shift_ns: int = 0) -> int:
    """Time of the leaking rank's sample where its leak starts (JobSpec knows the index)."""
    assert spec.leak_rank is not None
    samples = [r for r in rank_records(spec, spec.leak_rank) if r["event_type"] == "sample"]
    index = int(spec.samples_per_rank * spec.leak_onset)
    return int(samples[index]["timestamp_ns"]) + clock_shift_ns


def _assert_only_the_leak_is_flagged(stats: JobStats, spec: JobSpec, shift_ns: int = 0) -> None:
    leak = spec.leak_rank
    assert leak is not None
    assert stats.outliers == [leak]
    verdict = stats.verdict(leak)
    assert verdict.outlier and verdict.reasons
    assert f"rank {leak}: allocated grows" in verdict.reasons[0]
    assert "MiB/s vs median" in verdict.reasons[0]
    assert verdict.onset_ns is not None
    error = abs(verdict.onset_ns - _true_onset_ns(spec, shift_ns))
    assert error <= ONSET_TOLERANCE_SAMPLES * spec.interval_ms * 1_000_000
    healthy = [s.rank for s in stats.ranks if s.rank != leak]
    assert all(not stats.verdict(rank).outlier for rank in healthy)
    assert all(stats.verdict(rank).onset_ns is None for rank in healthy)


def _flat_session(rank: int, level: float, noise: float, seed: int, job: str = "j") -> SessionData:
    """300 samples around ``level`` bytes with uniform noise of ``noise`` bytes."""
    rng = np.random.default_rng(seed)
    times = 10**18 + np.arange(300, dtype=np.int64) * 500_000_000
    allocated = level + rng.uniform(-noise, noise, 300)
    values = {name: allocated.copy() for name in SERIES_FIELDS}
    values["device_total_bytes"] = np.full(300, 80.0 * GiB)
    summary = SessionSummary(f"s{rank}", "completed", int(times[0]), int(times[-1]), "h", 1, job)
    summary = replace(summary, rank=rank, world_size=8)
    return SessionData(
        summary, Series(times, values, np.ones(300, dtype=bool)), EventTable(), [], [1], 500
    )


# --- the acceptance cases ----------------------------------------------------------------


def test_one_leaking_rank_among_8_real_sinks_is_named_with_reason_and_onset(
    tmp_path: Path,
) -> None:
    spec = JobSpec()
    write_job(spec, tmp_path)
    (stats,) = all_job_stats(load_dataset([tmp_path]).sessions)
    _assert_only_the_leak_is_flagged(stats, spec)
    leak = next(s for s in stats.ranks if s.rank == spec.leak_rank)
    assert leak.warning_alerts > 0 and leak.critical_alerts > 0
    assert leak.growth_bytes_per_s is not None and leak.growth_bytes_per_s > 100 * MiB


def test_a_collector_failure_on_one_rank_is_reported(tmp_path: Path) -> None:
    spec = JobSpec()
    write_job(spec, tmp_path)
    (stats,) = all_job_stats(load_dataset([tmp_path]).sessions)
    interval_ns = spec.interval_ms * 1_000_000
    by_rank = {s.rank: s for s in stats.ranks}
    assert spec.degraded_rank is not None
    degraded = by_rank[spec.degraded_rank]
    lost = int(spec.samples_per_rank * 0.6) - int(spec.samples_per_rank * 0.5)
    assert degraded.collector_degradations == 1
    assert degraded.longest_gap_ns >= lost * interval_ns
    assert all(s.collector_degradations == 0 for r, s in by_rank.items() if r != spec.degraded_rank)
    assert all(s.longest_gap_ns < 2 * interval_ns for r, s in by_rank.items() if r != 5)
    assert any(f"rank {spec.degraded_rank}: longest sampling gap" in n for n in stats.notes)
    assert not stats.verdict(spec.degraded_rank).outlier


@pytest.mark.parametrize(("ranks", "leak_rank", "seed"), [(64, 3, 0), (64, 41, 1), (512, 3, 2)])
def test_the_leak_is_found_among_many_ranks(ranks: int, leak_rank: int, seed: int) -> None:
    spec = JobSpec(ranks=ranks, leak_rank=leak_rank, seed=seed)
    _assert_only_the_leak_is_flagged(_in_memory_job(spec), spec)


@pytest.mark.parametrize(("ranks", "seed"), [(8, 0), (8, 1), (8, 2), (64, 3)])
def test_healthy_simulated_ranks_flag_nothing(ranks: int, seed: int) -> None:
    spec = JobSpec(ranks=ranks, seed=seed, leak_rank=None)
    stats = _in_memory_job(spec)
    assert stats.outliers == []
    assert all(not stats.verdict(s.rank).reasons for s in stats.ranks)
    assert "  no outlier rank" in stats.summary_lines()


def test_identical_ranks_with_tiny_noise_flag_nothing() -> None:
    sessions = [_flat_session(rank, 20 * GiB, 1024, seed=rank) for rank in range(8)]
    (stats,) = all_job_stats(sessions)
    assert stats.outliers == []


def test_a_rank_higher_from_the_start_diverges_at_its_first_sample() -> None:
    sessions = [_flat_session(rank, 20 * GiB, 50 * MiB, seed=rank) for rank in range(8)]
    sessions[6] = _flat_session(6, 30 * GiB, 50 * MiB, seed=6)
    (stats,) = all_job_stats(sessions)
    assert stats.outliers == [6]
    verdict = stats.verdict(6)
    assert any("rank 6: peak allocated 30.0 GiB vs median 20.0 GiB" in r for r in verdict.reasons)
    assert verdict.onset_ns == int(sessions[6].series.timestamp_ns[0])


def test_ranks_are_aligned_on_their_first_sample_and_large_offsets_are_noted() -> None:
    spec = JobSpec(seed=4)
    shift = 90 * 10**9
    assert spec.leak_rank is not None
    stats = _in_memory_job(spec, shifts={spec.leak_rank: shift, 6: -shift // 3})
    _assert_only_the_leak_is_flagged(stats, spec, shift)
    assert stats.clock_offset_ns >= shift
    assert any("rank clocks differ" in note for note in stats.notes)
    assert not any("rank clocks differ" in note for note in _in_memory_job(spec).notes)


def test_too_few_ranks_are_not_compared() -> None:
    sessions = [_flat_session(0, 20 * GiB, 0, 0), _flat_session(1, 60 * GiB, 0, 1)]
    (stats,) = all_job_stats(sessions)
    assert stats.outliers == []
    assert any("too few to compare" in note for note in stats.notes)


# --- rank statistics ---------------------------------------------------------------------


def test_growth_rate_is_robust_to_noise_and_a_spike() -> None:
    rng = np.random.default_rng(0)
    times = np.arange(2000, dtype=np.int64) * 100_000_000  # 10 samples per second
    values = 10 * GiB + 3 * MiB * (times / 1e9) + rng.normal(0, 200 * MiB, len(times))
    values[700] = 70 * GiB
    slope = robust_slope(times, values)
    assert slope is not None and abs(slope - 3 * MiB) < 0.3 * MiB
    assert robust_slope(times[:2], values[:2]) is None
    with_nulls = values.copy()
    with_nulls[::3] = np.nan
    nulls_slope = robust_slope(times, with_nulls)
    assert nulls_slope is not None and abs(nulls_slope - 3 * MiB) < 0.3 * MiB


def test_rank_statistics_of_a_simulated_rank(tmp_path: Path) -> None:
    spec = JobSpec(ranks=4, samples_per_rank=100, leak_rank=1, degraded_rank=None)
    write_job(spec, tmp_path)
    job = group_jobs(load_dataset([tmp_path]).sessions)[0]
    records = list(rank_records(spec, 1))
    stats = rank_stats(job.ranks[1])
    allocated = [r["allocator_allocated_bytes"] for r in records]
    used = [r["device_used_bytes"] for r in records]
    at_peak = records[int(np.argmax(used))]
    assert stats.samples == spec.samples_per_rank and stats.records == len(records)
    assert stats.peak_allocated_bytes == max(allocated)
    assert stats.final_allocated_bytes == allocated[-1]
    assert stats.peak_device_used_bytes == max(used)
    assert stats.device_total_bytes == spec.device_total_bytes
    assert stats.headroom_bytes == at_peak["device_total_bytes"] - at_peak["device_used_bytes"]
    assert stats.warning_alerts == sum(r["event_type"] == "warning" for r in records)
    assert stats.critical_alerts == sum(r["event_type"] == "critical" for r in records)
    assert stats.first_seen_ns == records[0]["timestamp_ns"]
    assert stats.last_seen_ns == records[-1]["timestamp_ns"]
    assert stats.oom_events == 0 and stats.collector_degradations == 0


def test_oom_events_are_counted_by_type_and_by_metadata() -> None:
    session = _flat_session(0, GiB, 0, 0)

    def event(kind: str, metadata: dict[str, Any]) -> EventRecord:
        severity = severity_of(kind, metadata)
        return EventRecord("s0", 10**18, kind, severity, None, metadata, 0, "m", 1, 0.0, 0.0)

    session.events = EventTable.from_records(
        [
            event("oom", {}),
            event("error", {"oom_reason": "CUDA out of memory"}),
            event("error", {}),
            event("critical", {}),
            event("collector_degraded", {"collector_transition": "degraded"}),
        ]
    )
    job = group_jobs([session])[0]
    stats = rank_stats(job.ranks[0])
    assert stats.oom_events == 2
    assert stats.error_alerts == 2 and stats.critical_alerts == 1 and stats.warning_alerts == 0
    assert stats.collector_degradations == 1
    assert stats.alerts == 3


def test_the_json_entry_has_the_documented_fields(tmp_path: Path) -> None:
    spec = JobSpec(ranks=4, samples_per_rank=100, leak_rank=2, degraded_rank=None)
    write_job(spec, tmp_path)
    (stats,) = all_job_stats(load_dataset([tmp_path]).sessions)
    document = json.loads(json.dumps(stats.to_dict(), allow_nan=False))
    assert document["job_id"] == spec.job_id
    assert document["world_size"] == 4 and document["ranks_present"] == [0, 1, 2, 3]
    assert document["ranks_missing"] == [] and len(document["sessions"]) == 4
    rank = document["ranks"][2]
    for key in ("rank", "outlier", "reasons", "onset_ns", "growth_bytes_per_s", "samples"):
        assert key in rank
    assert rank["outlier"] is True and isinstance(rank["onset_ns"], int)
    assert isinstance(rank["peak_allocated_bytes"], int)
    assert isinstance(rank["growth_bytes_per_s"], float)
    assert document["ranks"][0]["outlier"] is False and document["ranks"][0]["onset_ns"] is None


@pytest.mark.parametrize(
    ("rate", "text"),
    [(6.1 * MiB, "6.1 MiB/s"), (-1e-9, "0.0 B/s"), (512.0, "512.0 B/s"), (2 * GiB, "2.0 GiB/s")],
)
def test_rates_read_in_binary_units(rate: float, text: str) -> None:
    assert format_rate(rate) == text


# --- anything loads, nothing raises ------------------------------------------------------


@st.composite
def _odd_sessions(draw: st.DrawFn) -> list[SessionData]:
    """A few sessions with odd shapes: empty, one record, null counters, equal times."""
    sessions = []
    for index in range(draw(st.integers(1, 6))):
        count = draw(st.integers(0, 12))
        start = draw(st.integers(0, 10**12))
        steps = draw(st.lists(st.integers(0, 10**9), min_size=count, max_size=count))
        times = start + np.cumsum(np.array(steps, dtype=np.int64))
        values = {}
        for name in SERIES_FIELDS:
            column = draw(
                st.lists(
                    st.one_of(st.none(), st.floats(0, 2**40, allow_nan=False)),
                    min_size=count,
                    max_size=count,
                )
            )
            values[name] = np.array([np.nan if v is None else v for v in column], dtype=float)
        job = draw(st.sampled_from([None, "a", "b"]))
        summary = SessionSummary(f"s{index}", "running", start, None, "h", 1, job)
        summary = replace(summary, rank=draw(st.integers(0, 4)), world_size=draw(st.integers(1, 4)))
        series = Series(
            times,
            values,
            np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count)), dtype=bool),
        )
        interval = draw(st.sampled_from([0, 1, 500]))
        sessions.append(SessionData(summary, series, sampling_interval_ms=interval))
    return sessions


@settings(max_examples=60, deadline=None)
@given(_odd_sessions())
def test_job_statistics_never_raise_and_stay_valid_json(sessions: list[SessionData]) -> None:
    documents = [stats.to_dict() for stats in all_job_stats(sessions)]
    json.dumps(documents, allow_nan=False)
    assert sorted(sid for doc in documents for sid in doc["sessions"]) == sorted(
        s.session_id for s in sessions
    )
    for stats in all_job_stats(sessions):
        assert isinstance(stats.summary_lines(), list)
