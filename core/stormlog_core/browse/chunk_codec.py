"""A parsed chunk as the bytes of a cache entry, and back; no pickle: an entry is data.

An entry is a 64-byte header, the numeric columns as raw numpy buffers (each at a multiple
of 64 bytes), then a msgpack document that names them (dtype, length, where) and holds the
rest of the chunk: its tables of texts, sessions, warnings, the non-empty values of the
object column ``extra`` and the key it was made for. The header holds a magic, the format
version, a CRC-32 of everything after the checksum itself, and where the document is::

    0   magic  b"STLGSEGC"           20  document offset (u64)
    8   CRC-32 of bytes 12..end      28  document length (u64)
    12  format version (u32)         36  zero padding up to 64
    16  reserved, zero (u32)

Decoding checks all of it and gives ``None`` for anything that is not a whole, intact
entry of this format made for the expected key: a cache entry is input, never trusted.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import astuple, fields
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import msgspec
import numpy as np

from stormlog_core.browse.chunks import ParsedChunk, SessionInfo, empty_chunk
from stormlog_core.browse.load_warnings import LoadWarning
from stormlog_core.schema.sessions import SessionSummary

if TYPE_CHECKING:
    import numpy.typing as npt

#: Bump when ``ParsedChunk``'s layout, this encoding or what the parser makes of the same
#: bytes changes: entries of another version are never used (their key differs too).
FORMAT_VERSION: Final = 2
MAGIC: Final = b"STLGSEGC"
_HEADER: Final = struct.Struct("<8sIIIQQ")
HEADER_BYTES: Final = 64
_ALIGN: Final = 64
#: Where the checksummed part starts (just after the CRC).
_CHECKED_FROM: Final = 12
#: The numeric kinds a column may have (bool, signed and unsigned integers, floats).
_NUMERIC_KINDS: Final = frozenset("biuf")
#: The columns every chunk has (the object column ``extra`` is not a buffer).
_COLUMNS: Final = tuple(empty_chunk().columns)
_OBJECT_COLUMN: Final = "extra"

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder()


_RECORDS: Final = (SessionInfo, LoadWarning, SessionSummary)


@cache
def layout() -> tuple[Any, ...]:
    """What a chunk's shape is made of (fields, columns and their types): part of every
    entry's key, so that a change in it leaves old entries unused even without a bump."""
    types = [[name, column.dtype.str] for name, column in empty_chunk().columns.items()]
    shapes = [[f.name for f in fields(kind)] for kind in (ParsedChunk, *_RECORDS)]
    return (FORMAT_VERSION, types, shapes)


def _padding(size: int) -> int:
    return -size % _ALIGN


def encode_chunk(chunk: ParsedChunk, key: Sequence[Any]) -> list[memoryview | bytes] | None:
    """The pieces of the entry of ``chunk`` made for ``key``, to be written in order
    (the columns are not copied); None when the chunk cannot be stored as data (a value
    msgpack cannot hold exactly, such as an integer beyond 64 bits)."""
    if set(chunk.columns) != set(_COLUMNS):
        return None
    pieces: list[memoryview | bytes] = []
    described = []
    offset = HEADER_BYTES
    for name, values in chunk.columns.items():
        if name == _OBJECT_COLUMN:
            continue
        column = np.ascontiguousarray(values)
        if column.ndim != 1 or column.dtype.kind not in _NUMERIC_KINDS:
            return None
        data = column.data.cast("B") if column.size else b""
        described.append([name, column.dtype.str, len(column), offset])
        pieces += [data, bytes(_padding(len(data)))]
        offset += len(data) + _padding(len(data))
    try:
        document = _encoder.encode(_document(chunk, key, described))
    except (msgspec.EncodeError, OverflowError, TypeError, ValueError, UnicodeEncodeError):
        return None
    head = _HEADER.pack(MAGIC, 0, FORMAT_VERSION, 0, offset, len(document))
    head += bytes(HEADER_BYTES - len(head))
    crc = zlib.crc32(head[_CHECKED_FROM:])
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    crc = zlib.crc32(document, crc)
    head = head[:8] + struct.pack("<I", crc) + head[_CHECKED_FROM:]
    return [head, *pieces, document]


def _document(chunk: ParsedChunk, key: Sequence[Any], columns: list[Any]) -> dict[str, Any]:
    extra = chunk.columns[_OBJECT_COLUMN].tolist()
    return {
        "key": list(key),
        "size": chunk.size,
        "order": list(chunk.columns),
        "columns": columns,
        "extra": [[row, value] for row, value in enumerate(extra) if value is not None],
        "path": chunk.path,
        "session_ids": chunk.session_ids,
        "event_types": chunk.event_types,
        "job_ids": chunk.job_ids,
        "sessions": [[sid, *astuple(info)] for sid, info in chunk.sessions.items()],
        "texts": chunk.texts,
        "warnings": [astuple(warning) for warning in chunk.warnings],
        "consumed": chunk.consumed,
        "lines": chunk.lines,
        "summaries": [astuple(summary) for summary in chunk.summaries],
    }


class _Invalid(ValueError):
    """Not a whole, intact entry of this format for the expected key."""


def decode_chunk(data: bytearray, key: Sequence[Any]) -> ParsedChunk | None:
    """The chunk stored in ``data`` (whose columns become views of it), or None when it is
    not an intact entry of this format made for ``key``."""
    try:
        return _decode(data, _encoder.encode(list(key)))
    except (_Invalid, msgspec.DecodeError, ValueError, TypeError, KeyError, IndexError):
        return None


def _decode(data: bytearray, key: bytes) -> ParsedChunk:
    if len(data) < HEADER_BYTES:
        raise _Invalid("truncated header")
    magic, crc, version, _, where, length = _HEADER.unpack_from(data)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise _Invalid("another format")
    if where + length != len(data) or where < HEADER_BYTES:
        raise _Invalid("truncated")
    if zlib.crc32(memoryview(data)[_CHECKED_FROM:]) != crc:
        raise _Invalid("checksum")
    document = _decoder.decode(memoryview(data)[where:])
    if not isinstance(document, dict) or _encoder.encode(document.get("key")) != key:
        raise _Invalid("another key")
    size = document["size"]
    columns = {name: _column(data, where, size, *entry) for name, *entry in document["columns"]}
    columns[_OBJECT_COLUMN] = _objects(size, document["extra"])
    order = document["order"]
    if sorted(order) != sorted(_COLUMNS) or set(columns) != set(_COLUMNS):
        raise _Invalid("columns")
    return _chunk(document, {name: columns[name] for name in order})


def _column(
    data: bytearray, end: int, size: int, dtype: str, length: int, offset: int
) -> npt.NDArray[Any]:
    kind = np.dtype(dtype)
    if kind.kind not in _NUMERIC_KINDS or length != size:
        raise _Invalid("column")
    if offset < HEADER_BYTES or offset + length * kind.itemsize > end:
        raise _Invalid("column outside the entry")
    return np.frombuffer(data, dtype=kind, count=length, offset=offset)


def _objects(size: int, values: list[list[Any]]) -> npt.NDArray[Any]:
    column = np.full(size, None, dtype=object)
    for row, value in values:
        if not 0 <= row < size:
            raise _Invalid("extra row")
        column[row] = value
    return column


def _chunk(document: dict[str, Any], columns: dict[str, npt.NDArray[Any]]) -> ParsedChunk:
    sessions = {sid: SessionInfo(*values) for sid, *values in document["sessions"]}
    chunk = ParsedChunk(
        path=document["path"],
        columns=columns,
        session_ids=document["session_ids"],
        event_types=document["event_types"],
        job_ids=document["job_ids"],
        sessions=sessions,
        texts=document["texts"],
        warnings=[LoadWarning(*values) for values in document["warnings"]],
        consumed=document["consumed"],
        lines=document["lines"],
        summaries=[SessionSummary(*values) for values in document["summaries"]],
    )
    if not all(isinstance(t, list) for t in (chunk.session_ids, chunk.event_types, chunk.texts)):
        raise _Invalid("tables")
    return chunk
