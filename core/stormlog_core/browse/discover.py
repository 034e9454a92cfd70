"""Find the telemetry under paths: sink directories, JSON and JSONL files, CSV exports.

A path that is a sink directory or a file is taken as it is. Any other directory is
searched recursively (a distributed job is usually one sink per rank under one parent).
Files met while searching are only taken when they look like telemetry, so unrelated
JSON (configs, bundle metadata) does not produce noise; a file named explicitly always
gets an answer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.io.manifest import MANIFEST_FILENAME, SEGMENT_PREFIX, SEGMENT_SUFFIX

MAX_DEPTH: Final = 8
_SKIPPED_JSON: Final = frozenset({MANIFEST_FILENAME, "metadata.json", "manifest.tmp"})
_PROBE_BYTES: Final = 4096
_TELEMETRY_HINTS: Final = (b'"schema_version"', b'"event_type"', b'"timestamp_ns"', b'"events"')


@dataclass
class Target:
    """One thing to load: ``kind`` is ``sink``, ``jsonl``, ``json`` or ``csv``."""

    kind: str
    path: Path


@dataclass
class Discovery:
    """What was found under the given paths, and what could not be searched."""

    targets: list[Target] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)


def is_sink_dir(path: Path) -> bool:
    """A directory holding ``manifest.json`` or ``segment-*.jsonl`` files."""
    try:
        if (path / MANIFEST_FILENAME).is_file() and _is_sink_manifest(path / MANIFEST_FILENAME):
            return True
        return any(path.glob(f"{SEGMENT_PREFIX}*{SEGMENT_SUFFIX}"))
    except OSError:
        return False


def _is_sink_manifest(path: Path) -> bool:
    """A sink manifest (not an OOM bundle's manifest): it has a segments list or the format."""
    try:
        head = path.read_bytes()[:_PROBE_BYTES]
    except OSError:
        return True  # unreadable: let the loader report it
    return b'"segments"' in head or b"append_only_telemetry_sink" in head or not head.strip()


def _kind_of_file(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        return "csv"
    return None


def _looks_like_telemetry(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(_PROBE_BYTES)
    except OSError:
        return True  # let the loader say why it cannot be read
    return any(hint in head for hint in _TELEMETRY_HINTS)


def _search(root: Path, found: Discovery) -> None:
    """Walk ``root`` for sinks and telemetry files, in name order."""
    for directory, subdirs, files in os.walk(root, onerror=_on_error(found)):
        here = Path(directory)
        depth = len(here.relative_to(root).parts)
        if is_sink_dir(here):
            found.targets.append(Target("sink", here))
            subdirs[:] = []
            continue
        subdirs[:] = (
            sorted(d for d in subdirs if not d.startswith(".")) if depth < MAX_DEPTH else []
        )
        for name in sorted(files):
            path = here / name
            kind = _kind_of_file(path)
            if kind is None or name in _SKIPPED_JSON:
                continue
            if kind == "csv" or _looks_like_telemetry(path):
                found.targets.append(Target(kind, path))


def _on_error(found: Discovery):  # type: ignore[no-untyped-def]
    def report(error: OSError) -> None:
        found.warnings.append(
            make_warning(
                "unreadable",
                f"cannot search {error.filename}: {error.strerror}",
                str(error.filename),
            )
        )

    return report


def discover(paths: list[Path]) -> Discovery:
    """Every sink and telemetry file under ``paths``, each once, in a stable order."""
    found = Discovery()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            found.warnings.append(
                make_warning("unreadable", f"{path}: no such file or directory", str(path))
            )
        elif path.is_file():
            found.targets.append(Target(_kind_of_file(path) or "json", path))
        elif is_sink_dir(path):
            found.targets.append(Target("sink", path))
        else:
            before = len(found.targets)
            _search(path, found)
            if len(found.targets) == before:
                found.warnings.append(
                    make_warning(
                        "empty-directory", f"{path}: no telemetry found below it", str(path)
                    )
                )
    seen: set[Path] = set()
    unique: list[Target] = []
    for target in found.targets:
        key = target.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(target)
    found.targets = unique
    return found
