"""The app on remote paths: the status line says each host's state (issue #15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui.conftest import fixed_clock, loaded
from tui.test_app_live import wait_until
from tui.test_sessions_table import column

from remote.sshd import Sshd
from remote.test_remote_follow import LiveRanks
from stormlog_tui.app import make_app
from stormlog_tui.messages import ExportFinished
from stormlog_tui.remote.mirror import Mirror
from stormlog_tui.remote.spec import RemoteSpec
from stormlog_tui.widgets import SessionsTable, StatusLine, WarningsPanel

pytestmark = [pytest.mark.remote, pytest.mark.anyio]


@pytest.mark.parametrize("poll", [None, 30.0], ids=["watching-the-mirror", "polling-woken"])
async def test_the_status_line_says_how_each_host_is(
    tmp_path: Path, ssh_client: Path, sshd: Sshd, poll: float | None
) -> None:
    """The app follows the mirror natively, or by polling that a poll of the hosts which
    changed the mirror wakes at once (so its own 30 s never delay a record)."""
    live = LiveRanks(tmp_path / "data" / "job")
    live.write(10)
    mirror = Mirror(
        [RemoteSpec("node-a", str(live.parent)), RemoteSpec("node-b", "/no/such/job")],
        poll_seconds=0.5,
    )
    app = make_app(
        mirror.paths, clock=fixed_clock, remote=mirror, subtitle="node-a:job", poll_seconds=poll
    )
    try:
        async with app.run_test(size=(220, 40)) as pilot:
            await loaded(app, pilot)
            line = app.screen.query_one(StatusLine)
            assert "2 hosts connected" in str(line.render())
            table = app.screen.query_one(SessionsTable)
            assert column(table, "Events") == ["10", "10"]
            panel = app.screen.query_one(WarningsPanel)
            assert "node-b:/no/such/job: no such file or directory" in str(
                [str(panel.render_line(y)) for y in range(4)]
            )
            live.write(5)
            await wait_until(pilot, lambda: column(table, "Events") == ["15", "15"])
            await pilot.press("r")  # a reload syncs while the hosts are being polled
            await loaded(app, pilot)
            live.write(5)
            await wait_until(pilot, lambda: column(table, "Events") == ["20", "20"])
            sshd.stop()
            await wait_until(
                pilot,
                lambda: "node-a unreachable (connection lost), retrying in" in str(line.render()),
            )
            assert column(table, "Events") == ["20", "20"]  # the view keeps its data
    finally:
        mirror.close()


async def test_notifications_name_the_remote_path_not_the_mirror(
    tmp_path: Path, ssh_client: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = tmp_path / "data" / "job"
    LiveRanks(job).write(3)
    mirror = Mirror([RemoteSpec("node-a", str(job))])
    app = make_app(mirror.paths, clock=fixed_clock, remote=mirror)
    cache = str(mirror.paths[0])

    def broken(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", f"{cache}/rank-0/segment-000001.jsonl")

    monkeypatch.setattr(app.follower, "load", broken)
    try:
        async with app.run_test(size=(160, 30)) as pilot:

            def said() -> list[str]:
                return [str(note.message) for note in app._notifications]

            await wait_until(pilot, lambda: any("loading failed" in n for n in said()))
            app.post_message(ExportFinished(None, 0, f"cannot write {cache}/x.csv"))
            await wait_until(pilot, lambda: any("export failed" in n for n in said()))
            [load] = [n for n in said() if "loading failed" in n]
            assert f"node-a:{job}/rank-0/segment-000001.jsonl" in load
            [export] = [n for n in said() if "export failed" in n]
            assert export == f"export failed: cannot write node-a:{job}/x.csv"
            assert all(str(tmp_path / "cache") not in n for n in said())
    finally:
        mirror.close()
