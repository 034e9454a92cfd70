"""Export the records of a group's ranks in a time window to CSV or JSONL (no Textual).

A CSV cell from telemetry (a session id) that a spreadsheet would run as a formula is
written with a leading ``'``: OWASP's rule for CSV injection.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from stormlog_core.browse import COUNTERS as SERIES_FIELDS
from stormlog_tui.view.detail_group import DetailGroup

COLUMNS = ("timestamp_ns", "rank", "session_id", "is_sample", *SERIES_FIELDS)
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


def export_records(
    group: DetailGroup, ranks: Sequence[int] | None, start_ns: int, end_ns: int
) -> Iterator[dict[str, Any]]:
    """One dict per record of the chosen ranks in ``start_ns..end_ns``; nulls are None."""
    wanted = None if ranks is None else set(ranks)
    for track in group.tracks:
        if wanted is not None and track.rank not in wanted:
            continue
        session = track.sessions[0].session_id
        window = track.series.window(start_ns, end_ns)
        columns = {name: window.values[name].tolist() for name in SERIES_FIELDS}
        for row, stamp in enumerate(window.timestamp_ns.tolist()):
            record: dict[str, Any] = {
                "timestamp_ns": stamp,
                "rank": track.rank,
                "session_id": session,
                "is_sample": bool(window.is_sample[row]),
            }
            for name in SERIES_FIELDS:
                value = columns[name][row]
                record[name] = None if math.isnan(value) else int(value)
            yield record


def write_csv(path: Path, records: Iterator[dict[str, Any]]) -> int:
    """Write ``records`` as CSV (empty cell = null); return how many were written."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for record in records:
            writer.writerow({key: csv_cell(value) for key, value in record.items()})
            count += 1
    return count


def write_jsonl(path: Path, records: Iterator[dict[str, Any]]) -> int:
    """Write ``records`` as JSON lines; return how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=True) + "\n")
            count += 1
    return count


def free_path(directory: Path, stem: str, suffix: str) -> Path:
    """``directory/stem.suffix``, or ``stem-2.suffix``... when taken."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "export"
    candidate = directory / f"{safe}{suffix}"
    index = 2
    while candidate.exists():
        candidate = directory / f"{safe}-{index}{suffix}"
        index += 1
    return candidate


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
    records = export_records(group, ranks, start_ns, end_ns)
    count = write_csv(path, records) if fmt == "csv" else write_jsonl(path, records)
    return path, count


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
