"""How long the app's event loop is blocked while a big job arrives, is browsed and grows.

    .venv/bin/python bench/bench_event_loop.py [--ranks 512] [--samples 10000]

Builds a job in memory (``bench_ranks.build_job``: ``--ranks`` ranks x ``--samples``
samples, one leaking rank, 60 events per rank), runs the real app headless
(``App.run_test()``) on an empty directory and feeds it the job the way the load worker
and the live bridge do: ``DatasetLoaded``, then ``DatasetUpdated`` with a dataset that
grew, on the jobs view and on each tab of the job screen (ranks, events, phases). A
heartbeat task sleeps 5 ms
at a time on the app's event loop and records the longest gap between two beats; that gap
is the longest time a key press would have waited. The loop thread's CPU time in its
longest single callback is shown next to it: on a shared machine the gap also counts time
the loop waited for a CPU (or for the GIL, held by the app's workers). The sequence runs
``--repeat`` times; the median of each step's figures is printed. Target: never more than
50 ms. Not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from stormlog_core.browse import Dataset, SessionData

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ranks import build_job

from stormlog_tui.app import StormlogApp, make_app
from stormlog_tui.messages import DatasetLoaded, DatasetUpdated

TARGET_MS = 50.0
BEAT_S = 0.005
#: Each live update adds this many samples per rank (the job arrives that many short for
#: every live update the steps make).
GROWTH = 100


class Heartbeat:
    """Beats every 5 ms on the running loop; remembers the longest gap per step, and the
    loop thread's CPU time in its longest callback."""

    def __init__(self) -> None:
        self.step = "start"
        self.gaps: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._stop = False

    @contextmanager
    def timing_callbacks(self) -> Iterator[None]:
        """Time every callback the loop runs (its thread's CPU time)."""
        run = asyncio.events.Handle._run

        def timed(handle: asyncio.Handle) -> None:
            began = time.thread_time()
            run(handle)
            spent = time.thread_time() - began
            self.cpu[self.step] = max(self.cpu.get(self.step, 0.0), spent)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            asyncio.events.Handle._run = run  # type: ignore[method-assign]

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not self._stop:
            await asyncio.sleep(BEAT_S)
            now = loop.time()
            self.gaps[self.step] = max(self.gaps.get(self.step, 0.0), now - last - BEAT_S)
            last = now

    def stop(self) -> None:
        self._stop = True


def grown(sessions: list[SessionData], samples: int) -> Dataset:
    """The job as it looked with ``samples`` samples per rank (views, no copies)."""
    cut = []
    for session in sessions:
        end = int(session.series.timestamp_ns[min(samples, len(session.series)) - 1])
        events = [event for event in session.events if event.timestamp_ns <= end]
        cut.append(replace(session, series=session.series.window(None, end), events=events))
    return Dataset(sessions=cut)


def _busy(app: StormlogApp) -> list[Any]:
    return [w for w in app.workers if w.group != "follow" and not w.is_finished]


async def settle(app: StormlogApp, pilot: Any) -> None:
    """Wait until no worker but the follower runs and the screens handled what they posted.

    Workers are awaited, not polled: ``pilot.pause()`` spins while any thread uses the
    CPU, which would slow the workers down (they need the GIL) and blur the figures.
    """
    for _ in range(2000):
        busy = _busy(app)
        if busy:
            await app.workers.wait_for_complete(busy)
            await asyncio.sleep(0.01)
            continue
        await pilot.pause()
        if not _busy(app):
            return
    raise RuntimeError("the app never settled")


async def measure(sessions: list[SessionData], samples: int) -> Heartbeat:
    """Run the steps; return the heartbeat with the figures of each step, in seconds."""
    heart = Heartbeat()
    with tempfile.TemporaryDirectory() as empty:
        app = make_app([empty], follow=False, clock=lambda: datetime(2024, 6, 10, 12))
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            beat = asyncio.create_task(heartbeat_task(heart))

            def press(key: str) -> Callable[[], Awaitable[None]]:
                return lambda: pilot.press(key)

            updates = 5
            # Built before measuring: in the app, datasets are built by the loader's thread.
            datasets = [grown(sessions, samples - n * GROWTH) for n in range(updates, -1, -1)]

            def update(loaded: bool = False) -> Callable[[], Awaitable[None]]:
                async def post() -> None:
                    dataset = datasets.pop(0)
                    message = DatasetLoaded(dataset) if loaded else DatasetUpdated(dataset, "bench")
                    app.post_message(message)

                return post

            steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
                ("the job is loaded (sessions screen)", update(loaded=True)),
                ("open the jobs view (j)", press("j")),
                ("live update on the jobs view", update()),
                ("open the job (enter)", press("enter")),
                ("live update on the job screen", update()),
                ("show the events (v)", press("v")),
                ("live update on the events tab", update()),
                ("show the phases (v)", press("v")),
                ("live update on the phases tab", update()),
                ("back to the ranks (v)", press("v")),
                ("zoom in (+)", press("plus")),
                ("chart the flagged rank (enter)", press("enter")),
                ("live update with one rank charted", update()),
            ]
            with heart.timing_callbacks():
                for name, act in steps:
                    heart.step = name
                    await act()
                    await settle(app, pilot)
                heart.step = "end"
            assert not datasets, "one dataset per live update, and one for the load"
            heart.stop()
            await beat
    for figures in (heart.gaps, heart.cpu):
        figures.pop("end", None)
        figures.pop("start", None)
    return heart


async def heartbeat_task(heart: Heartbeat) -> None:
    await heart.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, default=512)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    sessions = build_job(args.ranks, args.samples)
    print(
        f"event loop, {args.ranks} ranks x {args.samples:,} samples "
        f"(built in {time.perf_counter() - began:.1f} s)"
    )
    runs = []
    for _ in range(args.repeat):
        runs.append(asyncio.run(measure(sessions, args.samples)))
        gc.unfreeze()  # the app froze what was alive at its load: free the finished run
        gc.collect()
    print(
        f"per step, median of {args.repeat} run(s): longest block (wall) / longest callback (CPU)"
    )
    worst = 0.0
    for name in runs[0].gaps:
        gap = statistics.median(run.gaps[name] for run in runs) * 1000
        cpu = statistics.median(run.cpu.get(name, 0.0) for run in runs) * 1000
        worst = max(worst, gap)
        verdict = "ok" if gap <= TARGET_MS else "BLOCKS"
        print(f"  {name:<36} {gap:7.1f} ms / {cpu:5.1f} ms  {verdict}")
    verdict = "ok" if worst <= TARGET_MS else "over"
    print(f"longest block: {worst:.1f} ms (target <= {TARGET_MS:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
