"""Put parsed files back together as sessions, and check them (order, duplicates, gaps)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.browse.chunks import ParsedChunk, SessionInfo
from stormlog_core.browse.dedupe import dropped_rows
from stormlog_core.browse.duplicate_keys import read_back_keys
from stormlog_core.browse.event_table import CHUNK_EVENT_COLUMNS, TEXT_COLUMNS, TEXTS, EventTable
from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.browse.series import Series, source_id
from stormlog_core.browse.session_data import (
    GAP_INTERVALS,
    SessionData,
    gap_threshold_ns,
    reorder_tolerance_ns,
)
from stormlog_core.io.manifest import SinkManifest
from stormlog_core.schema.fields import COUNTERS
from stormlog_core.schema.sessions import (
    SessionSummary,
    session_sort_key,
    status_from_stops,
)
from stormlog_core.schema.units import counted, format_clock, format_duration

if TYPE_CHECKING:
    import numpy.typing as npt

    from stormlog_core.browse.discover import Target
    from stormlog_core.browse.read import FileResult


@dataclass
class Part:
    """The rows of one session in one file."""

    target: int
    path: str
    columns: dict[str, npt.NDArray[Any]]
    info: SessionInfo
    jobs: set[str | None]
    mtime_ns: int


def split_result(result: FileResult, types: dict[str, int]) -> dict[str, Part]:
    """A file's rows per session, event types re-coded into the shared table (``types``)
    and the event columns' texts into :data:`TEXTS`."""
    chunk: ParsedChunk = result.chunk
    if not chunk.size:
        return {}
    recode = np.array([types.setdefault(name, len(types)) for name in chunk.event_types])
    columns = dict(chunk.columns)
    columns["etype"] = recode[columns["etype"]].astype(np.int16)
    for name in TEXT_COLUMNS:
        if name in columns and name not in ("session", "etype"):
            columns[name] = TEXTS.recode(chunk.texts, columns[name])
    parts = {}
    for code, session_id in enumerate(chunk.session_ids):
        if len(chunk.session_ids) == 1:
            rows = columns
        else:
            mask = columns["session"] == code
            rows = {name: column[mask] for name, column in columns.items()}
        jobs = {chunk.job_ids[int(j)] for j in np.unique(rows["job"])}
        info = chunk.sessions[session_id]
        parts[session_id] = Part(result.task.target, chunk.path, rows, info, jobs, result.mtime_ns)
    return parts


def _concat(parts: list[Part]) -> dict[str, npt.NDArray[Any]]:
    columns = {
        name: np.concatenate([part.columns[name] for part in parts]) for name in parts[0].columns
    }
    sizes = [len(part.columns["timestamp_ns"]) for part in parts]
    columns["file"] = np.repeat(np.arange(len(parts), dtype=np.int32), sizes)
    return columns


def _where(columns: dict[str, npt.NDArray[Any]], parts: list[Part], row: int) -> tuple[str, int]:
    return parts[int(columns["file"][row])].path, int(columns["line"][row])


def _backwards(
    columns: dict[str, npt.NDArray[Any]], parts: list[Part], session_id: str, tolerance: int
) -> tuple[bool, list[LoadWarning]]:
    """Whether records must be sorted, and a warning when a step back is larger than
    ``tolerance`` (stormlog's sampler and event threads interleave by less than that)."""
    diffs = np.diff(columns["timestamp_ns"])
    if not len(diffs) or diffs.min() >= 0:
        return False, []
    large = np.flatnonzero(diffs < -tolerance)
    if not len(large):
        return True, []
    path, line = _where(columns, parts, int(large[0]) + 1)
    return True, [time_backwards(len(large), int(-diffs.min()), tolerance, path, line, session_id)]


def time_backwards(
    count: int, worst_ns: int, tolerance: int, path: str, line: int, session_id: str
) -> LoadWarning:
    """The warning for records that go back in time by more than the tolerance."""
    times = counted(count, "time")
    message = (
        f"timestamps go back by up to {format_duration(worst_ns)} {times}, more than "
        f"the {format_duration(tolerance)} tolerated; first at this line (shown in time order)"
    )
    return make_warning("time-backwards", message, path, line, session_id)


def _duplicates(
    columns: dict[str, npt.NDArray[Any]], parts: list[Part], session_id: str, sample_code: int
) -> tuple[npt.NDArray[np.bool_], list[LoadWarning]]:
    """Rows (sorted by time) that repeat an earlier record exactly (see :mod:`dedupe`)."""
    lengths = columns["length"]

    def read(rows: npt.NDArray[np.intp]) -> list[int]:
        paths = [parts[int(file)].path for file in columns["file"][rows].tolist()]
        return read_back_keys(paths, columns["offset"][rows].tolist(), lengths[rows].tolist())

    same = dropped_rows(columns, sample_code, read=read)
    return same, duplicate_warning(same, lambda row: _where(columns, parts, row), session_id)


def type_texts(types: dict[str, int]) -> npt.NDArray[np.int32]:
    """The :data:`TEXTS` code of each code of a shared event-type table."""
    names = sorted(types, key=types.__getitem__)
    return np.array([TEXTS.code(name) for name in names], dtype=np.int32)


def event_table(
    session_id: str,
    columns: dict[str, npt.NDArray[Any]],
    sources: npt.NDArray[np.int32],
    sample_code: int,
    types: dict[str, int],
) -> EventTable:
    """The non-sample rows of a session's columns as an event table (``sources``: each
    row's file as a ``source_id``)."""
    rows = columns["etype"] != sample_code
    picked = {name: columns[name][rows] for name in CHUNK_EVENT_COLUMNS}
    count = len(picked["kind"])
    picked.update(
        timestamp_ns=columns["timestamp_ns"][rows],
        session=np.full(count, TEXTS.code(session_id), dtype=np.int32),
        rank=columns["rank"][rows].astype(np.int32),
        source=sources[rows],
        line=columns["line"][rows],
        allocated=columns["allocator_allocated_bytes"][rows],
        device_used=columns["device_used_bytes"][rows],
        etype=type_texts(types)[columns["etype"][rows].astype(np.int64)],
    )
    return EventTable(picked)


def duplicate_warning(
    dropped: npt.NDArray[np.bool_], where: Callable[[int], tuple[str, int]], session_id: str
) -> list[LoadWarning]:
    """The warning for the duplicates dropped from a batch of rows, at the first one."""
    if not dropped.any():
        return []
    path, line = where(int(np.flatnonzero(dropped)[0]))
    message = f"{counted(int(dropped.sum()), 'duplicate record')} dropped; first at this line"
    return [make_warning("duplicate-records", message, path, line, session_id)]


def _gaps(
    session: SessionData, columns: dict[str, npt.NDArray[Any]], parts: list[Part], sample: int
) -> list[LoadWarning]:
    """One warning for the sampling gaps of a session, at the first sample after the
    longest gap."""
    rows = np.flatnonzero(columns["etype"] == sample)
    times = columns["timestamp_ns"][rows]
    if len(times) < 2:
        return []
    limit = gap_threshold_ns(session.interval_ns)
    steps = np.diff(times)
    long = np.flatnonzero(steps > limit)
    if not len(long):
        return []
    worst = int(long[np.argmax(steps[long])])
    path, line = _where(columns, parts, int(rows[worst + 1]))
    message = (
        f"{counted(len(long), 'sampling gap')} longer than {GAP_INTERVALS} x "
        f"{format_duration(session.interval_ns)}; longest {format_duration(int(steps[worst]))} "
        f"from {format_clock(int(times[worst]))}, ending at this line"
    )
    return [make_warning("sampling-gap", message, path, line, session.session_id)]


def _identity_warnings(
    columns: dict[str, npt.NDArray[Any]], parts: list[Part], session_id: str
) -> list[LoadWarning]:
    found = []
    sizes = np.unique(columns["world_size"])
    if len(sizes) > 1:
        message = f"world_size changes within the session: {', '.join(map(str, sizes))}"
        found.append(make_warning("inconsistent-identity", message, None, None, session_id))
    jobs = set().union(*(part.jobs for part in parts))
    if len(jobs) > 1:
        names = ", ".join(sorted(str(job) for job in jobs))
        message = f"job_id changes within the session: {names}"
        found.append(make_warning("inconsistent-identity", message, None, None, session_id))
    return found


def _infer_summary(
    session_id: str, series: Series, events: EventTable, info: SessionInfo
) -> SessionSummary:
    status, ended = status_from_stops(stop_times(events))
    return SessionSummary(
        session_id=session_id,
        status=status,
        started_at_ns=int(series.timestamp_ns[0]),
        ended_at_ns=ended,
        host=info.host,
        pid=info.pid,
        job_id=info.job_id,
        rank=info.rank,
        local_rank=info.local_rank,
        world_size=info.world_size,
        source="inferred",
    )


def stop_times(events: EventTable) -> list[int]:
    """The times of the ``stop`` records among ``events``."""
    stop = TEXTS.code("stop")
    return [int(t) for t in events.times[events.columns["etype"] == stop]]


def build_session(
    session_id: str,
    parts: list[Part],
    summary: SessionSummary | None,
    types: dict[str, int],
) -> tuple[SessionData, list[LoadWarning]]:
    sample_code = types["sample"]
    columns = _concat(parts)
    tolerance = reorder_tolerance_ns(parts[0].info.sampling_interval_ms * 1_000_000)
    unsorted, warnings = _backwards(columns, parts, session_id, tolerance)
    if unsorted:  # only then is a (stable) sort needed
        order = np.argsort(columns["timestamp_ns"], kind="stable")
        columns = {name: column[order] for name, column in columns.items()}
    dropped, found = _duplicates(columns, parts, session_id, sample_code)
    warnings += found
    if dropped.any():
        columns = {name: column[~dropped] for name, column in columns.items()}
    sources = np.array([source_id(part.path) for part in parts], dtype=np.int32)
    row_sources = sources[columns["file"]]
    series = Series(
        columns["timestamp_ns"],
        {name: columns[name] for name in COUNTERS},
        columns["etype"] == sample_code,
        row_sources,
    )
    events = event_table(session_id, columns, row_sources, sample_code, types)
    first = parts[int(columns["file"][0])].info if len(columns["file"]) else parts[0].info
    data = SessionData(
        summary=summary or _infer_summary(session_id, series, events, first),
        series=series,
        events=events,
        sources=list(dict.fromkeys(part.path for part in parts)),
        schema_versions=[int(v) for v in np.unique(columns["version"])],
        sampling_interval_ms=first.sampling_interval_ms,
        collector=first.collector,
        device_id=first.device_id,
        last_write_ns=max(part.mtime_ns for part in parts) or None,
    )
    warnings += _gaps(data, columns, parts, sample_code)
    warnings += _identity_warnings(columns, parts, session_id)
    return data, warnings


def _manifest_summaries(
    manifests: dict[int, SinkManifest],
) -> dict[tuple[int, str], SessionSummary]:
    return {
        (target, summary.session_id): summary
        for target, manifest in manifests.items()
        for summary in manifest.sessions
    }


@dataclass
class _Candidate:
    """A session as one target (sink or file) holds it."""

    target: int
    rows: int
    data: SessionData
    warnings: list[LoadWarning]


class SessionAssembler:
    """Sessions built one target at a time, as the target's files are parsed: each
    target's columns are freed once its sessions are built, so a load holds the parsed
    files of one target at a time, not of every target, beside the sessions.

    A session found in several targets (a sink and its JSON export) is shown once, from
    the target that holds most of its records (a sink on a tie)."""

    def __init__(
        self, manifests: dict[int, SinkManifest], targets: Sequence[Target], now_ns: int
    ) -> None:
        self.targets, self.now_ns = targets, now_ns
        self.types: dict[str, int] = {"sample": 0}
        self.summaries = _manifest_summaries(manifests)
        self._candidates: dict[str, list[_Candidate]] = defaultdict(list)

    def add_target(self, results: Sequence[FileResult]) -> None:
        """Build the sessions of one target's parsed files (all of them)."""
        grouped: dict[str, list[Part]] = defaultdict(list)
        for result in results:
            for session_id, part in split_result(result, self.types).items():
                grouped[session_id].append(part)
            # the parts hold the columns now; the result keeps what a follower reads of it
            result.chunk.columns = {"timestamp_ns": result.chunk.columns["timestamp_ns"]}
            for stated in result.chunk.summaries:  # a results file stating its session
                self.summaries.setdefault((result.task.target, stated.session_id), stated)
        for session_id in list(grouped):
            parts = grouped.pop(session_id)  # freed once the session is built
            target = parts[0].target
            rows = sum(len(part.columns["timestamp_ns"]) for part in parts)
            summary = self.summaries.get((target, session_id))
            data, found = build_session(session_id, parts, summary, self.types)
            self._candidates[session_id].append(_Candidate(target, rows, data, found))

    def _elsewhere(self, shown: _Candidate, candidates: list[_Candidate]) -> list[LoadWarning]:
        """One warning per other target that holds records of the shown session."""
        found = []
        session_id = shown.data.session_id
        for other in candidates:
            if other is shown:
                continue
            message = (
                f"session {session_id} is also here ({counted(other.rows, 'record')}, not "
                f"shown): it is shown from {self.targets[shown.target].path} "
                f"({counted(shown.rows, 'record')})"
            )
            where = str(self.targets[other.target].path)
            found.append(make_warning("session-elsewhere", message, where, None, session_id))
        return found

    def finish(self) -> tuple[list[SessionData], list[LoadWarning]]:
        """Every session (in display order) and the warnings about them."""
        targets = self.targets
        sessions: list[SessionData] = []
        warnings: list[LoadWarning] = []
        for candidates in self._candidates.values():
            best = min(
                candidates, key=lambda c: (-c.rows, targets[c.target].kind != "sink", c.target)
            )
            sessions.append(best.data)
            warnings += best.warnings
            warnings += self._elsewhere(best, candidates)
        loaded = {session.session_id for session in sessions}
        for (target, session_id), summary in self.summaries.items():
            if session_id in loaded:
                continue
            loaded.add(session_id)
            sessions.append(SessionData(summary=summary, series=Series.empty()))
            where = str(targets[target].path / "manifest.json")
            message = f"session {session_id} ({summary.status}) has no events in the files present"
            warnings.append(make_warning("session-empty", message, where, None, session_id))
        for session in sessions:
            session.refresh_staleness(self.now_ns)
            stale = session.stale_warning(self.now_ns)
            if stale is not None:
                warnings.append(stale)
        sessions.sort(key=lambda session: session_sort_key(session.summary))
        return sessions, warnings


def assemble_sessions(
    results: Sequence[FileResult],
    manifests: dict[int, SinkManifest],
    targets: Sequence[Target],
    now_ns: int,
) -> tuple[list[SessionData], list[LoadWarning]]:
    """Sessions (in display order) from parsed files and sink manifests."""
    assembler = SessionAssembler(manifests, targets, now_ns)
    by_target: dict[int, list[FileResult]] = defaultdict(list)
    for result in results:
        by_target[result.task.target].append(result)
    for target_results in by_target.values():
        assembler.add_target(target_results)
    return assembler.finish()


def check_jobs(sessions: Sequence[SessionData]) -> list[LoadWarning]:
    """Sessions of one job (same job_id) that disagree on world_size."""
    sizes: dict[str, set[int]] = defaultdict(set)
    for session in sessions:
        if session.summary.job_id is not None:
            sizes[str(session.summary.job_id)].add(session.summary.world_size)
    found = []
    for job, values in sorted(sizes.items()):
        if len(values) > 1:
            listed = ", ".join(map(str, sorted(values)))
            message = f"job {job}: its sessions disagree on world_size ({listed})"
            found.append(make_warning("inconsistent-identity", message))
    return found
