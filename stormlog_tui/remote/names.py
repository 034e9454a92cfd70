"""Where a remote root is mirrored, and the way back: every path or message shown to the
user names the remote location (``node-17:/data/job/rank-0/segment-000001.jsonl``), never
the cache. The one place that maps mirror paths back.

The mirror of ``[user@]host[:port]:/abs/path`` is
``$XDG_CACHE_HOME/stormlog-tui/remote/<[user@]host[+port]>/abs/path`` (``~/.cache`` when
``XDG_CACHE_HOME`` is unset): never next to the telemetry, never on the remote host. The
host part is escaped (``%3A`` for the colons of an IPv6 address, ``%2B`` for a ``+``), so
``+`` before the port occurs nowhere else: two hosts never share a folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Final, TextIO

from stormlog_core.browse import cache_home
from stormlog_tui.remote.spec import RemoteSpec

_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._@-]")
#: Between the host and the port in a host directory's name (escaped in the host part).
_PORT_SEPARATOR: Final = "+"
#: Mirror host directory (as a string) -> the spec naming that host.
_HOSTS: dict[str, RemoteSpec] = {}
_pattern: re.Pattern[str] | None = None


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/stormlog-tui/remote`` (core's :func:`cache_home` says where the
    cache directory is)."""
    return cache_home() / "remote"


def host_dir(spec: RemoteSpec, root: Path | None = None) -> Path:
    """The mirror directory of ``spec``'s host (one per user, host and port, and no two
    share one: ``node_2222`` and ``node`` on port 2222 are ``node_2222`` and
    ``node+2222``)."""
    who = f"{spec.user}@{spec.host}" if spec.user else spec.host
    name = _UNSAFE.sub(lambda m: f"%{ord(m[0]):02X}", who)
    if name in {".", ".."}:
        name = name.replace(".", "%2E")
    if spec.port is not None:
        name += f"{_PORT_SEPARATOR}{spec.port}"
    return (root or cache_root()) / name


def lock_path(spec: RemoteSpec, root: Path | None = None) -> Path:
    """The lock file of ``spec``'s host mirror (held while a sync writes it: a cron
    ``--summary`` and an open app share the mirror). Not in the host directory, so never
    taken for mirrored data; ``%locks`` is no host directory's name (``%`` there is
    always followed by two hex digits)."""
    base = host_dir(spec, root)
    return base.parent / "%locks" / base.name


def mirror_path(spec: RemoteSpec, remote_path: str, root: Path | None = None) -> Path:
    """Where the absolute ``remote_path`` of ``spec``'s host is mirrored (and registers it,
    so that :func:`shown_path` maps it back)."""
    base = host_dir(spec, root)
    register(base, spec)
    parts = [part for part in remote_path.split("/") if part not in ("", ".")]
    if ".." in parts or "~" in parts:
        raise ValueError(f"{spec.shown(remote_path)}: '..' or '~' in a remote path")
    home = [] if remote_path.startswith("/") else ["~"]  # relative: below the remote home
    return base.joinpath(*home, *parts)


def register(base: Path, spec: RemoteSpec) -> None:
    """Map paths below ``base`` back to ``spec``'s host."""
    global _pattern
    key = str(base)
    if key in _HOSTS:
        return
    _HOSTS[key] = spec
    keys = sorted(_HOSTS, key=len, reverse=True)
    _pattern = re.compile("|".join(f"{re.escape(k)}(?=/|$|[^\\w.%@+-])" for k in keys))


def shown_text(text: str) -> str:
    """``text`` with every mirror path in it written as the remote path it mirrors."""
    if _pattern is None or not text:
        return text
    out, last = [], 0
    for match in _pattern.finditer(text):
        if match.start() < last:
            continue
        spec = _HOSTS[match[0]]
        tail = re.match(r"[^\s'\",;)]*", text[match.end() :])
        rest = tail[0] if tail else ""
        out.append(text[last : match.start()])
        out.append(spec.shown(rest or "/"))
        last = match.end() + len(rest)
    out.append(text[last:])
    return "".join(out)


def shown_path(path: str) -> str:
    """A mirror path as the remote path it mirrors (any other path unchanged)."""
    return shown_text(path)


def remote_host(path: str) -> str | None:
    """The host label of a mirror path (None for a local path)."""
    if _pattern is None:
        return None
    match = _pattern.match(path)
    return _HOSTS[match[0]].host_label if match else None


class ShownStream:
    """A text stream that writes mirror paths as the remote paths they mirror (``--summary``
    and ``--export`` print through it when a path is remote)."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        return self._target.write(shown_text(text))

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._target.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._target, name)
