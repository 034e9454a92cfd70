"""Follow growing sinks and JSONL files: read only what was appended since the last look.

The :class:`Follower` remembers, per file, the byte offset after the last complete line,
the line count and the inode. A refresh reads only new complete lines (a torn last line is
left for later and never reported while it may still complete), picks up new segments in
order, re-reads a manifest that was replaced, keeps the data of segments that retention
deleted, and reloads a file that was truncated or replaced. It only ever opens files for
reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

from stormlog_core.browse.assemble import (
    build_session,
    split_result,
)
from stormlog_core.browse.dataset import (
    Dataset,
    attach_ooms,
    count_warnings_per_session,
    load_targets,
)
from stormlog_core.browse.discover import Target, discover
from stormlog_core.browse.file_cursors import (
    FileCursors,
    FileState,
    FollowUpdate,
    slow_poll_warning,
)
from stormlog_core.browse.live_merge import (
    append_part,
    empty_session,
    graft,
    only_files,
)
from stormlog_core.browse.load_warnings import LoadWarning, sort_warnings
from stormlog_core.browse.oom import find_bundles
from stormlog_core.browse.plan import plan_sink, plan_targets
from stormlog_core.browse.read import FileResult
from stormlog_core.browse.session_data import SessionData
from stormlog_core.io.gc_pause import gc_paused
from stormlog_core.io.manifest import SinkManifest, manifest_path_for, read_manifest
from stormlog_core.schema.sessions import (
    STATUS_RUNNING,
    SessionSummary,
    session_sort_key,
)
from stormlog_core.schema.taxonomy import EventKind

#: Seconds between full re-discoveries of the paths (new ranks, new sink directories).
REDISCOVER_SECONDS: Final = 5.0


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


class Follower:
    """A dataset kept current by incremental reads of the files under ``paths``."""

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        workers: int | None = None,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.paths = [Path(path) for path in paths]
        self.workers = workers
        self.clock = clock
        self.dataset = Dataset()
        self.cursors = FileCursors()
        #: Set when following by polling: a too slow poll for the retention is warned of.
        self.poll_seconds: float | None = None
        self._poll_warned = False
        self.manifests: dict[int, SinkManifest] = {}
        self._manifest_keys: dict[int, tuple[int, int, int] | None] = {}
        self._last_discovery = 0.0
        self._stamps: dict[Path, int] = {}

    # ------------------------------------------------------------------ loading

    def load(
        self,
        progress: Callable[[int, int], None] | None = None,
        planned: Callable[[Dataset], None] | None = None,
    ) -> Dataset:
        """Read everything from scratch (as :func:`load_dataset`, but ready to follow).

        The records of files that retention deleted after they were read are carried over:
        they are in no file any more, and a reload must not lose them.
        """
        with gc_paused():
            carried = self._carry_kept()
            dataset = self._load(progress, planned)
            self._graft_kept(carried)
            return dataset

    def _carry_kept(self) -> tuple[list[SessionData], list[LoadWarning]]:
        if not self.cursors.kept:
            return [], []
        kept = [only_files(session, self.cursors.kept) for session in self.dataset.sessions]
        said = [w for w in self.dataset.warnings if w.path in self.cursors.kept]
        return [session for session in kept if session is not None], said

    def _graft_kept(self, carried: tuple[list[SessionData], list[LoadWarning]]) -> None:
        sessions, said = carried
        for kept in sessions:
            session = self.dataset.session(kept.session_id)
            if session is None:
                self.dataset.sessions.append(kept)
            else:
                graft(session, kept)
        if sessions or said:
            self.dataset.sessions = sorted(  # a new list: workers may be reading the old one
                self.dataset.sessions, key=lambda s: session_sort_key(s.summary)
            )
            gone = self.cursors.kept  # what the fresh load says of them is superseded
            fresh = [w for w in self.dataset.warnings if w.path not in gone]
            self.dataset.warnings = sort_warnings(fresh + said)
            count_warnings_per_session(self.dataset)

    def _load(
        self,
        progress: Callable[[int, int], None] | None,
        planned: Callable[[Dataset], None] | None,
    ) -> Dataset:
        found = discover(self.paths)
        self.dataset, results, self.manifests = load_targets(
            found,
            self.clock(),
            final=False,
            workers=self.workers,
            progress=progress,
            planned=planned,
        )
        self.cursors.states = {}
        for result in results:
            self.cursors.remember(result)
        self._manifest_keys = {
            index: _stat_key(target.path / "manifest.json")
            for index, target in enumerate(found.targets)
            if target.kind == "sink"
        }
        self._last_discovery = time.monotonic()
        return self.dataset

    # ------------------------------------------------------------------ following

    @property
    def files(self) -> dict[str, FileState]:
        """Where reading of each followed file stopped, by path."""
        return self.cursors.states

    def following(self) -> bool:
        """True while some session is still running (worth watching)."""
        return any(s.summary.status == STATUS_RUNNING for s in self.dataset.sessions)

    def watch_paths(self) -> list[Path]:
        """The directories to watch for changes."""
        dirs = {Path(state.task.path).parent for state in self.files.values()}
        dirs |= {path if path.is_dir() else path.parent for path in self.paths}
        return sorted(dirs)

    def refresh(self, changed: Iterable[Path] | None = None) -> FollowUpdate:
        """Read what was appended since the last call; returns what changed."""
        update = FollowUpdate()
        if self._needs_discovery(changed):
            self._discover_new(update)
        for index in list(self.manifests) + [
            i for i in self._manifest_keys if i not in self.manifests
        ]:
            self._check_manifest(index, update)
        results = self.cursors.read_on(self.dataset, update)
        self._merge(results, update)
        grown = {result.task.path for result in results if result.chunk.size}
        if grown:  # "no records" no longer holds for a file that now has some
            self.dataset.warnings = [
                w for w in self.dataset.warnings if not (w.code == "no-records" and w.path in grown)
            ]
        if self.poll_seconds and not self._poll_warned:
            slow = slow_poll_warning(self.cursors, self.poll_seconds)
            if slow is not None:
                self._poll_warned = True
                update.warnings.append(slow)
        self._drop_emptied()
        _refresh_ooms(self.dataset, update.sessions, self.paths)
        self._refresh_staleness(update)
        if update.changed or update.status_changed:
            self.dataset.sessions = sorted(  # a new list: workers may be reading the old one
                self.dataset.sessions, key=lambda s: session_sort_key(s.summary)
            )
            self.dataset.warnings = sort_warnings(self.dataset.warnings + update.warnings)
            count_warnings_per_session(self.dataset)
        return update

    def _ids(self) -> list[str]:
        return [session.session_id for session in self.dataset.sessions]

    def _needs_discovery(self, changed: Iterable[Path] | None) -> bool:
        stamps = _dir_stamps(self.paths, {t.path for t in self.dataset.targets})
        moved, self._stamps = stamps != self._stamps, stamps
        if moved or time.monotonic() - self._last_discovery >= REDISCOVER_SECONDS:
            return True
        known = {Path(path).parent for path in self.files}
        return any(path.is_dir() and path not in known for path in (changed or ()))

    def _discover_new(self, update: FollowUpdate) -> None:
        """Targets that appeared since the last discovery (a new rank, a new file)."""
        self._last_discovery = time.monotonic()
        known = {target.path.resolve() for target in self.dataset.targets}
        fresh = [t for t in discover(self.paths).targets if t.path.resolve() not in known]
        if not fresh:
            return
        first = len(self.dataset.targets)
        self.dataset.targets.extend(fresh)
        tasks, manifests, warnings = plan_targets(fresh, first_index=first, final=False)
        self.manifests.update(manifests)
        for index, target in enumerate(fresh, start=first):
            if target.kind == "sink":
                self._manifest_keys[index] = _stat_key(target.path / "manifest.json")
        update.warnings += warnings
        for task in tasks:
            self.cursors.add(task, update)

    def _check_manifest(self, index: int, update: FollowUpdate) -> None:
        """Re-read a manifest that was replaced: statuses, new sessions, new segments."""
        target = self.dataset.targets[index]
        key = _stat_key(target.path / "manifest.json")
        if key == self._manifest_keys.get(index):
            return
        self._manifest_keys[index] = key
        manifest = read_manifest(target.path) if manifest_path_for(target.path) else None
        if manifest is None:
            return
        self.manifests[index] = manifest
        for summary in manifest.sessions:
            session = self.dataset.session(summary.session_id)
            if session is None:
                empty = empty_session(summary)
                self.dataset.sessions.append(empty)
                update.sessions.append(summary.session_id)
            elif session.summary != summary:
                session.summary = summary
                update.status_changed = True
                update.sessions.append(summary.session_id)
        for task in plan_sink(target.path, index).tasks:
            if task.path not in self.cursors.states:
                task.final = False
                self.cursors.add(task, update)

    def _drop_emptied(self) -> None:
        """Sessions that only a rewritten file held, and that it no longer holds."""
        self.dataset.sessions = [
            s
            for s in self.dataset.sessions
            if len(s.series) or s.events or s.summary.source != "inferred"
        ]

    def _merge(self, results: list[FileResult], update: FollowUpdate) -> None:
        """Append new rows to their sessions; build sessions seen for the first time."""
        types = {"sample": 0}
        for result in results:
            for session_id, part in split_result(result, types).items():
                update.records += len(part.columns["timestamp_ns"])
                update.sessions.append(session_id)
                session = self.dataset.session(session_id)
                if session is None:
                    summary = self._manifest_summary(part.target, session_id)
                    data, found = build_session(session_id, [part], summary, types)
                    self.dataset.sessions.append(data)
                    update.warnings += found
                else:
                    update.warnings += append_part(session, part, types)
        update.sessions = list(dict.fromkeys(update.sessions))

    def _manifest_summary(self, target: int, session_id: str) -> SessionSummary | None:
        manifest = self.manifests.get(target)
        if manifest is None:
            return None
        return next((s for s in manifest.sessions if s.session_id == session_id), None)

    def _refresh_staleness(self, update: FollowUpdate) -> None:
        now = self.clock()
        for session in self.dataset.sessions:
            if session.refresh_staleness(now):
                update.status_changed = True
                update.sessions.append(session.session_id)
                self.dataset.warnings = [
                    w
                    for w in self.dataset.warnings
                    if not (w.code == "stale-session" and w.session_id == session.session_id)
                ]
                stale = session.stale_warning(now)
                if stale is not None:
                    update.warnings.append(stale)


def _dir_stamps(roots: Sequence[Path], targets: set[Path]) -> dict[Path, int]:
    """Modification times of the searched directories and their subdirectories that are
    not loaded targets: a new rank sink or file changes one of them (NFS included, where
    no change is notified), so new sinks are found on the next poll, not seconds later."""
    stamps: dict[Path, int] = {}
    for root in roots:
        for directory in (root, *_subdirs(root)):
            if directory in targets:
                continue
            try:
                stamps[directory] = directory.stat().st_mtime_ns
            except OSError:
                continue
    return stamps


def _subdirs(root: Path) -> list[Path]:
    try:
        return [child for child in root.iterdir() if child.is_dir()]
    except OSError:
        return []


def _refresh_ooms(dataset: Dataset, session_ids: Sequence[str], roots: Sequence[Path]) -> None:
    """OOMs of the sessions that grew; bundles are looked for again when an OOM has none
    yet (stormlog writes the bundle just after the OOM event)."""
    wanted = set(session_ids)
    grown = [s for s in dataset.sessions if s.session_id in wanted]
    if not any(s.events.of_kind(EventKind.OOM).any() for s in grown):
        return
    if any(s.oom is None or s.oom.bundle is None for s in grown):
        dataset.bundles = find_bundles(roots)
    attach_ooms(grown, dataset.bundles)


__all__ = ["FileState", "FollowUpdate", "Follower", "Target"]
