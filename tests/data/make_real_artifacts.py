"""Produce real stormlog artifacts under tests/data/real/ (run by hand, output committed).

Usage::

    .venv/bin/python tests/data/make_real_artifacts.py [--gpumemprof-python PATH]

Everything is written by the installed stormlog 0.3.9 (a test-only dependency), except the
v2 export, which needs the predecessor package gpu-memory-profiler in a throwaway venv:

    python3 -m venv /tmp/gmpvenv
    /tmp/gmpvenv/bin/pip install gpu-memory-profiler==0.2.3.post1

Pass that interpreter with ``--gpumemprof-python`` (default /tmp/gmpvenv/bin/python); the
v2 artifact is skipped when it does not exist. See tests/data/real/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "real"
SAMPLING_S = 0.02

# Each snippet runs in a fresh interpreter so the process, pid and environment are real.
_TRACKER_RUN = """
import time, sys
from stormlog.cpu_profiler import CPUMemoryTracker
from stormlog.telemetry_sink import TelemetrySinkConfig

def run(sink_dir=None, export=None, seconds=0.3, blocks=3, sink_kwargs=None):
    config = None
    if sink_dir is not None:
        config = TelemetrySinkConfig(root_dir=sink_dir, **(sink_kwargs or {}))
    tracker = CPUMemoryTracker(sampling_interval=__SAMPLING__, telemetry_sink_config=config)
    tracker.start_tracking()
    hold = []
    with tracker.phase("load", metadata={"dataset": "tiny"}):
        for _ in range(blocks):
            hold.append(bytearray(4 * 1024 * 1024))
            time.sleep(seconds / blocks)
    with tracker.phase("train"):
        hold.clear()
        time.sleep(seconds / 2)
    tracker.stop_tracking()
    for fmt, path in (export or {}).items():
        tracker.export_events(path, format=fmt)
    return tracker
""".replace("__SAMPLING__", repr(SAMPLING_S))


def _python(code: str, *, env: dict[str, str] | None = None, check: bool = True) -> int:
    """Run ``code`` (after the tracker helper) in a fresh interpreter; return its exit code."""
    full_env = {**os.environ, **(env or {})}
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "TORCHELASTIC_RUN_ID", "SLURM_JOB_ID"):
        if env is None or key not in env:
            full_env.pop(key, None)
    script = _TRACKER_RUN + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], env=full_env, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"artifact step failed ({done.returncode}):\n{code}")
    return done.returncode


def cpu_tracker_exports() -> None:
    """CPUMemoryTracker.export_events in JSON and CSV (v3 records)."""
    json_path, csv_path = OUT / "cpu_tracker_export.json", OUT / "cpu_tracker_export.csv"
    _python(f"run(export={{'json': {str(json_path)!r}, 'csv': {str(csv_path)!r}}})")


def cpu_tracker_sink() -> None:
    """CPUMemoryTracker with an AppendOnlyTelemetrySink: rollover, retention, rollups."""
    sink = OUT / "cpu_tracker_sink"
    kwargs = {
        "rollover_max_events": 12,
        "rollover_max_bytes": 64 * 1024,
        "retention_max_files": 3,
        "retention_max_total_bytes": 256 * 1024,
        "flush_every_events": 5,
    }
    _python(f"run(sink_dir={str(sink)!r}, seconds=0.6, sink_kwargs={kwargs!r})")


def multi_session_sink() -> None:
    """Two tracker runs into one sink, then a writer killed mid-line, then a third run.

    The killed session stays ``running`` with a torn last line in ``killed_sink``; in
    ``multi_session_sink`` the third run reopened it, so it became ``interrupted``.
    """
    multi, killed = OUT / "multi_session_sink", OUT / "killed_sink"
    kwargs = {"rollover_max_events": 20, "flush_every_events": 4}
    for _ in range(2):
        _python(f"run(sink_dir={str(multi)!r}, sink_kwargs={kwargs!r})")
    for target in (multi, killed):
        _kill_writer_mid_line(target)
    _python(f"run(sink_dir={str(multi)!r}, sink_kwargs={kwargs!r})")


def _kill_writer_mid_line(sink: Path) -> None:
    """Start a sink session, flush a few records, write half a line and die (os._exit)."""
    code = f"""
    import os
    from stormlog.telemetry_sink import AppendOnlyTelemetrySink, TelemetrySinkConfig
    from stormlog.telemetry import telemetry_event_from_record, telemetry_event_to_dict
    sink = AppendOnlyTelemetrySink(TelemetrySinkConfig(root_dir={str(sink)!r},
                                                       flush_every_events=100))
    summary = sink.start_session()
    for i in range(3):
        event = telemetry_event_from_record({{"timestamp": time.time(), "type": "sample",
            "memory_allocated": 1000 * (i + 1), "device": "cpu", "backend": "cpu",
            "session_id": summary.session_id, "host": summary.host, "pid": summary.pid,
            "sampling_interval_ms": 20}})
        sink.append(telemetry_event_to_dict(event))
    sink.flush(force=True)
    segment = sorted(p for p in os.listdir({str(sink)!r}) if p.startswith("segment-"))[-1]
    with open(os.path.join({str(sink)!r}, segment), "a", encoding="utf-8") as handle:
        handle.write('{{"allocator_active_bytes": null, "allocator_allo')
        handle.flush()
    os._exit(9)
    """
    _python(code, check=False)


def multi_rank_job(world_size: int = 4) -> None:
    """A simulated torchelastic job: one process and one sink per rank, env identity."""
    for rank in range(world_size):
        env = {
            "RANK": str(rank),
            "LOCAL_RANK": str(rank % 2),
            "WORLD_SIZE": str(world_size),
            "TORCHELASTIC_RUN_ID": "elastic-run-42",
        }
        sink = OUT / "job_elastic-run-42" / f"rank{rank}"
        kwargs = {"flush_every_events": 8}
        _python(f"run(sink_dir={str(sink)!r}, blocks={rank + 1}, sink_kwargs={kwargs!r})", env=env)


def oom_bundle() -> None:
    """An OOMFlightRecorder bundle from CPU tracker events (torch's tracker is unavailable).

    The ring buffer is fed with the payload shape MemoryTracker records (legacy field
    names: timestamp, memory_allocated, device_used, backend...), built from a real CPU run.
    """
    code = f"""
    from dataclasses import asdict
    from stormlog.oom_flight_recorder import OOMFlightRecorder, OOMFlightRecorderConfig
    tracker = run()
    recorder = OOMFlightRecorder(OOMFlightRecorderConfig(enabled=True,
                                                         dump_dir={str(OUT / "oom")!r}))
    for event in tracker.events:
        payload = {{key: value for key, value in asdict(event).items()}}
        payload.update({{"active_memory": None, "inactive_memory": None,
                         "device_used": event.memory_allocated, "device_free": None,
                         "device_total": None, "backend": "cpu"}})
        recorder.record_event(payload)
    recorder.dump(reason="message_pattern:out of memory",
                  exception=MemoryError("CPU out of memory (simulated)"),
                  context="train step", backend="cpu",
                  session_summary=tracker.get_session_summary())
    """
    _python(code)
    (bundle,) = (OUT / "oom").iterdir()
    env_file = bundle / "environment.json"
    env_file.write_text(json.dumps({"redacted": "host environment removed"}, indent=2))


def gpumemprof_v2_export(python: Path) -> None:
    """gpu-memory-profiler 0.2.3.post1 CPUMemoryTracker.export_events (schema v2, JSON)."""
    if not python.exists():
        print(f"skipping v2 export: {python} not found", file=sys.stderr)
        return
    path = OUT / "gpumemprof_0.2.3_cpu_export.json"
    code = f"""
    import time
    from gpumemprof.cpu_profiler import CPUMemoryTracker
    tracker = CPUMemoryTracker(sampling_interval={SAMPLING_S!r})
    tracker.start_tracking()
    hold = [bytearray(4 * 1024 * 1024) for _ in range(3)]
    time.sleep(0.3)
    hold.clear()
    time.sleep(0.15)
    tracker.stop_tracking()
    tracker.export_events({str(path)!r}, format="json")
    """
    subprocess.run([str(python), "-c", textwrap.dedent(code)], check=True)


def main() -> None:
    """Regenerate every artifact from scratch."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gpumemprof-python", type=Path, default=Path("/tmp/gmpvenv/bin/python"))
    args = parser.parse_args()
    readme = (OUT / "README.md").read_text() if (OUT / "README.md").exists() else None
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    if readme is not None:
        (OUT / "README.md").write_text(readme)
    started = time.monotonic()
    cpu_tracker_exports()
    cpu_tracker_sink()
    multi_session_sink()
    multi_rank_job()
    oom_bundle()
    gpumemprof_v2_export(args.gpumemprof_python)
    print(f"artifacts written to {OUT} in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
