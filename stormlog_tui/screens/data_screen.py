"""DataScreen: a screen that shows what the app shows, computed off the event loop.

The app sets ``shown`` for every load and live update. A data screen hands each new value
to :meth:`DataScreen.compute` (which starts a thread worker) through a
:class:`~stormlog_tui.coalesce.Coalescer`, so at most one computation runs and the newest
data always gets computed. A screen that is not visible (another screen is on top) does
nothing until it comes back, then computes the newest data once.

Each ``@work`` of a data screen passes ``description``: without it, Textual writes the
worker's description with ``repr()`` of its arguments, a whole dataset, on the event loop.
And each worker runs with the cyclic garbage collector paused (core's ``gc_paused``): the
workers allocate many short-lived objects, and a full collection started in a worker holds
the GIL, so it stops the event loop as surely as one started on it.
"""

from __future__ import annotations

from textual.screen import Screen

from stormlog_core.browse import gc_paused
from stormlog_tui.coalesce import Coalescer
from stormlog_tui.view.shown import Shown

__all__ = ["DataScreen", "gc_paused"]


class DataScreen(Screen[None]):
    """Base of the screens that compute their rows from ``StormlogApp.shown``."""

    def __init__(self) -> None:
        super().__init__()
        self._data = Coalescer[Shown](self.compute)
        self._hidden_update: Shown | None = None

    def on_mount(self) -> None:
        self.watch(self.app, "shown", self._shown_changed)

    def on_screen_resume(self) -> None:
        if self._hidden_update is not None:
            shown, self._hidden_update = self._hidden_update, None
            self._data.submit(shown)

    def _shown_changed(self, shown: Shown | None) -> None:
        if shown is None:
            return
        if self.is_current:
            self._data.submit(shown)
        else:
            self._hidden_update = shown

    def compute(self, shown: Shown) -> object:
        """Start computing what to show from ``shown`` (a thread worker); its result's
        handler calls :meth:`computed`."""
        raise NotImplementedError

    def computed(self) -> None:
        """The last computation was shown: start on newer data, if any arrived."""
        self._data.done()
