"""Fixtures for the app's pilot tests: small jobs written by ``stormlog_core.testing.simulate``."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from stormlog_core.testing.simulate import JobSpec, open_rank_writer, rank_records, write_job

# Snapshots and labels show wall-clock times: make them the same on every machine.
os.environ["TZ"] = "UTC"
time.tzset()

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
DEMO_DIR = ROOT / "assets" / "demo"
HOSTILE_HOST = "[bold red]pwned[/] \x1b[2J\x1b[31mred"
HOSTILE_JOB = "[link=https://x.invalid]job[/link]"


def fixed_clock() -> datetime:
    """The time the status line shows in tests (snapshots must not see the real clock)."""
    return datetime(2024, 6, 10, 12, 0, 0)


def _running(app: Any) -> list[Any]:
    return [w for w in app.workers if w.group != "follow" and not w.is_finished]


async def loaded(app: Any, pilot: Any) -> None:
    """Wait for the app's workers (loading, and the screens' rows, statistics and charts
    that follow from it) and the messages they post; not for live following, which runs
    until the app exits. Workers are awaited, not polled: ``pilot.pause()`` spins while a
    thread uses the CPU, and would slow the workers down."""
    for _ in range(1000):
        running = _running(app)
        if running:  # an empty list would mean "every worker", following included
            await app.workers.wait_for_complete(running)
            await asyncio.sleep(0.01)
            continue
        await pilot.pause()
        await pilot.pause()
        if not _running(app):
            return
    raise AssertionError("the app's workers never finished")


def small_spec(**overrides: object) -> JobSpec:
    """A short job (20 samples per rank) so tests stay fast."""
    fields: dict[str, object] = {"ranks": 2, "samples_per_rank": 20, "seed": 3}
    fields.update(overrides)
    return JobSpec(**fields)  # type: ignore[arg-type]


def write_rank(spec: JobSpec, parent: Path, rank: int, status: str) -> Path:
    """Write one rank's sink that ends as ``status`` (``running`` = a writer that died)."""
    writer = open_rank_writer(spec, parent, rank)
    records = list(rank_records(spec, rank))
    if status != "completed":
        records = records[: len(records) // 2]  # no stop record yet
    for record in records:
        writer.append(record)
    if status == "running":
        writer.abandon()
    else:
        writer.close(status, ended_at_ns=records[-1]["timestamp_ns"])
    return writer.root


@pytest.fixture(autouse=True)
def _unfreeze_after_the_test() -> Iterator[None]:
    """The app freezes what is alive when it loads (``keep_out_of_gc``): give the
    collector back what the test's app left, so apps do not pile up in one process."""
    yield
    gc.unfreeze()


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests are async: run them on asyncio (anyio's pytest plugin, no extra deps)."""
    return "asyncio"


@pytest.fixture
def demo_dir() -> Path:
    """The committed static demo capture (8 ranks, rank 3 leaks)."""
    return DEMO_DIR


@pytest.fixture
def mixed_job(tmp_path: Path) -> Path:
    """A 3-rank job: rank 0 completed, rank 1 still running, rank 2 interrupted."""
    spec = small_spec(ranks=3, leak_rank=None, degraded_rank=None)
    for rank, status in enumerate(("completed", "running", "interrupted")):
        write_rank(spec, tmp_path, rank, status)
    return tmp_path


@pytest.fixture
def hostile_job(tmp_path: Path) -> Path:
    """A 1-rank job whose host and job id hold Rich markup and terminal escape sequences."""
    spec = small_spec(ranks=1, hosts=(HOSTILE_HOST,), job_id=HOSTILE_JOB, leak_rank=None)
    write_job(spec, tmp_path)
    return tmp_path


def screen_text(app: Any) -> str:
    """The characters on the app's screen now, line by line (what a user reads)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()
