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
from typing import BinaryIO, Final

from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.io.files import PROBE_BYTES, open_regular, path_kind, read_head
from stormlog_core.io.lines import BOM, max_line_bytes
from stormlog_core.io.manifest import MANIFEST_FILENAME, SEGMENT_PREFIX, SEGMENT_SUFFIX

MAX_DEPTH: Final = 8
_SKIPPED_JSON: Final = frozenset({MANIFEST_FILENAME, "metadata.json", "manifest.tmp"})
_SCAN_BYTES: Final = 1 << 16
_NOT_JSON: Final = "does not start like JSON"
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
    #: The paths that were searched (OOM bundles are looked for below them too).
    roots: list[Path] = field(default_factory=list)


def is_sink_dir(path: Path) -> bool:
    """A directory holding ``manifest.json`` or ``segment-*.jsonl`` files."""
    try:
        manifest = path / MANIFEST_FILENAME
        if manifest.exists() and not manifest.is_dir() and _is_sink_manifest(manifest):
            return True
        return any(path.glob(f"{SEGMENT_PREFIX}*{SEGMENT_SUFFIX}"))
    except OSError:
        return False


def _is_sink_manifest(path: Path) -> bool:
    """A sink manifest (not an OOM bundle's manifest): it has a segments list or the format."""
    try:
        head = read_head(path)
    except OSError:
        return True  # unreadable, or not a regular file: let the loader report it
    return b'"segments"' in head or b"append_only_telemetry_sink" in head or not head.strip()


def telemetry_kind(name: str | Path) -> str | None:
    """``jsonl``, ``json`` or ``csv`` for a file named like telemetry (its suffix), else None.

    The name rule of discovery, shared by the app's remote mirror (which decides by name
    what to copy; the content rules then apply to the copy)."""
    return _kind_of_file(Path(name))


def searched_dir(name: str, depth: int) -> bool:
    """Whether a directory met ``depth`` levels below a searched path is searched too: not
    hidden, and not deeper than :data:`MAX_DEPTH`."""
    return depth < MAX_DEPTH and not name.startswith(".")


def _kind_of_file(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        return "csv"
    return None


def _not_telemetry(path: Path) -> str | None:
    """Why a ``.json``/``.jsonl`` file is not taken for telemetry (None: it is, or may be).

    It is when a telemetry key appears in its first record, read up to the line limit
    (a record may start with a long ``context``: stormlog sorts keys).
    """
    try:
        with open_regular(path) as handle:
            head = handle.read(PROBE_BYTES)
            if path.suffix.lower() == ".json" and head.removeprefix(BOM).lstrip()[:1] == b"{":
                return _object_reason(head + handle.read(_SCAN_BYTES - len(head)))
            if any(hint in head for hint in _TELEMETRY_HINTS):
                return None
            if len(head) < PROBE_BYTES and not head.removeprefix(BOM).strip():
                return None  # empty or blank: loaded, so that it is said to hold no records
            if head.removeprefix(BOM).lstrip()[:1] not in (b"{", b"["):
                return _NOT_JSON
            if _hint_in_first_record(handle, head):
                return None
            return "its first record has no telemetry field (schema_version, event_type...)"
    except OSError:
        return None  # unreadable, or not a regular file: let the loader say why


_OBJECT_KEYS: Final = frozenset(
    {b"schema_version", b"event_type", b"timestamp_ns", b"events", b"telemetry_events"}
)


def _object_reason(head: bytes) -> str | None:
    """A JSON object document is telemetry when a telemetry key is one of its own keys
    (not one nested deeper: a file of notes that mentions ``event_type`` inside is not)."""
    if _OBJECT_KEYS & _top_level_keys(head.removeprefix(BOM)):
        return None
    if len(head) < _SCAN_BYTES and not head.strip(b" \t\r\n{}"):
        return None  # {} or blank: loaded, so that it is said to hold no records
    return "its top-level keys are not telemetry (events, schema_version, event_type...)"


def _top_level_keys(data: bytes) -> set[bytes]:
    """The keys of the outermost JSON object found in ``data`` (a prefix is enough)."""
    keys: set[bytes] = set()
    depth, index, size = 0, 0, len(data)
    while index < size:
        char = data[index]
        if char == 0x22:  # a string: find its end, skipping escapes
            end = index + 1
            while end < size and data[end] != 0x22:
                end += 2 if data[end] == 0x5C else 1
            if depth == 1 and data[end + 1 : end + 64].lstrip()[:1] == b":":
                keys.add(data[index + 1 : end])
            index = end + 1
            continue
        if char in b"{[":
            depth += 1
        elif char in b"}]":
            depth -= 1
        index += 1
    return keys


def _hint_in_first_record(handle: BinaryIO, head: bytes) -> bool:
    """Whether a telemetry key appears before the first newline (bounded by the line limit)."""
    if b"\n" in head:
        return False
    read, tail = len(head), head[-32:]
    while True:
        if read >= max_line_bytes():
            return True  # a line over the limit: the reader reports it
        block = handle.read(_SCAN_BYTES)
        line = block.split(b"\n", 1)[0]
        if any(hint in tail + line for hint in _TELEMETRY_HINTS):
            return True
        if not block or len(line) < len(block):
            return False
        read, tail = read + len(block), block[-32:]


def _search(root: Path, found: Discovery) -> None:
    """Walk ``root`` for sinks and telemetry files, in name order."""
    for directory, subdirs, files in os.walk(root, onerror=_on_error(found)):
        here = Path(directory)
        depth = len(here.relative_to(root).parts)
        if is_sink_dir(here):
            found.targets.append(Target("sink", here))
            subdirs[:] = []
            continue
        subdirs[:] = sorted(d for d in subdirs if searched_dir(d, depth))
        for name in sorted(files):
            path = here / name
            kind = _kind_of_file(path)
            if kind is None or name in _SKIPPED_JSON:
                continue
            reason = None if kind == "csv" else _not_telemetry(path)
            if reason is None:
                found.targets.append(Target(kind, path))
            elif kind == "jsonl" or reason == _NOT_JSON:  # other JSON documents are normal
                message = f"{reason}; not read as telemetry"
                found.warnings.append(make_warning("skipped-file", message, str(path)))


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
    found = Discovery(roots=[Path(raw) for raw in paths])
    for raw in paths:
        path = Path(raw)
        kind = path_kind(path)
        if kind is not None:
            found.warnings.append(make_warning("not-regular-file", f"is {kind}", str(path)))
        elif not path.exists():
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
