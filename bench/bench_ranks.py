"""Time job statistics (rank stats, outliers, onsets) for a large in-memory job.

    python bench/bench_ranks.py [--ranks 512] [--samples 10000] [--repeat 5]

The job is built directly as ``SessionData`` (no files): every rank follows the simulated
job's shape (weights + periodic activations with noise, rank-dependent base), one rank leaks
from 30 % of the run, one rank's collector is silent for a while, and each rank has a few
dozen events. Prints the median time of ``job_stats`` and its ratio to the 1 s target.
Wall-clock targets live here only: the tests never assert times.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from stormlog_core.analysis.job_stats import job_stats
from stormlog_core.analysis.jobs import group_jobs
from stormlog_core.browse.event_record import EventRecord
from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.fields import COUNTERS as SERIES_FIELDS
from stormlog_core.schema.sessions import SessionSummary

TARGET_S = 1.0
GiB = 1024**3
MiB = 1024**2
INTERVAL_MS = 500
START_NS = 1_718_000_000_000_000_000
LEAK_RANK = 3
DEGRADED_RANK = 5


def rank_series(rank: int, samples: int, rng: np.random.Generator) -> Series:
    """One rank's samples: base + activations (period 6) + noise, a leak on LEAK_RANK."""
    index = np.arange(samples)
    start = START_NS + int(rng.integers(0, 1500)) * 1_000_000
    times = start + (index + 1) * INTERVAL_MS * 1_000_000 + rng.integers(0, 3_000_000, samples)
    activation = 30 * GiB * (0.35 + 0.65 * (index % 6) / 5) * rng.uniform(0.97, 1.03, samples)
    allocated = 22 * GiB + rank * 64 * MiB + activation
    if rank == LEAK_RANK:
        onset = int(0.3 * samples)
        allocated += np.clip(index - onset, 0, None) * (20 * GiB / (samples - onset))
    keep = np.ones(samples, dtype=bool)
    if rank == DEGRADED_RANK:
        keep[int(0.5 * samples) : int(0.6 * samples)] = False
    reserved = allocated + rng.uniform(0.8, 2.0, samples) * GiB
    total = np.full(samples, 80.0 * GiB)
    used = np.minimum(reserved + 600 * MiB, total)
    columns = {
        "allocator_allocated_bytes": allocated,
        "allocator_reserved_bytes": reserved,
        "allocator_active_bytes": allocated,
        "allocator_inactive_bytes": reserved - allocated,
        "allocator_change_bytes": np.diff(allocated, prepend=allocated[0]),
        "device_used_bytes": used,
        "device_free_bytes": total - used,
        "device_total_bytes": total,
    }
    values = {name: columns[name][keep].astype(np.float64) for name in SERIES_FIELDS}
    return Series(times[keep].astype(np.int64), values, np.ones(int(keep.sum()), dtype=bool))


def rank_events(session_id: str, rank: int, series: Series, count: int) -> list[EventRecord]:
    """``count`` phase and alert events spread over the run."""
    picks = np.linspace(0, len(series) - 1, count).astype(int)
    kinds = ("phase_enter", "phase_exit", "warning")
    return [
        EventRecord(
            session_id,
            int(series.timestamp_ns[at]),
            kinds[n % 3],
            "warning" if kinds[n % 3] == "warning" else "info",
            None,
            {},
            rank,
            "memory",
            n,
            float(series.values["allocator_allocated_bytes"][at]),
            float(series.values["device_used_bytes"][at]),
        )
        for n, at in enumerate(picks)
    ]


def build_job(ranks: int, samples: int, seed: int = 0) -> list[SessionData]:
    """The whole job as sessions, one per rank."""
    rng = np.random.default_rng(seed)
    sessions = []
    for rank in range(ranks):
        series = rank_series(rank, samples, rng)
        session_id = f"bench-{rank:04d}"
        summary = SessionSummary(
            session_id,
            "completed",
            int(series.timestamp_ns[0]),
            int(series.timestamp_ns[-1]),
            f"node-{rank // 8:03d}",
            10_000 + rank,
            "bench-job",
            rank,
            rank % 8,
            ranks,
        )
        events = rank_events(session_id, rank, series, 60)
        sessions.append(SessionData(summary, series, events, sampling_interval_ms=INTERVAL_MS))
    return sessions


def main() -> None:
    """Build the job, time ``group_jobs`` + ``job_stats``, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, default=512)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sessions = build_job(args.ranks, args.samples)
    times = []
    for _ in range(args.repeat):
        begin = time.perf_counter()
        stats = job_stats(group_jobs(sessions)[0])
        times.append(time.perf_counter() - begin)
    median = statistics.median(times)
    print(f"job statistics, {args.ranks} ranks x {args.samples} samples")
    print(f"  median {median:.3f} s (min {min(times):.3f} s, {args.repeat} runs)")
    print(f"  target {TARGET_S:.1f} s: ratio {median / TARGET_S:.2f} of target")
    print(f"  outliers: {stats.outliers}")
    for rank in stats.outliers:
        verdict = stats.verdict(rank)
        print(f"    {'; '.join(verdict.reasons)} (onset_ns {verdict.onset_ns})")


if __name__ == "__main__":
    main()
