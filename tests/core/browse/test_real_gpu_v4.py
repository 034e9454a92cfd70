"""The loader on a capture written by stormlog 0.4.3's own GPU tracker (schema v4):
``tests/data/real_gpu_job_v4`` (4 ranks; rank 3 leaks and raises a CUDA OOM with a
flight-recorder bundle; rank 1's collector fails for ~1 s).

Every expectation is computed here from the raw files (segments, manifests, the bundle's
``metadata.json``, stormlog's own ``rollups.json``) or read from the generator's
``truth.json``, never from the code under test.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from statistics import median
from typing import Any

import pytest
from raw_capture import bundle, message_sizes, raw_runs

from stormlog_core.analysis import degraded_intervals, phase_table
from stormlog_core.browse import EventKind, SessionData, load_dataset

JOB = Path(__file__).resolve().parents[2] / "data" / "real_gpu_job_v4"
TRUTH: dict[str, Any] = json.loads((JOB / "truth.json").read_text())
RANKS = range(TRUTH["world_size"])
LEAK = TRUTH["leak_rank"]
FLAKY = TRUTH["flaky_collector_rank"]


# --- the files, read directly ------------------------------------------------------------


def segment(rank: int) -> Path:
    return JOB / f"rank-{rank}" / "segment-000001.jsonl"


def raw(rank: int) -> list[dict[str, Any]]:
    """One rank's records in file order (each rank has one session and one segment)."""
    return [json.loads(line) for line in segment(rank).read_text().splitlines()]


def manifest(rank: int) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((JOB / f"rank-{rank}" / "manifest.json").read_text())
    return document


def expected_rows(runs: dict[str, list[dict[str, int]]]) -> dict[str, dict[str, Any]]:
    rows = {}
    for path, found in runs.items():
        by_rank: dict[int, list[int]] = defaultdict(list)
        for run in found:
            by_rank[run["rank"]].append(run["change"])
        medians = {rank: int(median(changes)) for rank, changes in by_rank.items()}
        worst = max(medians, key=lambda rank: (medians[rank], -rank))
        rows[path] = {
            "count": len(found),
            "total_ns": sum(run["duration"] for run in found),
            "median_ns": int(median(run["duration"] for run in found)),
            "peak_allocator_allocated_bytes": max(run["peak"] for run in found),
            "median_change_bytes": int(median(run["change"] for run in found)),
            "worst_rank": worst,
            "worst_rank_change_bytes": medians[worst],
            "open_count": 0,
        }
    return rows


def got_rows(sessions: list[SessionData]) -> dict[str, dict[str, Any]]:
    keys = (
        "count",
        "total_ns",
        "median_ns",
        "peak_allocator_allocated_bytes",
        "median_change_bytes",
        "worst_rank",
        "worst_rank_change_bytes",
        "open_count",
    )
    return {row.path: {key: getattr(row, key) for key in keys} for row in phase_table(sessions)}


@pytest.fixture(scope="module")
def sessions() -> dict[int, SessionData]:
    dataset = load_dataset([JOB])
    by_rank = {session.summary.rank: session for session in dataset.sessions}
    assert len(by_rank) == len(dataset.sessions)
    return by_rank


# --- what stormlog 0.4.3 wrote -----------------------------------------------------------


def test_the_capture_is_what_stormlog_043_writes() -> None:
    assert TRUTH["produced_by"].startswith("stormlog 0.4.3 ")
    for rank in RANKS:
        records = raw(rank)
        assert {r["schema_version"] for r in records} == {4}
        assert all("memory_capabilities" in r["metadata"] for r in records)  # new in 0.4.x
        [start] = [r for r in records if r["event_type"] == "start"]
        # 0.4.3 writes null counters on `start` (0.3.9 wrote 0): nothing sampled yet.
        assert start["allocator_allocated_bytes"] is None and start["device_used_bytes"] is None
        document = manifest(rank)
        assert (document["format"], document["schema_version"]) == (
            "stormlog.append_only_telemetry_sink",
            2,
        )
        assert [s["status"] for s in document["sessions"]] == ["completed"]
        assert Counter(r["event_type"] for r in records) == Counter(
            TRUTH["ranks"][str(rank)]["records_by_event_type"]
        )


def test_every_rank_loads_as_one_session_with_the_counts_of_its_files(
    sessions: dict[int, SessionData],
) -> None:
    assert sorted(sessions) == list(RANKS)
    for rank in RANKS:
        session, records = sessions[rank], raw(rank)
        [listed] = manifest(rank)["sessions"]
        assert session.session_id == listed["session_id"] == TRUTH["ranks"][str(rank)]["session_id"]
        summary = session.summary
        assert (summary.job_id, summary.world_size, summary.local_rank, summary.pid) == (
            listed["job_id"],
            listed["world_size"],
            listed["local_rank"],
            listed["pid"],
        )
        assert summary.status == "completed"  # what stormlog wrote, the OOM'd rank's too
        assert session.schema_versions == [4]
        assert session.event_count == len(records) == TRUTH["ranks"][str(rank)]["records"]
        kinds = Counter(r["event_type"] for r in records)
        assert int(session.series.is_sample.sum()) == kinds.pop("sample")
        assert Counter(event.event_type for event in session.events) == kinds
        assert session.sampling_interval_ms == 50
        assert session.coverage is not None
        assert (session.coverage.pruned_segments, session.coverage.rollups) == (0, "current")


def test_the_allocated_peak_of_every_rank_is_the_highest_in_its_records(
    sessions: dict[int, SessionData],
) -> None:
    for rank in RANKS:
        peak = max(
            r["allocator_allocated_bytes"]
            for r in raw(rank)
            if r["allocator_allocated_bytes"] is not None
        )
        assert sessions[rank].series.peak("allocator_allocated_bytes") == peak
        rollups = json.loads((JOB / f"rank-{rank}" / "rollups.json").read_text())
        [rolled] = rollups["sessions"]
        assert rolled["counters"]["allocator_allocated_bytes"]["value"] == peak  # stormlog's


# --- the OOM -----------------------------------------------------------------------------


def test_the_oom_rank_has_its_bundles_message_and_sizes(
    sessions: dict[int, SessionData],
) -> None:
    directory, metadata = bundle(JOB, LEAK)
    [(line, record)] = [
        (number, r)
        for number, r in enumerate(raw(LEAK), 1)
        if r["event_type"] == "error" and "oom_reason" in r["metadata"]
    ]
    facts = TRUTH["ranks"][str(LEAK)]
    assert f"{segment(LEAK).relative_to(JOB).as_posix()}:{line}" == facts["oom_event"]["at"]
    oom = sessions[LEAK].oom
    assert oom is not None
    assert oom.message == metadata["exception_message"] == facts["oom"]["message"]
    assert (oom.requested_bytes, oom.free_bytes) == message_sizes(metadata["exception_message"])
    assert oom.requested_bytes == TRUTH["leak_bytes_per_step"]  # the copy that did not fit
    assert oom.timestamp_ns == record["timestamp_ns"]
    assert oom.bundle is not None and Path(oom.bundle).resolve() == directory.resolve()
    assert metadata["session_id"] == sessions[LEAK].session_id
    assert sessions[LEAK].shown_status == "OOM"
    [event] = [e for e in sessions[LEAK].events if e.kind is EventKind.OOM]
    assert (Path(event.path).resolve(), event.line) == (segment(LEAK).resolve(), line)
    assert {rank for rank in RANKS if sessions[rank].oom is not None} == {LEAK}


# --- phases ------------------------------------------------------------------------------


def test_phases_agree_with_an_independent_pairing_of_the_raw_records(
    sessions: dict[int, SessionData],
) -> None:
    job_runs: dict[str, list[dict[str, int]]] = defaultdict(list)
    for rank in RANKS:
        runs = raw_runs(raw(rank))
        assert {path: len(found) * 2 for path, found in runs.items()} == {
            path.replace("/", " / "): count
            for path, count in TRUTH["ranks"][str(rank)]["phase_records_by_path"].items()
        }
        assert got_rows([sessions[rank]]) == expected_rows(runs), rank
        for path, found in runs.items():
            job_runs[path].extend(found)
    assert got_rows(list(sessions.values())) == expected_rows(job_runs)
    steps = [
        r["metadata"]["phase_scope"]["attributes"]["step"]
        for r in raw(LEAK)
        if r["event_type"] == "phase_enter" and r["metadata"]["phase_scope"]["depth"] == 1
    ]
    assert steps == list(range(TRUTH["ranks"][str(LEAK)]["oom"]["step"] + 1))


# --- collector health --------------------------------------------------------------------


def test_the_failed_collector_is_one_degraded_interval_with_its_error(
    sessions: dict[int, SessionData],
) -> None:
    records = raw(FLAKY)
    [degraded] = [r for r in records if r["event_type"] == "collector_degraded"]
    [recovered] = [r for r in records if r["event_type"] == "collector_recovered"]
    for rank in RANKS:
        session = sessions[rank]
        end = int(session.series.timestamp_ns[-1])
        found = degraded_intervals(session.events, rank, end)
        if rank != FLAKY:
            assert found == []
            continue
        [interval] = found
        assert (interval.start_ns, interval.end_ns, interval.open) == (
            degraded["timestamp_ns"],
            recovered["timestamp_ns"],
            False,
        )
        assert interval.reason == degraded["metadata"]["collector_last_error"]
        assert "cudaErrorUnknown" in (interval.reason or "")
        [rolled] = json.loads((JOB / f"rank-{rank}" / "rollups.json").read_text())["sessions"]
        assert interval.duration_ns == rolled["collector_health"]["degraded_time_ns"]  # stormlog's


# --- warnings ----------------------------------------------------------------------------


def test_only_the_real_sampling_gap_warns_with_its_file_and_line() -> None:
    dataset = load_dataset([JOB])
    assert not [w for w in dataset.warnings if w.code == "time-backwards"]
    serious = [
        w
        for w in dataset.warnings
        if w.severity in ("warning", "error") and Path(w.path or "").name != "truth.json"
    ]
    flaky_id = TRUTH["ranks"][str(FLAKY)]["session_id"]
    assert [(w.code, w.session_id) for w in serious] == [("sampling-gap", flaky_id)]
    [gap] = serious
    assert gap.path is not None and Path(gap.path).resolve() == segment(FLAKY).resolve()
    assert gap.line is not None and " UTC" in gap.message and " ns" not in gap.message
    records = raw(FLAKY)
    assert records[gap.line - 1]["event_type"] == "sample"  # the first sample after the gap
    before = [r for r in records[: gap.line - 1] if r["event_type"] == "sample"][-1]
    assert records[gap.line - 1]["timestamp_ns"] - before["timestamp_ns"] > 1_000_000_000


def test_truth_json_beside_the_sinks_is_not_taken_for_telemetry() -> None:
    """It mentions ``event_type`` deep inside, but none of its own keys is telemetry."""
    dataset = load_dataset([JOB])
    assert [w for w in dataset.warnings if Path(w.path or "").name == "truth.json"] == []
