"""The browser's loading path: paths in, sessions with columnar series and warnings out.

Tolerant: nothing in the files can make it raise; every problem becomes a
:class:`~stormlog_core.browse.load_warnings.LoadWarning` and every good record still loads. Large
loads parse files in parallel worker processes.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stormlog_core.browse.assemble import SessionAssembler, check_jobs
from stormlog_core.browse.discover import Discovery, Target, discover
from stormlog_core.browse.load_warnings import RECORD_CODES, LoadWarning, sort_warnings
from stormlog_core.browse.oom import OomBundle, find_bundles, session_oom
from stormlog_core.browse.plan import plan_targets
from stormlog_core.browse.read import FileResult, record_count_warnings, run_tasks
from stormlog_core.browse.rollups import Coverage, coverage_warning, sink_coverage
from stormlog_core.browse.segment_cache import offer, open_cache, trim
from stormlog_core.browse.series import Series
from stormlog_core.browse.session_data import SessionData
from stormlog_core.io.gc_pause import gc_paused
from stormlog_core.io.manifest import (
    SinkManifest,
)
from stormlog_core.io.memory import release_free_memory
from stormlog_core.schema.sessions import session_sort_key


@dataclass
class Dataset:
    """Everything loaded from a set of paths."""

    sessions: list[SessionData] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    #: OOM flight-recorder bundles found below the paths.
    bundles: list[OomBundle] = field(default_factory=list)

    def session(self, session_id: str) -> SessionData | None:
        """The session with this id, if loaded."""
        return next((s for s in self.sessions if s.session_id == session_id), None)

    def sessions_named(self, text: str) -> list[SessionData]:
        """The session whose id is ``text``; else every session whose id starts with it
        (a trailing ``…`` ignored: ``--summary`` cuts ids that way). A unique prefix names
        one session."""
        exact = self.session(text)
        if exact is not None:
            return [exact]
        prefix = text.rstrip("…").strip()
        if not prefix:
            return []
        return [s for s in self.sessions if s.session_id.startswith(prefix)]

    def skipped_records(self) -> int:
        """How many records or lines were skipped (error-level record warnings)."""
        return sum(1 for w in self.warnings if w.code in RECORD_CODES and w.severity == "error")


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
    planned: Callable[[Dataset], None] | None = None,
) -> tuple[Dataset, list[FileResult], dict[int, SinkManifest]]:
    """Parse and assemble discovered targets; also the per-file results and manifests
    (the follower keeps them to read on from where each file stopped).

    ``final=False`` leaves unterminated last lines unread: a writer may still finish them.
    ``planned`` gets the sessions the manifests list (:func:`preview_dataset`) before any
    file is parsed; ``progress`` gets the bytes parsed so far and the bytes to parse.
    """
    tasks, manifests, warnings = plan_targets(found.targets, final=final)
    if planned is not None:
        planned(preview_dataset(found, manifests))
    warnings = found.warnings + warnings
    cache = open_cache()
    offer(tasks, cache)
    results = []
    assembler = SessionAssembler(manifests, found.targets, now_ns)
    left = Counter(task.target for task in tasks)
    waiting: dict[int, list[FileResult]] = defaultdict(list)
    for result in run_tasks(tasks, workers, progress):
        warnings += result.chunk.warnings + record_count_warnings(result)
        result.chunk.warnings = []
        results.append(result)
        target = result.task.target
        waiting[target].append(result)
        left[target] -= 1
        if not left[target]:  # its files are parsed: build its sessions, free its columns
            assembler.add_target(waiting.pop(target))
    if cache is not None and any(result.cached == "stored" for result in results):
        trim(cache)
    sessions, session_warnings = assembler.finish()
    warnings += session_warnings + check_jobs(sessions)
    dataset = Dataset(sessions, [], found.targets)
    dataset.bundles = find_bundles(found.roots)
    attach_ooms(dataset.sessions, dataset.bundles)
    dataset.warnings = sort_warnings(warnings + attach_coverage(dataset, manifests))
    count_warnings_per_session(dataset)
    release_free_memory()
    return dataset, results, manifests


def preview_dataset(found: Discovery, manifests: dict[int, SinkManifest]) -> Dataset:
    """The sessions the sinks' manifests list (status, host, rank, world size and the
    records each segment holds), before any segment is read: what the first screen shows
    while the files are parsed. Each session is ``loading``."""
    sessions: dict[str, SessionData] = {}
    for _, manifest in sorted(manifests.items()):
        listed: dict[str | None, int] = {}
        for segment in manifest.segments:
            listed[segment.session_id] = listed.get(segment.session_id, 0) + segment.event_count
        for summary in manifest.sessions:
            if summary.session_id not in sessions:
                sessions[summary.session_id] = SessionData(
                    summary=summary,
                    series=Series.empty(),
                    listed_count=listed.get(summary.session_id, 0),
                    loading=True,
                )
    shown = sorted(sessions.values(), key=lambda session: session_sort_key(session.summary))
    return Dataset(shown, [], found.targets)


def attach_coverage(dataset: Dataset, manifests: dict[int, SinkManifest]) -> list[LoadWarning]:
    """Set each sink session's ``coverage``; one info warning per pruned sink."""
    warnings: list[LoadWarning] = []
    by_sink: dict[Path, Coverage] = {}
    for index, target in enumerate(dataset.targets):
        if target.kind == "sink":
            coverage = sink_coverage(target.path, manifests.get(index))
            by_sink[target.path] = coverage
            warning = coverage_warning(target.path, coverage)
            warnings += [warning] if warning is not None else []
    for session in dataset.sessions:
        sink = Path(session.sources[0]).parent if session.sources else None
        session.coverage = by_sink.get(sink) if sink is not None else None
    return warnings


def attach_ooms(sessions: Sequence[SessionData], bundles: Sequence[OomBundle]) -> None:
    """Set each session's ``oom`` (its first OOM event, with its bundle's message)."""
    for session in sessions:
        summary = session.summary
        session.oom = session_oom(
            session.events, session.session_id, summary.pid, summary.host, bundles
        )


def count_warnings_per_session(dataset: Dataset) -> None:
    """Set each session's ``warning_count`` from the dataset's warnings."""
    counts: dict[str | None, int] = {}
    for warning in dataset.warnings:
        counts[warning.session_id] = counts.get(warning.session_id, 0) + 1
    for session in dataset.sessions:
        session.warning_count = counts.get(session.session_id, 0)
