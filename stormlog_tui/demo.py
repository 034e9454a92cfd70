"""The live demo: a simulated 8-rank job appending to sinks in a temporary directory."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stormlog_core.testing.simulate import JobSpec, LiveJob

DEMO_SPEC = JobSpec(
    job_id="llm-pretrain-demo",
    ranks=8,
    samples_per_rank=720,
    interval_ms=250,
    leak_onset=0.15,
    seed=7,
)


@contextmanager
def live_demo(spec: JobSpec = DEMO_SPEC, *, backfill_samples: int = 80) -> Iterator[Path]:
    """Start a live job in a background thread; yield its parent directory.

    On exit the thread is stopped and the directory removed.
    """
    with tempfile.TemporaryDirectory(prefix="stormlog-demo-") as parent:
        job = LiveJob(spec, parent, backfill_samples=backfill_samples)
        job.step()  # the backfill, so the first screen is not empty
        thread = threading.Thread(target=job.run, name="stormlog-demo", daemon=True)
        thread.start()
        try:
            yield Path(parent)
        finally:
            job.stop()
            thread.join(timeout=5)
