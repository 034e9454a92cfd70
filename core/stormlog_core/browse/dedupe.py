"""Records that repeat an earlier one exactly: the one rule a load and a follower share.

A record is a duplicate when an earlier record of its session is the same: for a sample,
the same time and every counter equal (null equals null); for another event, the same
time, type, context and metadata (two phases may start at the same instant). The first
one is kept, wherever the copies are (adjacent or not, in one file or across appends),
so following a file and loading it afresh keep the same records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.browse.chunks import EventRecord
from stormlog_core.schema.fields import COUNTERS

if TYPE_CHECKING:
    import numpy.typing as npt

EventKey = tuple[int, str, str | None, str]


def event_key(event: EventRecord) -> EventKey:
    """What makes two events the same record."""
    metadata = json.dumps(event.metadata, sort_keys=True, default=str)
    return (event.timestamp_ns, event.event_type, event.context, metadata)


def repeated_events(events: Iterable[EventRecord], known: Iterable[EventRecord] = ()) -> set[int]:
    """Positions (in ``events``) of events equal to an earlier one or to one in ``known``."""
    seen = {event_key(event) for event in known}
    repeated: set[int] = set()
    for position, event in enumerate(events):
        key = event_key(event)
        if key in seen:
            repeated.add(position)
        else:
            seen.add(key)
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
    times: npt.NDArray[np.int64], is_sample: npt.NDArray[np.bool_]
) -> npt.NDArray[np.intp]:
    """Sample rows, in row order, whose time another sample row also has."""
    rows = np.flatnonzero(is_sample)
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


def rows_of(events: Sequence[EventRecord], positions: Iterable[int]) -> set[tuple[str, int]]:
    """``(path, line)`` of the events at ``positions``: how their series rows are found."""
    return {(events[p].path, events[p].line) for p in positions}


def dropped_rows(
    columns: Mapping[str, npt.NDArray[Any]],
    paths: npt.NDArray[Any],
    sample_code: int,
    repeated: set[tuple[str, int]],
    known: int = 0,
) -> npt.NDArray[np.bool_]:
    """Every row to drop: repeated samples, and the rows of repeated events (by file and
    line; ``paths`` is each row's file)."""
    is_sample = columns["etype"] == sample_code
    drop = repeated_samples(columns["timestamp_ns"], columns, is_sample, known)
    if repeated:
        drop |= np.fromiter(
            (
                (path, int(line)) in repeated
                for path, line in zip(paths, columns["line"], strict=True)
            ),
            bool,
            len(drop),
        )
    return drop
