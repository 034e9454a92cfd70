"""Produce a real multi-rank *GPU tracker* capture: tests/data/real_gpu_job/ (``--variant
v3``, the default: stormlog 0.3.9, 8 ranks) or tests/data/real_gpu_job_v4/ (``--variant
v4``: stormlog 0.4.3, schema v4, 4 ranks). ``VARIANTS`` holds each one's parameters.

What it runs
    One fresh interpreter per rank, launched together with the environment that
    torchelastic sets for one node with one GPU per rank (``RANK``, ``LOCAL_RANK``,
    ``LOCAL_WORLD_SIZE``, ``WORLD_SIZE``, ``GROUP_RANK``, ``TORCHELASTIC_RUN_ID``). Each
    runs stormlog's own GPU tracker, ``stormlog.tracker.MemoryTracker`` (its real
    ``CudaDeviceCollector``, alert thresholds, collector-health state machine, phase
    recorder, ``capture_oom()`` and OOM flight recorder), configured as a user would::

        MemoryTracker(device=f"cuda:{LOCAL_RANK}", sampling_interval=0.05,
                      enable_oom_flight_recorder=True, oom_dump_dir="rank-<r>/oom_dumps",
                      oom_buffer_size=48,  # v4: 24
                      telemetry_sink_config=TelemetrySinkConfig(root_dir="rank-<r>"))

    and a scripted training loop: ``tracker.phase("train_step")`` containing
    ``forward`` / ``backward`` / ``optimizer``, inside ``tracker.capture_oom()``. Stormlog
    0.3.9 and 0.4.3 take the same constructor, ``phase()``, ``capture_oom()`` and
    ``last_oom_dump_path``: nothing here depends on the version.

    There is no GPU. Only the ``torch.cuda`` query functions that stormlog calls are
    replaced (``is_available``, ``device_count``, ``current_device``, ``get_device_name``,
    ``get_device_capability``, ``get_device_properties``, ``memory_allocated``,
    ``memory_reserved``, ``max_memory_allocated``, ``max_memory_reserved``,
    ``memory_stats``): they read a scripted caching allocator (``_ScriptedAllocator``) that
    the training loop drives (a 24 GiB device; allocations are rounded to 2 MiB; the
    reserved pool only grows; 0.5 GiB of CUDA context counts as non-PyTorch memory). The
    allocator raises a real ``torch.cuda.OutOfMemoryError`` with PyTorch's message format
    when a request does not fit. Every number is seeded per rank; timings and pids are real.

    * every rank: model load (4.33 GiB of fp32 weights; 8.66 GiB of Adam state on the
      first optimizer step), then a sawtooth every step between ~13 and ~18 GiB: 4 blocks
      of ~1.25 GiB of activations in ``forward`` (the peak is held ~60 ms, longer than one
      sampling interval), activations swapped for 4.33 GiB of gradients in ``backward``,
      gradients freed in ``optimizer`` (``zero_grad(set_to_none=True)``). ``--steps``
      steps (v3: 7, v4: 4).
    * the leak rank (``--leak-rank``, 3) also keeps a copy of its logits every step
      (``history.append(logits.clone())``; ``--leak-gib``, v3: 1.25, v4: 2.5) until that
      copy does not fit (v3: step 4's forward, v4: step 2's): ``torch.cuda.OutOfMemoryError``
      inside ``capture_oom()``, which writes the ``error`` record and the ``oom_dump_*``
      bundle; the script catches the error as a user's would and calls
      ``tracker.stop_tracking()`` (exit code 1).
    * the flaky rank (``--flaky-rank``, v3: 5, v4: 1): ``torch.cuda.memory_allocated`` /
      ``memory_reserved`` raise during ``--flaky-steps`` (v3: 2,3; v4: 0), then work again.
      stormlog's collector goes unhealthy and retries after its own 1 s backoff, which
      succeeds (the script fails if the run ended first: re-run it).

    The ranks import torch, report ready through a barrier directory, then start tracking
    together (within a few ms). After the run the script replaces each OOM bundle's
    ``environment.json`` (this machine's cwd, Python build, CPU/RAM) with a small stub and
    writes ``truth.json`` (the facts measured from the written files: per-rank record
    counts, the OOM record's file:line, collector-health records...). README.md is kept as
    it is: update it by hand if the facts change.

How to re-run (by hand; CI never runs it, CI has no torch)::

    python3 -m venv /tmp/gpuvenv
    /tmp/gpuvenv/bin/pip install \\
        /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl stormlog==0.3.9
    /tmp/gpuvenv/bin/python tests/data/make_gpu_capture.py               # v3, 12-25 s

    python3 -m venv /tmp/gpuvenv43
    /tmp/gpuvenv43/bin/pip install \\
        /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl stormlog==0.4.3
    /tmp/gpuvenv43/bin/python tests/data/make_gpu_capture.py --variant v4  # ~7 s

    A variant refuses another stormlog version than its own; ``--out DIR`` writes
    elsewhere with any version, and every parameter can be overridden (``--ranks``,
    ``--steps``, ``--leak-rank``, ``--leak-gib``, ``--flaky-rank``, ``--flaky-steps``,
    ``--oom-buffer``, ``--job-id``). A v4 record is ~1.6 KB (v3: ~1.1 KB): v4 with v3's
    parameters (``--variant v4 --ranks 8 --steps 7 --leak-gib 1.25 --flaky-rank 5
    --flaky-steps 2,3 --oom-buffer 48 --out DIR``) writes ~2 MB.

How long: mostly the concurrent torch imports; ~2.3 s of tracking for v3, ~1.3 s for v4.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

#: What each committed capture was made with (``--variant``); any option overrides its value.
VARIANTS: dict[str, dict[str, Any]] = {
    # tests/data/real_gpu_job: 8 ranks, rank 3 leaks 1.25 GiB a step and OOMs in step 4,
    # rank 5's collector fails during steps 2 and 3.
    "v3": {
        "out": "real_gpu_job",
        "stormlog": "0.3.9",
        "ranks": 8,
        "steps": 7,
        "leak_rank": 3,
        "leak_gib": 1.25,
        "flaky_rank": 5,
        "flaky_steps": (2, 3),
        "oom_buffer": 48,
    },
    # tests/data/real_gpu_job_v4: stormlog 0.4.3's records are ~1.6 KB (v3: ~1.1 KB), so the
    # same story is told smaller to stay committable: 4 ranks, 4 steps, rank 3 leaks 2.5 GiB
    # a step and OOMs in step 2, rank 1's collector fails in step 0 (stormlog retries after
    # its own 1 s backoff, in step 3), a 24-event flight recorder.
    "v4": {
        "out": "real_gpu_job_v4",
        "stormlog": "0.4.3",
        "ranks": 4,
        "steps": 4,
        "leak_rank": 3,
        "leak_gib": 2.5,
        "flaky_rank": 1,
        "flaky_steps": (0,),
        "oom_buffer": 24,
    },
}
SAMPLING_S = 0.05
START_LEAD_S = 0.2  # every rank imports torch + stormlog, reports ready, then all start

GiB = 1024**3
MiB = 1024**2
TOTAL_BYTES = 24 * GiB
CONTEXT_BYTES = 512 * MiB  # CUDA context + cuBLAS workspace: "non-PyTorch memory"
PARAM_BYTES = 4 * GiB + 336 * MiB  # fp32 weights (3 blocks)
ADAM_BYTES = 2 * PARAM_BYTES  # exp_avg + exp_avg_sq, allocated on the first optimizer step
BLOCKS = 4  # forward allocates 4 activation blocks; backward swaps them for 4 grad blocks
ACT_BLOCK_BYTES = 1.25 * GiB
GRAD_BLOCK_BYTES = PARAM_BYTES / BLOCKS
JITTER = 0.02  # seeded +-2 % on activation blocks
FWD_CHUNK_S = 0.02
FWD_LOSS_S = 0.06  # the forward peak is held for more than one sampling interval
BWD_CHUNK_S = 0.02
OPT_S = 0.05
STEP_GAP_S = 0.01  # data loader

ROUND = 2 * MiB


def _round_up(nbytes: float) -> int:
    return int(-(-int(nbytes) // ROUND) * ROUND)


def _format_size(nbytes: int) -> str:
    """c10::cuda::CUDACachingAllocator format_size()."""
    if nbytes <= 1024:
        return f"{nbytes} bytes"
    if nbytes <= 1048576:
        return f"{nbytes / 1024:.2f} KiB"
    if nbytes <= 1073741824:
        return f"{nbytes / 1048576:.2f} MiB"
    return f"{nbytes / 1073741824:.2f} GiB"


# --------------------------------------------------------------------------- rank side


class _ScriptedAllocator:
    """The numbers torch.cuda would report for one GPU; driven by the training loop."""

    def __init__(self, device_index: int) -> None:
        self.device_index = device_index
        self.allocated = 0
        self.reserved = 0
        self.peak_allocated = 0
        self.peak_reserved = 0
        self.num_ooms = 0
        self.query_error: str | None = None  # set while the "driver" fails queries

    def malloc(self, nbytes: float) -> int:
        torch = importlib.import_module("torch")
        size = _round_up(nbytes)
        need = self.allocated + size
        if need > self.reserved:
            grown = _round_up(need + 20 * MiB)  # the pool grows in segments
            if grown + CONTEXT_BYTES > TOTAL_BYTES:
                # The caching allocator frees its cached blocks and retries first.
                grown = need
            if grown + CONTEXT_BYTES > TOTAL_BYTES:
                self.num_ooms += 1
                in_use = self.reserved + CONTEXT_BYTES
                raise torch.cuda.OutOfMemoryError(
                    f"CUDA out of memory. Tried to allocate {_format_size(size)}. "
                    f"GPU {self.device_index} has a total capacity of "
                    f"{_format_size(TOTAL_BYTES)} of which "
                    f"{_format_size(TOTAL_BYTES - in_use)} is free. Including non-PyTorch "
                    f"memory, this process has {_format_size(in_use)} memory in use. Of "
                    f"the allocated memory {_format_size(self.allocated)} is allocated by "
                    f"PyTorch, and {_format_size(self.reserved - self.allocated)} is "
                    "reserved by PyTorch but unallocated. If reserved but unallocated "
                    "memory is large try setting PYTORCH_CUDA_ALLOC_CONF="
                    "expandable_segments:True to avoid fragmentation.  See documentation "
                    "for Memory Management  (https://pytorch.org/docs/stable/notes/"
                    "cuda.html#environment-variables)"
                )
            self.reserved = grown
        self.allocated = need
        self.peak_allocated = max(self.peak_allocated, self.allocated)
        self.peak_reserved = max(self.peak_reserved, self.reserved)
        return size

    def free(self, size: int) -> None:
        self.allocated -= size

    def _check(self) -> None:
        if self.query_error is not None:
            raise RuntimeError(self.query_error)

    def stats(self) -> dict[str, int]:
        self._check()
        cached = self.reserved - self.allocated
        return {
            "allocated_bytes.all.current": self.allocated,
            "allocated_bytes.all.peak": self.peak_allocated,
            "active_bytes.all.current": self.allocated,
            "inactive_split_bytes.all.current": cached // 8,
            "reserved_bytes.all.current": self.reserved,
            "reserved_bytes.all.peak": self.peak_reserved,
            "num_alloc_retries": 0,
            "num_ooms": self.num_ooms,
        }


class _DeviceProperties:
    def __init__(self) -> None:
        self.name = "Scripted 24 GiB CUDA device (no GPU)"
        self.total_memory = TOTAL_BYTES
        self.multi_processor_count = 80
        self.major = 8
        self.minor = 9


def _install_scripted_cuda(allocator: _ScriptedAllocator, device_count: int) -> None:
    """Replace the torch.cuda query functions that stormlog calls; nothing else."""
    torch = importlib.import_module("torch")

    props = _DeviceProperties()

    def memory_allocated(device: Any = None) -> int:
        allocator._check()
        return allocator.allocated

    def memory_reserved(device: Any = None) -> int:
        allocator._check()
        return allocator.reserved

    fakes = {
        "is_available": lambda: True,
        "device_count": lambda: device_count,
        "current_device": lambda: allocator.device_index,
        "get_device_name": lambda device=None: props.name,
        "get_device_capability": lambda device=None: (props.major, props.minor),
        "get_device_properties": lambda device=None: props,
        "memory_allocated": memory_allocated,
        "memory_reserved": memory_reserved,
        "max_memory_allocated": lambda device=None: allocator.peak_allocated,
        "max_memory_reserved": lambda device=None: allocator.peak_reserved,
        "memory_stats": lambda device=None: allocator.stats(),
    }
    for name, fake in fakes.items():
        setattr(torch.cuda, name, fake)


def _rank_main(cfg: dict[str, Any]) -> int:
    torch = importlib.import_module("torch")

    rank = int(os.environ["RANK"])
    local_rank = int(os.environ["LOCAL_RANK"])
    allocator = _ScriptedAllocator(local_rank)
    _install_scripted_cuda(allocator, int(os.environ["LOCAL_WORLD_SIZE"]))

    # Imported after the patch, as a user's script imports stormlog after torch.
    TelemetrySinkConfig = importlib.import_module("stormlog.telemetry_sink").TelemetrySinkConfig
    MemoryTracker = importlib.import_module("stormlog.tracker").MemoryTracker

    sink_dir = Path(cfg["sink_dir"])
    tracker = MemoryTracker(
        device=f"cuda:{local_rank}",
        sampling_interval=SAMPLING_S,
        enable_oom_flight_recorder=True,
        oom_dump_dir=str(sink_dir / "oom_dumps"),
        oom_buffer_size=int(cfg["oom_buffer_size"]),
        telemetry_sink_config=TelemetrySinkConfig(root_dir=sink_dir),
    )
    rng = random.Random(1000 + rank)
    leaking = rank == cfg["leak_rank"]
    flaky = rank == cfg["flaky_rank"]
    flaky_steps = set(cfg["flaky_steps"])
    leak_bytes = float(cfg["leak_bytes"])
    report: dict[str, Any] = {"rank": rank, "pid": os.getpid(), "oom": None}

    (Path(cfg["barrier_dir"]) / f"ready-{rank}").touch()
    go = Path(cfg["barrier_dir"]) / "go"
    while not go.exists():
        time.sleep(0.005)
    start_at = float(go.read_text() or 0)
    while time.time() < start_at:
        time.sleep(0.001)
    report["start_lag_s"] = round(time.time() - start_at, 4)
    tracker.start_tracking()
    kept: list[int] = []  # the leak: blocks a user's list of losses keeps alive
    adam: list[int] = []
    step = -1
    try:
        with tracker.capture_oom(context="train_loop", metadata={"model": "scripted-13b"}):
            params = [allocator.malloc(PARAM_BYTES / 3) for _ in range(3)]
            time.sleep(0.12)
            for step in range(int(cfg["steps"])):
                if flaky:
                    allocator.query_error = (
                        "CUDA driver error: unknown error (cudaErrorUnknown) while "
                        "querying the caching allocator"
                        if step in flaky_steps
                        else None
                    )
                with tracker.phase("train_step", metadata={"step": step}):
                    with tracker.phase("forward"):
                        acts = []
                        for _ in range(BLOCKS):
                            size = ACT_BLOCK_BYTES * (1 + rng.uniform(-JITTER, JITTER))
                            acts.append(allocator.malloc(size))
                            time.sleep(FWD_CHUNK_S)
                        if leaking:  # history.append(logits.clone()), never cleared
                            kept.append(allocator.malloc(leak_bytes))
                        time.sleep(FWD_LOSS_S)
                    with tracker.phase("backward"):
                        grads = []
                        for block in acts:
                            allocator.free(block)
                            grads.append(allocator.malloc(GRAD_BLOCK_BYTES))
                            time.sleep(BWD_CHUNK_S)
                    with tracker.phase("optimizer"):
                        if not adam:
                            adam = [allocator.malloc(ADAM_BYTES / 2) for _ in range(2)]
                        time.sleep(OPT_S)
                        for grad in grads:  # zero_grad(set_to_none=True)
                            allocator.free(grad)
                time.sleep(STEP_GAP_S)
            del params
    except torch.cuda.OutOfMemoryError as exc:
        report["oom"] = {
            "step": step,
            "message": str(exc),
            "dump_path": tracker.last_oom_dump_path,
        }
    finally:
        tracker.stop_tracking()
    summary = tracker.get_session_summary()
    report.update(
        session_id=summary.session_id if summary else None,
        steps_completed=step + 1 if report["oom"] is None else step,
        kept_blocks=len(kept),
    )
    print(json.dumps(report))
    return 1 if report["oom"] else 0


# --------------------------------------------------------------------------- job side


def _rank_env(rank: int, world_size: int, job_id: str) -> dict[str, str]:
    local_world_size = world_size  # one node: LOCAL_RANK == RANK, GPU index == RANK
    env = {**os.environ}
    for key in ("SLURM_JOB_ID", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS"):
        env.pop(key, None)
    env.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank % local_world_size),
        LOCAL_WORLD_SIZE=str(local_world_size),
        WORLD_SIZE=str(world_size),
        GROUP_RANK=str(rank // local_world_size),
        TORCHELASTIC_RUN_ID=job_id,
        PYTHONHASHSEED="0",
    )
    return env


def _stub_environment(bundle: Path, device_count: int) -> None:
    path = bundle / "environment.json"
    original = json.loads(path.read_text(encoding="utf-8"))
    stub = {
        "pid": original.get("pid"),
        "cwd": "<stubbed by tests/data/make_gpu_capture.py>",
        "system": {
            "stubbed": True,
            "note": "get_system_info() of the generating machine was replaced",
            "torch_available": True,
            "cuda_available": True,
            "detected_backend": "cuda",
            "cuda_device_count": device_count,
        },
    }
    path.write_text(json.dumps(stub, indent=2), encoding="utf-8")


def _facts(out: Path, reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Measure, from the written files, what a test can rely on."""
    ranks: dict[str, Any] = {}
    for report in reports:
        rank_dir = out / f"rank-{report['rank']}"
        segments = sorted(rank_dir.glob("segment-*.jsonl"))
        counts: Counter[str] = Counter()
        phases: Counter[str] = Counter()
        info: dict[str, Any] = {}
        health: list[dict[str, Any]] = []
        partial = 0
        failures = 0
        for segment in segments:
            lines = segment.read_text(encoding="utf-8").splitlines()
            for line_no, line in enumerate(lines, start=1):
                record = json.loads(line)
                kind = record["event_type"]
                counts[kind] += 1
                where = f"{rank_dir.name}/{segment.name}:{line_no}"
                meta = record.get("metadata") or {}
                partial += bool(meta.get("telemetry_partial"))
                failures = max(failures, int(meta.get("collector_consecutive_failures") or 0))
                if kind in ("phase_enter", "phase_exit"):
                    phases["/".join(meta["phase_scope"]["path"])] += 1
                if kind == "error" and "oom_reason" in meta:
                    info["oom_event"] = {"at": where, "record": record}
                if kind in ("collector_degraded", "collector_recovered"):
                    health.append({"at": where, "event_type": kind, "metadata": meta})
                if kind in ("critical", "warning") and "first_" + kind not in info:
                    info["first_" + kind] = where
        sessions = json.loads((rank_dir / "manifest.json").read_text())["sessions"]
        bundles = sorted(p.name for p in (rank_dir / "oom_dumps").glob("oom_dump_*"))
        if report["oom"] is not None:
            dump = Path(report["oom"]["dump_path"]).resolve()
            report["oom"]["dump_path"] = dump.relative_to(out.resolve()).as_posix()
        ranks[str(report["rank"])] = {
            **report,
            "session_status": [s["status"] for s in sessions],
            "segments": [s.name for s in segments],
            "records": sum(counts.values()),
            "records_by_event_type": dict(sorted(counts.items())),
            "phase_records_by_path": dict(sorted(phases.items())),
            "telemetry_partial_records": partial,
            "max_collector_consecutive_failures": failures,
            "collector_health_events": health,
            "oom_bundles": [f"rank-{report['rank']}/oom_dumps/{name}" for name in bundles],
            **info,
        }
    return ranks


def _int_list(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--rank":
        return _rank_main(json.loads(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        default="v3",
        help="v3: tests/data/real_gpu_job (stormlog 0.3.9, 8 ranks); "
        "v4: tests/data/real_gpu_job_v4 (stormlog 0.4.3, 4 ranks, small)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: the variant's; elsewhere, any stormlog version)",
    )
    parser.add_argument("--ranks", type=int, help="world size (one node, one GPU per rank)")
    parser.add_argument("--steps", type=int, help="training steps of a healthy rank")
    parser.add_argument("--leak-rank", type=int, help="the rank that leaks and runs out")
    parser.add_argument("--leak-gib", type=float, help="GiB the leaking rank keeps per step")
    parser.add_argument("--flaky-rank", type=int, help="the rank whose collector fails")
    parser.add_argument(
        "--flaky-steps", type=_int_list, help="steps during which it fails, e.g. 2,3"
    )
    parser.add_argument("--oom-buffer", type=int, help="the OOM flight recorder's ring size")
    parser.add_argument("--job-id", help="TORCHELASTIC_RUN_ID (default gpu-oom-run-<ranks>)")
    args = parser.parse_args()
    preset = VARIANTS[args.variant]
    ranks = args.ranks or preset["ranks"]
    steps = args.steps or preset["steps"]
    leak_rank = preset["leak_rank"] if args.leak_rank is None else args.leak_rank
    flaky_rank = preset["flaky_rank"] if args.flaky_rank is None else args.flaky_rank
    flaky_steps = preset["flaky_steps"] if args.flaky_steps is None else args.flaky_steps
    leak_gib = args.leak_gib or preset["leak_gib"]
    oom_buffer = args.oom_buffer or preset["oom_buffer"]
    job_id = args.job_id or f"gpu-oom-run-{ranks}"
    if not 0 <= leak_rank < ranks or not 0 <= flaky_rank < ranks or leak_rank == flaky_rank:
        raise SystemExit("--leak-rank and --flaky-rank must be two different ranks")
    out: Path = (args.out or Path(__file__).resolve().parent / preset["out"]).resolve()

    stormlog = importlib.import_module("stormlog")
    if args.out is None and stormlog.__version__ != preset["stormlog"]:
        raise SystemExit(
            f"--variant {args.variant} needs stormlog {preset['stormlog']}, "
            f"found {stormlog.__version__} (or pass --out)"
        )
    began = time.monotonic()
    readme = out / "README.md"
    kept_readme = readme.read_text() if readme.exists() else None
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if kept_readme is not None:
        readme.write_text(kept_readme)
    barrier = Path(tempfile.mkdtemp(prefix="gpu-capture-barrier-"))
    processes = []
    for rank in range(ranks):
        cfg = {
            "sink_dir": str(out / f"rank-{rank}"),
            "barrier_dir": str(barrier),
            "steps": steps,
            "leak_rank": leak_rank,
            "leak_bytes": leak_gib * GiB,
            "flaky_rank": flaky_rank,
            "flaky_steps": list(flaky_steps),
            "oom_buffer_size": oom_buffer,
        }
        command = [sys.executable, str(Path(__file__).resolve()), "--rank", json.dumps(cfg)]
        processes.append(
            subprocess.Popen(
                command, env=_rank_env(rank, ranks, job_id), stdout=subprocess.PIPE, text=True
            )
        )
    while len(list(barrier.glob("ready-*"))) < ranks:
        if any(process.poll() is not None for process in processes):
            raise SystemExit("a rank process died before it was ready")
        time.sleep(0.01)
    start_at = time.time() + START_LEAD_S
    (barrier / "go.tmp").write_text(repr(start_at))
    (barrier / "go.tmp").rename(barrier / "go")
    reports = []
    for rank, process in enumerate(processes):
        stdout, _ = process.communicate()
        expected = 1 if rank == leak_rank else 0
        if process.returncode != expected:
            raise SystemExit(f"rank {rank} exited {process.returncode}, not {expected}")
        reports.append(json.loads(stdout.strip().splitlines()[-1]))
    shutil.rmtree(barrier)
    for bundle in out.glob("rank-*/oom_dumps/oom_dump_*"):
        _stub_environment(bundle, ranks)
    ours = Path(__file__).resolve()
    try:
        shown = ours.relative_to(Path.cwd()).as_posix()
    except ValueError:
        shown = ours.name
    truth: dict[str, Any] = {
        "produced_by": f"stormlog {stormlog.__version__} (stormlog.tracker.MemoryTracker)",
        "generator": "tests/data/make_gpu_capture.py",
        "command": " ".join(["python", shown, *sys.argv[1:]]),
        "job_id": job_id,
        "world_size": ranks,
        "device_total_bytes": TOTAL_BYTES,
        "sampling_interval_s": SAMPLING_S,
        "leak_rank": leak_rank,
        "leak_bytes_per_step": _round_up(leak_gib * GiB),
        "flaky_collector_rank": flaky_rank,
        "flaky_steps": list(flaky_steps),
        "steps": steps,
        "oom_buffer_size": oom_buffer,
        "start_at_ns": int(start_at * 1e9),
        "ranks": _facts(out, reports),
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    flaky = truth["ranks"][str(flaky_rank)]["collector_health_events"]
    if [event["event_type"] for event in flaky] != ["collector_degraded", "collector_recovered"]:
        # stormlog retries after its own 1 s backoff: a run that ends first is not the story.
        raise SystemExit(f"rank {flaky_rank}'s collector did not recover before the end; re-run")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({size / 1024:.0f} KiB) in {time.monotonic() - began:.1f} s")
    for rank, facts in truth["ranks"].items():
        print(rank, facts["records"], facts["records_by_event_type"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
