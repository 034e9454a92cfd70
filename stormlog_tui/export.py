"""Export the records of chosen sessions in a time window to JSONL or CSV (no Textual).

JSONL holds the records whole, as v3 (v4 stays v4) in time order: stormlog's own loader
and ours read it back with the same events. CSV holds one row per record: both times
(ns and ISO 8601 UTC), the session and rank, the event type, its severity and context,
every counter and the metadata as a JSON string, RFC 4180 quoted. A CSV cell from
telemetry that a spreadsheet would run as a formula is written with a leading ``'``
(OWASP's rule for CSV injection).

The app's ``x``/``X`` and ``stormlog-tui --export`` both come here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from stormlog_core.browse import (
    COUNTERS,
    SessionData,
    format_iso_utc,
    session_records,
    severity_of,
    sources_of,
)
from stormlog_tui.view.detail_group import DetailGroup

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "timestamp_ns",
    "time_utc",
    "session_id",
    "rank",
    "event_type",
    "severity",
    "context",
    *COUNTERS,
    "metadata",
)
#: What starts a formula in Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value`` as a CSV cell: empty for null; text a spreadsheet would evaluate, quoted
    with ``'``. Numbers stay numbers (a negative number is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(record: dict[str, Any]) -> dict[str, object]:
    """The CSV cells of one record."""
    metadata = record.get("metadata") or {}
    row: dict[str, object] = {name: record.get(name) for name in CSV_COLUMNS}
    row["time_utc"] = format_iso_utc(int(record["timestamp_ns"]))
    row["severity"] = severity_of(str(record.get("event_type")), metadata)
    row["metadata"] = json.dumps(metadata, sort_keys=True, ensure_ascii=False, default=str)
    return {name: csv_cell(value) for name, value in row.items()}


def write_records(handle: TextIO, records: Iterable[dict[str, Any]], fmt: str) -> int:
    """Write ``records`` to ``handle`` as ``fmt``; return how many were written."""
    written = 0
    if fmt == "csv":
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for record in records:
            writer.writerow(csv_row(record))
            written += 1
        return written
    for record in records:
        handle.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
        written += 1
    return written


def chosen_sessions(group: DetailGroup, ranks: Sequence[int] | None) -> list[SessionData]:
    """The sessions of ``group`` on ``ranks`` (all when None)."""
    wanted = None if ranks is None else set(ranks)
    return [
        session
        for track in group.tracks
        if wanted is None or track.rank in wanted
        for session in track.sessions
    ]


def export_records(
    sessions: Sequence[SessionData], start_ns: int | None, end_ns: int | None
) -> Iterator[dict[str, Any]]:
    """Every record of ``sessions`` in ``start_ns..end_ns``, whole, in time order."""
    return session_records(sources_of(sessions), start_ns, end_ns)


def free_path(directory: Path, stem: str, suffix: str) -> Path:
    """``directory/stem.suffix``, or ``stem-2.suffix``... when taken."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "export"
    candidate = directory / f"{safe}{suffix}"
    index = 2
    while candidate.exists():
        candidate = directory / f"{safe}-{index}{suffix}"
        index += 1
    return candidate


def export_to(
    path: Path,
    sessions: Sequence[SessionData],
    start_ns: int | None,
    end_ns: int | None,
    fmt: str,
) -> int:
    """Write the export to a new file ``path`` (never over an existing one); return the
    record count."""
    with path.open("x", newline="" if fmt == "csv" else None, encoding="utf-8") as handle:
        return write_records(handle, export_records(sessions, start_ns, end_ns), fmt)


def export_group(
    group: DetailGroup,
    ranks: Sequence[int] | None,
    start_ns: int,
    end_ns: int,
    directory: Path,
    fmt: str,
) -> tuple[Path, int]:
    """Export to a new file in ``directory``; return its path and the record count."""
    path = free_path(directory, f"stormlog-{group.title.replace(' ', '-')}", f".{fmt}")
    return path, export_to(path, chosen_sessions(group, ranks), start_ns, end_ns, fmt)


def try_export(
    group: DetailGroup,
    ranks: Sequence[int] | None,
    start_ns: int,
    end_ns: int,
    directory: Path,
    fmt: str,
) -> tuple[Path | None, int, str | None]:
    """:func:`export_group`, with a failure to write returned as its message, not raised:
    ``(path, count, None)`` or ``(None, 0, error)``."""
    try:
        path, count = export_group(group, ranks, start_ns, end_ns, directory, fmt)
    except OSError as error:
        return None, 0, str(error)
    return path, count, None
