"""Stopped by a signal, the program leaves nothing behind (issue #16).

In a real terminal (tmux): ``kill -TERM`` and ``kill -HUP`` of the app restore the
terminal (``stty -a`` in the same pane shows ``icanon echo isig``; no alternate screen, no
mouse reporting), remove the temporary directories (the demo's and multiprocessing's
``pymp-*``) and end every process the app started. Outside a terminal: ``--summary``
stopped during a parallel load by SIGTERM or Ctrl-C exits 143 or 130, prints no traceback
and leaves no worker behind.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from e2e.tmux import Terminal, console_script, needs_tmux

REAL_SEGMENT = (
    Path(__file__).parents[1] / "data" / "real_gpu_job" / "rank-0" / "segment-000001.jsonl"
)


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (children, their children...)."""
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_dead(pids: set[int], seconds: float) -> set[int]:
    """The ``pids`` still alive after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.02)
    return {pid for pid in pids if alive(pid)}


def wait_for_file(path: Path, seconds: float = 30.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} was not written within {seconds} s")


@needs_tmux
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signalled_app_restores_the_terminal_and_cleans_up(
    terminal: Terminal, tmp_path: Path, signum: signal.Signals
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    status, modes = tmp_path / "status", tmp_path / "stty"
    command = (
        f"TMPDIR={shlex.quote(str(scratch))} {shlex.quote(str(console_script()))} --demo; "
        f"echo $? > {shlex.quote(str(status))}; stty -a > {shlex.quote(str(modes))}; sleep 600"
    )
    terminal.start(f"sh -c {shlex.quote(command)}")
    terminal.wait_for("● running", "8 sessions from 8 sources", settled=False)
    assert terminal.tmux("display", "-p", "-t", "e2e", "#{alternate_on}").strip() == "1"
    shell = int(terminal.tmux("display", "-p", "-t", "e2e", "#{pane_pid}"))
    (app,) = _children()[shell]
    started = descendants(app)
    assert started, "the app started no helper process (fork server, resource tracker)"
    assert {p.name.split("-")[0] for p in scratch.iterdir()} == {"pymp", "stormlog"}

    os.kill(app, signum)

    assert wait_for_file(status).strip() == str(128 + signum)
    flags = wait_for_file(modes).split()
    assert {"icanon", "echo", "isig"} <= set(flags), flags
    shown = terminal.tmux("display", "-p", "-t", "e2e", "#{alternate_on} #{mouse_any_flag}")
    assert shown.split() == ["0", "0"]  # back on the normal screen, mouse reporting off
    assert sorted(p.name for p in scratch.iterdir()) == []
    assert wait_until_dead(started, 1.0) == set()


@pytest.fixture
def large_job(tmp_path: Path) -> Path:
    """Four JSONL files of real stormlog records, large enough for a parallel load."""
    lines = REAL_SEGMENT.read_bytes()
    job = tmp_path / "job"
    job.mkdir()
    for rank in range(4):
        (job / f"rank-{rank}.jsonl").write_bytes(lines * 140)  # ~24 MB each
    return job


def _summary_in_its_own_group(job: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    out, err = (tmp_path / "out").open("wb"), (tmp_path / "err").open("wb")
    env = {**os.environ, "STORMLOG_TUI_WORKERS": "2"}
    return subprocess.Popen(
        [sys.executable, "-m", "stormlog_tui", "--summary", str(job)],
        stdout=out,
        stderr=err,
        env=env,
        start_new_session=True,  # its own process group, like a shell's foreground job
    )


def _first_workers(process: subprocess.Popen[bytes]) -> set[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        workers = descendants(process.pid)
        if workers:
            return workers
        time.sleep(0.005)
    raise AssertionError("--summary finished before it started worker processes")


@pytest.mark.parametrize(
    ("deliver", "expected"),
    [
        (lambda p: os.kill(p.pid, signal.SIGTERM), 143),
        (lambda p: os.killpg(p.pid, signal.SIGINT), 130),  # Ctrl-C: the whole group
    ],
    ids=["TERM", "ctrl-c"],
)
def test_a_stopped_summary_ends_its_workers_and_says_nothing_more(
    large_job: Path, tmp_path: Path, deliver: object, expected: int
) -> None:
    process = _summary_in_its_own_group(large_job, tmp_path)
    try:
        workers = _first_workers(process)
        deliver(process)  # type: ignore[operator]
        assert process.wait(timeout=30) == expected
        assert wait_until_dead(workers, 1.0) == set()
    finally:
        if process.poll() is None:
            process.kill()
    assert "Traceback" not in (tmp_path / "err").read_text()
