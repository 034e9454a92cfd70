"""Write benchmark jobs with stormlog's real record mix, through stormlog's own sink.

    python bench/make_mix.py [--size mix-100k|mix-1m|mix-512x20k|all] [--out bench/out]

The records are those of ``tests/data/real_gpu_job`` (stormlog 0.3.9's own GPU tracker,
8 ranks, a 24 GiB device, see its README): about a quarter of them are ``sample``; the rest
are ``phase_enter``/``phase_exit`` with ``phase_scope``, ``allocation``/``deallocation``,
``peak``, ``warning``/``critical`` alerts and collector-health records, each with the
tracker's collector-health metadata. Rank ``r`` of a job replays the body of capture rank
``r % 8`` (everything between its ``start`` and its ``stop``, its OOM left out) over and over,
shifted in time by the capture's span each round, with a new session id, rank, world size
and job id; its first record is the capture's ``start`` and its last the ``stop``; rank 3 of
every 8 ends with the capture's OOM ``error`` record before its stop. The records are written
by stormlog 0.3.9's ``AppendOnlyTelemetrySink`` (``json.dumps(..., sort_keys=True)`` lines,
rolled over every 10,000 records, segments closed in the manifest), one sink per rank under
``<out>/<size>/rank-<r>/``.

A finished job carries a ``bench-job.json`` stamp (written last) and is reused.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out"
CAPTURE = BENCH_DIR.parent / "tests" / "data" / "real_gpu_job"
STAMP = "bench-job.json"
#: Bump when the records or the layout change, so cached jobs are rewritten.
GENERATOR_VERSION = 2
SINK_OPTIONS: dict[str, Any] = {
    "rollover_max_events": 10_000,
    "rollover_max_bytes": 2**40,
    "retention_max_files": 10**6,
    "retention_max_total_bytes": 2**41,
    "flush_every_events": 1000,
    "flush_every_seconds": 3600.0,
}


@dataclass(frozen=True)
class MixJob:
    """One benchmark job: ``ranks`` sinks of ``per_rank`` records each."""

    name: str
    ranks: int
    per_rank: int

    @property
    def records(self) -> int:
        return self.ranks * self.per_rank


JOBS = {
    "mix-100k": MixJob("mix-100k", 8, 12_500),
    "mix-1m": MixJob("mix-1m", 8, 125_000),
    "mix-512x20k": MixJob("mix-512x20k", 512, 20_000),
}


def capture_rank(rank: int) -> list[dict[str, Any]]:
    """The records of one rank of the committed capture, in file order."""
    records: list[dict[str, Any]] = []
    for segment in sorted((CAPTURE / f"rank-{rank}").glob("segment-*.jsonl")):
        with segment.open(encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    return records


def _is_oom(record: dict[str, Any]) -> bool:
    return record["event_type"] == "error" and "oom_reason" in (record.get("metadata") or {})


def rank_plan(template: int) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any], Any]:
    """(start, body, stop, oom or None) of a capture rank."""
    records = capture_rank(template)
    start = next(r for r in records if r["event_type"] == "start")
    stop = next(r for r in reversed(records) if r["event_type"] == "stop")
    oom = next((r for r in records if _is_oom(r)), None)
    body = [r for r in records if r["event_type"] not in ("start", "stop") and not _is_oom(r)]
    return start, body, stop, oom


def _stamped(record: dict[str, Any], ident: dict[str, Any], ts: int) -> dict[str, Any]:
    out = copy.deepcopy(record)
    out.update(ident)
    out["timestamp_ns"] = ts
    return out


def write_rank(parent: str, job: MixJob, rank: int) -> dict[str, Any]:
    """Write one rank's sink with stormlog's own sink; return its record count and bytes."""
    from stormlog.session import create_session_summary
    from stormlog.telemetry_sink import AppendOnlyTelemetrySink, TelemetrySinkConfig

    start, body, stop, oom = rank_plan(rank % 8)
    base = start["timestamp_ns"]
    span = max(body[-1]["timestamp_ns"] - base, 1) + 50_000_000
    session_id = str(uuid.UUID(int=(job.ranks << 32) + rank + 1))
    ident = {
        "session_id": session_id,
        "rank": rank,
        "local_rank": rank % 8,
        "world_size": job.ranks,
        "job_id": job.name,
        "host": f"gpu-node-{rank // 8:03d}",
    }
    sink = AppendOnlyTelemetrySink(
        TelemetrySinkConfig(root_dir=Path(parent) / f"rank-{rank}", **SINK_OPTIONS)
    )
    sink.start_session(
        create_session_summary(
            source="stormlog.tracker",
            session_id=session_id,
            started_at_ns=base,
            host=ident["host"],
            pid=start["pid"],
            job_id=job.name,
            rank=rank,
            local_rank=rank % 8,
            world_size=job.ranks,
        )
    )
    ending = [oom, stop] if oom is not None else [stop]
    wanted_body = job.per_rank - 1 - len(ending)
    sink.append(_stamped(start, ident, base))
    last = base
    for index in range(wanted_body):
        round_, position = divmod(index, len(body))
        record = body[position]
        last = record["timestamp_ns"] + round_ * span
        sink.append(_stamped(record, ident, last))
    for record in ending:
        last += 1_000_000
        sink.append(_stamped(record, ident, last))
    # The sink stamps the session's end with the clock when it closes; a tracker closes it
    # just after its last record, which here is hours of replayed time ahead of the clock.
    import stormlog.telemetry_sink as sink_module

    clock = sink_module.now_ns
    sink_module.now_ns = lambda: last
    try:
        sink.close()
    finally:
        sink_module.now_ns = clock
    manifest = json.loads((Path(parent) / f"rank-{rank}" / "manifest.json").read_text())
    size = sum(segment["size_bytes"] for segment in manifest["segments"])
    return {"rank": rank, "records": job.per_rank, "bytes": size, "session": session_id}


def _stamp_payload(job: MixJob) -> dict[str, Any]:
    return {
        "generator": GENERATOR_VERSION,
        "size": job.name,
        "ranks": job.ranks,
        "per_rank": job.per_rank,
    }


def is_complete(job_dir: Path, job: MixJob) -> bool:
    """True when ``job_dir`` holds a finished job written by this generator version."""
    try:
        stamp = json.loads((job_dir / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return all(stamp.get(key) == value for key, value in _stamp_payload(job).items())


def ensure_job(name: str, out: Path = DEFAULT_OUT, force: bool = False) -> Path:
    """The directory of job ``name``, written first unless a complete one exists."""
    job = JOBS[name]
    job_dir = out / name
    if not force and is_complete(job_dir, job):
        return job_dir
    if job_dir.exists():
        shutil.rmtree(job_dir)
    job_dir.mkdir(parents=True)
    print(f"writing {name} ({job.ranks} ranks x {job.per_rank:,} records, stormlog's sink) ...")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(write_rank, str(job_dir), job, r) for r in range(job.ranks)]
        ranks = [future.result() for future in futures]
    total_bytes = sum(entry["bytes"] for entry in ranks)
    stamp = {**_stamp_payload(job), "records": job.records, "bytes": total_bytes}
    (job_dir / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
    print(
        f"  {job.records:,} records, {total_bytes / 1e6:,.0f} MB "
        f"({total_bytes / job.records:,.0f} B/record) in {time.perf_counter() - started:.1f} s"
    )
    return job_dir


def record_mix(job_dir: Path) -> dict[str, int]:
    """Records by event type in the first rank's first segment (for the report)."""
    counts: dict[str, int] = {}
    segment = job_dir / "rank-0" / "segment-000001.jsonl"
    with segment.open(encoding="utf-8") as handle:
        for line in handle:
            kind = json.loads(line)["event_type"]
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=[*JOBS, "all"], default="all")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="rewrite even a complete job")
    args = parser.parse_args(argv)
    for name in JOBS if args.size == "all" else [args.size]:
        job_dir = ensure_job(name, args.out, args.force)
        mix = record_mix(job_dir)
        share = 1 - mix.get("sample", 0) / max(sum(mix.values()), 1)
        print(f"{job_dir}: {share:.0%} non-sample records; {mix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
