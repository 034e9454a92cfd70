"""DataScreen: a screen that shows what the app shows, computed off the event loop.

The app sets ``shown`` for every load and live update. A data screen hands each new value
to :meth:`DataScreen.compute` (which starts a thread worker) through a
:class:`~stormlog_tui.coalesce.Coalescer`, so at most one computation runs and the newest
data always gets computed. A screen that is not visible (another screen is on top) does
nothing until it comes back, then computes the newest data once. A new screen starts
computing once it is drawn, and its footer too (the footer shows its keys one refresh
later): a worker started with it would compete for the GIL with its first styling,
layout and paints, and double the time they block the event loop.

Each ``@work`` of a data screen passes ``description``: without it, Textual writes the
worker's description with ``repr()`` of its arguments, a whole dataset, on the event loop.
And each worker computes in its turn (:func:`worker_turn`): one at a time, with the cyclic
garbage collector paused.

* One at a time: the workers are Python code that needs the GIL, so two of them are not
  faster than one, and each thread waiting for the GIL makes the event loop wait longer
  for it (every 5 ms the GIL goes to one of the waiting threads; with three workers
  waiting, a key press waited up to 50 ms on a 512-rank job).
* The collector paused: the workers allocate many short-lived objects, and a full
  collection started in a worker holds the GIL, so it stops the event loop as surely as
  one started on it. The pause is counted, as core's loader may pause it too: the
  collector comes back when the last pause ends (and only if it was on before the first).

A worker gets its input through a :class:`Handoff`, never as an argument: Textual keeps a
finished worker in a reference cycle (its task's context holds it), and with it the
arguments of its call, until a full garbage collection. Handed as arguments, the dataset,
the group and the chart request of every live update stayed alive that long, and each
full collection, which walks them, blocked the event loop for 20-40 ms.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from textual import events
from textual.screen import Screen

from stormlog_core.browse import release_free_memory
from stormlog_tui.coalesce import Coalescer
from stormlog_tui.view.shown import Shown
from stormlog_tui.widgets.status_line import StatusLine

__all__ = ["DataScreen", "Handoff", "worker_turn"]

T = TypeVar("T")

_turn = threading.Lock()
_pause_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def worker_turn() -> Iterator[None]:
    """Compute alone (wait for the other screen workers) with the collector paused; then
    give the memory the work freed back to the system (a job view's first computation
    frees a hundred megabytes of temporaries at 1M records)."""
    with _turn, _gc_paused():
        yield
        release_free_memory()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector until every pause is done (it comes back only
    if it was on when the first one paused it)."""
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


class Handoff(Generic[T]):
    """Starts a thread worker without arguments and hands it its input: what a
    :class:`~stormlog_tui.coalesce.Coalescer` starts (one input at a time)."""

    def __init__(self, worker: Callable[[], object]) -> None:
        self._worker = worker
        self._item: T | None = None

    def __call__(self, item: T) -> None:
        self._item = item
        self._worker()

    def take(self) -> T:
        """The input of the worker just started (called once, by the worker)."""
        item, self._item = self._item, None
        if item is None:
            raise RuntimeError("a worker took its input twice")
        return item


class DataScreen(Screen[None]):
    """Base of the screens that compute their rows from ``StormlogApp.shown``; the
    status line of each (if it has one) says what the app shows, and how the remote hosts
    are (``StormlogApp.hosts``), on whichever screen is open."""

    def __init__(self) -> None:
        super().__init__()
        self._shown_in = Handoff[Shown](self.compute)
        self._data = Coalescer[Shown](self._shown_in)
        self._hidden_update: Shown | None = None
        self._resized = False

    def on_mount(self) -> None:
        self.call_after_refresh(self.call_after_refresh, self._start_watching)
        shown = getattr(self.app, "shown", None)
        if isinstance(shown, Shown):  # a screen opened on data: say it before computing
            self.show_status(shown)
        self.watch(self.app, "hosts", self._hosts_changed)

    def show_status(self, shown: Shown) -> None:
        """Say in the status line what the app shows (call it with the rows computed from
        ``shown``, so the line and the rows agree)."""
        for line in self.query(StatusLine):
            line.show(shown)

    def _hosts_changed(self, hosts: tuple[str, ...]) -> None:
        for line in self.query(StatusLine):
            line.show_hosts(hosts)

    def _start_watching(self) -> None:
        self.watch(self.app, "shown", self._shown_changed)

    def on_resize(self, event: events.Resize) -> None:
        first, self._resized = not self._resized, True
        if first and event.size == self.size:
            # The screen was just laid out at this size (its first layout tells it its size
            # this way): Textual's handler would lay it out and paint it again, and the
            # screens below it too, for nothing. Only the first: when the terminal is
            # resized, the screen already has its new size when this arrives, and must
            # still be laid out at it.
            event.prevent_default()

    def on_screen_resume(self) -> None:
        if self._hidden_update is not None:
            shown, self._hidden_update = self._hidden_update, None
            self._data.submit(shown)

    def _shown_changed(self, shown: Shown | None) -> None:
        if shown is None:
            return
        if self.in_sight():
            self._data.submit(shown)
        else:
            self._hidden_update = shown

    def in_sight(self) -> bool:
        """The screen is on top, or shows through the screens above it (a modal dialog).
        Not Textual's ``is_current``: it counts the screen just below the top one as
        visible whatever covers it, so a hidden sessions screen kept computing and
        redrawing under the job screen at every live update (and the whole terminal
        with it)."""
        for screen in reversed(self.app.screen_stack):
            if screen is self:
                return True
            if screen.styles.background.a == 1:
                return False
        return False

    def compute(self) -> object:
        """Start computing what to show from :meth:`take_shown` (a thread worker); its
        result's handler calls :meth:`computed`."""
        raise NotImplementedError

    def take_shown(self) -> Shown:
        """What :meth:`compute` computes from (the worker takes it once)."""
        return self._shown_in.take()

    def computed(self) -> None:
        """The last computation was shown: start on newer data, if any arrived."""
        self._data.done()
