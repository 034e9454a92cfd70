"""Fast, tolerant parsing of telemetry bytes into columns, for the browser.

A JSONL buffer is decoded in one msgspec call into typed rows; the few rows that need a
closer look (legacy or v2 records, anything the typed decoder or the vectorized checks
reject) go through the exact validation path one by one, so every rejected record gets
stormlog's own message and every good record is kept. Nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import msgspec
import numpy as np

from stormlog_core.browse.chunks import (
    ExtractedRows,
    ParsedChunk,
    finish_chunk,
    merge_chunks,
)
from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.io import jsonio
from stormlog_core.io.documents import json_records
from stormlog_core.io.lines import (
    BOM,
    Buffer,
    LineIndex,
    RowLines,
    is_ascii,
    last_newline,
    max_line_bytes,
)
from stormlog_core.schema.convert import browser_event_from_record
from stormlog_core.schema.row_checks import INT64_MAX, RANGE_CHECKED, RowColumns, suspect_rows
from stormlog_core.schema.rows import ROWS, Row
from stormlog_core.schema.sessions import SessionSummary, summary_from_manifest_entry

if TYPE_CHECKING:
    import numpy.typing as npt

#: After this many unreadable lines in a row, a file is taken for something else.
MAX_BAD_RUN: Final = 1000


def _generic(line: bytes, path: str, number: int, hint: str, torn: bool) -> Any | LoadWarning:
    """One line through the exact path: an event, or the warning that says why not."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = (
            f"line is not valid UTF-8 (byte 0x{line[exc.start]:02x} at column {exc.start + 1})"
        )
        return make_warning("invalid-utf8", message, path, number)
    try:
        payload = jsonio.loads(text)
    except ValueError as exc:
        if torn:
            message = "last line is incomplete (no newline): a writer is active or was killed"
            return make_warning("torn-line", message, path, number)
        return make_warning("malformed-json", f"malformed JSON: {exc}", path, number)
    return record_or_warning(payload, path, number, hint)


def record_or_warning(payload: Any, path: str, number: int | None, hint: str) -> Any | LoadWarning:
    """A decoded record converted to an event, or a warning naming the reason."""
    if not isinstance(payload, dict):
        message = f"record must be a JSON object, not {type(payload).__name__}"
        return make_warning("not-an-object", message, path, number)
    version = payload.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version not in (2, 3, 4):
        return make_warning(
            "unsupported-schema", f"Unsupported schema_version: {version}", path, number
        )
    try:
        event = browser_event_from_record(payload, hint)
    except (ValueError, RecursionError) as exc:
        return make_warning("invalid-record", str(exc), path, number)
    if not 0 <= event.timestamp_ns <= INT64_MAX or any(
        abs(getattr(event, name) or 0) > INT64_MAX for name in RANGE_CHECKED
    ):
        return make_warning("out-of-range", "a value does not fit in 64 bits", path, number)
    return event


def _typed_rows(data: Buffer, count: int) -> list[Row] | None:
    """All lines decoded in one call, or None when any line needs the slow path."""
    if not is_ascii(data):
        try:
            codecs.utf_8_decode(data, "strict", True)
        except UnicodeDecodeError:
            return None
    try:
        rows = ROWS.decode_lines(data)
    except (msgspec.MsgspecError, OverflowError, RecursionError):
        return None
    if len(rows) != count:  # blank lines: numbering needs the slow path
        return None
    return rows


def _slow_rows(
    lines: LineIndex, count: int, path: str, hint: str, first_line: int, torn_last: bool
) -> tuple[list[Any], list[int], list[LoadWarning]]:
    """Every line decoded on its own: accepted rows, their line numbers, and warnings."""
    rows: list[Any] = []
    numbers: list[int] = []
    warnings: list[LoadWarning] = []
    limit, bad_run = max_line_bytes(), 0
    for index in range(count):
        if lines.length(index) > limit:
            row: Any = _too_long(lines.length(index), limit, path, first_line + index)
        else:
            line = lines.get(index)
            if jsonio.is_blank(line):
                continue
            row = _one_row(line, path, first_line + index, hint, torn_last and index == count - 1)
        if isinstance(row, LoadWarning):
            warnings.append(row)
            bad_run += 1
            if bad_run >= MAX_BAD_RUN and index + 1 < count:
                warnings.append(_gave_up(path, first_line + index, count - index - 1))
                break
        else:
            bad_run = 0
            rows.append(row)
            numbers.append(first_line + index)
    return rows, numbers, warnings


def _one_row(line: bytes, path: str, number: int, hint: str, torn: bool) -> Any | LoadWarning:
    """One line: a typed row when it is a plain record, else through the exact path."""
    try:
        row: Any = ROWS.decode(line)
        if suspect_rows([row], line_of=_constant(line))[0]:
            raise ValueError("needs the exact path")
        return row
    except (msgspec.MsgspecError, ValueError, OverflowError, IndexError, RecursionError):
        return _generic(line, path, number, hint, torn)


def _too_long(length: int, limit: int, path: str, number: int) -> LoadWarning:
    message = (
        f"line is {length:,} bytes, over the limit of {limit:,} "
        "(STORMLOG_TUI_MAX_LINE_BYTES); skipped"
    )
    return make_warning("line-too-long", message, path, number)


def _gave_up(path: str, number: int, rest: int) -> LoadWarning:
    message = (
        f"{MAX_BAD_RUN:,} consecutive lines up to line {number:,} could not be read: "
        f"this is not telemetry; the rest of the file ({rest:,} lines) was not read"
    )
    return make_warning("gave-up", message, path, number)


def parse_jsonl(
    data: Buffer,
    *,
    path: str,
    hint: str,
    first_line: int = 1,
    offset: int = 0,
    final: bool = True,
    report_empty: bool = False,
) -> ParsedChunk:
    """Parse JSONL bytes. ``final=False`` leaves an unterminated last line unconsumed.

    ``first_line`` is the line number of the first byte and ``offset`` its byte offset in
    the file (for appended ranges); ``hint`` is the session id of records that carry none
    (the segment's manifest session).
    """
    warnings: list[LoadWarning] = []
    skip = 0
    view = memoryview(data)
    if first_line == 1 and bytes(view[:3]) == BOM:
        warnings.append(make_warning("bom", "file starts with a UTF-8 byte-order mark", path, 1))
        skip = len(BOM)
    end = max(last_newline(view) + 1, skip)
    whole = isinstance(data, bytes) and skip == 0 and end == len(data)
    complete: Buffer = data if whole else view[skip:end]  # bytes keep the fast ASCII check
    tail = view[end:]
    lines = LineIndex(complete)
    count = len(lines.ends)
    rows, numbers = _complete_rows(lines, count, path, hint, first_line, warnings)
    if final and tail:
        more, more_numbers, problems = _slow_rows(
            LineIndex(tail), 1, path, hint, first_line + count, True
        )
        rows = list(rows) + more
        numbers = np.concatenate([numbers, np.array(more_numbers, dtype=np.int64)])
        warnings += problems
    consumed = len(data) if final else end
    whole_file = first_line == 1 and (final or report_empty)
    if whole_file and not len(rows) and not warnings and not bytes(data).strip():
        warnings.append(_no_records(bytes(data), path))
    source = RowLines(lines, numbers - first_line, bytes(tail), offset + skip, offset + end)
    return finish_chunk(
        rows, numbers, path, consumed, count + (1 if final and tail else 0), warnings, source
    )


#: A whole file is decoded this many bytes of lines at a time (what a slice's records
#: decode into, several times its size, is freed before the next slice is decoded).
SLICE_BYTES: Final = 2 << 20


def parse_jsonl_pieces(
    read: Callable[[int], bytes],
    *,
    path: str,
    hint: str,
    first_line: int = 1,
    offset: int = 0,
    final: bool = True,
    report_empty: bool = False,
    slice_bytes: int = SLICE_BYTES,
) -> ParsedChunk:
    """:func:`parse_jsonl` of the bytes ``read`` gives (until it gives none), read and
    decoded a slice of lines at a time: a worker holds one slice and its records, not a
    whole file and its records. From a slice with a bad line on, the rest is read and
    parsed in one piece (runs of bad lines count across it, see :data:`MAX_BAD_RUN`)."""
    chunks: list[ParsedChunk] = []
    line, base, carry, blank, total = first_line, offset, b"", True, 0

    def parse(data: bytes, last: bool) -> ParsedChunk:
        return parse_jsonl(data, path=path, hint=hint, first_line=line, offset=base, final=last)

    while True:
        more = read(slice_bytes)
        total += len(more)
        buffer = carry + more if carry else more
        cut = buffer.rfind(b"\n") + 1 if more else 0
        if not cut:
            if more:  # a line longer than a slice: read on
                carry = buffer
                continue
            chunks.append(parse(buffer, final))
            blank = blank and not buffer.strip()
            break
        piece = buffer[:cut]
        chunk = parse(piece, False)
        blank = blank and not piece.strip()
        if any(warning.code != "bom" for warning in chunk.warnings):
            rest = buffer + _read_all(read, slice_bytes)
            chunks.append(parse(rest, final))
            blank = blank and not rest.strip()
            break
        chunks.append(chunk)
        line, base, carry = line + chunk.lines, base + cut, buffer[cut:]
    merged = merge_chunks(chunks)
    whole_file = first_line == 1 and (final or report_empty)
    if whole_file and not merged.size and not merged.warnings and blank:
        merged.warnings.append(_no_records(b" " if total else b"", path))
    return merged


def _read_all(read: Callable[[int], bytes], size: int) -> bytes:
    parts = []
    while more := read(size):
        parts.append(more)
    return b"".join(parts)


def _complete_rows(
    lines: LineIndex,
    count: int,
    path: str,
    hint: str,
    first_line: int,
    warnings: list[LoadWarning],
) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """Accepted rows of newline-terminated lines, and their line numbers."""
    data = lines.data
    too_long = bool(count) and lines.longest() > max_line_bytes()
    typed = _typed_rows(data, count) if data and not too_long else None if too_long else []
    if typed is None:
        rows, numbers, problems = _slow_rows(lines, count, path, hint, first_line, False)
        warnings += problems
        return rows, np.array(numbers, dtype=np.int64)
    numbers_array = np.arange(first_line, first_line + len(typed), dtype=np.int64)
    if not typed:
        return [], numbers_array
    try:
        found = RowColumns(typed)
    except OverflowError:  # a 64-bit unsigned value somewhere: line by line
        rows, numbers, problems = _slow_rows(lines, count, path, hint, first_line, False)
        warnings += problems
        return rows, np.array(numbers, dtype=np.int64)
    suspects = np.flatnonzero(suspect_rows(typed, found, line_of=lines.get))
    if not len(suspects):
        return ExtractedRows(typed, found), numbers_array
    keep = np.ones(len(typed), dtype=bool)
    accepted: list[Any] = list(typed)
    for index in suspects:
        number = int(numbers_array[index])
        result = _generic(lines.get(int(index)), path, number, hint, False)
        if isinstance(result, LoadWarning):
            warnings.append(result)
            keep[index] = False
        else:
            accepted[index] = result
    return [row for row, kept in zip(accepted, keep, strict=True) if kept], numbers_array[keep]


def _constant(line: bytes) -> Callable[[int], bytes]:
    """``line_of`` for a single row."""
    return lambda _index: line


def parse_json_document(data: bytes, *, path: str, hint: str) -> ParsedChunk:
    """Parse a JSON file: a list of records, ``{"events": [...]}``, or one record.

    Warnings about single records name the record's position in the document.
    """

    warnings: list[LoadWarning] = []
    if data.startswith(BOM):
        warnings.append(make_warning("bom", "file starts with a UTF-8 byte-order mark", path, 1))
        data = data[len(BOM) :]
    try:
        text = jsonio.decode_text(data, Path(path))
    except ValueError as exc:
        warnings.append(make_warning("invalid-utf8", str(exc), path, None))
        return finish_chunk([], np.zeros(0, np.int64), path, len(data), 0, warnings)
    if not text.strip():
        warnings.append(_no_records(text, path))
        return finish_chunk([], np.zeros(0, np.int64), path, len(data), 0, warnings)
    try:
        payload = jsonio.loads(text)
    except ValueError as exc:
        if _holds_json_lines(text):
            return _json_lines_in_json(data, path, hint, warnings)
        line = getattr(exc, "lineno", None)
        warnings.append(make_warning("malformed-json", f"cannot read JSON: {exc}", path, line))
        return finish_chunk([], np.zeros(0, np.int64), path, len(data), 0, warnings)
    try:
        records, summaries = _document_records(payload, path, warnings)
    except ValueError as exc:
        warnings.append(make_warning("not-telemetry", str(exc), path, None))
        return finish_chunk([], np.zeros(0, np.int64), path, len(data), 0, warnings)
    rows: list[Any] = []
    numbers: list[int] = []
    for index, record in enumerate(records):
        result = record_or_warning(record, path, None, hint)
        if isinstance(result, LoadWarning):
            message = f"record #{index + 1}: {result.message}"
            warnings.append(make_warning(result.code, message, path, None))
        else:
            rows.append(result)
            numbers.append(index + 1)
    chunk = finish_chunk(
        rows, np.array(numbers, dtype=np.int64), path, len(data), len(records), warnings
    )
    chunk.summaries = summaries
    return chunk


def _no_records(text: str | bytes, path: str) -> LoadWarning:
    what = "is empty" if not text else "holds only whitespace"
    return make_warning("no-records", f"the file {what}: no records", path, None)


def _holds_json_lines(text: str) -> bool:
    """A document that is really JSON Lines: several lines, the first one an object."""
    first, _, rest = text.strip().partition("\n")
    if not rest.strip():
        return False
    try:
        return isinstance(jsonio.loads(first), dict)
    except ValueError:
        return False


def _json_lines_in_json(
    data: bytes, path: str, hint: str, warnings: list[LoadWarning]
) -> ParsedChunk:
    chunk = parse_jsonl(data, path=path, hint=hint)
    message = "a .json file that holds JSON Lines (one record per line); read as JSONL"
    chunk.warnings = [
        *warnings,
        make_warning("jsonl-in-json", message, path, None),
        *chunk.warnings,
    ]
    return chunk


def _document_records(
    payload: Any, path: str, warnings: list[LoadWarning]
) -> tuple[list[Any], list[SessionSummary]]:
    """The records of a JSON document, and the session summary it states, if any.

    Besides the reference's shapes, stormlog 0.4.3's results file: ``telemetry_events``
    with a ``session_summary`` (used like a manifest's entry).
    """
    if isinstance(payload, dict) and isinstance(payload.get("telemetry_events"), list):
        summaries = []
        raw = payload.get("session_summary")
        if isinstance(raw, dict):
            try:
                summaries.append(summary_from_manifest_entry(raw))
            except (ValueError, TypeError, OverflowError) as exc:
                message = f"session_summary ignored: {exc}"
                warnings.append(make_warning("manifest-entry-invalid", message, path, None))
        return list(payload["telemetry_events"]), summaries
    return json_records(payload, None), []
