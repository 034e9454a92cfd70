"""What makes two events at the same instant the same record, worked out only when asked.

Two events are the same record when every byte of their lines is the same (stormlog writes
records with sorted keys). Hashing every line costs as much as a fifth of the parse, and
two events of a session almost never share an instant, so the parser keeps each event's
line length and hashes a line only when another event of its chunk has the same time
(:func:`chunk_keys`). Events of different files that meet at one instant with lines of the
same length get their keys afterwards, by reading those lines back from their files
(:func:`read_back_keys`). A key that cannot be had (the file is gone or changed) is left
unknown, and an unknown key is never taken for a duplicate: a record is shown twice rather
than lost.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from stormlog_core.browse.record_at import line_bytes_at

if TYPE_CHECKING:
    import numpy.typing as npt

    from stormlog_core.io.lines import Buffer, RowLines

#: The key of an event whose line was not hashed (no hash is ever 0).
UNKNOWN_KEY: Final = 0


def stable_hash(data: bytes | memoryview) -> int:
    """A 64-bit hash that is the same in every process and every run (worker processes
    and the segment cache keep it): the CRC-32 beside the length. Never 0."""
    found = ((zlib.crc32(data) << 32) | (len(data) & 0xFFFFFFFF)) - (1 << 63)
    return found if found != UNKNOWN_KEY else 1


def record_bytes(record: Mapping[str, Any]) -> bytes:
    """A record as stormlog's sink writes it (``json.dumps(record, sort_keys=True)``)."""
    try:
        return json.dumps(record, sort_keys=True, default=str).encode()
    except (TypeError, ValueError, RecursionError):
        return repr(record).encode()


def shared_times(times: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which of ``times`` another one equals."""
    order = np.argsort(times, kind="stable")
    ordered = times[order]
    return _with_a_twin(order, ordered[1:] == ordered[:-1])


def _with_a_twin(order: npt.NDArray[np.intp], same: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Which items are equal to another, from their sorted ``order`` and whether each
    one in that order equals the next (``same``)."""
    twin = np.zeros(len(order), dtype=bool)
    twin[order[1:][same]] = True
    twin[order[:-1][same]] = True
    return twin


def chunk_keys(
    times: npt.NDArray[np.int64], rows: npt.NDArray[np.intp], source: RowLines
) -> npt.NDArray[np.int64]:
    """The keys of the events at ``rows`` of a chunk (``times``: theirs): hashed from the
    buffer for those that share their time with another, unknown for the rest."""
    keys = np.full(len(rows), UNKNOWN_KEY, dtype=np.int64)
    shared = np.flatnonzero(shared_times(times))
    if len(shared):
        hashed: list[int] = source.each_line(rows[shared], _hash_line)
        keys[shared] = hashed
    return keys


def _hash_line(line: Buffer) -> int:
    return stable_hash(line)


def read_back_keys(
    paths: Sequence[str], offsets: Sequence[int], lengths: Sequence[int]
) -> list[int]:
    """The keys of lines read back from their files (each at its byte offset, of the
    length it had when parsed); unknown for a line that is gone or changed."""
    keys = []
    for path, offset, length in zip(paths, offsets, lengths, strict=True):
        line = line_bytes_at(path, offset, length) if offset >= 0 and path else None
        keys.append(stable_hash(line) if line is not None and len(line) == length else 0)
    return keys


#: Keys of rows given by their indexes (``read_back_keys`` on the rows' files).
KeyReader = Callable[["npt.NDArray[np.intp]"], Sequence[int]]


def needed_keys(
    times: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    read: KeyReader | None,
) -> npt.NDArray[np.int64]:
    """``keys`` (of events that share a time) with the unknown ones filled in where they
    matter: where another of the events has the same time and line length."""
    missing = keys == UNKNOWN_KEY
    if read is None or not missing.any():
        return keys
    order = np.lexsort((lengths, times))
    at, size = times[order], lengths[order]
    paired = _with_a_twin(order, (at[1:] == at[:-1]) & (size[1:] == size[:-1]))
    wanted = np.flatnonzero(missing & paired)
    if not len(wanted):
        return keys
    filled: npt.NDArray[np.int64] = keys.copy()
    filled[wanted] = np.asarray(read(wanted), dtype=np.int64)
    return filled
