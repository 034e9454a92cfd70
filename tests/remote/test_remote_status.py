"""The hosts' status in the status line: one summary however many hosts, the worst named."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from stormlog_core.browse import Dataset, LoadWarning
from stormlog_tui.remote.copies import REQUESTS_PER_FILE
from stormlog_tui.remote.link import MAX_REQUESTS, HostStatus, hosts_summary
from stormlog_tui.widgets.status_line import status_text

NOW = 1000.0


def _hosts(down: dict[int, HostStatus] | None = None) -> list[HostStatus]:
    down = down or {}
    return [down.get(n, HostStatus(f"node-{n}", "connected")) for n in range(64)]


def test_one_host_is_named() -> None:
    assert hosts_summary([HostStatus("node-1", "connected")]) == "node-1: connected"


def test_many_hosts_all_connected_are_counted() -> None:
    assert hosts_summary(_hosts()) == "64 hosts connected"


def test_the_worst_host_is_named_and_the_other_down_ones_counted() -> None:
    retrying = HostStatus("node-47", "retrying", "connection refused", NOW + 3.2)
    refused = HostStatus("node-50", "unreachable", "its host key changed")
    hosts = _hosts({47: retrying})
    assert hosts_summary(hosts, NOW) == (
        "64 hosts: 63 connected · node-47 unreachable (connection refused), retrying in 4 s"
    )
    hosts = _hosts({3: HostStatus("node-3", "connecting"), 47: retrying, 50: refused})
    assert hosts_summary(hosts, NOW) == (
        "64 hosts: 61 connected · 1 connecting · node-50 unreachable: its host key changed "
        "(+1 more down)"
    )


def test_the_warning_count_and_first_error_stay_on_the_line_with_64_hosts() -> None:
    hosts = _hosts({47: HostStatus("node-47", "retrying", "connection refused", NOW + 4)})
    dataset = Dataset(sessions=[], warnings=[LoadWarning("error", "unreadable", "boom", None)])
    line = status_text(
        dataset, mode="loaded", at=datetime(2026, 1, 1), hosts=[hosts_summary(hosts, NOW)]
    )
    assert len(line.plain) < 200
    assert "1 warning" in line.plain and "boom" in line.plain


def test_the_readme_gives_the_real_bound_on_requests_per_host() -> None:
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    bound = MAX_REQUESTS * REQUESTS_PER_FILE
    assert f"at most {bound} SFTP requests per host" in readme
    assert f"at most {MAX_REQUESTS} SFTP requests in flight" not in readme
