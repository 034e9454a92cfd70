"""A host that hangs after connecting (sshd answers, its sftp-server does not: a hung NFS
mount...): every request has a timeout, the host is said unreachable and retried, and
closing the mirror stops a sync waiting for it at once."""

from __future__ import annotations

import concurrent.futures
import threading
import time
from pathlib import Path

import pytest
from tui.conftest import fixed_clock

from remote.sshd import Sshd, hang_sftp_on
from stormlog_core.testing.simulate import JobSpec, write_job
from stormlog_tui.app import make_app
from stormlog_tui.remote.mirror import Mirror
from stormlog_tui.remote.spec import RemoteSpec

pytestmark = pytest.mark.remote


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def hanging(tmp_path: Path, ssh_client: Path, sshd: Sshd) -> tuple[Path, Path]:
    """``node-a`` serving a job through an sftp-server that hangs while the returned
    marker exists; returns (job, marker)."""
    marker = tmp_path / "hang"
    sshd.stop()
    hang_sftp_on(sshd, marker)
    sshd.start()
    job = tmp_path / "data"
    write_job(JobSpec(ranks=2, samples_per_rank=10, seed=3), job)
    return job, marker


def test_a_host_that_hangs_while_followed_is_said_unreachable(
    hanging: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    job, marker = hanging
    monkeypatch.setattr("stormlog_tui.remote.link.REQUEST_TIMEOUT_SECONDS", 1.0)
    mirror = Mirror([RemoteSpec("node-a", str(job))], poll_seconds=0.2)
    try:
        mirror.sync()
        assert mirror.status_texts() == ["node-a: connected"]
        marker.touch()  # from now on the host answers nothing over SFTP
        mirror.start()
        assert _wait(lambda: "no answer in 1 s" in mirror.status_texts()[0], 10), (
            mirror.status_texts()
        )
        [status] = mirror.status_texts()
        assert status.startswith("node-a: unreachable (no answer in 1 s), retrying in ")
        started = time.monotonic()
        mirror.sync()  # a reload: tried again, given up after the request timeout
        assert time.monotonic() - started < 5
        assert "no answer in 1 s" in mirror.status_texts()[0]
    finally:
        mirror.close()


def test_closing_stops_a_sync_waiting_for_a_host_that_hangs(
    hanging: tuple[Path, Path],
) -> None:
    job, marker = hanging
    marker.touch()
    mirror = Mirror([RemoteSpec("node-a", str(job))])
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            mirror.sync()
            outcome.append(None)
        except BaseException as error:  # what the load saw
            outcome.append(error)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    time.sleep(1.5)  # connected, waiting for the SFTP session that never starts
    started = time.monotonic()
    mirror.close()
    thread.join(3)
    assert time.monotonic() - started < 3
    assert not thread.is_alive()
    [error] = outcome
    assert isinstance(error, concurrent.futures.CancelledError)


@pytest.mark.anyio
async def test_quitting_the_app_lets_go_of_a_load_waiting_for_a_host_that_hangs(
    hanging: tuple[Path, Path],
) -> None:
    job, marker = hanging
    marker.touch()
    mirror = Mirror([RemoteSpec("node-a", str(job))])
    app = make_app(mirror.paths, clock=fixed_clock, remote=mirror)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause(1.5)  # the load waits for the SFTP session (30 s at most)
            assert mirror._running  # the load's sync
            await pilot.press("q")
        assert _wait(lambda: not mirror._running, 2)  # the load thread is free at once
    finally:
        mirror.close()
