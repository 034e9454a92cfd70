"""Fast, tolerant parsing of telemetry bytes into columns, for the browser.

A JSONL buffer is decoded in one msgspec call into typed rows; the few rows that need a
closer look (legacy or v2 records, anything the typed decoder or the vectorized checks
reject) go through the exact validation path one by one, so every rejected record gets
stormlog's own message and every good record is kept. Nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
import numpy as np

from . import jsonio
from .convert import browser_event_from_record
from .load_warnings import LoadWarning, make_warning
from .projection import SEVERITY_BY_EVENT_TYPE
from .series import SERIES_FIELDS
from .validation import CAPABILITY_FLAG_FIELDS, COUNTER_CAPABILITIES

if TYPE_CHECKING:
    import numpy.typing as npt

COUNTERS: Final = SERIES_FIELDS
#: Counters that only schema v4 may leave null.
_CORE_COUNTERS: Final = (
    "allocator_allocated_bytes",
    "allocator_reserved_bytes",
    "allocator_change_bytes",
    "device_used_bytes",
)
_INT64_MAX: Final = 2**63 - 1
_EXACT_FLOAT_LIMIT: Final = float(2**53)
#: Fields stored in 64-bit columns, besides the timestamp.
_RANGE_CHECKED: Final = (*COUNTERS, "rank", "local_rank", "world_size", "schema_version")
_BOM: Final = b"\xef\xbb\xbf"

_NonNeg = Annotated[int, msgspec.Meta(ge=0)]


class _Object(msgspec.Struct, gc=False):
    """Any JSON object, skipped unread (a sample's metadata is not needed)."""


class _Row(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The typed shape of a v2/v3/v4 record; anything else fails decoding."""

    schema_version: int
    timestamp_ns: _NonNeg
    event_type: str
    collector: str
    sampling_interval_ms: _NonNeg
    pid: Annotated[int, msgspec.Meta(ge=-1)]
    host: str
    device_id: int
    allocator_allocated_bytes: _NonNeg | None
    allocator_reserved_bytes: _NonNeg | None
    allocator_active_bytes: _NonNeg | None
    allocator_inactive_bytes: _NonNeg | None
    allocator_change_bytes: int | None
    device_used_bytes: _NonNeg | None
    device_free_bytes: _NonNeg | None
    device_total_bytes: _NonNeg | None
    context: str | None
    metadata: _Object
    session_id: str | None = None
    job_id: str | None = None
    rank: _NonNeg = -1
    local_rank: _NonNeg = -1
    world_size: Annotated[int, msgspec.Meta(ge=1)] = 0


class _Capabilities(msgspec.Struct, forbid_unknown_fields=True):
    backend: str
    telemetry_collector: str
    sampling_source: str
    supports_allocator_allocated: bool
    supports_allocator_reserved: bool
    supports_allocator_active: bool
    supports_allocator_inactive: bool
    supports_device_used: bool
    supports_device_free: bool
    supports_device_total: bool
    supports_native_allocator_history: bool
    supports_fragmentation_analysis: bool
    supports_allocator_attribution: bool
    supports_bounded_profiling: bool


class _CapabilityHolder(msgspec.Struct):
    memory_capabilities: _Capabilities


def _with_metadata_type(name: str, kind: Any) -> Any:
    """A copy of ``_Row`` whose ``metadata`` field has another type."""
    fields: list[Any] = []
    for info in msgspec.structs.fields(_Row):
        kind_here = kind if info.name == "metadata" else info.type
        if info.required:
            fields.append((info.name, kind_here))
        else:
            fields.append((info.name, kind_here, info.default))
    return msgspec.defstruct(name, fields, forbid_unknown_fields=True, gc=False)


#: The seed-compatible API needs every record's metadata as a dict.
_CompatRow = _with_metadata_type("_CompatRow", dict[str, Any])

_ROWS = msgspec.json.Decoder(_Row)
_COMPAT_ROWS = msgspec.json.Decoder(_CompatRow)


class _CapabilityLine(msgspec.Struct):
    metadata: _CapabilityHolder


_CAPS = msgspec.json.Decoder(_CapabilityLine)
_ANY = msgspec.json.Decoder()


@dataclass
class EventRecord:
    """A non-sample event (alert, phase, collector state, start/stop, OOM...)."""

    session_id: str
    timestamp_ns: int
    event_type: str
    severity: str
    context: str | None
    metadata: dict[str, Any]
    rank: int
    path: str
    line: int
    allocator_allocated_bytes: float
    device_used_bytes: float


@dataclass
class SessionInfo:
    """Identity of a session as its first record in a chunk states it."""

    host: str
    pid: int
    collector: str
    device_id: int
    sampling_interval_ms: int
    job_id: str | None
    rank: int
    local_rank: int
    world_size: int


@dataclass
class ParsedChunk:
    """Columns of the records of one file (or one appended byte range of it)."""

    path: str
    columns: dict[str, npt.NDArray[Any]]
    session_ids: list[str]
    event_types: list[str]
    job_ids: list[str | None]
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)
    consumed: int = 0
    lines: int = 0

    @property
    def size(self) -> int:
        """Number of records."""
        return len(self.columns["timestamp_ns"])


def severity_of(event_type: str, metadata: dict[str, Any]) -> str:
    """The severity shown for an event: metadata's ``severity``, else by event type."""
    explicit = metadata.get("severity")
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip().lower()
    return SEVERITY_BY_EVENT_TYPE.get(event_type.strip().lower(), "info")


Buffer = bytes | memoryview


def newline_offsets(data: Buffer, step: int = 1 << 18) -> npt.NDArray[np.int64]:
    """Offsets of every ``\\n``, found in cache-sized steps (no buffer-sized temporary)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    parts = []
    for start in range(0, len(raw), step):
        found = np.flatnonzero(raw[start : start + step] == 10)
        parts.append(found + start if start else found)
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)


class LineIndex:
    """Line starts of a buffer, computed on first use."""

    def __init__(self, data: Buffer) -> None:
        self.data = data
        self._ends: npt.NDArray[np.int64] | None = None

    @property
    def ends(self) -> npt.NDArray[np.int64]:
        """Offsets of every newline."""
        if self._ends is None:
            self._ends = newline_offsets(self.data)
        return self._ends

    def get(self, index: int) -> bytes:
        """Line ``index`` (0-based) without its newline."""
        ends = self.ends
        start = 0 if index == 0 else int(ends[index - 1]) + 1
        end = int(ends[index]) if index < len(ends) else len(self.data)
        return bytes(self.data[start:end])


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
    if not 0 <= event.timestamp_ns <= _INT64_MAX or any(
        abs(getattr(event, name) or 0) > _INT64_MAX for name in _RANGE_CHECKED
    ):
        return make_warning("out-of-range", "a value does not fit in 64 bits", path, number)
    return event


def _blank_rows(values: list[Any]) -> set[Any]:
    """The distinct values that are blank strings."""
    return {value for value in set(values) if isinstance(value, str) and not value.strip()}


class _Extract:
    """Every column of a list of rows, read once."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = rows
        self.versions = _int_column(rows, "schema_version")
        self.timestamps = _int_column(rows, "timestamp_ns")
        self.counters = {name: _float_column(rows, name) for name in COUNTERS}
        self.identity = _resolve_identity(
            *(_int_column(rows, name) for name in ("rank", "local_rank", "world_size"))
        )
        self.texts = {
            name: list(map(attrgetter(name), rows))
            for name in ("session_id", "event_type", "job_id")
        }


def _suspect_rows(
    rows: Sequence[Any],
    found: _Extract | None = None,
    *,
    compat: bool = False,
    line_of: Callable[[int], bytes] | None = None,
) -> npt.NDArray[np.bool_]:
    """Rows the typed decoder accepted but that need the exact path (see module doc).

    ``compat`` rows are for the seed-compatible API: only v3 passes (v2 and v4 take the
    exact path, which converts or rejects them as stormlog does).
    """
    n = len(rows)
    found = found or _Extract(rows)
    versions = found.versions
    # v2 resolves its session id from metadata: exact path
    bad = ~np.isin(versions, (3,) if compat else (3, 4))
    session_ids = found.texts["session_id"]
    if None in set(session_ids):
        bad |= np.fromiter((value is None for value in session_ids), bool, n)
    for name in ("session_id", "event_type", "collector", "host", "job_id"):
        values = found.texts[name] if name in found.texts else list(map(attrgetter(name), rows))
        blanks = _blank_rows(values)
        if blanks:
            bad |= np.fromiter((value in blanks for value in values), bool, n)
    counters = found.counters
    not_v4 = versions != 4
    for name in _CORE_COUNTERS:
        bad |= not_v4 & np.isnan(counters[name])
    total = counters["device_total_bytes"]
    bad |= counters["device_used_bytes"] > total  # comparisons with NaN are False
    bad |= counters["device_free_bytes"] > total
    for name in ("device_used_bytes", "device_free_bytes", "device_total_bytes"):
        bad |= counters[name] >= _EXACT_FLOAT_LIMIT  # floats can no longer compare exactly
    bad |= _identity_conflicts(*found.identity)
    if compat or np.all(not_v4 | bad):
        return bad
    assert line_of is not None, "v4 rows need their lines for the capability check"
    bad |= _capability_conflicts(~not_v4 & ~bad, counters, line_of)
    return bad


def _identity_conflicts(
    rank: npt.NDArray[np.int64], local: npt.NDArray[np.int64], world: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    single = world == 1
    conflict: npt.NDArray[np.bool_] = (rank >= world) | (local >= world)
    conflict |= single & ((rank != 0) | (local != 0))
    return conflict


def _resolve_identity(
    rank: npt.NDArray[np.int64], local: npt.NDArray[np.int64], world: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Defaults for absent identity: rank 0, local rank = rank, world size 1."""
    rank = np.where(rank < 0, 0, rank)
    local = np.where(local < 0, rank, local)
    world = np.where(world <= 0, 1, world)
    return rank, local, world


def _capability_conflicts(
    v4: npt.NDArray[np.bool_],
    counters: dict[str, npt.NDArray[np.float64]],
    line_of: Callable[[int], bytes],
) -> npt.NDArray[np.bool_]:
    """v4 rows whose memory_capabilities are malformed or deny a counter they report."""
    bad = np.zeros(len(v4), dtype=bool)
    for index in np.flatnonzero(v4):
        try:
            caps = _CAPS.decode(line_of(int(index))).metadata.memory_capabilities
        except msgspec.MsgspecError:
            bad[index] = True
            continue
        texts = (caps.backend, caps.telemetry_collector, caps.sampling_source)
        if not all(text.strip() for text in texts):
            bad[index] = True
        else:
            bad[index] = _denied_counter(caps, counters, int(index))
    return bad


def _denied_counter(
    caps: _Capabilities, counters: dict[str, npt.NDArray[np.float64]], index: int
) -> bool:
    for counter, capability in COUNTER_CAPABILITIES.items():
        if not np.isnan(counters[counter][index]) and not getattr(caps, capability):
            return True
    change_present = not np.isnan(counters["allocator_change_bytes"][index])
    return change_present and not caps.supports_allocator_allocated


assert len(CAPABILITY_FLAG_FIELDS) == 11  # _Capabilities mirrors the catalogue above


def _float_column(rows: Sequence[Any], name: str) -> npt.NDArray[np.float64]:
    """A counter as float64; null becomes NaN."""
    try:
        return np.fromiter(map(attrgetter(name), rows), np.float64, len(rows))
    except TypeError:  # a None somewhere
        return np.array(list(map(attrgetter(name), rows)), dtype=np.float64)


def _int_column(rows: Sequence[Any], name: str) -> npt.NDArray[np.int64]:
    return np.fromiter(map(attrgetter(name), rows), np.int64, len(rows))


def _intern(values: list[Any]) -> tuple[npt.NDArray[np.int32], list[Any]]:
    """Codes into a table of the distinct values, in first-seen order."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return np.zeros(len(values), dtype=np.int32), distinct
    table = {value: code for code, value in enumerate(distinct)}
    return np.fromiter(map(table.__getitem__, values), np.int32, len(values)), distinct


def _columns(
    rows: Sequence[Any], lines: npt.NDArray[np.int64], found: _Extract | None = None
) -> ParsedChunk:
    """Columns of accepted rows (typed rows or converted events), in file order."""
    found = found if found is not None else _Extract(rows)
    session_codes, session_ids = _intern(found.texts["session_id"])
    type_codes, event_types = _intern(found.texts["event_type"])
    job_codes, job_ids = _intern(found.texts["job_id"])
    rank, local, world = found.identity
    columns: dict[str, npt.NDArray[Any]] = {
        "timestamp_ns": found.timestamps,
        "line": lines,
        "session": session_codes,
        "etype": type_codes.astype(np.int16),
        "job": job_codes,
        "version": found.versions.astype(np.int8),
        "rank": rank.astype(np.int32),
        "world_size": world.astype(np.int32),
    }
    columns.update(found.counters)
    chunk = ParsedChunk("", columns, session_ids, event_types, job_ids)
    _describe_sessions(chunk, rows, session_codes, local)
    return chunk


def _describe_sessions(
    chunk: ParsedChunk,
    rows: Sequence[Any],
    codes: npt.NDArray[np.int32],
    local: npt.NDArray[np.int64],
) -> None:
    _, first_rows = np.unique(codes, return_index=True)
    for index in first_rows:
        row = rows[index]
        chunk.sessions[row.session_id] = SessionInfo(
            host=row.host,
            pid=row.pid,
            collector=row.collector,
            device_id=row.device_id,
            sampling_interval_ms=row.sampling_interval_ms,
            job_id=row.job_id,
            rank=int(chunk.columns["rank"][index]),
            local_rank=int(local[index]),
            world_size=int(chunk.columns["world_size"][index]),
        )


def _attach_events(chunk: ParsedChunk, rows: Sequence[Any], path: str) -> None:
    """Keep full detail of every non-sample row."""
    sample_code = chunk.event_types.index("sample") if "sample" in chunk.event_types else -1
    etype = chunk.columns["etype"]
    for position in np.flatnonzero(etype != sample_code):
        index = int(position)
        row = rows[index]
        metadata = row.metadata if isinstance(row.metadata, dict) else {}
        chunk.events.append(
            EventRecord(
                session_id=row.session_id,
                timestamp_ns=row.timestamp_ns,
                event_type=row.event_type,
                severity=severity_of(row.event_type, metadata),
                context=row.context,
                metadata=metadata,
                rank=int(chunk.columns["rank"][index]),
                path=path,
                line=int(chunk.columns["line"][index]),
                allocator_allocated_bytes=float(chunk.columns["allocator_allocated_bytes"][index]),
                device_used_bytes=float(chunk.columns["device_used_bytes"][index]),
            )
        )


class _Extracted(list):  # type: ignore[type-arg]
    """Rows that carry their already extracted columns."""

    def __init__(self, rows: Sequence[Any], found: _Extract) -> None:
        super().__init__(rows)
        self.found = found


def _is_ascii(data: Buffer) -> bool:
    if isinstance(data, bytes):
        return data.isascii()
    return not len(data) or int(np.frombuffer(data, dtype=np.uint8).max()) < 0x80


def count_lines(data: Buffer) -> int:
    """Number of newline characters."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))


def _typed_rows(data: Buffer, count: int) -> list[_Row] | None:
    """All lines decoded in one call, or None when any line needs the slow path."""
    if not _is_ascii(data):
        try:
            codecs.utf_8_decode(data, "strict", True)
        except UnicodeDecodeError:
            return None
    try:
        rows = _ROWS.decode_lines(data)
    except (msgspec.MsgspecError, OverflowError):
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
    for index in range(count):
        line = lines.get(index)
        if jsonio.is_blank(line):
            continue
        torn = torn_last and index == count - 1
        try:
            row: Any = _ROWS.decode(line)
            if _suspect_rows([row], line_of=_constant(line))[0]:
                raise ValueError("needs the exact path")
            if row.event_type != "sample":
                row = _with_metadata(row, line)
        except (msgspec.MsgspecError, ValueError, OverflowError, IndexError):
            row = _generic(line, path, first_line + index, hint, torn)
        if isinstance(row, LoadWarning):
            warnings.append(row)
        else:
            rows.append(row)
            numbers.append(first_line + index)
    return rows, numbers, warnings


def parse_jsonl(
    data: Buffer, *, path: str, hint: str, first_line: int = 1, final: bool = True
) -> ParsedChunk:
    """Parse JSONL bytes. ``final=False`` leaves an unterminated last line unconsumed.

    ``first_line`` is the line number of the first byte (for appended ranges); ``hint`` is
    the session id of records that carry none (the segment's manifest session).
    """
    warnings: list[LoadWarning] = []
    skip = 0
    view = memoryview(data)
    if first_line == 1 and bytes(view[:3]) == _BOM:
        warnings.append(make_warning("bom", "file starts with a UTF-8 byte-order mark", path, 1))
        skip = len(_BOM)
    end = max(_last_newline(view) + 1, skip)
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
    return _finish(rows, numbers, path, consumed, count + (1 if final and tail else 0), warnings)


def _last_newline(view: memoryview) -> int:
    """Index of the last newline, or -1."""
    step = 1 << 16
    stop = len(view)
    while stop > 0:
        start = max(0, stop - step)
        found = bytes(view[start:stop]).rfind(b"\n")
        if found >= 0:
            return start + found
        stop = start
    return -1


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
    typed = _typed_rows(data, count) if data else []
    if typed is None:
        rows, numbers, problems = _slow_rows(lines, count, path, hint, first_line, False)
        warnings += problems
        return rows, np.array(numbers, dtype=np.int64)
    numbers_array = np.arange(first_line, first_line + len(typed), dtype=np.int64)
    if not typed:
        return [], numbers_array
    try:
        found = _Extract(typed)
    except OverflowError:  # a 64-bit unsigned value somewhere: line by line
        rows, numbers, problems = _slow_rows(lines, count, path, hint, first_line, False)
        warnings += problems
        return rows, np.array(numbers, dtype=np.int64)
    suspects = np.flatnonzero(_suspect_rows(typed, found, line_of=lines.get))
    _read_event_metadata(typed, found, lines)
    if not len(suspects):
        return _Extracted(typed, found), numbers_array
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


def _with_metadata(row: Any, line: bytes) -> SimpleNamespace:
    """A typed row with its metadata read from the line (events need it; samples not)."""
    full = SimpleNamespace(**msgspec.structs.asdict(row))
    full.metadata = _ANY.decode(line).get("metadata")
    return full


def _read_event_metadata(rows: list[Any], found: _Extract, lines: LineIndex) -> None:
    """Replace every non-sample typed row by one that carries its metadata."""
    types = found.texts["event_type"]
    for index, event_type in enumerate(types):
        if event_type != "sample":
            rows[index] = _with_metadata(rows[index], lines.get(index))


def _finish(
    rows: Sequence[Any],
    numbers: npt.NDArray[np.int64],
    path: str,
    consumed: int,
    lines: int,
    warnings: list[LoadWarning],
) -> ParsedChunk:
    found = rows.found if isinstance(rows, _Extracted) else None
    chunk = _columns(rows, numbers, found) if rows else empty_chunk()
    chunk.path = path
    chunk.consumed = consumed
    chunk.lines = lines
    chunk.warnings = warnings
    if rows:
        _attach_events(chunk, rows, path)
    return chunk


def empty_chunk(path: str = "") -> ParsedChunk:
    """A chunk with no records."""
    columns: dict[str, npt.NDArray[Any]] = {
        name: np.zeros(0, dtype=dtype)
        for name, dtype in (
            ("timestamp_ns", np.int64),
            ("line", np.int64),
            ("session", np.int32),
            ("etype", np.int16),
            ("job", np.int32),
            ("version", np.int8),
            ("rank", np.int32),
            ("world_size", np.int32),
        )
    }
    columns.update({name: np.zeros(0, dtype=np.float64) for name in COUNTERS})
    return ParsedChunk(path, columns, [], [], [])


def parse_json_document(data: bytes, *, path: str, hint: str) -> ParsedChunk:
    """Parse a JSON file: a list of records, ``{"events": [...]}``, or one record.

    Warnings about single records name the record's position in the document.
    """
    from .loading import json_records

    warnings: list[LoadWarning] = []
    if data.startswith(_BOM):
        warnings.append(make_warning("bom", "file starts with a UTF-8 byte-order mark", path, 1))
        data = data[len(_BOM) :]
    try:
        text = jsonio.decode_text(data, Path(path))
    except ValueError as exc:
        warnings.append(make_warning("invalid-utf8", str(exc), path, None))
        return _finish([], np.zeros(0, np.int64), path, len(data), 0, warnings)
    try:
        records = json_records(jsonio.loads(text), None)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        warnings.append(make_warning("malformed-json", f"cannot read JSON: {exc}", path, line))
        return _finish([], np.zeros(0, np.int64), path, len(data), 0, warnings)
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
    return _finish(rows, np.array(numbers, dtype=np.int64), path, len(data), len(records), warnings)


def compat_rows(data: Buffer, count: int) -> tuple[list[Any], npt.NDArray[np.bool_]] | None:
    """Typed rows of ``count`` newline-terminated lines for the seed-compatible loader, and
    which of them need the exact path; None when any line does (then all lines take it).

    Counters stay Python ints in the rows; the mask only says which rows are plain v3.
    """
    try:
        rows = _COMPAT_ROWS.decode_lines(data)
    except (msgspec.MsgspecError, OverflowError):
        return None
    if len(rows) != count:
        return None
    if not rows:
        return rows, np.zeros(0, dtype=bool)
    try:
        return rows, _suspect_rows(rows, compat=True)
    except OverflowError:  # a 64-bit unsigned value: the exact path decides
        return None


def compat_fields(row: Any) -> dict[str, Any]:
    """The v3 event fields of a plain v3 row, identity defaults resolved like stormlog."""
    fields: dict[str, Any] = msgspec.structs.asdict(row)
    rank = row.rank if row.rank >= 0 else 0
    fields["rank"] = rank
    if row.local_rank < 0:
        fields["local_rank"] = rank
    if row.world_size < 1:
        fields["world_size"] = 1
    return fields
