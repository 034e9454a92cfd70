"""End to end: the installed ``stormlog-tui`` console script in a real terminal (tmux).

The test starts the script on a small job in a detached tmux session on a private socket,
reads the screen with ``tmux capture-pane -p``, presses ``q`` and checks the exit status.
It is skipped only when tmux is not installed (``apt-get install -y tmux``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stormlog_core.testing.simulate import JobSpec, write_job

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux not found: install it with `apt-get install -y tmux`"
)
HOST = "[bold]node-07[/bold]"
WIDTH, HEIGHT = 100, 30


def _console_script() -> Path:
    script = Path(sys.executable).with_name("stormlog-tui")
    found = script if script.exists() else shutil.which("stormlog-tui")
    assert found, "the stormlog-tui console script is not installed (pip install -e .)"
    return Path(found)


class Terminal:
    """A detached tmux session on its own socket, running one command."""

    def __init__(self, socket: str) -> None:
        self.base = [str(TMUX), "-L", socket, "-f", os.devnull]

    def tmux(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=30)
        return done.stdout

    def start(self, command: str) -> None:
        size = ["-x", str(WIDTH), "-y", str(HEIGHT)]
        subprocess.run([*self.base, "new-session", "-d", "-s", "e2e", *size, command], check=True)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        """The first settled screen that shows every one of ``texts``.

        tmux can capture a frame the app is still painting, so a screen with the first text
        need not have the rest yet: a screen counts only when it shows all the texts and the
        next capture, 0.2 s later, is the same.
        """
        deadline = time.monotonic() + timeout
        previous = None
        while time.monotonic() < deadline:
            screen = self.screen()
            if screen == previous and all(text in screen for text in texts):
                return screen
            previous = screen
            time.sleep(0.2)
        raise AssertionError(f"{texts!r} not on screen after {timeout}s:\n{self.screen()}")

    def alive(self) -> bool:
        return (
            subprocess.run([*self.base, "has-session", "-t", "e2e"], capture_output=True).returncode
            == 0
        )


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(f"stormlog-e2e-{os.getpid()}-{tmp_path.name}")
    yield term
    term.tmux("kill-server")


def test_console_script_shows_the_sessions_and_quits_on_q(
    terminal: Terminal, tmp_path: Path
) -> None:
    job = tmp_path / "job"
    write_job(JobSpec(ranks=3, samples_per_rank=30, hosts=(HOST,), seed=5), job)
    status_file = tmp_path / "status"
    script = shlex.quote(str(_console_script()))
    command = f"{script} {shlex.quote(str(job))}; echo $? > {shlex.quote(str(status_file))}"
    terminal.start(f"sh -c {shlex.quote(command)}")

    screen = terminal.wait_for("3 sessions from 3 sources")
    lines = screen.splitlines()
    assert "stormlog-tui" in lines[0]
    rows = [line for line in lines if "completed" in line]
    assert len(rows) == 3
    assert all(HOST in row for row in rows)  # markup shown as typed, not as bold
    assert [row.split()[2] for row in rows] == ["0/3", "1/3", "2/3"]
    screen = terminal.wait_for(" Quit ")
    assert "Quit" in screen.rstrip().splitlines()[-1], screen

    terminal.tmux("send-keys", "-t", "e2e", "Enter")  # drill into the job
    # the chart and its legend come from a worker
    terminal.wait_for(
        "━ rank 2", "3/3 ranks · showing all", "allocated (GiB)", "Peak alloc", "device total"
    )
    terminal.tmux("send-keys", "-t", "e2e", "+")  # zoom in
    assert "(zoomed)" in terminal.wait_for("(zoomed)")
    terminal.tmux("send-keys", "-t", "e2e", "?")
    terminal.wait_for("stormlog-tui keys", "Zoom +")
    terminal.tmux("send-keys", "-t", "e2e", "Escape")
    terminal.tmux("send-keys", "-t", "e2e", "Escape")  # back to the sessions
    terminal.wait_for("3 sessions from 3 sources")
    terminal.tmux("send-keys", "-t", "e2e", "q")
    deadline = time.monotonic() + 15
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not terminal.alive(), terminal.screen()
    assert status_file.read_text().strip() == "0"
