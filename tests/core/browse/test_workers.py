"""Worker processes of a parallel load never outlive the process that started them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from generators import v3_record

from stormlog_core.browse.read import worker_count

#: A load whose parser is slowed down; each worker prints its pid when it starts parsing.
SLOW_LOAD = textwrap.dedent(
    """
    import os, sys, time
    import stormlog_core.browse.read as read

    real = read.parse_jsonl_pieces
    def slow(*args, **kwargs):  # runs in a worker: say who it is, then take long
        os.write(1, b"%d\\n" % os.getpid())  # one write: lines never interleave
        time.sleep(60)
        return real(*args, **kwargs)
    read.parse_jsonl_pieces = slow
    read.PARALLEL_MIN_BYTES = 0
    from stormlog_core.browse import load_dataset
    load_dataset(sys.argv[1:], workers=2)
    """
)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that is not ours counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def write_files(tmp_path: Path) -> list[str]:
    paths = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(v3_record(i, session_id=name)) + "\n" for i in range(5)))
        paths.append(str(path))
    return paths


def start(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_LOAD, *write_files(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    workers = [int(process.stdout.readline()) for _ in range(2)]
    assert len(set(workers)) == 2 and process.pid not in workers, "2 worker processes"
    return process, workers


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_workers_die_within_a_second_when_the_parent_is_killed(tmp_path: Path) -> None:
    process, workers = start(tmp_path)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert gone_within(workers, 1.0), [pid for pid in workers if alive(pid)]


def test_ctrl_c_during_a_parallel_load_stops_the_workers(tmp_path: Path) -> None:
    process, workers = start(tmp_path)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=10)
    assert process.returncode != 0
    assert gone_within(workers, 1.0), [pid for pid in workers if alive(pid)]


def test_worker_count_follows_the_environment_then_the_cpu_affinity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORMLOG_TUI_WORKERS", "5")
    assert worker_count() == 5
    monkeypatch.setenv("STORMLOG_TUI_WORKERS", "nonsense")
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    assert worker_count() == (expected or os.cpu_count())
