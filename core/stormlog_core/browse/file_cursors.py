"""Where reading of each followed file stopped, and reading on from there.

Per file: the byte offset after the last complete line, the line count, the inode and the
last bytes read. Reading on finds what was appended; a file truncated, replaced or
rewritten in place (its last bytes read changed) is read again from the start, alone; a
file deleted by retention is forgotten once noted, its records staying loaded.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from stormlog_core.browse.dataset import Dataset
from stormlog_core.browse.live_merge import drop_files
from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.browse.plan import FileTask
from stormlog_core.browse.read import FileResult, read_file
from stormlog_core.io.files import open_regular
from stormlog_core.io.manifest import SEGMENT_PREFIX, SEGMENT_SUFFIX
from stormlog_core.schema.units import counted, format_duration

#: Bytes before the read offset kept to recognise a file rewritten in place.
FINGERPRINT_BYTES: Final = 64


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
    #: The time of the file's first record, once read: when the writer started it.
    first_record_ns: int | None = None


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


class FileCursors:
    """The read position of every followed file."""

    def __init__(self) -> None:
        self.states: dict[str, FileState] = {}
        #: Files retention deleted after they were read: their records stay loaded.
        self.kept: set[str] = set()
        self._reported_gone: set[str] = set()
        self._failing: set[str] = set()
        #: The shortest life seen of a deleted file (first record to deletion noticed).
        self.shortest_life_ns: int | None = None
        #: Files deleted before any of them was read.
        self.lost_unread = 0
        #: Per sink directory, the highest segment number seen: a jump is a loss.
        self._last_segment: dict[str, int] = {}

    def add(self, task: FileTask, update: FollowUpdate | None = None) -> None:
        """A file to read from its start. A sink segment numbered past the next one after
        those seen means the ones between came and went unread: said in ``update``."""
        if task.path in self.states:
            return
        self.states[task.path] = FileState(task, 0, 0, 0, 0)
        skipped = self._skipped_segments(task)
        if skipped and update is not None:
            self.lost_unread += len(skipped)
            update.warnings.append(_skipped_warning(task, skipped))

    def _skipped_segments(self, task: FileTask) -> range:
        number = segment_number(task.path) if task.segment else None
        if number is None:
            return range(0)
        directory = str(Path(task.path).parent)
        last = self._last_segment.get(directory, 0)
        self._last_segment[directory] = max(last, number)
        return range(last + 1, number)

    def remember(self, result: FileResult) -> None:
        task = result.task
        self.states[task.path] = FileState(
            task=task,
            inode=result.inode,
            offset=result.end,
            lines=task.first_line - 1 + result.chunk.lines,
            mtime_ns=result.mtime_ns,
            fingerprint=_fingerprint(Path(task.path), result.end),
            first_record_ns=_first_record_ns(result),
        )
        self._skipped_segments(task)  # a loaded sink's numbering is the baseline

    def read_on(self, dataset: Dataset, update: FollowUpdate) -> list[FileResult]:
        """What every file gained since the last call, in path order."""
        results = []
        for state in sorted(self.states.values(), key=lambda s: s.task.path):
            outcome = self._read_safely(state, dataset, update)
            if outcome is not None:
                results.append(outcome)
        return results

    def _read_safely(
        self, state: FileState, dataset: Dataset, update: FollowUpdate
    ) -> FileResult | None:
        """:meth:`_read_more`, with a failure reported (once per file) instead of raised,
        so that one file cannot stop the others from being followed."""
        try:
            outcome = self._read_more(state, dataset, update)
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
        if state.first_record_ns is not None:
            life = time.time_ns() - state.first_record_ns
            self.shortest_life_ns = min(life, self.shortest_life_ns or life)
        elif not state.offset:
            self.lost_unread += 1
        if state.task.path in self._reported_gone:
            return
        self._reported_gone.add(state.task.path)
        update.warnings.append(_gone_warning(state))

    def _read_more(
        self, state: FileState, dataset: Dataset, update: FollowUpdate
    ) -> FileResult | None:
        """New complete lines of one file (all of it again when it was rewritten), or None."""
        path = Path(state.task.path)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            self._note_gone(state, update)
            if state.offset:
                self.kept.add(state.task.path)
            del self.states[state.task.path]  # its data stays in the sessions
            return None
        except OSError:
            return None
        if state.inode and (stat.st_ino != state.inode or stat.st_size < state.offset):
            return self._reread(state, dataset, update)
        if stat.st_size == state.offset and stat.st_mtime_ns == state.mtime_ns:
            return None
        if state.fingerprint and _fingerprint(path, state.offset) != state.fingerprint:
            # rewritten in place (same inode, not shorter)
            return self._reread(state, dataset, update)
        if stat.st_size == state.offset:
            state.mtime_ns = stat.st_mtime_ns
            return None
        task = replace(
            state.task,
            final=state.task.kind != "jsonl",
            offset=state.offset,
            first_line=state.lines + 1,
            cache_dir=None,  # what a follower reads is new: never from the segment cache
        )
        if task.kind != "jsonl" and state.inode:
            return self._reread(state, dataset, update)  # a JSON document cannot be read in parts
        result = read_file(task)
        update.warnings += result.chunk.warnings
        result.chunk.warnings = []
        state.inode = result.inode or state.inode
        state.offset = result.end
        state.lines += result.chunk.lines
        state.mtime_ns = result.mtime_ns
        state.fingerprint = _fingerprint(path, state.offset)
        if state.first_record_ns is None:
            state.first_record_ns = _first_record_ns(result)
        return result

    def _reread(
        self, state: FileState, dataset: Dataset, update: FollowUpdate
    ) -> FileResult | None:
        """Take a rewritten file's records out of its sessions and read it from the start
        (only this file: the others, and what retention deleted, stay as they are)."""
        path = state.task.path
        for session in dataset.sessions:
            drop_files(session, {path})
        message = "truncated, rewritten or replaced: its old records are dropped, read again"
        update.warnings.append(make_warning("file-rewritten", message, path, None, state.task.hint))
        update.reloaded = True
        state.inode = state.offset = state.lines = state.mtime_ns = 0
        state.fingerprint = b""
        return self._read_more(state, dataset, update)


def _gone_warning(state: FileState) -> LoadWarning:
    """A followed file was deleted (retention): whether its data had been read."""
    name = Path(state.task.path).name
    if state.offset:
        message = f"{name} was deleted (retention) after it was read; its data stays loaded"
        return make_warning("segment-missing", message, state.task.path, None, state.task.hint)
    count = state.task.listed_count
    lost = f"its {count} records are lost" if count is not None else "its records are lost"
    message = f"{name} was deleted (retention) before it could be read: {lost}"
    return make_warning("segment-lost", message, state.task.path, None, state.task.hint)


def segment_number(path: str) -> int | None:
    """``12`` for ``.../segment-000012.jsonl`` (None for another name)."""
    stem = Path(path).name.removeprefix(SEGMENT_PREFIX).removesuffix(SEGMENT_SUFFIX)
    return int(stem) if stem.isdigit() else None


def _skipped_warning(task: FileTask, skipped: range) -> LoadWarning:
    first, last = skipped[0], skipped[-1]
    which = f"segment {first}" if first == last else f"segments {first}-{last}"
    message = (
        f"{which} of this sink came and went (retention) between two looks, unread: "
        "their records are lost"
    )
    return make_warning("segment-lost", message, task.path, None, task.hint)


def _first_record_ns(result: FileResult) -> int | None:
    times = result.chunk.columns["timestamp_ns"] if result.chunk.size else None
    return int(times.min()) if times is not None and len(times) else None


def slow_poll_warning(cursors: FileCursors, poll_seconds: float) -> LoadWarning | None:
    """A warning when polling every ``poll_seconds`` is too slow for the retention seen:
    files were deleted unread, or lived less than two poll intervals."""
    poll_ns = int(poll_seconds * 1e9)
    life = cursors.shortest_life_ns
    if life is not None and life < 2 * poll_ns:
        suggest = max(0.1, round(life / 3e9, 1))
        message = (
            f"retention deleted a segment {format_duration(life)} after its first record, "
            f"within two poll intervals ({poll_seconds:g} s): segments can be deleted before "
            f"they are read; poll more often (--poll {suggest:g})"
        )
    elif cursors.lost_unread:
        message = (
            f"{counted(cursors.lost_unread, 'segment')} "
            f"{'was' if cursors.lost_unread == 1 else 'were'} deleted before they could be read: "
            f"polling every {poll_seconds:g} s is too slow for this sink's retention"
        )
    else:
        return None
    return make_warning("poll-too-slow", message)


def _fingerprint(path: Path, offset: int) -> bytes:
    """The bytes just before ``offset`` (empty when they cannot be read)."""
    start = max(0, offset - FINGERPRINT_BYTES)
    try:
        with open_regular(path) as handle:
            handle.seek(start)
            return handle.read(offset - start)
    except OSError:
        return b""
