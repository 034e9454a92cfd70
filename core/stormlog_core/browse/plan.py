"""The plan stage: which files to parse for discovered targets, with their manifests'
session hints and the warnings about manifests and segments that disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from stormlog_core.browse.discover import Target
from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.io.manifest import (
    MANIFEST_FILENAME,
    SinkManifest,
    discover_segments,
    load_manifest,
    manifest_path_for,
    segment_paths,
)
from stormlog_core.schema.row_checks import INT64_MAX
from stormlog_core.schema.sessions import SessionSummary, stable_legacy_session_id
from stormlog_core.schema.units import counted


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
    #: A sink's segment: an empty one is normal (just rolled over), not worth a warning.
    segment: bool = False
    #: A segment the manifest lists as closed: its writer is done with it.
    closed: bool = False
    #: The cache directory that may serve and keep this file's parse (None: never; see
    #: ``segment_cache``, which sets it for closed segments read whole).
    cache_dir: str | None = None


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
    manifest, problem = load_manifest(path)
    manifest_file = manifest_path_for(path)
    if problem is not None and manifest_file is not None:
        message = f"{problem}; segments are read by name"
        warnings.append(make_warning("manifest-unreadable", message, str(manifest_file)))
    if manifest is not None:
        manifest, problems = _believable(manifest, path)
        warnings += problems + _manifest_entry_warnings(manifest, path)
    fallback = stable_legacy_session_id(str(path.resolve()), "sink")
    listed = {seg.filename: seg for seg in (manifest.segments if manifest else [])}
    tasks = []
    for segment in segment_paths(path, manifest):
        entry = listed.get(segment.name)
        hint = (entry.session_id if entry else None) or fallback
        closed = entry is not None and entry.closed
        count = entry.event_count if entry is not None and closed else None
        tasks.append(
            FileTask(str(segment), "jsonl", hint, target, count, segment=True, closed=closed)
        )
    warnings += _segment_presence_warnings(path, manifest)
    return SinkPlan(path, manifest, tasks, warnings)


def _believable(manifest: SinkManifest, path: Path) -> tuple[SinkManifest, list[LoadWarning]]:
    """The manifest without entries whose values no record could hold: identity and times
    outside 64 bits or inconsistent (rank >= world_size), segment names that are not plain
    file names inside the sink (``..``, separators, absolute paths)."""
    where = str(path / MANIFEST_FILENAME)
    sessions = [s for s in manifest.sessions if _plausible_session(s)]
    segments = [s for s in manifest.segments if _plain_name(s.filename)]
    found = []
    if len(sessions) < len(manifest.sessions):
        count = len(manifest.sessions) - len(sessions)
        message = (
            f"{counted(count, 'session entry', 'session entries')} ignored: rank, world_size, "
            "job_id or times out of "
            "range or of the wrong type (the records' own identity is used)"
        )
        found.append(make_warning("manifest-entry-invalid", message, where))
    if len(segments) < len(manifest.segments):
        bad = [s.filename for s in manifest.segments if not _plain_name(s.filename)]
        shown = ", ".join(bad[:3])
        message = f"{counted(len(bad), 'segment name')} outside the sink ignored: {shown}"
        found.append(make_warning("manifest-entry-invalid", message, where))
    return replace(manifest, sessions=sessions, segments=segments), found


def _plausible_session(summary: SessionSummary) -> bool:
    identity = (summary.rank, summary.local_rank, summary.world_size, summary.pid)
    times = (summary.started_at_ns, summary.ended_at_ns or 0)
    in_range = all(abs(value) <= INT64_MAX for value in (*identity, *times))
    job_ok = summary.job_id is None or (isinstance(summary.job_id, str) and summary.job_id.strip())
    return in_range and 0 <= summary.rank < summary.world_size and bool(job_ok)


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name


def _manifest_entry_warnings(manifest: SinkManifest, path: Path) -> list[LoadWarning]:
    where = str(path / "manifest.json")
    found = []
    if manifest.dropped_sessions:
        message = counted(
            manifest.dropped_sessions, "malformed session entry", "malformed session entries"
        )
        message += " ignored"
        found.append(make_warning("manifest-entry-invalid", message, where))
    if manifest.dropped_segments:
        message = counted(
            manifest.dropped_segments, "malformed segment entry", "malformed segment entries"
        )
        message += " ignored"
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


def _hint_part(target: Target) -> Any:
    return "json" if target.kind == "json" else "sink"
