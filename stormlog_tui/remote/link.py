"""One SSH connection per host, reused for all its paths, with the user's own configuration.

``~/.ssh/config`` (host aliases, ``HostName``, ``Port``, ``User``, ``IdentityFile``,
``ProxyJump``...), the keys and the agent are asyncssh's defaults. ``known_hosts`` is
always checked: a host whose key is unknown or changed is refused, never accepted, and
nothing is read from it. No password or keyboard-interactive prompt is ever made (there
is no terminal to ask on in the full-screen app), and none is stored.

A host that drops is retried with exponential backoff (1 s doubling to 30 s); a refusal
that a retry cannot cure (host key, authentication, configuration) is not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

import asyncssh

from stormlog_core.browse import counted
from stormlog_tui.remote.spec import RemoteSpec

# asyncssh logs through ``logging``: with no handler, Python would print its warnings on
# standard error, over the full-screen app. What matters is said in the host's status.
logging.getLogger("asyncssh").addHandler(logging.NullHandler())

FIRST_RETRY_SECONDS: Final = 1.0
MAX_RETRY_SECONDS: Final = 30.0
CONNECT_TIMEOUT_SECONDS: Final = 10.0
#: SFTP requests in flight per host at once.
MAX_REQUESTS: Final = 8
#: Every SFTP request (and the start of the SFTP session) is given up after this long: a
#: host whose sshd answers keepalives while its sftp-server hangs (a hung NFS mount...)
#: is then said unreachable and retried, instead of holding its sync forever.
REQUEST_TIMEOUT_SECONDS: Final = 30.0

_T = TypeVar("_T")

CONNECTING, CONNECTED, RETRYING, UNREACHABLE = "connecting", "connected", "retrying", "unreachable"


@dataclass(frozen=True)
class HostStatus:
    """How one host is doing, for the status line."""

    host: str
    state: str
    reason: str | None = None
    retry_at: float | None = None

    def reason_text(self) -> str:
        """``node-17: connection refused``: why the host could not be read (for a one-shot
        run, which retries nothing)."""
        return f"{self.host}: {self.reason}" if self.reason else self.text()

    def text(self, now: float | None = None) -> str:
        """``node-17: connected``, ``node-17: unreachable (connection refused), retrying in
        4 s``, ``node-17: unreachable: host key changed...``."""
        return f"{self.host}: {self.state_text(now)}"

    def state_text(self, now: float | None = None) -> str:
        """``connected``, ``unreachable (connection refused), retrying in 4 s``..."""
        if self.state == RETRYING and self.retry_at is not None:
            left = max(1, math.ceil(self.retry_at - (time.monotonic() if now is None else now)))
            return f"unreachable ({self.reason}), retrying in {left} s"
        if self.state == UNREACHABLE:
            return f"unreachable: {self.reason}"
        return self.state


#: The worst state first: refused (not retried), then retrying, then connecting.
_WORST: Final = {UNREACHABLE: 0, RETRYING: 1, CONNECTING: 2, CONNECTED: 3}


def hosts_summary(statuses: Sequence[HostStatus], now: float | None = None) -> str:
    """The hosts' status in one short text (the one place that formats it for the status
    line): ``node-17: connected`` for one host, ``64 hosts connected``, or ``64 hosts: 62
    connected · 1 connecting · node-47 unreachable (connection refused), retrying in 4 s
    (+N more down)``: the worst host named, the others counted."""
    if len(statuses) == 1:
        return statuses[0].text(now)
    total = counted(len(statuses), "host")
    up = sum(status.state == CONNECTED for status in statuses)
    if up == len(statuses):
        return f"{total} connected"
    parts = [f"{up:,} connected"]
    connecting = sum(status.state == CONNECTING for status in statuses)
    if connecting:
        parts.append(f"{connecting:,} connecting")
    down = [s for s in statuses if s.state in (RETRYING, UNREACHABLE)]
    if down:
        worst = min(down, key=lambda s: _WORST.get(s.state, 9))
        more = f" (+{len(down) - 1:,} more down)" if len(down) > 1 else ""
        parts.append(f"{worst.host} {worst.state_text(now)}{more}")
    return f"{total}: " + " · ".join(parts)


class Refused(Exception):
    """A host that a retry will not cure: its message says why and what to do."""


class NoAnswer(TimeoutError):
    """An SFTP request the host did not answer within :data:`REQUEST_TIMEOUT_SECONDS`."""


async def answer(request: Awaitable[_T]) -> _T:
    """``request``'s result, or :class:`NoAnswer` after :data:`REQUEST_TIMEOUT_SECONDS`."""
    timeout = REQUEST_TIMEOUT_SECONDS
    try:
        return await asyncio.wait_for(request, timeout)
    except asyncio.TimeoutError as error:
        raise NoAnswer(f"no answer in {timeout:g} s") from error


def _default_known_hosts() -> str | bytes:
    path = Path("~/.ssh/known_hosts").expanduser()
    return str(path) if path.is_file() else b""


def host_config(spec: RemoteSpec) -> dict[str, object]:
    """What ``~/.ssh/config`` says of ``spec``'s host (``Hostname``, ``Port``,
    ``UserKnownHostsFile``...), as asyncssh reads it."""
    from asyncssh.config import SSHClientConfig

    path = Path("~/.ssh/config").expanduser()
    paths = [path] if os.access(path, os.R_OK) else []
    config = SSHClientConfig.load(
        None, paths, False, False, False, getpass.getuser(), spec.user or (), spec.host,
        spec.port or (),
    )  # fmt: skip
    return {
        name: config.get(name)
        for name in (
            "Hostname", "Port", "UserKnownHostsFile", "GlobalKnownHostsFile", "ProxyJump",
        )
    }  # fmt: skip


#: Jump hosts in a row at most (a ProxyJump naming itself, through aliases, ends there).
_MAX_HOPS: Final = 8


def jump_hosts(spec: RemoteSpec) -> list[RemoteSpec]:
    """The ``ProxyJump`` hosts of ``spec``'s host, nearest first (``none``: none)."""
    value = host_config(spec)["ProxyJump"]
    if not isinstance(value, str) or value.lower() == "none":
        return []
    hops = []
    for text in value.split(","):
        text = text.strip().removeprefix("ssh://")
        user, at, rest = text.rpartition("@")
        host, colon, port = rest.rpartition(":") if rest.count(":") == 1 else ("", "", "")
        if not colon or not port.isdigit():
            host, port = rest, ""
        hops.append(RemoteSpec(host, "/", user if at else None, int(port) if port else None))
    return hops


class JumpFailed(Exception):
    """The connection to a ``ProxyJump`` host failed (``error``, on ``spec``)."""

    def __init__(self, spec: RemoteSpec, error: BaseException) -> None:
        super().__init__(f"jump host {spec.host_label}: {error}")
        self.spec = spec
        self.error = error


def client_options(spec: RemoteSpec) -> dict[str, object]:
    """The connection's options: ``~/.ssh/config`` applied by asyncssh, no password ever,
    host keys always checked (a config saying ``UserKnownHostsFile none`` does not turn
    that off: ``~/.ssh/known_hosts`` is read instead)."""
    settings: dict[str, object] = {
        "password_auth": False,
        "kbdint_auth": False,
        "ignore_encrypted": True,  # a key with a passphrase: through the agent, never asked
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "login_timeout": CONNECT_TIMEOUT_SECONDS,
        "keepalive_interval": 5,
        "keepalive_count_max": 3,
    }
    settings["tunnel"] = None  # ProxyJump: opened by :class:`HostLink`, with these options
    if spec.port is not None:
        settings["port"] = spec.port
    if spec.user is not None:
        settings["username"] = spec.user
    if host_config(spec)["UserKnownHostsFile"] == []:
        settings["known_hosts"] = _default_known_hosts()
    return settings


def _known_hosts_files(config: dict[str, object]) -> list[str]:
    files = [
        str(Path(str(name)).expanduser())
        for key in ("UserKnownHostsFile", "GlobalKnownHostsFile")
        for name in (config.get(key) or [])  # type: ignore[attr-defined]
    ]
    default = _default_known_hosts()
    return files or ([default] if isinstance(default, str) else [])


def _host_key_reason(spec: RemoteSpec) -> str:
    """Whether the host's key is unknown or changed (known_hosts has another key for it)."""
    try:
        config = host_config(spec)
        name = str(config.get("Hostname") or spec.host)
        port = config.get("Port") or spec.port
        files = [path for path in _known_hosts_files(config) if Path(path).is_file()]
        known = asyncssh.read_known_hosts(files) if files else None
        keys = known.match(name, name, port if port != 22 else None)[0] if known else ()  # type: ignore[arg-type]
    except (OSError, ValueError, KeyError):
        keys = ()
    if keys:
        return (
            f"its host key changed (known_hosts has another key for {spec.host}): refused, "
            "nothing read; if the change is expected, remove the old key "
            f"(ssh-keygen -R), then check with `ssh {spec.host_label}`"
        )
    return (
        "its host key is not in known_hosts: refused, nothing read; connect once with "
        f"`ssh {spec.host_label}` to check and accept it"
    )


def describe(error: BaseException, spec: RemoteSpec) -> tuple[str, bool]:
    """What went wrong in words, and whether retrying may help."""
    if isinstance(error, JumpFailed):
        reason, retry = describe(error.error, error.spec)
        return f"jump host {error.spec.host_label}: {reason}", retry
    if isinstance(error, asyncssh.HostKeyNotVerifiable):
        return _host_key_reason(spec), False
    if isinstance(error, asyncssh.PermissionDenied):
        return (
            "authentication failed: no key or agent identity was accepted (passwords are "
            "never asked for; set up a key, e.g. IdentityFile in ~/.ssh/config)",
            False,
        )
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name ({error.strerror})", False
    if isinstance(error, ConnectionRefusedError):
        return "connection refused", True
    if isinstance(error, NoAnswer):
        return str(error), True
    if isinstance(error, (asyncio.TimeoutError, TimeoutError)):
        return "timed out", True
    lost = (asyncssh.ConnectionLost, asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection)
    if isinstance(error, (*lost, BrokenPipeError, ConnectionResetError, EOFError)):
        return "connection lost", True
    if isinstance(error, asyncssh.DisconnectError):
        return f"disconnected: {error.reason}", True
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__, True
    if isinstance(error, (ValueError, asyncssh.KeyImportError)):
        return f"SSH configuration: {error}", False
    return f"{type(error).__name__}: {error}", True


class HostLink:
    """The connection to one host: opened on demand, shared by every root on the host,
    retried with backoff after a failure."""

    def __init__(self, spec: RemoteSpec, on_status: Callable[[HostStatus], None]) -> None:
        self.spec = spec
        self.label = spec.host_label
        self._on_status = on_status
        self._conn: asyncssh.SSHClientConnection | None = None
        #: The connections to the ProxyJump hosts, nearest first.
        self._hops: list[asyncssh.SSHClientConnection] = []
        self._sftp: asyncssh.SFTPClient | None = None
        self._lock = asyncio.Lock()
        self.requests = asyncio.Semaphore(MAX_REQUESTS)
        #: One sync of the host's roots at a time: a reload's sync meeting a follow poll, or
        #: two overlapping roots, would otherwise append the same bytes twice.
        self.busy = asyncio.Lock()
        self._delay = FIRST_RETRY_SECONDS
        self.retry_at = 0.0
        self.refused: str | None = None
        self.status = HostStatus(self.label, CONNECTING)

    def _set(self, status: HostStatus) -> None:
        self.status = status
        self._on_status(status)

    async def sftp(self) -> asyncssh.SFTPClient:
        """The host's SFTP session (connecting first when needed); raises :class:`Refused`
        or the connection's error, after which :meth:`failed` has been called."""
        async with self._lock:
            if self._sftp is not None:
                return self._sftp
            if self.refused is not None:
                raise Refused(self.refused)
            loop = asyncio.get_running_loop()
            try:
                self._conn = await self._connect(self.spec, 0)
                self._sftp = await answer(
                    self._conn.start_sftp_client(path_errors="surrogateescape")
                )
            except Exception as error:
                reason, retry = await loop.run_in_executor(None, describe, error, self.spec)
                await self._drop()
                self.failed(reason, retry=retry)
                raise Refused(reason) from error
            self._delay = FIRST_RETRY_SECONDS
            self._set(HostStatus(self.label, CONNECTED))
            return self._sftp

    async def _connect(self, spec: RemoteSpec, depth: int) -> asyncssh.SSHClientConnection:
        """A connection to ``spec``'s host, through its ProxyJump hosts (each opened here,
        with the same options: host keys checked, no password), which join ``_hops``."""
        loop = asyncio.get_running_loop()
        settings = await loop.run_in_executor(None, client_options, spec)
        hops = await loop.run_in_executor(None, jump_hosts, spec)
        tunnel: asyncssh.SSHClientConnection | None = None
        for hop in hops:
            if depth >= _MAX_HOPS:
                raise ValueError(f"more than {_MAX_HOPS} ProxyJump hosts in a row")
            try:
                if tunnel is None:
                    tunnel = await self._connect(hop, depth + 1)
                else:  # a list: each hop through the one before
                    hop_settings = await loop.run_in_executor(None, client_options, hop)
                    tunnel = await self._open(hop, hop_settings, tunnel, depth + 1)
            except JumpFailed:
                raise
            except Exception as error:
                raise JumpFailed(hop, error) from error
        return await self._open(spec, settings, tunnel, depth)

    async def _open(
        self,
        spec: RemoteSpec,
        settings: dict[str, object],
        tunnel: asyncssh.SSHClientConnection | None,
        depth: int,
    ) -> asyncssh.SSHClientConnection:
        conn = await asyncssh.connect(spec.host, **{**settings, "tunnel": tunnel})
        if depth:
            self._hops.append(conn)
        return conn

    def failed(self, reason: str, *, retry: bool = True) -> None:
        """Say the host is unreachable; retried after the backoff unless it is refused."""
        if not retry:
            self.refused = reason
            self._set(HostStatus(self.label, UNREACHABLE, reason))
            return
        self.retry_at = time.monotonic() + self._delay
        self._set(HostStatus(self.label, RETRYING, reason, self.retry_at))
        self._delay = min(MAX_RETRY_SECONDS, self._delay * 2)

    async def lost(self, error: BaseException) -> None:
        """The connection broke during a transfer: drop it and retry later."""
        reason, _ = describe(error, self.spec)
        await self._drop()
        self.failed(reason, retry=True)

    @property
    def connected(self) -> bool:
        """Whether the SFTP session is open now."""
        return self._sftp is not None

    def waiting(self) -> bool:
        """True while the backoff before the next attempt runs (or the host is refused)."""
        if self.refused is not None:
            return True
        return self._sftp is None and time.monotonic() < self.retry_at

    def again(self) -> None:
        """Try at the next chance (a reload asked for it), refused or not."""
        self.refused = None
        self.retry_at = 0.0

    def tick(self) -> None:
        """Say the status again (the retry countdown moved)."""
        if self.status.state == RETRYING:
            self._on_status(self.status)

    async def _drop(self) -> None:
        sftp, conn, hops = self._sftp, self._conn, self._hops
        self._sftp = self._conn = None
        self._hops = []
        if sftp is not None:
            sftp.exit()
        for each in [conn, *reversed(hops)]:
            if each is not None:
                each.close()
                with contextlib.suppress(asyncio.TimeoutError, OSError, asyncssh.Error):
                    await asyncio.wait_for(each.wait_closed(), timeout=2)

    async def close(self) -> None:
        """Close the connection (when the program ends)."""
        await self._drop()
