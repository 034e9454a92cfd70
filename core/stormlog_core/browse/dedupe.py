"""Records that repeat an earlier one exactly: the one rule a load and a follower share.

A record is a duplicate when an earlier record of its session is the same: for a sample,
the same time and every counter equal (null equals null); for another event, the same
time and the same record, byte for byte (its line: stormlog writes every record with
sorted keys, so equal records are equal bytes; two phases may start at the same instant;
how the lines are compared without hashing each: see ``duplicate_keys``). The first
one is kept, wherever the copies are (adjacent or not, in one file or across appends),
so following a file and loading it afresh keep the same records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.browse.duplicate_keys import UNKNOWN_KEY, KeyReader, needed_keys, shared_times
from stormlog_core.schema.fields import COUNTERS

if TYPE_CHECKING:
    import numpy.typing as npt


def repeated_events(
    times: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    is_event: npt.NDArray[np.bool_],
    known: int = 0,
    read: KeyReader | None = None,
) -> npt.NDArray[np.bool_]:
    """Rows that are events equal to an earlier event row: the same time, the same line
    length and the same duplicate key (the line's bytes, see ``duplicate_keys``; ``read``
    gives the keys the parser did not take, by row). An unknown key repeats nothing. Rows
    ``< known`` are already loaded: compared against, never marked. O(n) when no two
    events share a time."""
    repeated = np.zeros(len(times), dtype=bool)
    candidates = _sharing_a_time(times, is_event)
    if not len(candidates):
        return repeated
    stamps = times[candidates]
    sizes = lengths[candidates]
    reader = None if read is None else lambda rows: read(candidates[rows])
    found = needed_keys(stamps, keys[candidates], sizes, reader)
    seen: set[tuple[int, int, int]] = set()
    for row, stamp, size, key in zip(
        candidates.tolist(), stamps.tolist(), sizes.tolist(), found.tolist(), strict=True
    ):
        if key == UNKNOWN_KEY:
            continue
        if (stamp, size, key) in seen:
            repeated[row] = row >= known
        else:
            seen.add((stamp, size, key))
    return repeated


def repeated_samples(
    times: npt.NDArray[np.int64],
    values: Mapping[str, npt.NDArray[np.float64]],
    is_sample: npt.NDArray[np.bool_],
    known: int = 0,
) -> npt.NDArray[np.bool_]:
    """Rows that are samples equal to an earlier sample row (rows ``< known`` are already
    loaded: they are compared against but never marked). Costs O(n) when no two samples
    share a time, the usual case."""
    n = len(times)
    repeated = np.zeros(n, dtype=bool)
    candidates = _sharing_a_time(times, is_sample)
    if len(candidates) < 2:
        return repeated
    counters = np.column_stack([values[name][candidates] for name in COUNTERS])
    counters[np.isnan(counters)] = np.nan  # one bit pattern for every null
    seen: set[tuple[int, bytes]] = set()
    stamps = times[candidates].tolist()
    for row, stamp, cells in zip(candidates.tolist(), stamps, counters, strict=True):
        key = (stamp, cells.tobytes())
        if key in seen:
            repeated[row] = row >= known
        else:
            seen.add(key)
    return repeated


def _sharing_a_time(
    times: npt.NDArray[np.int64], chosen: npt.NDArray[np.bool_]
) -> npt.NDArray[np.intp]:
    """Chosen rows, in row order, whose time another chosen row also has."""
    rows = np.flatnonzero(chosen)
    return rows[shared_times(times[rows])]


def dropped_rows(
    columns: Mapping[str, npt.NDArray[Any]],
    sample_code: int,
    known: int = 0,
    read: KeyReader | None = None,
) -> npt.NDArray[np.bool_]:
    """Every row to drop: repeated samples and repeated events (rows ``< known`` are
    compared against, never dropped; ``read``: see :func:`repeated_events`)."""
    times = columns["timestamp_ns"]
    is_sample = columns["etype"] == sample_code
    drop = repeated_samples(times, columns, is_sample, known)
    keys, lengths = columns["key"], columns["length"]
    drop |= repeated_events(times, keys, lengths, ~is_sample, known, read)
    return drop
