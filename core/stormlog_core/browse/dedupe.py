"""Records that repeat an earlier one exactly: the one rule a load and a follower share.

A record is a duplicate when an earlier record of its session is the same: for a sample,
the same time and every counter equal (null equals null); for another event, the same
time and the same record, byte for byte (its line: stormlog writes every record with
sorted keys, so equal records are equal bytes; two phases may start at the same instant). The first
one is kept, wherever the copies are (adjacent or not, in one file or across appends),
so following a file and loading it afresh keep the same records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.schema.fields import COUNTERS

if TYPE_CHECKING:
    import numpy.typing as npt


def repeated_events(
    times: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    is_event: npt.NDArray[np.bool_],
    known: int = 0,
) -> npt.NDArray[np.bool_]:
    """Rows that are events equal to an earlier event row: the same time and the same
    duplicate key (the record's bytes, ``event_table.duplicate_key``). Rows
    ``< known`` are already loaded: compared against, never marked. O(n) when no two
    events share a time."""
    repeated = np.zeros(len(times), dtype=bool)
    candidates = _sharing_a_time(times, is_event)
    seen: set[tuple[int, int]] = set()
    for row, stamp, key in zip(
        candidates.tolist(), times[candidates].tolist(), keys[candidates].tolist(), strict=True
    ):
        if (stamp, key) in seen:
            repeated[row] = row >= known
        else:
            seen.add((stamp, key))
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
    stamps = times[rows]
    if len(stamps) < 2:
        return rows[:0]
    order = np.argsort(stamps, kind="stable")
    ordered = stamps[order]
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return rows[:0]
    shared = np.zeros(len(ordered), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    return np.sort(rows[order[shared]])


def dropped_rows(
    columns: Mapping[str, npt.NDArray[Any]], sample_code: int, known: int = 0
) -> npt.NDArray[np.bool_]:
    """Every row to drop: repeated samples and repeated events (rows ``< known`` are
    compared against, never dropped)."""
    times = columns["timestamp_ns"]
    is_sample = columns["etype"] == sample_code
    drop = repeated_samples(times, columns, is_sample, known)
    drop |= repeated_events(times, columns["key"], ~is_sample, known)
    return drop
