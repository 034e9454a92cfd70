"""The real app on a big job with stormlog's record mix: first screen, job view, keys, memory.

    .venv/bin/python bench/bench_app.py [--job mix-1m|mix-100k|mix-512x20k] [--size 200x50]

Runs the app headless (``App.run_test()``, the real screens, workers and loader) on a job
written by ``make_mix.py`` (stormlog's own sink, its GPU tracker's record mix) and times:

* the sessions listed: from the start of this process (imports included) and from the
  app's start, until the sessions table holds every session (the manifests' preview);
* the load: until every file is parsed and the sessions show their loaded records;
* ``enter`` on the first session until its job view is drawn: rank statistics, chart,
  rank table and the events (every worker finished, every message handled);
* keys in the job view, each until everything it started is drawn: zoom in (``+``), the
  next metric (``m``), the events tab (``v``) and its type filter (``f``), a text filter;
* the peak memory of the process (and its worker processes, ``ru_maxrss``).

Targets (issue 11): sessions < 0.5 s, enter < 1 s, a key < 100 ms (< 200 ms at 512 ranks),
peak <= 400 MiB (1M). Not run by the tests.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

# A key's time is the time until what it changed is drawn, not the tabs' underline sliding
# to the new tab afterwards (the pilot waits for animations to end).
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_mix  # noqa: E402
from bench_event_loop import settle  # noqa: E402
from run import tree_memory_kib  # noqa: E402

from stormlog_core.browse import prepare_workers  # noqa: E402
from stormlog_tui.app import make_app  # noqa: E402
from stormlog_tui.screens import DetailScreen  # noqa: E402
from stormlog_tui.widgets import EventsView, FilterBar, SessionsTable  # noqa: E402

KEY_TARGET_MS = {"mix-512x20k": 200.0}
#: After this long with nothing to do, the app is taken to be done with a key.
QUIET_S = 0.1
#: A frame: Textual paints what changed at most this often.
FRAME_S = 1 / 60


def send_key(app: Any, key: str) -> None:
    """Send ``key`` to the app as the terminal would (the pilot's ``press`` also waits
    for the app to look idle, 20 ms at least, twice, which is not the app's time)."""
    from textual import events

    char = key if len(key) == 1 else {"plus": "+"}.get(key)
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


def _pending(app: Any) -> bool:
    nodes = [app, *app.screen.walk_children(with_self=True)]
    return any(node._message_queue.qsize() for node in nodes)


async def drawn(app: Any) -> float:
    """Wait until the app has been idle for :data:`QUIET_S` (no worker running, no message
    waiting: a screen starts its work a frame or two after it is drawn); return when it
    was last busy, plus a frame for the paint."""
    last_busy = time.perf_counter()
    while time.perf_counter() - last_busy < QUIET_S:
        busy = [w for w in app.workers if w.group != "follow" and not w.is_finished]
        if busy:
            await app.workers.wait_for_complete(busy)
            last_busy = time.perf_counter()
            continue
        if _pending(app):
            last_busy = time.perf_counter()
        await asyncio.sleep(0.001)
    return last_busy + FRAME_S


async def timed_keys(app: Any, keys: list[str]) -> float:
    """Seconds from the first key until what the keys changed is drawn."""
    took = 0.0
    for key in keys:
        began = time.perf_counter()
        send_key(app, key)
        took += await drawn(app) - began
    return took


def _rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class TreeMemory:
    """Samples the memory of this process and its workers every 50 ms (PSS summed)."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kib = max(self.peak_kib, tree_memory_kib(os.getpid()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024


async def measure(job: Path, sessions: int, size: tuple[int, int]) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    prepare_workers()  # as the command does before the app takes the terminal
    app = make_app([job], follow=False, clock=lambda: datetime(2026, 12, 4, 12))
    app_started = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        table = app.screen.query_one(SessionsTable)
        while table.row_count < sessions:
            await asyncio.sleep(0.005)
        listed = time.perf_counter()
        rows.append(("sessions listed (from process start)", listed - STARTED, "< 0.5 s"))
        rows.append(("sessions listed (from app start)", listed - app_started, "< 0.5 s"))
        await settle(app, pilot)
        while app.shown is None or any(s.loading for s in app.shown.dataset.sessions):
            await asyncio.sleep(0.01)
        await settle(app, pilot)
        rows.append(("every file parsed, sessions filled in", time.perf_counter() - listed, "-"))
        rows.append(("resident memory after the load (MiB)", _rss_mib(), "-"))
        took = await timed_keys(app, ["enter"])
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.group is not None
        rows.append(("enter: job view drawn", took, "< 1 s"))
        rows.append(("resident memory with the job view open (MiB)", _rss_mib(), "-"))
        target = f"< {KEY_TARGET_MS.get(job.name, 100.0):.0f} ms"
        for label, keys in (
            ("zoom in (+)", ["plus"]),
            ("next metric (m)", ["m"]),
            ("events tab (v)", ["v"]),
            ("event type filter (f)", ["f"]),
            ("each other event type (f, x7, mean)", ["f"] * 7),
        ):
            took = await timed_keys(app, keys)
            rows.append((f"key: {label}", took / len(keys), target))
        view = screen.query_one(EventsView)
        events = len(view.all_rows)
        screen.query_one("#event-filter", FilterBar).open()
        await settle(app, pilot)
        took = await timed_keys(app, [*"forward", "enter"])
        rows.append((f"text filter 'forward' over {events:,} events, per key", took / 8, target))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", choices=list(make_mix.JOBS), default="mix-1m")
    parser.add_argument("--size", default="200x50", help="terminal size, COLUMNSxROWS")
    parser.add_argument(
        "--cache",
        action="store_true",
        help="use the cache of closed segments (by default the files are parsed)",
    )
    args = parser.parse_args()
    if not args.cache:
        os.environ["STORMLOG_TUI_NO_CACHE"] = "1"
    job = make_mix.ensure_job(args.job)
    columns, lines = (int(part) for part in args.size.split("x"))
    spec = make_mix.JOBS[args.job]
    how = "the segment cache" if args.cache else "no cache: every file parsed"
    print(f"the app on {job} ({spec.ranks} ranks x {spec.per_rank:,} records), {args.size}, {how}")
    memory = TreeMemory()
    found: Any = asyncio.run(measure(job, spec.ranks, (columns, lines)))
    found.append(
        ("peak memory (MiB, PSS of the process and its workers)", memory.stop(), "<= 400 MiB")
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found.append(("peak resident memory of the app process alone (MiB)", own, "-"))
    for label, value, target in found:
        shown = f"{value:,.0f} MiB" if "MiB" in label else f"{value * 1e3:,.0f} ms"
        print(f"  {label:<48} {shown:>10}   target {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
