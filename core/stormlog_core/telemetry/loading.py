"""Strict loading of telemetry files into sessions, with the reference's exact behaviour.

JSON (list, ``{"events": [...]}`` or one record), JSONL, and append-only sink directories.
The first bad record stops the load with ``ValueError``; the tolerant loader for the
browser lives in :mod:`stormlog_core.browse`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stormlog_core.errors import TelemetryFileError
from stormlog_core.io.documents import json_records
from stormlog_core.io.gc_pause import gc_paused
from stormlog_core.io.jsonio import (
    decode_text,
    has_only_newline_breaks,
    is_blank,
    iter_lines,
    loads,
    read_bytes,
)
from stormlog_core.io.lines import LineIndex, count_lines
from stormlog_core.io.manifest import SinkManifest, read_manifest, segment_paths
from stormlog_core.schema.convert import telemetry_event_from_record
from stormlog_core.schema.records import TelemetryEventV3, telemetry_event_to_dict, trusted_event
from stormlog_core.schema.sessions import (
    SessionSummary,
    infer_summary,
    select_default,
    session_sort_key,
    stable_legacy_session_id,
)
from stormlog_core.telemetry.fast_rows import compat_fields, compat_rows
from stormlog_core.telemetry.projection import (
    ProjectedTelemetryRecord,
    project_mapping,
    unique_correlations,
    unique_resources,
)


@dataclass
class LoadedTelemetrySession:
    """One session: its summary, its events in time order, and the files they came from."""

    summary: SessionSummary
    events: list[TelemetryEventV3]
    sources_loaded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def telemetry_records(self) -> list[ProjectedTelemetryRecord]:
        """The session's events as projected records."""
        return [project_mapping(telemetry_event_to_dict(event)) for event in self.events]

    def resources(self) -> list[dict[str, Any]]:
        """Distinct resources (collector, host, pid, device, identity) seen in the session."""
        return unique_resources(self.telemetry_records())

    def correlations(self) -> list[dict[str, Any]]:
        """Distinct correlation contexts (session, job, rank, phase scope) of the session."""
        return unique_correlations(self.telemetry_records())


class RecordError(ValueError):
    """A record-level ``ValueError`` carrying where it happened (message unchanged)."""

    def __init__(self, message: str, path: Path, line: int | None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


def load_jsonl_events(
    path: Path, *, permissive_legacy: bool, default_session_id: str | None
) -> list[TelemetryEventV3]:
    """Events of a JSONL file; a torn last line is skipped, any other bad line raises."""
    data = read_bytes(path)
    plain = has_only_newline_breaks(data)
    # Plain ASCII split on "\n" needs no decoded copy of the file.
    text = None if plain and data.isascii() else decode_text(data, path)
    convert = _Converter(path, permissive_legacy, default_session_id)
    if plain:
        events = _typed_events(data, convert)
        if events is not None:
            return events
    events = []
    for number, line, torn in iter_lines(data, text):
        event = convert.line(line, number, torn)
        if event is _TORN:
            break
        if event is not None:
            events.append(event)
    return events


_TORN: Any = object()


class _Converter:
    """One line to one event, with the reference's exact errors and torn-line rule."""

    def __init__(self, path: Path, permissive_legacy: bool, default_session_id: str | None):
        self.path = path
        self.permissive_legacy = permissive_legacy
        self.default_session_id = default_session_id

    def line(self, line: bytes | str, number: int, torn: bool) -> Any:
        """The event, None for a blank line, or ``_TORN`` for a torn last line."""
        if is_blank(line):
            return None
        try:
            payload = loads(line)
        except ValueError as exc:
            if torn:
                return _TORN
            message = f"Malformed telemetry JSONL record in {self.path} at line {number}"
            raise TelemetryFileError(message) from exc
        if not isinstance(payload, Mapping):
            message = f"Telemetry record in {self.path} at line {number} must be an object"
            raise TelemetryFileError(message)
        try:
            return telemetry_event_from_record(
                payload,
                permissive_legacy=self.permissive_legacy,
                default_session_id=self.default_session_id,
            )
        except ValueError as exc:
            raise RecordError(str(exc), self.path, number) from exc


def _typed_events(data: bytes, convert: _Converter) -> list[TelemetryEventV3] | None:
    """Fast path for files split on ``\n`` only: plain v3 rows become events directly,
    every other row goes through the exact path, in file order. None when some line
    cannot be decoded as a typed row (the caller then takes the exact path for all)."""
    end = data.rfind(b"\n") + 1
    complete = memoryview(data)[:end]
    found = compat_rows(complete, count_lines(complete))
    if found is None:
        return None
    rows, suspect = found
    lines = LineIndex(complete)
    events = [
        convert.line(lines.get(index), index + 1, False)
        if suspect[index]
        else trusted_event(compat_fields(row))
        for index, row in enumerate(rows)
    ]
    if end < len(data):
        event = convert.line(data[end:], len(rows) + 1, True)
        if event is not None and event is not _TORN:
            events.append(event)
    return events


def load_json_records(path: Path, events_key: str | None) -> list[Mapping[str, Any]]:
    """The records of a JSON file; every one must be an object."""
    data = read_bytes(path)
    text = decode_text(data, path)
    try:
        payload = loads(data)
    except ValueError:
        payload = loads(text)  # raises the standard library's exact message
    records = json_records(payload, events_key)
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise TelemetryFileError(f"Event at index {index} must be an object")
    return records


def group_by_session(events: Iterable[TelemetryEventV3]) -> dict[str, list[TelemetryEventV3]]:
    """Events per session id, each list in time order (stable for equal times)."""
    grouped: dict[str, list[TelemetryEventV3]] = {}
    for event in events:
        grouped.setdefault(event.session_id, []).append(event)
    for session_events in grouped.values():
        session_events.sort(key=_timestamp)
    return grouped


def _timestamp(event: TelemetryEventV3) -> int:
    return event.timestamp_ns


def assemble_sessions(
    grouped: dict[str, list[TelemetryEventV3]],
    manifest: SinkManifest | None,
    sources: Mapping[str, set[str]],
    default_source: str,
    default_source_path: str,
) -> list[LoadedTelemetrySession]:
    """Sessions from grouped events and manifest summaries, in display order."""
    summaries = {summary.session_id: summary for summary in (manifest.sessions if manifest else [])}
    loaded: list[LoadedTelemetrySession] = []
    for session_id in set(grouped) | set(summaries):
        events = list(grouped.get(session_id, []))
        summary = summaries.get(session_id) or infer_summary(session_id, events, default_source)
        files = sorted(sources.get(session_id, {default_source_path}))
        loaded.append(LoadedTelemetrySession(summary=summary, events=events, sources_loaded=files))
    loaded.sort(key=lambda session: session_sort_key(session.summary))
    return loaded


def _source_names(path: Path) -> tuple[str, str]:
    resolved = path.resolve()
    return str(resolved), f"artifact:{path.name or resolved}"


def _load_sink(
    path: Path, manifest: SinkManifest | None, segments: list[Path], permissive_legacy: bool
) -> list[LoadedTelemetrySession]:
    source_path, source = _source_names(path)
    hints = {
        segment.filename: segment.session_id for segment in (manifest.segments if manifest else [])
    }
    fallback = stable_legacy_session_id(source_path, "sink")
    grouped: dict[str, list[TelemetryEventV3]] = {}
    sources: dict[str, set[str]] = {}
    for segment in segments:
        hint = hints.get(segment.name) or fallback
        events = load_jsonl_events(
            segment, permissive_legacy=permissive_legacy, default_session_id=hint
        )
        for session_id, session_events in group_by_session(events).items():
            grouped.setdefault(session_id, []).extend(session_events)
            sources.setdefault(session_id, set()).add(str(segment))
        if not events:
            sources.setdefault(hint, set()).add(str(segment))
    for session_events in grouped.values():
        session_events.sort(key=_timestamp)
    return assemble_sessions(grouped, manifest, sources, source, source_path)


def _load_json(
    path: Path, permissive_legacy: bool, events_key: str | None
) -> list[LoadedTelemetrySession]:
    source_path, source = _source_names(path)
    records = load_json_records(path, events_key)
    default_session_id = stable_legacy_session_id(source_path, events_key or "json")
    events = [
        telemetry_event_from_record(
            record, permissive_legacy=permissive_legacy, default_session_id=default_session_id
        )
        for record in records
    ]
    grouped = group_by_session(events)
    sources = {session_id: {source_path} for session_id in grouped}
    return assemble_sessions(grouped, None, sources, source, source_path)


def load_telemetry_sessions(
    path: str | Path,
    permissive_legacy: bool = True,
    events_key: str | None = None,
) -> list[LoadedTelemetrySession]:
    """Sessions of a JSON file, JSONL file or sink directory, in display order.

    Raises ``ValueError`` on the first invalid record or malformed line (a torn last line of a
    segment is skipped) and ``FileNotFoundError`` for a missing path. A directory with a
    manifest but no segments gives the manifest's sessions with no events.
    """
    with gc_paused():
        return _load_sessions(Path(path), permissive_legacy, events_key)


def _load_sessions(
    target: Path, permissive_legacy: bool, events_key: str | None
) -> list[LoadedTelemetrySession]:
    manifest = read_manifest(target)
    segments = segment_paths(target, manifest)
    if segments:
        return _load_sink(target, manifest, segments, permissive_legacy)
    if target.is_dir():
        if manifest is None:
            raise TelemetryFileError(
                f"{target} holds no telemetry: no manifest.json and no segment-*.jsonl files"
            )
        return _load_sink(target, manifest, [], permissive_legacy)
    return _load_json(target, permissive_legacy, events_key)


def load_telemetry_events(
    path: str | Path,
    permissive_legacy: bool = True,
    events_key: str | None = None,
    session_id: str | None = None,
) -> list[TelemetryEventV3]:
    """Events of one session: ``session_id`` if given, else the default session."""
    sessions = load_telemetry_sessions(
        path, permissive_legacy=permissive_legacy, events_key=events_key
    )
    if not sessions:
        return []
    if session_id is not None:
        for loaded in sessions:
            if loaded.summary.session_id == session_id:
                return list(loaded.events)
        raise ValueError(f"Requested session_id not found: {session_id}")
    selected = select_default(sessions)
    return list(selected.events) if selected is not None else []
