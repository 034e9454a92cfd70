"""Which command-line paths are remote, parsed in one place.

``ssh://[user@]host[:port]/path`` is always remote. The scp form ``[user@]host:path`` is
remote only when the part before the colon is a host (no ``/`` in it) and no local file of
that name exists, so ``./a:b`` and an existing ``a:b`` stay local paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_SCHEME: Final = "ssh://"
_SCP: Final = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>\[[^\]/]+\]|[^@/:\[\]]+):(?P<path>.*)$")
_HOST: Final = re.compile(r"^(?:\[[0-9A-Fa-f:.%\w]+\]|[\w.%-]+)$")


@dataclass(frozen=True)
class RemoteSpec:
    """One remote path: who, where, and the path there (relative: below the home)."""

    host: str
    path: str
    user: str | None = None
    port: int | None = None

    @property
    def host_key(self) -> tuple[str | None, str, int | None]:
        """One SSH connection serves every path with the same key."""
        return self.user, self.host, self.port

    @property
    def host_label(self) -> str:
        """``node-17``, ``alice@node-17``, ``node-17:2222``: the host, as the user wrote it."""
        who = f"{self.user}@{self.host}" if self.user else self.host
        return f"{who}:{self.port}" if self.port is not None else who

    def shown(self, path: str | None = None) -> str:
        """``node-17:/data/job`` (``ssh://node-17:2222/data/job`` with a port): a remote path
        as the user would write it."""
        path = self.path if path is None else path
        if path == "/~" or path.startswith("/~/"):  # the mirror's name for the remote home
            path = path[3:] or "."
        who = f"{self.user}@{self.host}" if self.user else self.host
        if self.port is not None:
            slash = "" if path.startswith("/") else "/~/"
            return f"{_SCHEME}{who}:{self.port}{slash}{path}"
        return f"{who}:{path}"


def _host(text: str) -> str:
    if not _HOST.match(text):
        raise ValueError(f"not a host name: {text!r}")
    return text[1:-1] if text.startswith("[") else text


def _url(text: str) -> RemoteSpec:
    rest = text[len(_SCHEME) :]
    netloc, slash, path = rest.partition("/")
    if not slash:
        raise ValueError(f"{text}: no path after the host (ssh://host/path)")
    user, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, _, tail = hostport.partition("]")
        host, port_text = host + "]", tail.removeprefix(":")
    else:
        host, _, port_text = hostport.partition(":")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{text}: not a port: {port_text!r}")
        port = int(port_text)
    if not host:
        raise ValueError(f"{text}: no host")
    path = path[2:] if path.startswith("~/") else "/" + path
    return RemoteSpec(_host(host), path or ".", user if at else None, port)


def parse_remote(text: str) -> RemoteSpec | None:
    """The remote path ``text`` names, or None for a local path; raises ``ValueError`` for
    an ``ssh://`` address that cannot be read."""
    if text.startswith(_SCHEME):
        return _url(text)
    match = _SCP.match(text)
    if match is None or os.path.lexists(text):
        return None
    try:
        host = _host(match["host"])
    except ValueError:
        return None
    return RemoteSpec(host, match["path"] or ".", match["user"])


def is_remote(text: str) -> bool:
    """Whether ``text`` names a remote path (see the module's doc)."""
    try:
        return parse_remote(text) is not None
    except ValueError:
        return True


def split_paths(texts: Sequence[str]) -> tuple[list[Path], list[RemoteSpec]]:
    """The local paths and the remote ones, each in the order given."""
    local: list[Path] = []
    remote: list[RemoteSpec] = []
    for text in texts:
        spec = parse_remote(text)
        if spec is None:
            local.append(Path(text))
        else:
            remote.append(spec)
    return local, remote
