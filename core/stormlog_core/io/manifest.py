"""Append-only sink directories: the manifest and the discovery of segment files.

Only reads. A sink is ``manifest.json`` plus ``segment-NNNNNN.jsonl`` files, as written by
stormlog's ``AppendOnlyTelemetrySink``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from stormlog_core.io.files import MANIFEST_MAX_BYTES, NotRegularFile, TooLarge, read_limited
from stormlog_core.schema.sessions import SessionSummary, summary_from_manifest_entry

MANIFEST_FILENAME: Final = "manifest.json"
SEGMENT_PREFIX: Final = "segment-"
SEGMENT_SUFFIX: Final = ".jsonl"
SINK_FORMAT: Final = "stormlog.append_only_telemetry_sink"


@dataclass
class SinkSegment:
    """One segment entry of the manifest."""

    filename: str
    event_count: int
    size_bytes: int
    closed: bool
    session_id: str | None = None


@dataclass
class SinkManifest:
    """A parsed manifest; malformed entries are dropped, as the reference drops them."""

    schema_version: int
    format: str
    sessions: list[SessionSummary] = field(default_factory=list)
    segments: list[SinkSegment] = field(default_factory=list)
    dropped_sessions: int = 0
    dropped_segments: int = 0


def manifest_path_for(path: Path) -> Path | None:
    """The manifest that belongs to a sink directory, manifest file or segment file."""
    if path.is_file():
        if path.name == MANIFEST_FILENAME:
            return path
        if path.suffix == SEGMENT_SUFFIX:
            candidate = path.parent / MANIFEST_FILENAME
            return candidate if candidate.exists() else None
        return None
    if path.is_dir():
        candidate = path / MANIFEST_FILENAME
        return candidate if candidate.exists() else None
    return None


def _manifest_int(value: object, default: int, minimum: int) -> int:
    """``int(value)`` when that works and is >= minimum, else the default."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return default
    return number if number >= minimum else default


def _entries(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _parse_segment(entry: Mapping[str, Any]) -> SinkSegment:
    session_id = entry.get("session_id")
    return SinkSegment(
        filename=entry["filename"],
        event_count=_manifest_int(entry.get("event_count", 0), 0, 0),
        size_bytes=_manifest_int(entry.get("size_bytes", 0), 0, 0),
        closed=bool(entry.get("closed", False)),
        session_id=session_id if isinstance(session_id, str) else None,
    )


def parse_manifest(payload: object) -> SinkManifest | None:
    """A manifest from its decoded JSON, or None when it is not an object."""
    if not isinstance(payload, Mapping):
        return None
    schema_version = _manifest_int(payload.get("schema_version", 1), 1, 1)
    fmt = payload.get("format", SINK_FORMAT)
    manifest = SinkManifest(schema_version, fmt if isinstance(fmt, str) and fmt else SINK_FORMAT)
    if schema_version >= 2:
        for entry in _entries(payload.get("sessions", [])):
            try:
                manifest.sessions.append(summary_from_manifest_entry(entry))
            except Exception:  # a malformed entry is skipped, never fatal
                manifest.dropped_sessions += 1
    for entry in _entries(payload.get("segments", [])):
        if isinstance(entry, Mapping) and isinstance(entry.get("filename"), str):
            manifest.segments.append(_parse_segment(entry))
        else:
            manifest.dropped_segments += 1
    return manifest


def read_manifest(path: str | Path) -> SinkManifest | None:
    """The manifest of a sink (directory, manifest or segment path); None if absent or bad."""
    return load_manifest(path)[0]


def load_manifest(path: str | Path) -> tuple[SinkManifest | None, str | None]:
    """The manifest of a sink, or None and why it could not be used (None: there is none).

    Only a regular file of at most ``MANIFEST_MAX_BYTES`` is read.
    """
    manifest_path = manifest_path_for(Path(path))
    if manifest_path is None:
        return None, None
    try:
        data = read_limited(manifest_path, MANIFEST_MAX_BYTES)
    except (NotRegularFile, TooLarge) as exc:
        return None, str(exc).replace(str(manifest_path), "manifest.json", 1)
    except OSError as exc:
        return None, f"cannot read manifest.json: {exc.strerror or type(exc).__name__}"
    try:
        payload = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, "manifest.json is not valid JSON"
    manifest = parse_manifest(payload)
    return manifest, None if manifest is not None else "manifest.json is not a JSON object"


def discover_segments(directory: Path) -> list[Path]:
    """Segment files present in a directory, by name."""
    return sorted(directory.glob(f"{SEGMENT_PREFIX}*{SEGMENT_SUFFIX}"))


def _merge(listed: list[Path], found: list[Path]) -> list[Path]:
    by_name = {path.name: path for path in found}
    by_name.update({path.name: path for path in listed})
    return [by_name[name] for name in sorted(by_name)]


def segment_paths(path: str | Path, manifest: SinkManifest | None = None) -> list[Path]:
    """Ordered segment files of a sink given as a directory, manifest file or segment file.

    Manifest entries whose file is gone are skipped; files the manifest does not list are
    included. Any ``.jsonl`` file counts as a single segment. ``manifest`` is the already
    read manifest of ``path``, to avoid reading it twice.
    """
    target = Path(path)
    if target.is_file():
        if target.suffix == SEGMENT_SUFFIX:
            return [target]
        if target.name != MANIFEST_FILENAME:
            return []
        directory = target.parent
    elif target.is_dir():
        directory = target
        if manifest is None and manifest_path_for(target) is None:
            return discover_segments(target)
    else:
        return []
    if manifest is None:
        manifest = read_manifest(target)
    listed = [directory / segment.filename for segment in (manifest.segments if manifest else [])]
    return _merge([p for p in listed if p.exists()], discover_segments(directory))


__all__ = [
    "MANIFEST_FILENAME",
    "SEGMENT_PREFIX",
    "SEGMENT_SUFFIX",
    "SINK_FORMAT",
    "SinkManifest",
    "SinkSegment",
    "discover_segments",
    "manifest_path_for",
    "parse_manifest",
    "read_manifest",
    "segment_paths",
]
