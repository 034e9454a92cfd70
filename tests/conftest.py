"""Suite-wide settings.

On CI (``CI`` set), hypothesis runs derandomized: the same examples every run, so a
landing never depends on luck. Locally it explores new random examples each run (and
``STORMLOG_HYPOTHESIS_EXAMPLES=5000`` searches deeper).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest
from hypothesis import settings

#: Seconds after which ``hang_guard`` fails a test.
HANG_SECONDS = 30

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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
