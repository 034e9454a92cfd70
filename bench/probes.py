"""One measurement per process: ``python bench/probes.py PROBE ARGS...`` (run.py calls this).

Each probe imports what it needs, times the work with ``time.perf_counter`` (imports not
included), and prints one line ``BENCH-RESULT {json}`` with ``seconds``, the peak resident
memory (``ru_maxrss`` of this process plus that of its waited-for children, in KiB) and
probe-specific facts. Keeping probes in fresh processes keeps peak memory clean.

Probes:
    dataset JOB_DIR          ours: stormlog_core.browse.dataset.load_dataset([JOB_DIR]) + stats()
    compat RANK_DIR...       ours: stormlog_core.telemetry.load_telemetry_sessions per dir
    reference RANK_DIR...    stormlog 0.3.9: stormlog.telemetry.load_telemetry_sessions
    downsample POINTS BUCKETS  stormlog_core.browse.series.downsample_minmax, median of many runs
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import resource
import statistics
import sys
import time
from typing import Any

#: How many events of each session are compared between ours and the reference.
SAMPLED_EVENTS = 1000


def _stop_forkserver() -> None:
    """Stop multiprocessing's fork server so its (reaped) workers count as our children."""
    try:
        from multiprocessing import forkserver

        forkserver._forkserver._stop()  # type: ignore[attr-defined]
    except Exception:
        pass


def _peak_kib() -> dict[str, int]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"maxrss_self_kib": own, "maxrss_children_kib": children, "peak_kib": own + children}


def _emit(seconds: float, **facts: Any) -> None:
    _stop_forkserver()
    print("BENCH-RESULT " + json.dumps({"seconds": seconds, **_peak_kib(), **facts}), flush=True)


def probe_dataset(job_dir: str) -> None:
    from stormlog_core.browse.dataset import load_dataset

    started = time.perf_counter()
    ds = load_dataset([job_dir])
    stats = [s.stats() for s in ds.sessions]
    seconds = time.perf_counter() - started
    events = sum(s.event_count for s in ds.sessions)
    _emit(
        seconds,
        sessions=len(ds.sessions),
        events=events,
        warnings=len(ds.warnings),
        peak_allocated=max((s["peak_allocator_allocated_bytes"] or 0) for s in stats),
    )


def fingerprint(loaded: list[list[Any]], to_dict: Any) -> dict[str, Any]:
    """Sessions, event counts, summaries and a hash of sampled events, per rank dir."""
    digest = hashlib.sha256()
    sessions = events = 0
    for per_dir in loaded:
        for session in per_dir:
            sessions += 1
            count = len(session.events)
            events += count
            head = {
                "summary": dataclasses.asdict(session.summary),
                "sources": list(session.sources_loaded),
                "warnings": list(session.warnings),
                "events": count,
            }
            digest.update(json.dumps(head, sort_keys=True).encode())
            step = max(1, count // SAMPLED_EVENTS)
            for index in [*range(0, count, step), count - 1][: SAMPLED_EVENTS + 2]:
                if index >= 0:
                    event = to_dict(session.events[index])
                    digest.update(json.dumps(event, sort_keys=True, default=str).encode())
    return {"sessions": sessions, "events": events, "sha256": digest.hexdigest()}


def _probe_loader(module: str, dirs: list[str]) -> None:
    api = __import__(module, fromlist=["load_telemetry_sessions"])
    started = time.perf_counter()
    loaded = [api.load_telemetry_sessions(path) for path in dirs]
    seconds = time.perf_counter() - started
    peak = _peak_kib()  # before fingerprinting, which allocates on its own
    facts = fingerprint(loaded, api.telemetry_event_to_dict)
    _stop_forkserver()
    print("BENCH-RESULT " + json.dumps({"seconds": seconds, **peak, **facts}), flush=True)


def probe_downsample(points: str, buckets: str) -> None:
    import numpy as np

    from stormlog_core.browse.series import downsample_minmax

    n, width = int(points), int(buckets)
    rng = np.random.default_rng(7)
    x = 1_718_000_000_000_000_000 + np.cumsum(rng.integers(400_000_000, 600_000_000, n))
    walk = 30e9 + np.cumsum(rng.normal(0, 5e7, n))
    spike = walk.copy()
    spike[rng.integers(0, n)] = 79e9  # one-sample spike
    gaps = walk.copy()
    gaps[n // 3 : n // 3 + n // 10] = np.nan  # a collector outage
    series = {"random-walk": walk, "one-sample-spike": spike, "with-null-gap": gaps}
    times, kept, sizes = [], {}, []
    for name, y in series.items():
        for _ in range(15):
            started = time.perf_counter()
            out_x, out_y = downsample_minmax(x, y, width)
            times.append(time.perf_counter() - started)
        kept[name] = bool(np.nanmax(out_y) == np.nanmax(y)) and bool(
            np.nanmin(out_y) == np.nanmin(y)
        )
        sizes.append(len(out_x))
    median = statistics.median(times)
    _emit(median, runs=len(times), max_ms=max(times) * 1e3, extremes_kept=kept, sizes=sizes)


def main(argv: list[str]) -> int:
    probe, args = argv[0], argv[1:]
    if probe == "dataset":
        probe_dataset(args[0])
    elif probe == "compat":
        _probe_loader("stormlog_core.telemetry", args)
    elif probe == "reference":
        _probe_loader("stormlog.telemetry", args)
    elif probe == "downsample":
        probe_downsample(args[0], args[1])
    else:
        print(f"unknown probe {probe!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
