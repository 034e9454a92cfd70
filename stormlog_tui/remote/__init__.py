"""Telemetry on other hosts, over SSH: ``ssh://[user@]host[:port]/path`` and ``host:/path``.

A remote path is mirrored into the user's cache directory
(``$XDG_CACHE_HOME/stormlog-tui/remote/<host>/<path>``) over SFTP, and everything
downstream (discovery, loading, following, ``--summary``, ``--export``) reads the mirror
as local files. Paths shown to the user name the remote location, never the cache.

The modules, bottom up: ``spec`` (what is remote, parsed in one place), ``names`` (the
mirror's place and the mapping back), ``link`` (one SSH connection per host: the user's
configuration, known_hosts always checked, no password, reconnection with backoff),
``copies`` (one file: ranged reads of appended bytes, rewrites, whole documents),
``transfer`` (one root mirrored: discovery over SFTP by core's name rules, deletions),
``mirror`` (every root, on an event loop of their own, for one sync or following) and
``follower`` (the core Follower reading the mirror after a sync). No Textual, no Rich;
asyncssh is imported only when a remote path is given.
"""

from __future__ import annotations

from stormlog_tui.remote.names import shown_path, shown_text
from stormlog_tui.remote.spec import RemoteSpec, is_remote, parse_remote, split_paths

__all__ = ["RemoteSpec", "is_remote", "parse_remote", "shown_path", "shown_text", "split_paths"]
