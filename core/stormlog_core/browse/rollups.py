"""Rollups and retention: whether a sink's history is complete, and ``rollups.json``.

Stormlog's sink writes ``rollups.json`` (format ``stormlog.telemetry_rollups``) beside its
manifest: per-session peaks, alerts, OOMs, collector health, windows, and a ``coverage``
block with the retained segments and the pruned segment count and bytes. It is current,
by stormlog's own rule, when its retained segment list, event count and bytes and the
manifest schema version agree with the manifest; otherwise it is stale and ignored.
When retention pruned segments, the session's peaks and onset cover only what was kept
(stormlog rebuilds rollups from the retained records: the pruned history is gone).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.io.files import read_limited
from stormlog_core.io.manifest import SEGMENT_PREFIX, SEGMENT_SUFFIX, SinkManifest
from stormlog_core.schema.units import counted, format_bytes

ROLLUPS_FILENAME: Final = "rollups.json"
ROLLUPS_FORMAT: Final = "stormlog.telemetry_rollups"
_ROLLUPS_LIMIT: Final = 16 * 1024 * 1024
_NUMBER: Final = re.compile(re.escape(SEGMENT_PREFIX) + r"(\d+)" + re.escape(SEGMENT_SUFFIX))

RollupState = Literal["current", "stale", "absent"]


@dataclass(frozen=True)
class Coverage:
    """How much of a sink's history is still on disk."""

    pruned_segments: int | None
    pruned_bytes: int | None
    rollups: RollupState

    def to_dict(self) -> dict[str, Any]:
        """The ``coverage`` object of ``--summary --json``."""
        return {
            "pruned_segments": self.pruned_segments,
            "pruned_bytes": self.pruned_bytes,
            "rollups": self.rollups,
        }

    @property
    def pruned(self) -> bool:
        """True when retention removed history."""
        return bool(self.pruned_segments)


def read_rollups(sink: Path) -> dict[str, Any] | None:
    """``rollups.json`` of a sink as an object in stormlog's format, or None."""
    try:
        payload = json.loads(read_limited(sink / ROLLUPS_FILENAME, _ROLLUPS_LIMIT))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != ROLLUPS_FORMAT:
        return None
    return payload


def is_current(rollups: dict[str, Any], manifest: SinkManifest) -> bool:
    """Stormlog's rule: the rollups describe exactly the segments the manifest lists."""
    coverage = rollups.get("coverage")
    if not isinstance(coverage, dict):
        return False
    segments = manifest.segments
    return (
        rollups.get("source_manifest_schema_version") == manifest.schema_version
        and coverage.get("retained_segment_filenames") == [s.filename for s in segments]
        and coverage.get("retained_event_count") == sum(s.event_count for s in segments)
        and coverage.get("retained_bytes") == sum(s.size_bytes for s in segments)
    )


def sink_coverage(sink: Path, manifest: SinkManifest | None) -> Coverage:
    """The sink's coverage: from current rollups, else from the segment numbering."""
    rollups = read_rollups(sink)
    state: RollupState = "absent" if rollups is None else "stale"
    if rollups is not None and manifest is not None and is_current(rollups, manifest):
        coverage = rollups["coverage"]
        return Coverage(
            _count(coverage.get("pruned_segment_count")),
            _count(coverage.get("pruned_bytes")),
            "current",
        )
    return Coverage(_pruned_by_numbering(manifest), None, state)


def _pruned_by_numbering(manifest: SinkManifest | None) -> int | None:
    """Segments numbered below the first one listed: retention deleted them."""
    if manifest is None or not manifest.segments:
        return None
    numbers = [int(m[1]) for s in manifest.segments if (m := _NUMBER.fullmatch(s.filename))]
    return min(numbers) - 1 if numbers else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def coverage_warning(sink: Path, coverage: Coverage) -> LoadWarning | None:
    """An info warning for a sink whose oldest segments were pruned."""
    if not coverage.pruned:
        return None
    size = f" ({format_bytes(coverage.pruned_bytes)})" if coverage.pruned_bytes else ""
    message = (
        f"retention pruned {counted(coverage.pruned_segments or 0, 'older segment')}{size}: peaks, "
        "phases and onsets cover only the records kept"
    )
    return make_warning("history-pruned", message, str(sink / "manifest.json"))
