"""Coalescer: run one job at a time on the newest input, so slow work never piles up.

A live dataset can change every quarter second while the statistics of a big job take
longer than that. The screens hand each new input to a ``Coalescer``: it starts the job
at once when none runs; otherwise the input waits, replacing any older waiting one, and
starts when the running job reports ``done()``. Every result is shown (none is cancelled
half-way), and the last input is always computed. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Coalescer(Generic[T]):
    """Calls ``start(item)`` for the newest submitted item, one call at a time."""

    def __init__(self, start: Callable[[T], object]) -> None:
        self._start = start
        self._running = False
        self._waiting: list[T] = []

    def submit(self, item: T) -> None:
        """Start on ``item`` now, or when the running job is done (newest item wins)."""
        if self._running:
            self._waiting[:] = [item]
            return
        self._running = True
        self._start(item)

    def done(self) -> None:
        """The running job finished: start on the newest waiting item, if any."""
        if self._waiting:
            self._start(self._waiting.pop())
        else:
            self._running = False
