"""The read stage: each planned file read (read-only, no lock) and parsed, in worker
processes when the load is large enough to repay them."""

from __future__ import annotations

import io
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from stormlog_core.browse.chunks import ParsedChunk, empty_chunk
from stormlog_core.browse.load_warnings import RECORD_CODES, LoadWarning, make_warning
from stormlog_core.browse.parse import (
    SLICE_BYTES,
    parse_json_document,
    parse_jsonl_pieces,
)
from stormlog_core.browse.plan import FileTask
from stormlog_core.browse.segment_cache import Entry, entry_for, kept, steady
from stormlog_core.io.files import PROBE_BYTES, NotRegularFile, open_regular
from stormlog_core.io.gc_pause import gc_paused
from stormlog_core.io.lines import BOM

if TYPE_CHECKING:
    from concurrent.futures import Executor

#: Below this many bytes in total, parsing in worker processes costs more than it saves.
PARALLEL_MIN_BYTES: Final = 16 * 1024 * 1024


_PR_SET_PDEATHSIG: Final = 1
#: The same where worker start-up is slow (no fork from a threaded process).
PARALLEL_MIN_BYTES_THREADED: Final = 256 * 1024 * 1024


@dataclass
class FileResult:
    """A parsed file with what the file system said about it."""

    task: FileTask
    chunk: ParsedChunk
    size: int = 0
    mtime_ns: int = 0
    inode: int = 0
    #: ``"hit"``: the chunk came from the segment cache; ``"stored"``: it was kept there.
    cached: str = ""

    @property
    def end(self) -> int:
        """File offset just after the last byte consumed."""
        return self.task.offset + self.chunk.consumed


def read_file(task: FileTask) -> FileResult:
    """Parse one file (or take its parse from the segment cache, when the task may use
    it); I/O problems become warnings. Runs in worker processes too."""
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
        data, stat, entry, hit = _read_from(path, task)
    except NotJson as exc:
        return _failed(task, make_warning("not-json", str(exc), task.path, 1))
    except FileNotFoundError:
        return _failed(task, make_warning("vanished", "file disappeared while loading", task.path))
    except NotRegularFile as exc:
        return _failed(task, make_warning("not-regular-file", f"is {exc.kind}", task.path))
    except IsADirectoryError:
        return _failed(task, make_warning("not-telemetry", "is a directory", task.path))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _failed(task, make_warning("unreadable", f"cannot read: {reason}", task.path))
    if hit and isinstance(data, ParsedChunk):
        return FileResult(task, data, stat.st_size, stat.st_mtime_ns, stat.st_ino, "hit")
    chunk = data if isinstance(data, ParsedChunk) else _parse(task, data)
    stored = entry is not None and entry.store(chunk)
    cached = "stored" if stored else ""
    return FileResult(task, chunk, stat.st_size, stat.st_mtime_ns, stat.st_ino, cached)


def _parse_as_read(task: FileTask, handle: io.BufferedReader) -> ParsedChunk:
    """A whole JSONL file parsed as it is read, a slice at a time (no buffer of it all)."""
    return parse_jsonl_pieces(
        handle.read,
        path=task.path,
        hint=task.hint,
        first_line=task.first_line,
        final=task.final,
        report_empty=not task.segment,
        slice_bytes=SLICE_BYTES,
    )


def _parse(task: FileTask, data: bytes | memoryview) -> ParsedChunk:
    if task.kind == "json":
        return parse_json_document(bytes(data), path=task.path, hint=task.hint)
    return parse_jsonl_pieces(
        io.BytesIO(data).read,
        path=task.path,
        hint=task.hint,
        first_line=task.first_line,
        offset=task.offset,
        final=task.final,
        report_empty=not task.segment,  # a followed file empty from its start: say so
    )


_buffers = threading.local()


class NotJson(ValueError):
    """A file whose first bytes cannot start a JSON document or line."""


def _check_json_start(handle: io.BufferedReader) -> None:
    """Raise :class:`NotJson` when the first bytes cannot start JSON (the rest is not read)."""
    head = handle.read(PROBE_BYTES)
    handle.seek(0)
    text = head.removeprefix(BOM)
    start = text.lstrip(b" \t\r\n")[:1]
    if start and start not in (b"{", b"["):
        shown = repr(text[:16])[2:-1]
        raise NotJson(f"does not start like JSON (first bytes: {shown}); the file was not read")


def _read_from(
    path: Path, task: FileTask
) -> tuple[bytes | memoryview | ParsedChunk, os.stat_result, Entry | None, bool]:
    """The file's bytes from the task's offset on (or its parse: from the segment cache,
    or made as a big JSONL file is read), its status, the cache entry to keep the parse in
    (None: not to be kept), and whether the parse came from the cache. Regular files only,
    opened read-only without a lock; a whole file must start like JSON.

    The cache entry is chosen by the status of the descriptor read, and kept only when
    the file did not change while it was read.
    """
    with open_regular(path) as handle:
        stat = os.fstat(handle.fileno())
        entry = entry_for(task, stat)
        cached = entry.load() if entry is not None else None
        if cached is not None:
            return cached, stat, None, True
        if task.kind != "json" and not task.offset and stat.st_size > 2 * SLICE_BYTES:
            _check_json_start(handle)
            parsed = _parse_as_read(task, handle)
            changed = not steady(stat, os.fstat(handle.fileno()))
            keep = not changed and parsed.consumed == stat.st_size
            return parsed, stat, entry if keep else None, False
        data = _read_open(handle, stat, task.offset)
        if entry is not None and not (
            len(data) == stat.st_size and steady(stat, os.fstat(handle.fileno()))
        ):
            entry = None  # it changed while it was read: nothing to keep
        return data, stat, entry, False


def _read_open(handle: io.BufferedReader, stat: os.stat_result, offset: int) -> bytes | memoryview:
    """The bytes of an open file from ``offset`` on.

    A whole file is read into a buffer this thread reuses, which spares the page faults
    of a fresh allocation per segment; the view is only valid until the next call.
    """
    if offset:
        handle.seek(offset)
        return handle.read()
    _check_json_start(handle)
    buffer: bytearray | None = getattr(_buffers, "buffer", None)
    if buffer is None or len(buffer) < stat.st_size + 1:
        size = max(stat.st_size + 1, 2 * len(buffer or b""))
        buffer = _buffers.buffer = bytearray(size)
    read = handle.readinto(memoryview(buffer)[: stat.st_size + 1])
    if read <= stat.st_size:
        return memoryview(buffer)[:read]
    return bytes(buffer[:read]) + handle.read()  # it grew while we read


def _failed(task: FileTask, warning: LoadWarning) -> FileResult:
    chunk = empty_chunk(task.path)
    chunk.warnings.append(warning)
    return FileResult(task, chunk)


def record_count_warnings(result: FileResult) -> list[LoadWarning]:
    """A closed segment whose manifest count disagrees with the records in the file."""
    expected = result.task.listed_count
    if expected is None:
        return []
    seen = result.chunk.size + sum(1 for w in result.chunk.warnings if w.code in RECORD_CODES)
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

    count = workers if workers is not None else worker_count()
    methods = multiprocessing.get_all_start_methods()
    can_fork = "fork" in methods and threading.active_count() == 1
    minimum = PARALLEL_MIN_BYTES if can_fork else PARALLEL_MIN_BYTES_THREADED
    if count < 2 or tasks < 2 or total_bytes < minimum:
        return None
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if can_fork else ("forkserver" if "forkserver" in methods else "spawn")
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=die_with_parent)


#: The environment variable that sets how many worker processes parse (``--workers``).
WORKERS_ENV: Final = "STORMLOG_TUI_WORKERS"


def worker_count() -> int:
    """Worker processes for a large load: :data:`WORKERS_ENV` when set, else every core
    this process may run on (its CPU affinity, as a batch scheduler sets it)."""
    try:
        wanted = int(os.environ.get(WORKERS_ENV, ""))
    except ValueError:
        wanted = 0
    if wanted > 0:
        return wanted
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


#: Held back while workers start, so none runs the parent's handlers before its own.
_STOPPING_SIGNALS: Final = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Block Ctrl-C, SIGTERM and SIGHUP while worker processes are forked.

    A forked worker starts with its parent's signal handlers; one interrupted before its
    initializer ran would print a traceback. Blocked, a signal waits (it is not lost) and
    the parent handles it as soon as the workers are started; each worker unblocks them
    once it has its own handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread runs Python's handlers; a thread's mask is its own
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def die_with_parent() -> None:
    """In a worker: be killed when the process that started it dies (Linux), so a killed
    browser or ``--summary`` never leaves parsers behind."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the pool's shutdown in ``_parallel`` still ends the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    for signum in (signal.SIGTERM, signal.SIGHUP):  # a forked worker inherits the parent's
        signal.signal(signum, signal.SIG_DFL)  # handlers; the pool stops it with SIGTERM
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING_SIGNALS)


def _task_size(task: FileTask) -> int:
    """The bytes there are to parse for ``task``: none for a file the segment cache holds
    (reading its entry here costs less than sending it back from a worker)."""
    try:
        status = os.stat(task.path)
    except OSError:
        return 0
    return 0 if kept(task, status) else status.st_size


def run_tasks(
    tasks: Sequence[FileTask],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterable[FileResult]:
    """Parse every file, in task order; in parallel processes when it pays. ``progress``
    gets the bytes parsed so far and the bytes to parse, after each file.

    When worker processes cannot start or die (no semaphores, a closed standard error, a
    killed worker), the remaining files are parsed in this process instead.
    """
    sizes = [_task_size(task) for task in tasks]
    total = sum(sizes)
    done = parsed = 0
    for result in _parallel(tasks, workers, total):
        parsed += sizes[done]
        done += 1
        if progress is not None:
            progress(parsed, total)
        yield result
    for task in tasks[done:]:
        result = read_file(task)
        parsed += sizes[done]
        done += 1
        if progress is not None:
            progress(parsed, total)
        yield result


def _parallel(
    tasks: Sequence[FileTask], workers: int | None, total_bytes: int
) -> Iterable[FileResult]:
    """Results from worker processes, in order, until they finish or fail."""
    try:
        executor = _executor(total_bytes, len(tasks), workers)
    except (OSError, ValueError, RuntimeError):
        return
    if executor is None:
        return
    try:
        with _signals_deferred():  # map() starts the workers and submits every task
            results = executor.map(read_file, tasks)
        yield from results
    except (OSError, ValueError, RuntimeError):  # BrokenProcessPool is a RuntimeError
        return
    except BaseException:  # Ctrl-C, a signal, the consumer gone: stop the workers now
        _terminate(executor)
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _terminate(executor: Executor) -> None:
    processes = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        process.terminate()


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
        forkserver.set_forkserver_preload(["stormlog_core.browse.read"])
        forkserver.ensure_running()
    except (OSError, ValueError, RuntimeError):
        pass  # loads fall back to parsing in-process
