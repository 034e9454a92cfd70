"""A loaded session as the browser sees it: summary, series, events, and derived facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from stormlog_core.browse.event_record import EventRecord
from stormlog_core.browse.event_table import EventTable
from stormlog_core.browse.load_warnings import LoadWarning, make_warning
from stormlog_core.browse.oom import OomReport
from stormlog_core.browse.rollups import Coverage
from stormlog_core.browse.series import Series
from stormlog_core.schema.sessions import STATUS_RUNNING, SessionSummary

#: A running session is stale when its files have not grown for this long...
STALE_MIN_SECONDS = 10.0
#: ...or for this many sampling intervals, whichever is longer.
STALE_INTERVALS = 20


#: Sampling gaps longer than this many intervals (and at least ``GAP_MIN_SECONDS``) are gaps:
#: a load warning, a note on the job, and the chart does not bridge them.
GAP_INTERVALS = 10
GAP_MIN_SECONDS = 1.0
#: The interval assumed when a session declares none and has too few samples to measure.
DEFAULT_INTERVAL_NS = 1_000_000_000


def gap_threshold_ns(interval_ns: int) -> int:
    """Time between samples above which there is a gap in the data."""
    return int(max(GAP_INTERVALS * interval_ns, GAP_MIN_SECONDS * 1e9))


def reorder_tolerance_ns(interval_ns: int) -> int:
    """How far back a record may be stamped before the previous one without a warning.

    Stormlog's tracker stamps samples on its sampling thread and events (phases,
    allocations, alerts) on the caller's thread; their records interleave out of order by
    less than one sampling interval. Larger steps back are real clock problems.
    """
    return max(interval_ns, 0)


def stale_after_ns(sampling_interval_ms: int) -> int:
    """How long a running session's files may stay unchanged before it counts as stale."""
    return int(max(STALE_MIN_SECONDS * 1e9, STALE_INTERVALS * sampling_interval_ms * 1e6))


@dataclass
class SessionData:
    """One session (normally one rank of one run) with its columnar series."""

    summary: SessionSummary
    series: Series
    #: The non-sample events, as columns in time order (a list of records is converted).
    events: EventTable = field(default_factory=EventTable)
    sources: list[str] = field(default_factory=list)
    schema_versions: list[int] = field(default_factory=list)
    sampling_interval_ms: int = 0
    collector: str | None = None
    device_id: int | None = None
    last_write_ns: int | None = None
    stale: bool = False
    warning_count: int = 0
    restarts: int = 0
    #: The session's OOM (its first OOM event and what its bundle says), if it had one.
    oom: OomReport | None = None
    #: How much of the session's sink history is on disk (None: not from a sink).
    coverage: Coverage | None = None
    #: The records its manifest lists (a session not read yet: see ``loading``).
    listed_count: int | None = None
    #: Known from its manifest only: its files are still being read.
    loading: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.events, EventTable):
            records: list[EventRecord] = list(self.events)
            self.events = EventTable.from_records(records)

    #: The status shown for a session that ran out of memory, whatever its writer said.
    OOM_STATUS: ClassVar[str] = "OOM"

    @property
    def session_id(self) -> str:
        """The session's id."""
        return self.summary.session_id

    @property
    def running(self) -> bool:
        """The session is still marked running (its writer has not closed it)."""
        return self.summary.status == STATUS_RUNNING

    @property
    def display_status(self) -> str:
        """``stale`` for a running session whose writer seems gone, else the status."""
        return (
            "stale" if self.stale and self.summary.status == STATUS_RUNNING else self.summary.status
        )

    @property
    def shown_status(self) -> str:
        """The status a user sees: ``OOM`` (``SessionData.OOM_STATUS``) when the session ran
        out of memory (stormlog still closes such a session as ``completed``), else
        :attr:`display_status`. The sessions list, the jobs view and ``--summary`` show this.
        """
        return self.OOM_STATUS if self.oom is not None else self.display_status

    @property
    def event_count(self) -> int:
        """Records loaded (samples and other events); while ``loading``, the records its
        manifest lists."""
        if self.loading and self.listed_count is not None:
            return self.listed_count
        return len(self.series)

    def refresh_staleness(self, now_ns: int) -> bool:
        """Recompute ``stale`` against the clock; True if it changed."""
        was = self.stale
        self.stale = (
            self.summary.status == STATUS_RUNNING
            and self.last_write_ns is not None
            and now_ns - self.last_write_ns > stale_after_ns(self.sampling_interval_ms)
        )
        return was != self.stale

    @property
    def interval_ns(self) -> int:
        """The sampling interval: as declared, else the median spacing of the samples."""
        if self.sampling_interval_ms > 0:
            return self.sampling_interval_ms * 1_000_000
        times = self.series.timestamp_ns[self.series.is_sample]
        steps = np.diff(times)
        steps = steps[steps > 0]
        return int(np.median(steps)) if len(steps) else DEFAULT_INTERVAL_NS

    def stale_warning(self, now_ns: int) -> LoadWarning | None:
        """The warning for a running session whose files stopped growing, if it is stale."""
        if not self.stale:
            return None
        idle = (now_ns - (self.last_write_ns or now_ns)) / 1e9
        message = (
            f"marked running, but its files have not grown for {idle:.0f} s: the writer may be dead"
        )
        return make_warning("stale-session", message, None, None, self.session_id)

    def stats(self) -> dict[str, Any]:
        """Peaks and the device total, for tables and ``--summary``."""
        series = self.series
        return {
            "peak_allocator_allocated_bytes": _as_int(series.peak("allocator_allocated_bytes")),
            "peak_allocator_reserved_bytes": _as_int(series.peak("allocator_reserved_bytes")),
            "peak_device_used_bytes": _as_int(series.peak("device_used_bytes")),
            "device_total_bytes": _as_int(series.peak("device_total_bytes")),
        }

    def summary_dict(self) -> dict[str, Any]:
        """The session's line of ``--summary --json``."""
        summary = self.summary
        return {
            "session_id": summary.session_id,
            "status": summary.status,
            "host": summary.host,
            "pid": summary.pid,
            "job_id": summary.job_id,
            "rank": summary.rank,
            "local_rank": summary.local_rank,
            "world_size": summary.world_size,
            "started_at_ns": summary.started_at_ns,
            "ended_at_ns": summary.ended_at_ns,
            "event_count": self.event_count,
            "schema_versions": list(self.schema_versions),
            **self.stats(),
            "stale": self.stale,
            "oom": None if self.oom is None else self.oom.to_dict(),
            # None when the session was not read from a sink (no retention, no rollups).
            "coverage": None if self.coverage is None else self.coverage.to_dict(),
        }


def _as_int(value: float | None) -> int | None:
    return None if value is None else int(value)
