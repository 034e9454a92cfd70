#!/usr/bin/env python3
"""Regenerate ``assets/demo/``: a small finished 8-rank job (rank 3 leaks, rank 5's
collector drops out for a while), one sink directory per rank.

    .venv/bin/python assets/make_demo.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from stormlog_core.testing.simulate import JobSpec, write_job

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_SPEC = JobSpec(
    job_id="llm-pretrain-4821",
    ranks=8,
    samples_per_rank=150,
    interval_ms=500,
    start_ns=1_718_000_000_000_000_000,
    seed=1,
    leak_rank=3,
    degraded_rank=5,
)


def main() -> int:
    """Write the demo capture (replacing the old one) and print its size."""
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    sinks = write_job(DEMO_SPEC, DEMO_DIR, rollover_max_events=80)
    size = sum(path.stat().st_size for path in DEMO_DIR.rglob("*") if path.is_file())
    print(f"wrote {len(sinks)} sinks under {DEMO_DIR} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
