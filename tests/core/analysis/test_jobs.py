"""Jobs put back together from per-rank sessions: grouping, missing ranks, restarts, early stops."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stormlog_core.analysis.job_stats import job_stats
from stormlog_core.analysis.jobs import Job, format_ranks, group_jobs
from stormlog_core.analysis.rank_stats import rank_stats
from stormlog_core.browse.dataset import load_dataset
from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.fields import COUNTERS as SERIES_FIELDS
from stormlog_core.schema.sessions import SessionSummary
from stormlog_core.testing.simulate import JobSpec, rank_identity, rank_records, write_job
from stormlog_core.testing.writer import SinkWriter

SPEC = JobSpec(ranks=8, samples_per_rank=120, seed=7)
INTERVAL_NS = SPEC.interval_ms * 1_000_000


def _write_rank(
    root: Path, records: list[dict[str, Any]], status: str = "completed", world_size: int = 8
) -> SinkWriter:
    """Write ``records`` (one session) as a sink at ``root``; return the writer."""
    first = records[0]
    writer = SinkWriter(root)
    writer.start_session(
        session_id=first["session_id"],
        started_at_ns=first["timestamp_ns"],
        host=first["host"],
        pid=first["pid"],
        job_id=first["job_id"],
        rank=first["rank"],
        local_rank=first["local_rank"],
        world_size=world_size,
    )
    for record in records:
        writer.append({**record, "world_size": world_size})
    if status == "running":
        writer.abandon()
    else:
        writer.close(status, ended_at_ns=records[-1]["timestamp_ns"])
    return writer


def _only_job(path: Path, **options: Any) -> Job:
    jobs = group_jobs(load_dataset([path], **options).sessions)
    assert len(jobs) == 1
    return jobs[0]


def _session(session_id: str, job_id: str | None, rank: int, start_ns: int = 0) -> SessionData:
    """A small in-memory session with 20 flat samples."""
    times = start_ns + np.arange(20, dtype=np.int64) * INTERVAL_NS
    values = {name: np.full(20, 1e9) for name in SERIES_FIELDS}
    summary = SessionSummary(
        session_id, "completed", start_ns, int(times[-1]), "h", 1, job_id, rank
    )
    series = Series(times, values, np.ones(20, dtype=bool))
    return SessionData(summary, series, sampling_interval_ms=SPEC.interval_ms)


def test_a_job_written_as_one_sink_per_rank_is_one_job_with_every_rank(tmp_path: Path) -> None:
    write_job(SPEC, tmp_path)
    job = _only_job(tmp_path)
    assert job.job_id == SPEC.job_id
    assert job.world_size == 8
    assert job.ranks_present == list(range(8))
    assert job.ranks_missing == ()
    assert job.ranks_stopped_early == ()
    assert job.inconsistent_world_sizes == ()
    assert sorted(job.session_ids) == sorted(rank_identity(SPEC, r).session_id for r in range(8))


def test_a_missing_rank_is_reported(tmp_path: Path) -> None:
    write_job(SPEC, tmp_path)
    shutil.rmtree(tmp_path / "rank-6")
    job = _only_job(tmp_path)
    assert job.ranks_missing == (6,)
    assert 6 not in job.ranks_present and len(job.ranks_present) == 7
    assert "missing: 6" in job_stats(job).summary_lines()[0]
    assert job_stats(job).to_dict()["ranks_missing"] == [6]


def test_the_same_session_found_twice_counts_once(tmp_path: Path) -> None:
    write_job(SPEC, tmp_path / "run")
    shutil.copytree(tmp_path / "run" / "rank-2", tmp_path / "copy" / "rank-2")
    job = _only_job(tmp_path)
    assert len(job.session_ids) == 8
    timeline = job.rank(2)
    assert timeline is not None and len(timeline.sessions) == 1 and job.restarts == 0


def test_a_rank_that_stopped_early_is_reported(tmp_path: Path) -> None:
    spec = replace(SPEC, leak_rank=None, degraded_rank=None)
    for rank in range(spec.ranks):
        records = list(rank_records(spec, rank))
        if rank == 4:
            records = records[: len(records) // 2]
        _write_rank(tmp_path / f"rank-{rank}", records, "interrupted" if rank == 4 else "completed")
    job = _only_job(tmp_path)
    assert job.ranks_stopped_early == (4,)
    assert job.ranks_missing == ()
    assert "stopped early: 4" in "\n".join(job_stats(job).summary_lines())


def test_a_stale_rank_counts_as_stopped_early(tmp_path: Path) -> None:
    spec = replace(SPEC, ranks=4, leak_rank=None, degraded_rank=None)
    for rank in range(spec.ranks):
        status = "running" if rank == 1 else "completed"
        _write_rank(tmp_path / f"rank-{rank}", list(rank_records(spec, rank)), status, 4)
    an_hour_later = time.time_ns() + 3600 * 10**9
    job = _only_job(tmp_path, now_ns=an_hour_later)
    assert job.ranks_stopped_early == (1,)
    timeline = job.rank(1)
    assert timeline is not None and timeline.stale
    assert rank_stats(timeline).stale


def _restarted(spec: JobSpec, rank: int, cut: int, delay_ns: int) -> Iterator[list[dict[str, Any]]]:
    """The rank's records as two sessions: before ``cut``, and after it on a new session."""
    records = list(rank_records(spec, rank))
    yield records[:cut]
    restart_id = f"restart-of-{records[0]['session_id']}"
    yield [
        {**record, "session_id": restart_id, "timestamp_ns": record["timestamp_ns"] + delay_ns}
        for record in records[cut:]
    ]


def test_elastic_restarts_of_one_rank_form_its_timeline(tmp_path: Path) -> None:
    spec = replace(SPEC, degraded_rank=None)
    delay_ns = 20 * INTERVAL_NS
    for rank in range(spec.ranks):
        if rank != 2:
            _write_rank(tmp_path / f"rank-{rank}", list(rank_records(spec, rank)))
    first, second = _restarted(spec, 2, cut=60, delay_ns=delay_ns)
    _write_rank(tmp_path / "rank-2", first, "interrupted")
    _write_rank(tmp_path / "rank-2-restart", second)
    job = _only_job(tmp_path)
    timeline = job.rank(2)
    assert timeline is not None
    assert timeline.session_ids == [first[0]["session_id"], second[0]["session_id"]]
    assert timeline.restarts_ns == [second[0]["timestamp_ns"]]
    assert job.restarts == 1 and job.ranks_missing == ()
    stats = job_stats(job)
    rank2 = next(s for s in stats.ranks if s.rank == 2)
    assert rank2.samples == spec.samples_per_rank
    assert rank2.longest_gap_ns >= delay_ns
    assert rank2.restarts_ns == (second[0]["timestamp_ns"],)
    assert stats.outliers == [spec.leak_rank]
    assert any("restart" in note for note in stats.notes)


def test_sessions_without_a_job_id_stay_alone() -> None:
    sessions = [_session("a", None, 0), _session("b", None, 0), _session("c", "job", 0)]
    jobs = group_jobs(sessions)
    assert [(job.job_id, job.session_ids) for job in jobs] == [
        ("job", ["c"]),
        (None, ["a"]),
        (None, ["b"]),
    ]
    assert all(job.ranks_missing == () for job in jobs if job.job_id is None)


def test_two_job_ids_never_merge(tmp_path: Path) -> None:
    write_job(replace(SPEC, job_id="job-a", ranks=3, leak_rank=None), tmp_path / "a")
    write_job(replace(SPEC, job_id="job-b", ranks=2, leak_rank=None, seed=8), tmp_path / "b")
    jobs = group_jobs(load_dataset([tmp_path]).sessions)
    assert [(job.job_id, job.ranks_present, job.world_size) for job in jobs] == [
        ("job-a", [0, 1, 2], 3),
        ("job-b", [0, 1], 2),
    ]
    assert not set(jobs[0].session_ids) & set(jobs[1].session_ids)


def test_inconsistent_world_sizes_are_listed(tmp_path: Path) -> None:
    spec = replace(SPEC, ranks=4, leak_rank=None, degraded_rank=None)
    for rank in range(spec.ranks):
        size = 8 if rank == 3 else 4
        _write_rank(tmp_path / f"rank-{rank}", list(rank_records(spec, rank)), world_size=size)
    job = _only_job(tmp_path)
    assert job.world_size == 4
    assert job.inconsistent_world_sizes == (4, 8)
    assert any("world_size (4, 8)" in note for note in job_stats(job).notes)


def test_ranks_beyond_the_world_size_are_noted() -> None:
    sessions = [_session(f"s{rank}", "job", rank) for rank in (0, 1, 5)]
    sessions = [replace(s, summary=replace(s.summary, world_size=2)) for s in sessions]
    job = group_jobs(sessions)[0]
    assert job.ranks_beyond_world_size == (5,) and job.ranks_missing == ()
    assert any("beyond world_size 2" in note for note in job_stats(job).notes)


@pytest.mark.parametrize(
    ("ranks", "text"),
    [([], "none"), ([3], "3"), ([7, 0, 1, 2, 3, 9, 10], "0-3, 7, 9-10")],
)
def test_rank_lists_are_compact(ranks: list[int], text: str) -> None:
    assert format_ranks(ranks) == text
