"""Parsed chunks: the columns of one file's records (or an appended range) and its
sessions; non-sample rows carry their event columns too (see ``event_table``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from stormlog_core.browse.event_parse import event_columns
from stormlog_core.browse.event_table import TEXT_COLUMNS, EventColumnsBuilder
from stormlog_core.browse.load_warnings import LoadWarning
from stormlog_core.schema.fields import COUNTERS
from stormlog_core.schema.row_checks import RowColumns
from stormlog_core.schema.sessions import SessionSummary

if TYPE_CHECKING:
    import numpy.typing as npt

    from stormlog_core.io.lines import RowLines


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
    """Columns of the records of one file (or one appended byte range of it).

    Closed segments' chunks are kept by ``segment_cache``: a change to these fields, to the
    columns or to what the parser makes of the same bytes needs a bump of
    ``chunk_codec.FORMAT_VERSION``.
    """

    path: str
    columns: dict[str, npt.NDArray[Any]]
    session_ids: list[str]
    event_types: list[str]
    job_ids: list[str | None]
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    #: The texts that the event columns' text codes index (see ``event_table``).
    texts: list[str] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)
    consumed: int = 0
    lines: int = 0
    #: Session summaries the file itself states (stormlog 0.4.3's results files).
    summaries: list[SessionSummary] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of records."""
        return len(self.columns["timestamp_ns"])


def intern(values: list[Any]) -> tuple[npt.NDArray[np.int32], list[Any]]:
    """Codes into a table of the distinct values, in first-seen order."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return np.zeros(len(values), dtype=np.int32), distinct
    table = {value: code for code, value in enumerate(distinct)}
    return np.fromiter(map(table.__getitem__, values), np.int32, len(values)), distinct


def _columns(
    rows: Sequence[Any], lines: npt.NDArray[np.int64], found: RowColumns | None = None
) -> ParsedChunk:
    """Columns of accepted rows (typed rows or converted events), in file order."""
    found = found if found is not None else RowColumns(rows)
    session_codes, session_ids = intern(found.texts["session_id"])
    type_codes, event_types = intern(found.texts["event_type"])
    job_codes, job_ids = intern(found.texts["job_id"])
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


class ExtractedRows(list):  # type: ignore[type-arg]
    """Rows that carry their already extracted columns."""

    def __init__(self, rows: Sequence[Any], found: RowColumns) -> None:
        super().__init__(rows)
        self.found = found


def finish_chunk(
    rows: Sequence[Any],
    numbers: npt.NDArray[np.int64],
    path: str,
    consumed: int,
    lines: int,
    warnings: list[LoadWarning],
    source: RowLines | None = None,
) -> ParsedChunk:
    """The chunk of accepted ``rows``; ``source`` gives each row's line and its byte
    offset in the file (JSON documents have neither)."""
    found = rows.found if isinstance(rows, ExtractedRows) else None
    chunk = _columns(rows, numbers, found) if rows else empty_chunk()
    chunk.path = path
    chunk.consumed = consumed
    chunk.lines = lines
    chunk.warnings = warnings
    if rows:
        sample = chunk.event_types.index("sample") if "sample" in chunk.event_types else -1
        is_event = chunk.columns["etype"] != sample
        builder = event_columns(rows, chunk.columns["timestamp_ns"], is_event, source)
        chunk.columns.update(builder.finish())
        chunk.texts = builder.texts.values
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
    columns.update(EventColumnsBuilder(0).finish())
    return ParsedChunk(path, columns, [], [], [])


#: The columns of a chunk whose values are codes into one of its tables (texts aside).
_TABLE_COLUMNS: Final = {"session": "session_ids", "etype": "event_types", "job": "job_ids"}


def _recode(
    values: Sequence[Any], merged: dict[Any, int], codes: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """``codes`` into ``values`` as codes into ``merged`` (which gains what it lacks); -1
    (no value) stays -1."""
    table = np.array([merged.setdefault(value, len(merged)) for value in values] + [-1])
    recoded: npt.NDArray[Any] = table[codes].astype(codes.dtype, copy=False)
    return recoded


def merge_chunks(chunks: Sequence[ParsedChunk]) -> ParsedChunk:
    """The chunks of consecutive byte ranges of one file, as one chunk of the file."""
    if len(chunks) == 1:
        return chunks[0]
    tables: dict[str, dict[Any, int]] = {name: {} for name in _TABLE_COLUMNS.values()}
    texts: dict[str, int] = {}
    parts: dict[str, list[npt.NDArray[Any]]] = {name: [] for name in chunks[0].columns}
    for chunk in chunks:
        for name, column in chunk.columns.items():
            if name in _TABLE_COLUMNS:
                table = _TABLE_COLUMNS[name]
                column = _recode(getattr(chunk, table), tables[table], column)
            elif name in TEXT_COLUMNS:
                column = _recode(chunk.texts, texts, column)
            parts[name].append(column)
    merged = ParsedChunk(
        chunks[0].path,
        {name: np.concatenate(columns) for name, columns in parts.items()},
        list(tables["session_ids"]),
        list(tables["event_types"]),
        list(tables["job_ids"]),
        texts=list(texts),
        consumed=sum(chunk.consumed for chunk in chunks),
        lines=sum(chunk.lines for chunk in chunks),
    )
    for chunk in chunks:
        for session_id, info in chunk.sessions.items():
            merged.sessions.setdefault(session_id, info)
        merged.warnings += chunk.warnings
        merged.summaries += chunk.summaries
    return merged
