"""Write the benchmark jobs: 8 ranks, one stormlog sink directory per rank.

    python bench/make_sinks.py [--size 100k|1m|all] [--out bench/out] [--force]

Each job lands in ``<out>/<size>/rank-<r>/`` (``100k``: 12,500 records per rank, ``1m``:
125,000 per rank, about 1 KB each, ~1.1 GB in all). Records come from the simulated CUDA
tracker in ``stormlog_core.testing.simulate`` (start, nested phases, samples, peaks, warning and
critical alerts on the leaking rank, collector_degraded/recovered on the flaky rank, stop);
samples additionally carry the ``phase_scope`` of the innermost open phase, as stormlog's
tracker attaches it. Files are written by ``stormlog_core.testing.writer.SinkWriter`` with
``json.dumps(record, sort_keys=True)`` lines, rolling over every 10,000 records.

A finished job gets a ``bench-job.json`` stamp (written last); a job with a matching stamp
is reused, anything else under the size directory is deleted and written again.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from stormlog_core.testing.simulate import JobSpec, open_rank_writer, rank_identity, rank_records

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out"
RANKS = 8
SIZES = {"100k": 100_000, "1m": 1_000_000}
STAMP = "bench-job.json"
#: Bump when the records or the layout change, so cached jobs are rewritten.
GENERATOR_VERSION = 2
WRITER_OPTIONS: dict[str, int] = {
    "rollover_max_events": 10_000,
    "retention_max_files": 10**6,
    "retention_max_total_bytes": 2**40,
    "rollover_max_bytes": 2**40,
    "flush_every_events": 1000,
}


def job_spec(size: str) -> JobSpec:
    """The simulated job of one benchmark size (samples_per_rank is tuned per rank)."""
    return JobSpec(job_id=f"bench-{size}", ranks=RANKS, interval_ms=500, seed=4821)


def _with_sample_scopes(records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Attach the innermost open phase's scope to every sample's metadata."""
    stack: list[dict[str, Any]] = []
    for record in records:
        scope = record["metadata"].get("phase_scope")
        if record["event_type"] == "phase_enter" and scope:
            stack.append(scope)
        elif record["event_type"] == "phase_exit" and stack:
            stack.pop()
        elif record["event_type"] == "sample" and stack:
            top = stack[-1]
            keys = ("name", "path", "scope_id", "parent_scope_id", "sequence")
            record["metadata"]["phase_scope"] = {key: top[key] for key in keys}
        yield record


def _counts(spec: JobSpec, rank: int) -> tuple[int, int]:
    """(records, samples) that ``rank`` yields under ``spec``."""
    records = samples = 0
    for record in rank_records(spec, rank):
        records += 1
        samples += record["event_type"] == "sample"
    return records, samples


def tuned_spec(spec: JobSpec, rank: int, wanted: int) -> tuple[JobSpec, int, int]:
    """``spec`` with samples_per_rank chosen so that ``rank`` yields at least ``wanted``.

    Returns the spec, how many records too many it yields (the last samples are then left
    out; adding a sample can add an alert too, so an exact fit does not always exist) and
    its sample count.
    """
    candidate = replace(spec, samples_per_rank=max(1, wanted - 40))
    for _ in range(20):
        got, samples = _counts(candidate, rank)
        if got >= wanted:
            return candidate, got - wanted, samples
        more = candidate.samples_per_rank + wanted - got + 2
        candidate = replace(candidate, samples_per_rank=more)
    raise RuntimeError(f"cannot tune rank {rank} to {wanted} records")


def _trimmed(records: Iterator[dict[str, Any]], drop_from: int) -> Iterator[dict[str, Any]]:
    """Leave out every sample from the ``drop_from``-th (0-based) on."""
    seen = 0
    for record in records:
        if record["event_type"] == "sample":
            seen += 1
            if seen > drop_from:
                continue
        yield record


def write_rank(parent: str, size: str, rank: int, wanted: int) -> dict[str, Any]:
    """Write one rank's sink; return its record count and bytes."""
    spec, excess, samples = tuned_spec(job_spec(size), rank, wanted)
    ident = rank_identity(spec, rank)
    writer = open_rank_writer(spec, Path(parent), rank, **WRITER_OPTIONS)
    count, last_ns = 0, ident.started_at_ns
    records = _trimmed(rank_records(spec, rank), samples - excess)
    for record in _with_sample_scopes(records):
        writer.append(record)
        count += 1
        last_ns = record["timestamp_ns"]
    writer.close(status="completed", ended_at_ns=last_ns)
    size_bytes = sum(seg.size_bytes for seg in writer.segments)
    return {"rank": rank, "records": count, "bytes": size_bytes, "session": ident.session_id}


def _stamp_payload(size: str) -> dict[str, Any]:
    return {"generator": GENERATOR_VERSION, "size": size, "ranks": RANKS, **WRITER_OPTIONS}


def is_complete(job_dir: Path, size: str) -> bool:
    """True when ``job_dir`` holds a finished job written by this generator version."""
    try:
        stamp = json.loads((job_dir / STAMP).read_text())
    except (OSError, ValueError):
        return False
    wanted = _stamp_payload(size)
    return all(stamp.get(key) == value for key, value in wanted.items()) and all(
        (job_dir / f"rank-{rank}" / "manifest.json").exists() for rank in range(RANKS)
    )


def ensure_job(size: str, out: Path = DEFAULT_OUT, force: bool = False) -> Path:
    """Return the job directory of ``size``, writing it first unless a complete one exists."""
    job_dir = out / size
    if not force and is_complete(job_dir, size):
        return job_dir
    if job_dir.exists():
        shutil.rmtree(job_dir)
    job_dir.mkdir(parents=True)
    per_rank = SIZES[size] // RANKS
    print(f"writing the {size} job ({RANKS} ranks x {per_rank:,} records) to {job_dir} ...")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(write_rank, str(job_dir), size, rank, per_rank) for rank in range(RANKS)
        ]
        ranks = [future.result() for future in futures]
    total = sum(entry["records"] for entry in ranks)
    if total != SIZES[size]:
        raise RuntimeError(f"wrote {total} records instead of {SIZES[size]}")
    total_bytes = sum(entry["bytes"] for entry in ranks)
    stamp = {**_stamp_payload(size), "records": total, "bytes": total_bytes, "per_rank": ranks}
    (job_dir / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
    elapsed = time.perf_counter() - started
    print(
        f"  {total:,} records, {total_bytes / 1e6:,.0f} MB "
        f"({total_bytes / max(total, 1):,.0f} B/record) in {elapsed:.1f} s"
    )
    return job_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=[*SIZES, "all"], default="all")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="rewrite even a complete job")
    args = parser.parse_args(argv)
    for size in SIZES if args.size == "all" else [args.size]:
        print(ensure_job(size, args.out, args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
