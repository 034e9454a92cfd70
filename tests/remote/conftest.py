"""Fixtures of the remote tests: a real sshd serving a job's sinks, and a client side of its
own (HOME with ``.ssh/config`` and ``known_hosts``; the mirror in a temporary
``XDG_CACHE_HOME``). The real ``~/.ssh`` and the user's agent are never used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from remote.sshd import Sshd, check_sshd, client_home


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """One running sshd (stopped at the end)."""
    check_sshd()
    server = Sshd(tmp_path / "sshd")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ssh_client(tmp_path: Path, sshd: Sshd, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME for the client, with the aliases ``node-a`` and ``node-b`` for the server, the
    mirror in a temporary cache; returns HOME."""
    home = client_home(tmp_path / "home", {"node-a": sshd, "node-b": sshd})
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return home
