"""The browser's loading path: paths in, sessions with columnar series and warnings out.

Tolerant: nothing in the files can make it raise; every problem becomes a
:class:`~stormlog_core.load_warnings.LoadWarning` and every good record still loads. Large
loads parse files in parallel worker processes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from concurrent.futures import Executor

from .assemble import assemble_sessions, check_jobs
from .discovery import Discovery, Target, discover
from .load_warnings import LoadWarning, make_warning, sort_warnings
from .loading import gc_paused
from .parsing import ParsedChunk, empty_chunk, parse_json_document, parse_jsonl
from .sessions import stable_legacy_session_id
from .sessions_data import SessionData
from .sink import SinkManifest, discover_segments, manifest_path_for, read_manifest, segment_paths

#: Below this many bytes in total, parsing in worker processes costs more than it saves.
PARALLEL_MIN_BYTES: Final = 16 * 1024 * 1024
#: The same where worker start-up is slow (no fork from a threaded process).
PARALLEL_MIN_BYTES_THREADED: Final = 256 * 1024 * 1024
_RECORD_CODES: Final = frozenset(
    {"malformed-json", "not-an-object", "invalid-record", "unsupported-schema", "invalid-utf8"}
    | {"out-of-range"}
)


@dataclass
class FileTask:
    """One file to parse; ``hint`` is the session id of records that carry none."""

    path: str
    kind: str
    hint: str
    target: int
    listed_count: int | None = None
    final: bool = True
    offset: int = 0
    first_line: int = 1


@dataclass
class FileResult:
    """A parsed file with what the file system said about it."""

    task: FileTask
    chunk: ParsedChunk
    size: int = 0
    mtime_ns: int = 0
    inode: int = 0

    @property
    def end(self) -> int:
        """File offset just after the last byte consumed."""
        return self.task.offset + self.chunk.consumed


@dataclass
class Dataset:
    """Everything loaded from a set of paths."""

    sessions: list[SessionData] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def session(self, session_id: str) -> SessionData | None:
        """The session with this id, if loaded."""
        return next((s for s in self.sessions if s.session_id == session_id), None)

    def skipped_records(self) -> int:
        """How many records or lines were skipped (error-level record warnings)."""
        return sum(1 for w in self.warnings if w.code in _RECORD_CODES and w.severity == "error")


def read_file(task: FileTask) -> FileResult:
    """Parse one file; I/O problems become warnings. Runs in worker processes too."""
    with gc_paused():
        return _read_file(task)


def _read_file(task: FileTask) -> FileResult:
    path = Path(task.path)
    if task.kind == "csv":
        message = (
            f"{path.name} is a CSV export of stormlog telemetry; CSV cannot be read "
            "(its metadata column is a Python repr): open the sink directory or JSON export"
        )
        return _failed(task, make_warning("csv-export", message, task.path))
    try:
        stat = path.stat()
        data = _read_from(path, task.offset)
    except FileNotFoundError:
        return _failed(task, make_warning("vanished", "file disappeared while loading", task.path))
    except IsADirectoryError:
        return _failed(task, make_warning("not-telemetry", "is a directory", task.path))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _failed(task, make_warning("unreadable", f"cannot read: {reason}", task.path))
    if task.kind == "json":
        chunk = parse_json_document(bytes(data), path=task.path, hint=task.hint)
    else:
        chunk = parse_jsonl(
            data, path=task.path, hint=task.hint, first_line=task.first_line, final=task.final
        )
    return FileResult(task, chunk, stat.st_size, stat.st_mtime_ns, stat.st_ino)


_buffers = threading.local()


def _read_from(path: Path, offset: int) -> bytes | memoryview:
    """The file's bytes from ``offset`` on. Opens read-only, takes no lock.

    A whole file is read into a buffer this thread reuses, which spares the page faults
    of a fresh allocation per segment; the view is only valid until the next call.
    """
    with path.open("rb") as handle:
        if offset:
            handle.seek(offset)
            return handle.read()
        size = os.fstat(handle.fileno()).st_size
        buffer: bytearray | None = getattr(_buffers, "buffer", None)
        if buffer is None or len(buffer) < size + 1:
            buffer = _buffers.buffer = bytearray(max(size + 1, 2 * (len(buffer or b""))))
        read = handle.readinto(memoryview(buffer)[: size + 1])
        if read <= size:
            return memoryview(buffer)[:read]
        return bytes(buffer[:read]) + handle.read()  # it grew while we read


def _failed(task: FileTask, warning: LoadWarning) -> FileResult:
    chunk = empty_chunk(task.path)
    chunk.warnings.append(warning)
    return FileResult(task, chunk)


@dataclass
class SinkPlan:
    """A sink directory's manifest, segment files and the warnings about their agreement."""

    path: Path
    manifest: SinkManifest | None
    tasks: list[FileTask]
    warnings: list[LoadWarning]


def plan_sink(path: Path, target: int) -> SinkPlan:
    """Read a sink's manifest and list its segments (reference order)."""
    warnings: list[LoadWarning] = []
    manifest = read_manifest(path)
    manifest_file = manifest_path_for(path)
    if manifest is None and manifest_file is not None:
        message = "manifest.json cannot be parsed as a JSON object; segments are read by name"
        warnings.append(make_warning("manifest-unreadable", message, str(manifest_file)))
    if manifest is not None:
        warnings += _manifest_entry_warnings(manifest, path)
    fallback = stable_legacy_session_id(str(path.resolve()), "sink")
    listed = {seg.filename: seg for seg in (manifest.segments if manifest else [])}
    tasks = []
    for segment in segment_paths(path, manifest):
        entry = listed.get(segment.name)
        hint = (entry.session_id if entry else None) or fallback
        count = entry.event_count if entry is not None and entry.closed else None
        tasks.append(FileTask(str(segment), "jsonl", hint, target, count))
    warnings += _segment_presence_warnings(path, manifest)
    return SinkPlan(path, manifest, tasks, warnings)


def _manifest_entry_warnings(manifest: SinkManifest, path: Path) -> list[LoadWarning]:
    where = str(path / "manifest.json")
    found = []
    if manifest.dropped_sessions:
        message = f"{manifest.dropped_sessions} malformed session entr(y/ies) ignored"
        found.append(make_warning("manifest-entry-invalid", message, where))
    if manifest.dropped_segments:
        message = f"{manifest.dropped_segments} malformed segment entr(y/ies) ignored"
        found.append(make_warning("manifest-entry-invalid", message, where))
    return found


def _segment_presence_warnings(path: Path, manifest: SinkManifest | None) -> list[LoadWarning]:
    if manifest is None:
        return []
    found = []
    on_disk = {p.name for p in discover_segments(path)}
    for entry in manifest.segments:
        if entry.filename in on_disk or (path / entry.filename).exists():
            continue
        why = "deleted by retention" if entry.closed else "missing (the segment was still open)"
        message = (
            f"{entry.filename} ({entry.event_count} events) is listed in manifest.json "
            f"but gone: {why}; those events are not available"
        )
        found.append(
            make_warning(
                "segment-missing", message, str(path / entry.filename), None, entry.session_id
            )
        )
    listed = {entry.filename for entry in manifest.segments}
    for name in sorted(on_disk - listed):
        message = f"{name} is on disk but not listed in manifest.json; it is read anyway"
        found.append(make_warning("segment-unlisted", message, str(path / name)))
    return found


def record_count_warnings(result: FileResult) -> list[LoadWarning]:
    """A closed segment whose manifest count disagrees with the records in the file."""
    expected = result.task.listed_count
    if expected is None:
        return []
    seen = result.chunk.size + sum(1 for w in result.chunk.warnings if w.code in _RECORD_CODES)
    if seen == expected:
        return []
    message = f"manifest.json says {expected} events, the file holds {seen} records"
    return [make_warning("count-mismatch", message, result.task.path, None, result.task.hint)]


def _executor(total_bytes: int, tasks: int, workers: int | None) -> Executor | None:
    """Worker processes when the data is large enough to repay starting them.

    A single-threaded process (the CLI, ``--summary``) forks, which costs milliseconds;
    one with threads (the app) must not fork, and uses a fork server, whose workers
    import the parser first, so it is only worth it for much larger loads.
    """
    import multiprocessing  # only large loads pay for these imports

    count = workers if workers is not None else min(2, os.cpu_count() or 1)
    methods = multiprocessing.get_all_start_methods()
    can_fork = "fork" in methods and threading.active_count() == 1
    minimum = PARALLEL_MIN_BYTES if can_fork else PARALLEL_MIN_BYTES_THREADED
    if count < 2 or tasks < 2 or total_bytes < minimum:
        return None
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if can_fork else ("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context(method))


def _task_size(task: FileTask) -> int:
    try:
        return os.stat(task.path).st_size
    except OSError:
        return 0


def run_tasks(
    tasks: Sequence[FileTask],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterable[FileResult]:
    """Parse every file, in task order; in parallel processes when it pays.

    When worker processes cannot start or die (no semaphores, a closed standard error, a
    killed worker), the remaining files are parsed in this process instead.
    """
    done = 0
    for result in _parallel(tasks, workers):
        done += 1
        if progress is not None:
            progress(done, len(tasks))
        yield result
    for task in tasks[done:]:
        done += 1
        if progress is not None:
            progress(done, len(tasks))
        yield read_file(task)


def _parallel(tasks: Sequence[FileTask], workers: int | None) -> Iterable[FileResult]:
    """Results from worker processes, in order, until they finish or fail."""
    try:
        executor = _executor(sum(map(_task_size, tasks)), len(tasks), workers)
    except (OSError, ValueError, RuntimeError):
        return
    if executor is None:
        return
    try:
        yield from executor.map(read_file, tasks)
    except (OSError, ValueError, RuntimeError):  # BrokenProcessPool is a RuntimeError
        return
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def prepare_workers() -> None:
    """Start the helpers of worker processes now, while standard error is still a file.

    A full-screen app replaces ``sys.stderr``; multiprocessing's resource tracker, started
    lazily, would then fail to start. The fork server preloads the parser, so each worker
    starts without importing it again.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver, resource_tracker

    try:
        resource_tracker.ensure_running()
        forkserver.set_forkserver_preload(["stormlog_core.dataset"])
        forkserver.ensure_running()
    except (OSError, ValueError, RuntimeError):
        pass  # loads fall back to parsing in-process


def plan_targets(
    targets: Sequence[Target], first_index: int = 0, final: bool = True
) -> tuple[list[FileTask], dict[int, SinkManifest], list[LoadWarning]]:
    """The files to parse for ``targets`` (numbered from ``first_index``), sink manifests,
    and the warnings about manifests and segments."""
    tasks: list[FileTask] = []
    manifests: dict[int, SinkManifest] = {}
    warnings: list[LoadWarning] = []
    for index, target in enumerate(targets, start=first_index):
        if target.kind == "sink":
            plan = plan_sink(target.path, index)
            tasks += plan.tasks
            warnings += plan.warnings
            if plan.manifest is not None:
                manifests[index] = plan.manifest
        else:
            hint = stable_legacy_session_id(str(target.path.resolve()), _hint_part(target))
            tasks.append(FileTask(str(target.path), target.kind, hint, index))
    for task in tasks:
        task.final = final or task.kind != "jsonl"
    return tasks, manifests, warnings


def load_dataset(
    paths: Sequence[str | Path],
    *,
    workers: int | None = None,
    now_ns: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Dataset:
    """Load every session under ``paths``: sinks, JSON and JSONL files, searched recursively.

    Never raises for bad input: problems are in ``Dataset.warnings``.
    """
    with gc_paused():
        return _load(paths, workers, now_ns, progress)


def _load(
    paths: Sequence[str | Path],
    workers: int | None,
    now_ns: int | None,
    progress: Callable[[int, int], None] | None,
) -> Dataset:
    found = discover([Path(path) for path in paths])
    now = time.time_ns() if now_ns is None else now_ns
    dataset, _, _ = load_targets(found, now, workers=workers, progress=progress)
    return dataset


def load_targets(
    found: Discovery,
    now_ns: int,
    *,
    final: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Dataset, list[FileResult], dict[int, SinkManifest]]:
    """Parse and assemble discovered targets; also the per-file results and manifests
    (the follower keeps them to read on from where each file stopped).

    ``final=False`` leaves unterminated last lines unread: a writer may still finish them.
    """
    tasks, manifests, warnings = plan_targets(found.targets, final=final)
    warnings = found.warnings + warnings
    results = []
    for result in run_tasks(tasks, workers, progress):
        warnings += result.chunk.warnings + record_count_warnings(result)
        result.chunk.warnings = []
        results.append(result)
    sessions, session_warnings = assemble_sessions(results, manifests, found.targets, now_ns)
    warnings += session_warnings + check_jobs(sessions)
    dataset = Dataset(sessions, sort_warnings(warnings), found.targets)
    count_warnings_per_session(dataset)
    return dataset, results, manifests


def count_warnings_per_session(dataset: Dataset) -> None:
    """Set each session's ``warning_count`` from the dataset's warnings."""
    counts: dict[str | None, int] = {}
    for warning in dataset.warnings:
        counts[warning.session_id] = counts.get(warning.session_id, 0) + 1
    for session in dataset.sessions:
        session.warning_count = counts.get(session.session_id, 0)


def _hint_part(target: Target) -> Any:
    return "json" if target.kind == "json" else "sink"
