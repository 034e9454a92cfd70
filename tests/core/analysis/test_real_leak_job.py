"""Rank divergence on a real capture: 8 ranks written by stormlog 0.3.9, one of them leaks.

The capture (``tests/data/real_leak_job``, made by ``tests/data/make_real_leak_job.py``) is
8 processes running stormlog's ``CPUMemoryTracker`` with a telemetry sink each; the true
leak start was recorded inside the leaking process (``truth.json``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import stormlog.telemetry as REF  # type: ignore[import-untyped]

import stormlog_core.telemetry as OURS
from stormlog_core.analysis.job_stats import JobStats, job_stats
from stormlog_core.analysis.jobs import group_jobs
from stormlog_core.browse.dataset import load_dataset

CAPTURE = Path(__file__).resolve().parents[2] / "data" / "real_leak_job"
TRUTH: dict[str, Any] = json.loads((CAPTURE / "truth.json").read_text())
LEAK: int = TRUTH["leak_rank"]
INTERVAL_NS = round(TRUTH["sampling_interval_s"] * 1e9)
#: "An onset within a few samples of the true start".
ONSET_TOLERANCE_SAMPLES = 3


@pytest.fixture(scope="module")
def stats() -> JobStats:
    dataset = load_dataset([CAPTURE])
    assert dataset.warnings == []
    jobs = group_jobs(dataset.sessions)
    assert [job.job_id for job in jobs] == [TRUTH["job_id"]]
    return job_stats(jobs[0])


def test_the_capture_is_what_truth_says() -> None:
    assert TRUTH["produced_by"] == "stormlog 0.3.9"
    assert [r["rank"] for r in TRUTH["ranks"]] == list(range(TRUTH["world_size"])) == list(range(8))
    leaker = TRUTH["ranks"][LEAK]
    assert leaker["leak_start_ns"] == TRUTH["leak_start_ns"] and leaker["leaked_buffers"] > 10
    assert all(r["leak_start_ns"] is None for r in TRUTH["ranks"] if r["rank"] != LEAK)


def test_all_8_ranks_are_present_and_none_missing(stats: JobStats) -> None:
    job = stats.job
    assert job.world_size == 8
    assert job.ranks_present == list(range(8))
    assert job.ranks_missing == ()
    assert job.ranks_stopped_early == ()
    assert job.restarts == 0
    assert job.session_ids == [r["session_id"] for r in TRUTH["ranks"]]


def test_only_the_leaking_rank_is_flagged_with_a_reason(stats: JobStats) -> None:
    assert stats.outliers == [LEAK]
    verdict = stats.verdict(LEAK)
    assert verdict.outlier and verdict.reasons
    assert all(reason.startswith(f"rank {LEAK}: ") for reason in verdict.reasons)
    assert any(f"rank {LEAK}: allocated grows" in reason for reason in verdict.reasons)
    for rank in range(8):
        if rank != LEAK:
            assert stats.verdict(rank).reasons == ()
            assert stats.verdict(rank).onset_ns is None


def test_the_onset_is_within_a_few_samples_of_the_true_start(stats: JobStats) -> None:
    onset = stats.verdict(LEAK).onset_ns
    assert onset is not None
    error = onset - TRUTH["leak_start_ns"]
    assert abs(error) <= ONSET_TOLERANCE_SAMPLES * INTERVAL_NS, f"onset off by {error / 1e9:.3f} s"


def test_the_leaking_rank_really_grows_in_the_data(stats: JobStats) -> None:
    """The tracker measured the leak (RSS): the leaker ends hundreds of MiB above its peers."""
    by_rank = {s.rank: s for s in stats.ranks}
    leak = by_rank.pop(LEAK)
    assert leak.growth_bytes_per_s is not None and leak.growth_bytes_per_s > 20 * 2**20
    assert leak.final_allocated_bytes is not None
    assert all(s.final_allocated_bytes is not None for s in by_rank.values())
    peers_peak = max(s.peak_allocated_bytes or 0 for s in by_rank.values())
    assert leak.final_allocated_bytes > peers_peak + 200 * 2**20


@pytest.mark.parametrize("rank", range(8))
def test_stormlog_and_ours_load_the_same_events(rank: int) -> None:
    path = CAPTURE / f"rank-{rank}"
    theirs = REF.load_telemetry_sessions(path)
    ours = OURS.load_telemetry_sessions(path)
    assert [s.summary.session_id for s in ours] == [s.summary.session_id for s in theirs]
    assert len(ours) == 1
    assert dataclasses.asdict(ours[0].summary) == dataclasses.asdict(theirs[0].summary)
    assert ours[0].warnings == theirs[0].warnings == []
    expected = [REF.telemetry_event_to_dict(e) for e in theirs[0].events]
    assert [OURS.telemetry_event_to_dict(e) for e in ours[0].events] == expected
    assert {e["rank"] for e in expected} == {rank}
    assert {e["job_id"] for e in expected} == {TRUTH["job_id"]}
