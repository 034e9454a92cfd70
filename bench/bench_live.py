"""Live following: latency from a writer's flush to the follower having the records, and
the cost of one update of 1k new events on a 1M-event session.

    python bench/bench_live.py [--quick]

Targets (issue 4): median latency < 1 s with native watching and < poll + 0.5 s with
polling; one 1k-event update on a 1M-event session < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from stormlog_core.browse.follow import Follower
from stormlog_core.testing.writer import SinkWriter
from stormlog_tui.live import LiveFollower

BASE_NS = 1_700_000_000_000_000_000


def record(index: int) -> dict[str, object]:
    """A compact valid v3 sample."""
    return {
        "schema_version": 3,
        "session_id": "bench",
        "timestamp_ns": BASE_NS + index * 1_000_000,
        "event_type": "sample",
        "collector": "stormlog.cuda_tracker",
        "sampling_interval_ms": 1,
        "pid": 1,
        "host": "node-0",
        "device_id": 0,
        "allocator_allocated_bytes": 1000 + index,
        "allocator_reserved_bytes": 2000 + index,
        "allocator_active_bytes": None,
        "allocator_inactive_bytes": None,
        "allocator_change_bytes": 1,
        "device_used_bytes": 3000 + index,
        "device_free_bytes": None,
        "device_total_bytes": 10**12,
        "context": None,
        "metadata": {"backend": "cuda"},
    }


def start_sink(root: Path) -> SinkWriter:
    writer = SinkWriter(root, flush_every_events=10**9, rollover_max_events=5000)
    writer.start_session(session_id="bench", started_at_ns=BASE_NS, host="node-0", pid=1)
    return writer


def measure_latency(poll: float | None, flushes: int, per_flush: int = 100) -> list[float]:
    """Seconds from each flush until the follower holds that flush's records."""
    root = Path(tempfile.mkdtemp()) / "sink"
    writer = start_sink(root)
    writer.append(record(0))
    writer.flush()
    follower = Follower([root])
    follower.load()
    flushed: list[tuple[int, float]] = []

    def write() -> None:
        index = 1
        for _ in range(flushes):
            time.sleep(0.15)
            for _ in range(per_flush):
                writer.append(record(index))
                index += 1
            writer.flush()
            flushed.append((index, time.monotonic()))
        writer.close()

    arrivals: list[tuple[int, float]] = []

    async def read() -> None:
        stop = asyncio.Event()
        bridge = LiveFollower(follower, poll_seconds=poll)
        async for _event in bridge.updates(stop):
            session = follower.dataset.session("bench")
            count = session.event_count if session else 0
            arrivals.append((count, time.monotonic()))
            if count >= flushes * per_flush + 1:
                stop.set()

    thread = threading.Thread(target=write)
    thread.start()
    asyncio.run(asyncio.wait_for(read(), timeout=120))
    thread.join()
    return [next(at for count, at in arrivals if count >= n) - t for n, t in flushed]


def measure_update_cost(events: int, added: int, repeats: int) -> list[float]:
    """Seconds for one refresh that reads ``added`` new events on an ``events`` session."""
    root = Path(tempfile.mkdtemp()) / "sink"
    writer = SinkWriter(root, flush_every_events=10_000, rollover_max_events=10**9)
    writer.start_session(session_id="bench", started_at_ns=BASE_NS, host="node-0", pid=1)
    for index in range(events):
        writer.append(record(index))
    writer.flush()
    follower = Follower([root], workers=1)
    follower.load()
    costs = []
    index = events
    for _ in range(repeats):
        for _ in range(added):
            writer.append(record(index))
            index += 1
        writer.flush()
        start = time.perf_counter()
        update = follower.refresh()
        costs.append(time.perf_counter() - start)
        assert update.records == added, update
    session = follower.dataset.session("bench")
    assert session is not None and session.event_count == index
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k-event session, fewer flushes")
    parser.add_argument("--poll", type=float, default=1.0, help="polling interval to measure")
    args = parser.parse_args()
    flushes = 10 if args.quick else 20
    native = measure_latency(None, flushes)
    polled = measure_latency(args.poll, flushes)
    events = 100_000 if args.quick else 1_000_000
    costs = measure_update_cost(events, 1000, 5)
    rows = [
        ("latency, native watching (median s)", statistics.median(native), 1.0),
        (f"latency, polling {args.poll:g}s (median s)", statistics.median(polled), args.poll + 0.5),
        (f"1k-event update on {events:,} events (median ms)", statistics.median(costs) * 1e3, 50),
    ]
    print(f"{'measurement':<48} {'ours':>10} {'target':>10}  result")
    for name, value, target in rows:
        verdict = "PASS" if value < target else "FAIL"
        print(f"{name:<48} {value:>10.3f} {target:>10.3f}  {verdict}")
    print(json.dumps({"native_s": native, "polling_s": polled, "update_s": costs}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
