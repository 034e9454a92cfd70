"""Suite-wide settings.

On CI (``CI`` set), hypothesis runs derandomized: the same examples every run, so a
landing never depends on luck. Locally it explores new random examples each run (and
``STORMLOG_HYPOTHESIS_EXAMPLES=5000`` searches deeper).

The suite never writes to the user's real cache directory: ``XDG_CACHE_HOME`` points to a
temporary directory from the moment this file is imported (for session fixtures and the
programs tests start), and every test gets a fresh one of its own (the segment cache and
the SSH mirror start empty) with the cache settings of the command line reset.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import settings

from stormlog_core.browse import configure_cache

_SUITE_CACHE = tempfile.mkdtemp(prefix="stormlog-tests-cache-")
os.environ["XDG_CACHE_HOME"] = _SUITE_CACHE
atexit.register(shutil.rmtree, _SUITE_CACHE, True)

#: Seconds after which ``hang_guard`` fails a test.
HANG_SECONDS = 30

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """This test's own empty ``XDG_CACHE_HOME``; the cache back to its defaults after."""
    home = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("STORMLOG_TUI_NO_CACHE", raising=False)
    monkeypatch.delenv("STORMLOG_TUI_CACHE_MAX_BYTES", raising=False)
    yield home
    configure_cache()


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """Fail a test that runs for more than ``HANG_SECONDS`` (a hang: a blocking open, a
    read without end) instead of letting it stall the whole suite."""

    def timeout(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"did not return within {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
