"""Pilot tests: what the sessions table shows, and the keys a user presses."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from stormlog_tui.app import StormlogApp, make_app
from stormlog_tui.widgets import SessionsTable, StatusLine

from .conftest import HOSTILE_HOST, HOSTILE_JOB

pytestmark = pytest.mark.anyio


async def _loaded(app: StormlogApp, pilot: object) -> DataTable[object]:
    """Wait for the load worker and the message it posts; return the sessions table."""
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    return app.query_one(SessionsTable)


def _column(table: DataTable[object], name: str) -> list[str]:
    index = [str(column.label) for column in table.ordered_columns].index(name)
    return [
        str(getattr(table.get_row_at(row)[index], "plain", "")) for row in range(table.row_count)
    ]


async def test_demo_capture_shows_eight_completed_ranks(demo_dir: Path) -> None:
    app = make_app([demo_dir])
    async with app.run_test(size=(120, 30)) as pilot:
        table = await _loaded(app, pilot)
        assert table.row_count == 8
        assert _column(table, "Status") == ["completed"] * 8
        assert _column(table, "Rank") == [f"{rank}/8" for rank in range(8)]
        peaks = _column(table, "Peak alloc")
        assert max(peaks, key=lambda text: float(text.split()[0])) == peaks[3]  # the leak


async def test_statuses_of_a_mixed_job(mixed_job: Path) -> None:
    app = make_app([mixed_job])
    async with app.run_test(size=(120, 30)) as pilot:
        table = await _loaded(app, pilot)
        assert _column(table, "Status") == ["completed", "running", "interrupted"]
        status = str(app.query_one(StatusLine).render())
        assert "3 sessions from 3 sources" in status


async def test_markup_and_escapes_in_telemetry_are_shown_literally(hostile_job: Path) -> None:
    app = make_app([hostile_job])
    async with app.run_test(size=(160, 30)) as pilot:
        table = await _loaded(app, pilot)
        host = table.get_row_at(0)[2]
        assert host.plain == HOSTILE_HOST.replace("\x1b", "\\x1b")
        assert not host.spans and not host.style  # no markup turned into styles
        assert _column(table, "Job") == [HOSTILE_JOB]


async def test_q_quits(demo_dir: Path) -> None:
    app = make_app([demo_dir])
    async with app.run_test() as pilot:
        await _loaded(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_a_bad_path_is_a_problem_line_not_a_crash(tmp_path: Path, demo_dir: Path) -> None:
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"schema_version": 3}\n{not json}\n', encoding="utf-8")
    app = make_app([bad, demo_dir / "rank-0"])
    async with app.run_test(size=(200, 30)) as pilot:
        table = await _loaded(app, pilot)
        assert table.row_count == 1
        status = str(app.query_one(StatusLine).render())
        assert "broken.jsonl" in status
