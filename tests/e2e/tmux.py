"""A real terminal for end-to-end tests: a detached tmux session on a private socket.

Tests using it are skipped only when tmux is not installed (``apt-get install -y tmux``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
#: Mark a test module ``pytestmark = needs_tmux``.
needs_tmux = pytest.mark.skipif(
    TMUX is None, reason="tmux not found: install it with `apt-get install -y tmux`"
)
WIDTH, HEIGHT = 100, 30


def console_script() -> Path:
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

    def start(self, command: str, width: int = WIDTH, height: int = HEIGHT) -> None:
        """Run ``command`` (a shell command line) in a new ``width`` x ``height`` pane."""
        size = ["-x", str(width), "-y", str(height)]
        subprocess.run([*self.base, "new-session", "-d", "-s", "e2e", *size, command], check=True)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, *texts: str, timeout: float = 30.0, settled: bool = True) -> str:
        """The first screen that shows every one of ``texts``.

        tmux can capture a frame the app is still painting, so a screen with the first text
        need not have the rest yet. With ``settled`` (for screens that stop changing), a
        screen counts only when the next capture, 0.2 s later, is the same; a live screen
        that never settles needs ``settled=False``.
        """
        deadline = time.monotonic() + timeout
        previous = None
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts) and (not settled or screen == previous):
                return screen
            previous = screen
            time.sleep(0.2)
        raise AssertionError(f"{texts!r} not on screen after {timeout}s:\n{self.screen()}")

    def quit(self, status_file: Path, key: str = "q") -> str:
        """Press ``key``, wait (up to 15 s) for the program to end, and return the exit
        status its shell command wrote to ``status_file``."""
        self.tmux("send-keys", "-t", "e2e", key)
        deadline = time.monotonic() + 15
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not self.alive(), self.screen()
        return status_file.read_text().strip()

    def alive(self) -> bool:
        return (
            subprocess.run([*self.base, "has-session", "-t", "e2e"], capture_output=True).returncode
            == 0
        )
