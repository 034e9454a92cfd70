"""Follow growing sinks and JSONL files: read only what was appended since the last look.

The :class:`Follower` remembers, per file, the byte offset after the last complete line,
the line count and the inode. A refresh reads only new complete lines (a torn last line is
left for later and never reported while it may still complete), picks up new segments in
order, re-reads a manifest that was replaced, keeps the data of segments that retention
deleted, and reloads a file that was truncated or replaced. It only ever opens files for
reading.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import numpy as np

from stormlog_core.browse.assemble import (
    Part,
    build_session,
    duplicate_warning,
    split_result,
    time_backwards,
)
from stormlog_core.browse.chunks import EventRecord
from stormlog_core.browse.dataset import (
    Dataset,
    attach_ooms,
    count_warnings_per_session,
    load_targets,
)
from stormlog_core.browse.dedupe import repeated_events, repeated_samples, rows_of
from stormlog_core.browse.discover import Target, discover
from stormlog_core.browse.load_warnings import LoadWarning, make_warning, sort_warnings
from stormlog_core.browse.oom import find_bundles
from stormlog_core.browse.plan import FileTask, plan_sink, plan_targets
from stormlog_core.browse.read import FileResult, read_file
from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData, reorder_tolerance_ns
from stormlog_core.io.files import open_regular
from stormlog_core.io.gc_pause import gc_paused
from stormlog_core.io.manifest import SinkManifest, manifest_path_for, read_manifest
from stormlog_core.schema.fields import COUNTERS as SERIES_FIELDS
from stormlog_core.schema.sessions import (
    STATUS_RUNNING,
    SessionSummary,
    session_sort_key,
    status_from_stops,
)
from stormlog_core.schema.taxonomy import EventKind

#: Bytes before the read offset kept to recognise a file rewritten in place.
FINGERPRINT_BYTES: Final = 64
#: Seconds between full re-discoveries of the paths (new ranks, new sink directories).
REDISCOVER_SECONDS: Final = 5.0


@dataclass
class FileState:
    """Where reading of one file stopped."""

    task: FileTask
    inode: int
    offset: int
    lines: int
    mtime_ns: int
    gone: bool = False
    #: The last bytes read (up to ``FINGERPRINT_BYTES``): a rewrite changes them.
    fingerprint: bytes = b""


@dataclass
class FollowUpdate:
    """What one refresh changed."""

    records: int = 0
    sessions: list[str] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)
    reloaded: bool = False
    status_changed: bool = False

    @property
    def changed(self) -> bool:
        """True when anything visible changed."""
        return bool(self.records or self.sessions or self.warnings or self.reloaded)


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
        self.files: dict[str, FileState] = {}
        self.manifests: dict[int, SinkManifest] = {}
        self._manifest_keys: dict[int, tuple[int, int, int] | None] = {}
        self._reported_gone: set[str] = set()
        self._failing: set[str] = set()
        self._last_discovery = 0.0
        self._stamps: dict[Path, int] = {}

    # ------------------------------------------------------------------ loading

    def load(self, progress: Callable[[int, int], None] | None = None) -> Dataset:
        """Read everything from scratch (as :func:`load_dataset`, but ready to follow)."""
        with gc_paused():
            return self._load(progress)

    def _load(self, progress: Callable[[int, int], None] | None) -> Dataset:
        found = discover(self.paths)
        self.dataset, results, self.manifests = load_targets(
            found, self.clock(), final=False, workers=self.workers, progress=progress
        )
        self.files = {}
        for result in results:
            self._remember(result)
        self._manifest_keys = {
            index: _stat_key(target.path / "manifest.json")
            for index, target in enumerate(found.targets)
            if target.kind == "sink"
        }
        self._last_discovery = time.monotonic()
        return self.dataset

    def _remember(self, result: FileResult) -> None:
        task = result.task
        self.files[task.path] = FileState(
            task=task,
            inode=result.inode,
            offset=result.end,
            lines=task.first_line - 1 + result.chunk.lines,
            mtime_ns=result.mtime_ns,
            fingerprint=_fingerprint(Path(task.path), result.end),
        )

    # ------------------------------------------------------------------ following

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
        results: list[FileResult] = []
        for state in sorted(self.files.values(), key=lambda s: s.task.path):
            outcome = self._read_safely(state, update)
            if outcome == "reload":
                self.load()
                return FollowUpdate(reloaded=True, sessions=self._ids())
            if isinstance(outcome, FileResult):
                results.append(outcome)
        self._merge(results, update)
        _refresh_ooms(self.dataset, update.sessions, self.paths)
        self._refresh_staleness(update)
        if update.changed or update.status_changed:
            self.dataset.sessions.sort(key=lambda s: session_sort_key(s.summary))
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
            self.files[task.path] = FileState(task, 0, 0, 0, 0)

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
                empty = _empty_session(summary)
                self.dataset.sessions.append(empty)
                update.sessions.append(summary.session_id)
            elif session.summary != summary:
                session.summary = summary
                update.status_changed = True
                update.sessions.append(summary.session_id)
        for task in plan_sink(target.path, index).tasks:
            if task.path not in self.files:
                task.final = False
                self.files[task.path] = FileState(task, 0, 0, 0, 0)

    def _read_more(self, state: FileState, update: FollowUpdate) -> FileResult | str | None:
        """New complete lines of one file, ``"reload"`` when it was replaced, or None."""
        path = Path(state.task.path)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            self._note_gone(state, update)
            del self.files[state.task.path]  # its data stays in the sessions
            return None
        except OSError:
            return None
        if state.inode and (stat.st_ino != state.inode or stat.st_size < state.offset):
            return "reload"
        if stat.st_size == state.offset and stat.st_mtime_ns == state.mtime_ns:
            return None
        if state.fingerprint and _fingerprint(path, state.offset) != state.fingerprint:
            return "reload"  # rewritten in place (same inode, not shorter)
        if stat.st_size == state.offset:
            state.mtime_ns = stat.st_mtime_ns
            return None
        task = FileTask(
            state.task.path,
            state.task.kind,
            state.task.hint,
            state.task.target,
            final=state.task.kind != "jsonl",
            offset=state.offset,
            first_line=state.lines + 1,
        )
        if task.kind != "jsonl" and state.inode:
            return "reload"  # a JSON document cannot be read in parts
        result = read_file(task)
        update.warnings += result.chunk.warnings
        result.chunk.warnings = []
        state.inode = result.inode or state.inode
        state.offset = result.end
        state.lines += result.chunk.lines
        state.mtime_ns = result.mtime_ns
        state.fingerprint = _fingerprint(path, state.offset)
        return result

    def _read_safely(self, state: FileState, update: FollowUpdate) -> FileResult | str | None:
        """:meth:`_read_more`, with a failure reported (once per file) instead of raised,
        so that one file cannot stop the others from being followed."""
        try:
            outcome = self._read_more(state, update)
        except Exception as exc:
            if state.task.path not in self._failing:
                self._failing.add(state.task.path)
                message = f"cannot follow this file ({type(exc).__name__}: {exc}); others go on"
                update.warnings.append(make_warning("follow-error", message, state.task.path))
            return None
        self._failing.discard(state.task.path)
        return outcome

    def _note_gone(self, state: FileState, update: FollowUpdate) -> None:
        if state.gone:
            return
        state.gone = True
        if state.task.path in self._reported_gone:
            return
        self._reported_gone.add(state.task.path)
        update.warnings.append(_gone_warning(state))

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
                    data, found = build_session(session_id, [part], summary, types["sample"])
                    self.dataset.sessions.append(data)
                    update.warnings += found
                else:
                    update.warnings += _append(session, part, types["sample"])
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
    if not any(e.kind is EventKind.OOM for s in grown for e in s.events):
        return
    if any(s.oom is None or s.oom.bundle is None for s in grown):
        dataset.bundles = find_bundles(roots)
    attach_ooms(grown, dataset.bundles)


def _gone_warning(state: FileState) -> LoadWarning:
    """A followed file was deleted (retention): whether its data had been read."""
    name = Path(state.task.path).name
    if state.offset:
        message = f"{name} was deleted (retention) after it was read; its data stays loaded"
    else:
        message = f"{name} was deleted (retention) before it could be read; its events are lost"
    return make_warning("segment-missing", message, state.task.path, None, state.task.hint)


def _fingerprint(path: Path, offset: int) -> bytes:
    """The bytes just before ``offset`` (empty when they cannot be read)."""
    start = max(0, offset - FINGERPRINT_BYTES)
    try:
        with open_regular(path) as handle:
            handle.seek(start)
            return handle.read(offset - start)
    except OSError:
        return b""


def _empty_session(summary: SessionSummary) -> SessionData:
    return SessionData(summary=summary, series=Series.empty())


def _event_time(event: EventRecord) -> int:
    return event.timestamp_ns


def _drop_repeats(session: SessionData, part: Part, sample_code: int) -> list[LoadWarning]:
    """Remove from ``part`` the records the session already has or that repeat in it
    (the rule a fresh load applies, so live and fresh agree)."""
    columns = part.columns
    times = columns["timestamp_ns"]
    if not len(times):
        return []
    low, high = int(times.min()), int(times.max())
    events, stamp = session.events, _event_time  # sorted by time
    first = bisect_left(events, low, key=stamp)
    known_events = events[first : bisect_right(events, high, key=stamp)]
    repeated = rows_of(part.events, repeated_events(part.events, known_events))
    part.events = [e for e in part.events if (e.path, e.line) not in repeated]
    known = session.series.window(low, high)
    is_sample = np.concatenate([known.is_sample, columns["etype"] == sample_code])
    merged_times = np.concatenate([known.timestamp_ns, times])
    values = {name: np.concatenate([known.values[name], columns[name]]) for name in SERIES_FIELDS}
    drop = repeated_samples(merged_times, values, is_sample, len(known))[len(known) :]
    if repeated:
        drop |= np.fromiter(((part.path, int(n)) in repeated for n in columns["line"]), bool)
    if drop.any():
        part.columns = {name: column[~drop] for name, column in columns.items()}
    where = lambda row: (part.path, int(columns["line"][row]))  # noqa: E731
    return duplicate_warning(drop, where, session.session_id)


def _append(session: SessionData, part: Part, sample_code: int) -> list[LoadWarning]:
    """Add one file's new rows to a session; warn when they go back in time or repeat."""
    warnings = _drop_repeats(session, part, sample_code)
    columns = part.columns
    order = np.argsort(columns["timestamp_ns"], kind="stable")
    times = columns["timestamp_ns"]
    tolerance = reorder_tolerance_ns(session.interval_ns)
    if len(session.series) and len(times):
        back = session.series.timestamp_ns[-1] - times
        late = np.flatnonzero(back > tolerance)
        if len(late):
            line = int(columns["line"][late[0]])
            worst = int(back.max())
            warnings.append(
                time_backwards(len(late), worst, tolerance, part.path, line, session.session_id)
            )
    session.series.append(
        Series(
            times[order],
            {name: columns[name][order] for name in SERIES_FIELDS},
            (columns["etype"] == sample_code)[order],
        )
    )
    if part.events:
        session.events.extend(part.events)
        session.events.sort(key=lambda event: event.timestamp_ns)
    versions = set(session.schema_versions) | {int(v) for v in np.unique(columns["version"])}
    session.schema_versions = sorted(versions)
    session.last_write_ns = max(session.last_write_ns or 0, part.mtime_ns) or None
    if session.summary.source == "inferred" and any(e.event_type == "stop" for e in part.events):
        status, ended = status_from_stops(
            [e.timestamp_ns for e in session.events if e.event_type == "stop"]
        )
        session.summary = replace(session.summary, status=status, ended_at_ns=ended)
    return warnings


__all__ = ["FileState", "FollowUpdate", "Follower", "Target"]
