"""Snapshot tests (SVG) of the main screens at 80x24 and 120x40, on the committed demo, and
of the sessions, job and rank-details views of a real OOM capture at 80x24, 120x40 and
200x60.

Update only after looking at the report: ``pytest tests/tui/test_snapshots.py
--snapshot-update`` then open the SVGs in ``tests/tui/__snapshots__``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stormlog_tui.app import make_app
from stormlog_tui.widgets import PhaseTable
from stormlog_tui.widgets.fitted_columns import NOTE_SETTLE_S

from .conftest import DEMO_DIR, ROOT, fixed_clock, loaded

SIZES = [(80, 24), (120, 40)]
REAL_GPU_JOB = ROOT / "tests" / "data" / "real_gpu_job"


def demo_app() -> Any:
    return make_app([DEMO_DIR], subtitle="assets/demo", clock=fixed_clock)


async def wait_loaded(pilot: Any) -> None:
    await loaded(pilot.app, pilot)
    await quiet(pilot)


async def open_job(pilot: Any) -> None:
    await loaded(pilot.app, pilot)
    await pilot.press("enter")
    await loaded(pilot.app, pilot)
    await quiet(pilot)


async def open_leaking_rank(pilot: Any) -> None:
    await open_job(pilot)
    await pilot.press("enter")
    await loaded(pilot.app, pilot)  # the chart is prepared in a thread worker


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sessions_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, run_before=wait_loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_job_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, run_before=open_job)


def test_leaking_rank_alone(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=open_leaking_rank)


def test_help_screen(snap_compare: Any) -> None:
    async def help_(pilot: Any) -> None:
        await open_job(pilot)
        await pilot.press("question_mark")

    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=help_)


def test_demo_dir_exists() -> None:
    assert Path(DEMO_DIR, "rank-3", "manifest.json").exists()


def test_real_oom_job_with_a_phase_shaded(snap_compare: Any) -> None:
    """stormlog's own capture at 80x24: the OOM in the title, the forward phase's worst
    run shaded (phases tab, enter) and the degraded collector under the x axis."""

    async def phase(pilot: Any) -> None:
        await open_job(pilot)
        await pilot.press("v", "v")
        await loaded(pilot.app, pilot)
        table = pilot.app.screen.query_one(PhaseTable)
        paths = [row.path for row in table.shown_rows]
        await pilot.press(*["down"] * paths.index("train_step / forward"), "enter")
        await loaded(pilot.app, pilot)

    app = make_app([REAL_GPU_JOB], subtitle="tests/data/real_gpu_job", clock=fixed_clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=phase)


def real_gpu_app() -> Any:
    return make_app([REAL_GPU_JOB], subtitle="tests/data/real_gpu_job", clock=fixed_clock)


async def open_job_settled(pilot: Any) -> None:
    await open_job(pilot)
    for _ in range(2):  # the tables are asked for after the first paint: all of them in
        await pilot.pause(0.3)
        await loaded(pilot.app, pilot)
    await quiet(pilot)


async def open_rank_details(pilot: Any) -> None:
    await open_job_settled(pilot)  # the cursor is on the rank that ran out of memory
    await pilot.press("i")
    await loaded(pilot.app, pilot)
    await quiet(pilot)


async def quiet(pilot: Any) -> None:
    """No notification in the picture: when one shows depends on when a table is laid
    out (the narrow-terminal note, said once the widths settle), not on what the screen
    shows."""
    await pilot.pause(NOTE_SETTLE_S + 0.1)
    pilot.app.clear_notifications()
    await pilot.pause()


SIZES_OF_REAL = [*SIZES, (200, 60)]


@pytest.mark.parametrize("size", SIZES_OF_REAL, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", ["sessions", "job", "rank-details"])
def test_real_capture_at_every_size(snap_compare: Any, size: tuple[int, int], view: str) -> None:
    """stormlog's own 8-rank GPU capture (an OOM, phases, a failing collector)."""
    steps = {"sessions": wait_loaded, "job": open_job_settled, "rank-details": open_rank_details}
    assert snap_compare(real_gpu_app(), terminal_size=size, run_before=steps[view])
