"""Loading and following with remote roots: a sync of the mirror, then core's loader on it.

:class:`RemoteFollower` is core's :class:`~stormlog_core.browse.Follower` on the mirror
paths (and any local ones): every load syncs the mirror first, and the mirror's warnings
(hosts that cannot be read, files that cannot be read over SSH) join the loader's. While
following, the mirror polls the hosts on its own and the follower reads the mirror like
any local directory. :func:`load_with_mirror` is the one-shot form for ``--summary`` and
``--export``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from stormlog_core.browse import Dataset, Follower, FollowUpdate, load_dataset
from stormlog_tui.remote.mirror import Mirror, sort_warnings


class RemoteFollower(Follower):
    """A follower whose paths include mirrors of remote roots."""

    def __init__(self, paths: Sequence[Path], mirror: Mirror) -> None:
        super().__init__(paths)
        self.mirror = mirror

    def load(
        self,
        progress: Callable[[int, int], None] | None = None,
        planned: Callable[[Dataset], None] | None = None,
    ) -> Dataset:
        self.mirror.sync()
        dataset = super().load(progress, planned)
        self.mirror.add_warnings(dataset)
        return dataset

    def refresh(self, changed: Iterable[Path] | None = None) -> FollowUpdate:
        update = super().refresh(changed)
        news = self.mirror.news()
        if news:
            update.warnings += news
            self.dataset.warnings = sort_warnings(self.dataset.warnings + news)
        return update


def load_with_mirror(paths: Sequence[Path], mirror: Mirror) -> Dataset:
    """Sync the mirror once, to the end of every file, then load ``paths`` (mirror paths
    among them)."""
    mirror.sync(complete=True)
    dataset = load_dataset(list(paths))
    mirror.add_warnings(dataset)
    return dataset


def loader(mirror: Mirror) -> Callable[[list[Path]], Dataset]:
    """:func:`load_with_mirror` on ``mirror``, as ``--summary`` and ``--export`` call it."""
    return lambda paths: load_with_mirror(paths, mirror)
