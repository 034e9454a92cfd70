"""The plan stage: which files to parse for discovered targets, with their manifests'
session hints and the warnings about manifests and segments that disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stormlog_core.browse.discover import Target
from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.io.manifest import (
    SinkManifest,
    discover_segments,
    manifest_path_for,
    read_manifest,
    segment_paths,
)
from stormlog_core.schema.sessions import stable_legacy_session_id


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
