"""The app follows a running sink: new records, status changes and the live indicator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stormlog_core.testing.writer import SinkWriter
from stormlog_tui.app import make_app
from stormlog_tui.cli import build_parser
from stormlog_tui.messages import HostsChanged
from stormlog_tui.screens import DetailScreen
from stormlog_tui.widgets import RankTable, SessionsTable, StatusLine

from .conftest import fixed_clock, loaded, screen_text
from .test_sessions_table import column

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from generators import v3_record

pytestmark = pytest.mark.anyio


def running_sink(root: Path, count: int) -> SinkWriter:
    writer = SinkWriter(root, flush_every_events=5, rollover_max_events=20, retention_max_files=50)
    writer.start_session(session_id="live", started_at_ns=1, host="gpu-7", pid=1)
    for index in range(count):
        writer.append(v3_record(index, session_id="live"))
    writer.flush()
    return writer


async def wait_until(pilot: object, condition: object, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize("poll", [None, 0.2])
async def test_running_sink_is_followed_live(tmp_path: Path, poll: float | None) -> None:
    writer = running_sink(tmp_path / "sink", 10)
    app = make_app([tmp_path / "sink"], clock=fixed_clock, poll_seconds=poll)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        table = app.screen.query_one(SessionsTable)
        assert column(table, "Events") == ["10"]
        for index in range(10, 60):
            writer.append(v3_record(index, session_id="live"))
        writer.flush()
        await wait_until(pilot, lambda: column(table, "Events") == ["60"])
        status = str(app.screen.query_one(StatusLine).render())
        assert "● live" in status and "last data" in status
        writer.close()
        await wait_until(pilot, lambda: column(table, "Status") == ["✔ completed"])


async def test_no_follow_leaves_the_view_as_loaded(tmp_path: Path) -> None:
    writer = running_sink(tmp_path / "sink", 10)
    app = make_app([tmp_path / "sink"], clock=fixed_clock, follow=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        writer.append(v3_record(10, session_id="live"))
        writer.flush()
        await pilot.pause(0.5)
        assert not [worker for worker in app.workers if worker.group == "follow"]
        assert column(app.screen.query_one(SessionsTable), "Events") == ["10"]


def test_poll_and_no_follow_options() -> None:
    args = build_parser().parse_args(["--poll", "2.5", "--no-follow", "x"])
    assert args.poll == 2.5 and args.no_follow
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--poll", "0", "x"])


async def test_a_failing_follower_is_reported_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running_sink(tmp_path / "sink", 3)
    app = make_app([tmp_path / "sink"], clock=fixed_clock, poll_seconds=0.1)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        monkeypatch.setattr(app.follower, "refresh", broken)
        await wait_until(
            pilot, lambda: any("disk on fire" in str(n.message) for n in app._notifications)
        )
        assert app.screen.query_one(SessionsTable).row_count == 1  # the view stays
        status = app.screen.query_one(StatusLine)  # no longer "● live"
        await wait_until(pilot, lambda: "✖ not following (r reloads)" in str(status.render()))
        assert "● live" not in str(status.render())


async def test_a_failing_load_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    running_sink(tmp_path / "sink", 3)
    app = make_app([tmp_path / "sink"], clock=fixed_clock)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no semaphores")

    monkeypatch.setattr(app.follower, "load", broken)
    async with app.run_test(size=(120, 30)) as pilot:

        def reported() -> bool:
            return any("no semaphores" in str(note.message) for note in app._notifications)

        await wait_until(pilot, reported)


async def test_a_screen_under_the_job_waits_and_catches_up_when_it_comes_back(
    tmp_path: Path,
) -> None:
    """Hidden screens did not wait: the sessions list kept computing and redrawing under
    the job at every live update, and the whole terminal was written again each time."""
    writer = running_sink(tmp_path / "sink", 10)
    app = make_app([tmp_path / "sink"], clock=fixed_clock, poll_seconds=0.2)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        sessions = app.screen
        table = sessions.query_one(SessionsTable)
        await pilot.press("enter")
        await loaded(app, pilot)
        ranks = app.screen.query_one(RankTable)
        for index in range(10, 40):
            writer.append(v3_record(index, session_id="live"))
        writer.flush()
        await wait_until(pilot, lambda: column(ranks, "Samples") == ["40"])
        assert column(table, "Events") == ["10"]  # not computed while hidden
        await pilot.press("escape")
        assert app.screen is sessions
        await wait_until(pilot, lambda: column(table, "Events") == ["40"])
        writer.close()


async def test_the_job_screen_says_the_live_state_and_the_hosts(tmp_path: Path) -> None:
    """The job screen has the sessions screen's status line: a live update, a host that
    drops, are said there while the job is open, not only once back on the sessions."""
    writer = running_sink(tmp_path / "sink", 10)
    app = make_app([tmp_path / "sink"], clock=fixed_clock, poll_seconds=0.2)

    def status() -> str:
        return screen_text(app).splitlines()[-2]  # the line above the keys

    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("enter")
        await loaded(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "1 session from 1 source · ● live, loaded 12:00:00" in status()
        for index in range(10, 20):
            writer.append(v3_record(index, session_id="live"))
        writer.flush()
        await wait_until(pilot, lambda: "● live (polling every 0.2s), last data " in status())
        down = "node-01: unreachable (connection refused), retrying in 4 s"
        app.post_message(HostsChanged([down]))
        await wait_until(pilot, lambda: down in status())
        app.post_message(HostsChanged(["node-01: connected"]))
        await wait_until(pilot, lambda: "node-01: connected" in status())
        await pilot.press("escape")  # the sessions screen was told too
        assert "node-01: connected" in str(app.screen.query_one(StatusLine).render())
        writer.close()
