"""Chart redraw preparation after a zoom or pan, on series already in memory.

    python bench/bench_charts.py [--repeat N]

Builds two jobs in memory (512 ranks x 10k samples, and 8 ranks x 1M samples), then times
``stormlog_tui.view.chart_data.prepare_chart`` for the full range, a zoom in and a pan, at a
chart width of 200 columns. Target: under 100 ms each (issue 5). Prints the median of
``--repeat`` runs and how many points plotext would be handed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

import numpy as np

from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.fields import COUNTERS as SERIES_FIELDS
from stormlog_core.schema.sessions import SessionSummary
from stormlog_tui.view.chart_data import ChartView, prepare_chart
from stormlog_tui.view.detail_group import DetailGroup, make_group
from stormlog_tui.view.time_window import TimeWindow

GIB = 1024.0**3
START_NS = 1_718_000_000_000_000_000
TARGET_MS = 100.0


def rank_session(rank: int, world: int, samples: int, rng: np.random.Generator) -> SessionData:
    """One rank's session: ``samples`` samples at 100 ms, rank 3 leaking, a null gap."""
    stamps = START_NS + np.arange(samples, dtype=np.int64) * 100_000_000
    base = 20 * GIB + rng.normal(0, 0.3 * GIB, samples)
    if rank == 3:
        base += np.linspace(0, 40 * GIB, samples)
    values = {name: np.full(samples, np.nan) for name in SERIES_FIELDS}
    values["allocator_allocated_bytes"] = base
    values["allocator_reserved_bytes"] = base + 2 * GIB
    values["device_used_bytes"] = base + 3 * GIB
    values["device_total_bytes"] = np.full(samples, 80 * GIB)
    values["allocator_allocated_bytes"][samples // 2 : samples // 2 + samples // 50] = np.nan
    series = Series(stamps, values, np.ones(samples, dtype=bool))
    summary = SessionSummary(
        f"s-{rank}", "completed", START_NS, int(stamps[-1]), "node", 1, "bench", rank, 0, world
    )
    return SessionData(summary, series, sampling_interval_ms=100)


def build_group(ranks: int, samples: int) -> DetailGroup:
    """A job of ``ranks`` sessions of ``samples`` samples each."""
    rng = np.random.default_rng(0)
    sessions = [rank_session(rank, ranks, samples, rng) for rank in range(ranks)]
    return make_group("job:bench", "job bench", sessions)


def time_ms(group: DetailGroup, view: ChartView, repeat: int) -> tuple[float, int]:
    """Median milliseconds of ``prepare_chart`` and the points handed to plotext."""
    runs, points = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        data = prepare_chart(group.tracks, view)
        runs.append((time.perf_counter() - began) * 1000)
        points = data.points
    return statistics.median(runs), points


def bench(ranks: int, samples: int, repeat: int) -> None:
    """Print the timings of one job size."""
    began = time.perf_counter()
    group = build_group(ranks, samples)
    print(f"{ranks} ranks x {samples:,} samples (built in {time.perf_counter() - began:.1f}s)")
    window = TimeWindow.full(group.origin_ns, group.end_ns)
    cases = {
        "full range": window,
        "zoom in x4": window.zoom(0.25, 0.7),
        "pan right 25%": window.zoom(0.25, 0.7).pan(-0.25),
    }
    base = ChartView(window.start_ns, window.end_ns, group.origin_ns, columns=200)
    for name, case in cases.items():
        view = replace(base, start_ns=case.start_ns, end_ns=case.end_ns)
        ms, points = time_ms(group, view, repeat)
        verdict = "ok" if ms < TARGET_MS else "SLOW"
        print(f"  {name:<14} {ms:7.1f} ms  ({points:,} points)  {verdict} (< {TARGET_MS:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bench(512, 10_000, args.repeat)
    bench(8, 1_000_000, args.repeat)


if __name__ == "__main__":
    main()
