"""The ``terminal`` fixture: a private tmux server per test, killed afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.tmux import Terminal


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(f"stormlog-e2e-{os.getpid()}-{tmp_path.name}")
    yield term
    term.tmux("kill-server")
