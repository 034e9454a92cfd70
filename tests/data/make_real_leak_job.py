"""Produce a real 8-rank capture with one leaking rank under tests/data/real_leak_job/.

Usage (run by hand, output committed; ~15 s)::

    .venv/bin/python tests/data/make_real_leak_job.py

Eight fresh interpreters, one per rank, each with the environment a torchelastic launcher
sets (``RANK``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``WORLD_SIZE``, ``TORCHELASTIC_RUN_ID``)
run stormlog 0.3.9's ``CPUMemoryTracker`` (it samples the process RSS) with an
``AppendOnlyTelemetrySink`` in ``real_leak_job/rank-<r>/``. Every rank does the same steady
work: each step it allocates a working set of ``bytearray`` buffers, holds it for half a
step and frees it. Rank ``LEAK_RANK`` additionally keeps one more buffer per step from
``LEAK_AFTER_S`` on (a growing list, never freed). The leaking process records the
wall-clock time (``time.time_ns()``) just before its first kept buffer; that and the
parameters go to ``real_leak_job/truth.json``. See ``real_leak_job/README.md``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "real_leak_job"
JOB_ID = "leak-run-8"
WORLD_SIZE = 8
LOCAL_WORLD_SIZE = 4  # two "nodes" of four ranks
LEAK_RANK = 5
SAMPLING_S = 0.1
DURATION_S = 9.0
LEAK_AFTER_S = 4.0
STEP_S = 0.15
WORKING_SET = (8, 8, 8)  # MiB per buffer, allocated and freed every step
LEAK_MIB = 12  # MiB kept per step by the leaking rank
START_DELAY_S = 3.0  # every rank imports stormlog, then all start together
FLUSH_EVERY_EVENTS = 16

_RANK_PROCESS = """
import json, os, sys, time
from stormlog.cpu_profiler import CPUMemoryTracker
from stormlog.telemetry_sink import TelemetrySinkConfig

cfg = json.loads(sys.argv[1])
MiB = 1024 * 1024
rank = int(os.environ["RANK"])
leaking = rank == cfg["leak_rank"]
tracker = CPUMemoryTracker(
    sampling_interval=cfg["sampling_s"],
    telemetry_sink_config=TelemetrySinkConfig(
        root_dir=cfg["sink_dir"], flush_every_events=cfg["flush_every_events"]
    ),
)
while time.time() < cfg["start_at"]:
    time.sleep(0.005)
tracker.start_tracking()
t0 = time.monotonic()
leak_start_ns = None
kept = []
step = 0
while time.monotonic() - t0 < cfg["duration_s"]:
    step_start = time.monotonic()
    if leaking and step_start - t0 >= cfg["leak_after_s"]:
        if leak_start_ns is None:
            leak_start_ns = time.time_ns()
        kept.append(bytearray(cfg["leak_mib"] * MiB))
    work = [bytearray(size * MiB) for size in cfg["working_set"]]
    time.sleep(cfg["step_s"] / 2)
    del work
    step += 1
    time.sleep(max(0.0, cfg["step_s"] - (time.monotonic() - step_start)))
tracker.stop_tracking()
summary = tracker.get_session_summary()
print(json.dumps({
    "rank": rank,
    "pid": os.getpid(),
    "session_id": summary.session_id,
    "started_at_ns": summary.started_at_ns,
    "ended_at_ns": summary.ended_at_ns,
    "steps": step,
    "leak_start_ns": leak_start_ns,
    "leaked_buffers": len(kept),
}))
"""


def _rank_env(rank: int) -> dict[str, str]:
    env = {**os.environ}
    for key in ("SLURM_JOB_ID", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS"):
        env.pop(key, None)
    env.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank % LOCAL_WORLD_SIZE),
        LOCAL_WORLD_SIZE=str(LOCAL_WORLD_SIZE),
        WORLD_SIZE=str(WORLD_SIZE),
        GROUP_RANK=str(rank // LOCAL_WORLD_SIZE),
        TORCHELASTIC_RUN_ID=JOB_ID,
    )
    return env


def main() -> None:
    """Regenerate the capture and truth.json from scratch (README.md is kept)."""
    readme = OUT / "README.md"
    kept_readme = readme.read_text() if readme.exists() else None
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    if kept_readme is not None:
        readme.write_text(kept_readme)
    start_at = time.time() + START_DELAY_S
    processes = []
    for rank in range(WORLD_SIZE):
        cfg = {
            "sink_dir": str(OUT / f"rank-{rank}"),
            "leak_rank": LEAK_RANK,
            "sampling_s": SAMPLING_S,
            "duration_s": DURATION_S,
            "leak_after_s": LEAK_AFTER_S,
            "step_s": STEP_S,
            "working_set": list(WORKING_SET),
            "leak_mib": LEAK_MIB,
            "flush_every_events": FLUSH_EVERY_EVENTS,
            "start_at": start_at,
        }
        command = [sys.executable, "-c", _RANK_PROCESS, json.dumps(cfg)]
        processes.append(
            subprocess.Popen(command, env=_rank_env(rank), stdout=subprocess.PIPE, text=True)
        )
    reports = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a rank process failed ({process.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    leak = next(r for r in reports if r["rank"] == LEAK_RANK)
    import stormlog  # type: ignore[import-untyped]

    truth = {
        "produced_by": f"stormlog {stormlog.__version__}",
        "api": "stormlog.cpu_profiler.CPUMemoryTracker + "
        "stormlog.telemetry_sink.TelemetrySinkConfig (AppendOnlyTelemetrySink)",
        "metric": "process RSS (allocator_allocated_bytes = allocator_reserved_bytes = "
        "device_used_bytes)",
        "job_id": JOB_ID,
        "world_size": WORLD_SIZE,
        "leak_rank": LEAK_RANK,
        "leak_start_ns": leak["leak_start_ns"],
        "leak_after_s": LEAK_AFTER_S,
        "leak_mib_per_step": LEAK_MIB,
        "sampling_interval_s": SAMPLING_S,
        "duration_s": DURATION_S,
        "step_s": STEP_S,
        "working_set_mib": list(WORKING_SET),
        "start_at_ns": int(start_at * 1e9),
        "ranks": sorted(reports, key=lambda r: r["rank"]),
    }
    (OUT / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({size / 1024:.0f} KiB); leak on rank {LEAK_RANK} from {leak}")


if __name__ == "__main__":
    main()
