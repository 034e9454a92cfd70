"""Records a follower adds to a session it already holds, and those it takes out.

A follower appends each file's new records to their sessions (dropping the copies a fresh
load would drop, warning about steps back in time), takes out the records of one file it
must read again, and carries the records of files retention deleted across a reload.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from stormlog_core.browse.assemble import (
    Part,
    duplicate_warning,
    event_table,
    stop_times,
    time_backwards,
)
from stormlog_core.browse.dedupe import repeated_events, repeated_samples
from stormlog_core.browse.duplicate_keys import read_back_keys
from stormlog_core.browse.load_warnings import LoadWarning
from stormlog_core.browse.series import Series, source_id, source_path
from stormlog_core.browse.session_data import SessionData, reorder_tolerance_ns
from stormlog_core.schema.fields import COUNTERS as SERIES_FIELDS
from stormlog_core.schema.sessions import SessionSummary, status_from_stops

if TYPE_CHECKING:
    import numpy.typing as npt


def empty_session(summary: SessionSummary) -> SessionData:
    return SessionData(summary=summary, series=Series.empty())


def _drop_repeats(session: SessionData, part: Part, sample_code: int) -> list[LoadWarning]:
    """Remove from ``part`` the records the session already has or that repeat in it
    (the rule a fresh load applies, so live and fresh agree)."""
    columns = part.columns
    times = columns["timestamp_ns"]
    if not len(times):
        return []
    low, high = int(times.min()), int(times.max())
    known = session.series.window(low, high)
    events = session.events
    first = int(np.searchsorted(events.times, low, "left"))
    last = int(np.searchsorted(events.times, high, "right"))
    known_keys = events.columns["key"][first:last]
    is_sample = np.concatenate([known.is_sample, columns["etype"] == sample_code])
    merged_times = np.concatenate([known.timestamp_ns, times])
    values = {name: np.concatenate([known.values[name], columns[name]]) for name in SERIES_FIELDS}
    drop = repeated_samples(merged_times, values, is_sample, len(known))[len(known) :]
    event_times = np.concatenate([events.times[first:last], times])
    keys = np.concatenate([known_keys, columns["key"]])
    lengths = np.concatenate([events.columns["length"][first:last], columns["length"]])
    offsets = np.concatenate([events.columns["offset"][first:last], columns["offset"]])
    known_paths = [source_path(s) for s in events.columns["source"][first:last].tolist()]

    def read(rows: npt.NDArray[np.intp]) -> list[int]:
        paths = [known_paths[r] if r < len(known_paths) else part.path for r in rows.tolist()]
        return read_back_keys(paths, offsets[rows].tolist(), lengths[rows].tolist())

    is_event = np.concatenate([np.ones(len(known_keys), bool), columns["etype"] != sample_code])
    drop |= repeated_events(event_times, keys, lengths, is_event, len(known_keys), read)[
        len(known_keys) :
    ]
    if drop.any():
        part.columns = {name: column[~drop] for name, column in columns.items()}
    where = lambda row: (part.path, int(columns["line"][row]))  # noqa: E731
    return duplicate_warning(drop, where, session.session_id)


def append_part(session: SessionData, part: Part, types: dict[str, int]) -> list[LoadWarning]:
    """Add one file's new rows to a session; warn when they go back in time or repeat."""
    sample_code = types["sample"]
    warnings = _drop_repeats(session, part, sample_code)
    columns = part.columns
    order = np.argsort(columns["timestamp_ns"], kind="stable")
    times = columns["timestamp_ns"]
    tolerance = reorder_tolerance_ns(session.interval_ns)
    if len(session.series) and len(times):
        back = session.series.timestamp_ns[-1] - times
        late = np.flatnonzero(back > tolerance)
        if len(late):
            line = int(columns["line"][late[0]])
            worst = int(back.max())
            warnings.append(
                time_backwards(len(late), worst, tolerance, part.path, line, session.session_id)
            )
    session.series.append(
        Series(
            times[order],
            {name: columns[name][order] for name in SERIES_FIELDS},
            (columns["etype"] == sample_code)[order],
            np.full(len(times), source_id(part.path), dtype=np.int32),
        )
    )
    sources = np.full(len(times), source_id(part.path), dtype=np.int32)
    added = event_table(session.session_id, columns, sources, sample_code, types)
    if len(added):  # a new table: the app's workers may be reading the old one
        session.events = session.events.merged(added.sorted())
    versions = set(session.schema_versions) | {int(v) for v in np.unique(columns["version"])}
    session.schema_versions = sorted(versions)
    if part.path not in session.sources:
        session.sources = [*session.sources, part.path]  # what an export reads again
    session.last_write_ns = max(session.last_write_ns or 0, part.mtime_ns) or None
    if session.summary.source == "inferred" and stop_times(added):
        status, ended = status_from_stops(stop_times(session.events))
        session.summary = replace(session.summary, status=status, ended_at_ns=ended)
    return warnings


def drop_files(session: SessionData, paths: Collection[str]) -> None:
    """Take the records of the files ``paths`` out of ``session``."""
    ids = np.array([source_id(path) for path in paths], dtype=np.int32)
    session.series = session.series.select(~np.isin(session.series.source, ids))
    session.events = session.events.take(~np.isin(session.events.columns["source"], ids))


def only_files(session: SessionData, paths: Collection[str]) -> SessionData | None:
    """A copy of ``session`` holding only the records of the files ``paths`` (None when
    it has none)."""
    ids = np.array([source_id(path) for path in paths], dtype=np.int32)
    rows = np.isin(session.series.source, ids)
    events = session.events.take(np.isin(session.events.columns["source"], ids))
    if not rows.any() and not events:
        return None
    return replace(session, series=session.series.select(rows), events=events)


def graft(session: SessionData, kept: SessionData) -> None:
    """Add the records of ``kept`` (from :func:`only_files`) back into ``session``."""
    session.series.append(kept.series)
    if kept.events:
        session.events = session.events.merged(kept.events)
    session.sources = list(dict.fromkeys([*kept.sources, *session.sources]))
    session.schema_versions = sorted(set(session.schema_versions) | set(kept.schema_versions))
