"""The browser's loader: the public surface the app uses (everything else is internal).

Paths go through five stages, a module each, data passed forward: ``discover`` (find sinks
and files), ``plan`` (manifests, segments, session hints), ``read`` (bytes, in worker
processes when large), ``parse`` (typed rows to columns, bad records to warnings) and
``assemble`` (sessions, series, checks). ``dataset`` runs them; ``follow`` runs them again
on what was appended. Nothing here raises for bad input: problems are ``LoadWarning``\\ s.
"""

from __future__ import annotations

from stormlog_core.browse.dataset import Dataset, load_dataset
from stormlog_core.browse.discover import (
    Discovery,
    Target,
    discover,
    is_sink_dir,
    searched_dir,
    telemetry_kind,
)
from stormlog_core.browse.event_record import EventRecord
from stormlog_core.browse.event_table import SHOWN_COLUMNS, EventTable, Texts, event_texts
from stormlog_core.browse.follow import Follower, FollowUpdate
from stormlog_core.browse.load_warnings import SEVERITY_ORDER, LoadWarning
from stormlog_core.browse.raw_records import session_records, sources_of
from stormlog_core.browse.read import WORKERS_ENV, prepare_workers
from stormlog_core.browse.record_at import RecordLine, read_record
from stormlog_core.browse.segment_cache import configure_cache
from stormlog_core.browse.series import Series, downsample_minmax
from stormlog_core.browse.session_data import SessionData
from stormlog_core.io.cache_home import cache_home
from stormlog_core.io.gc_pause import gc_paused
from stormlog_core.io.memory import release_free_memory
from stormlog_core.schema.fields import COUNTERS
from stormlog_core.schema.sessions import SessionSummary
from stormlog_core.schema.taxonomy import EventKind, classify_event, severity_of
from stormlog_core.schema.units import (
    counted,
    format_bytes,
    format_duration,
    format_iso_utc,
    format_rate,
    format_signed_bytes,
    parse_instant,
)

__all__ = [
    "COUNTERS",
    "SEVERITY_ORDER",
    "SHOWN_COLUMNS",
    "WORKERS_ENV",
    "Dataset",
    "Discovery",
    "EventKind",
    "EventRecord",
    "EventTable",
    "FollowUpdate",
    "Follower",
    "LoadWarning",
    "RecordLine",
    "Series",
    "SessionData",
    "SessionSummary",
    "Target",
    "Texts",
    "cache_home",
    "classify_event",
    "configure_cache",
    "counted",
    "discover",
    "downsample_minmax",
    "event_texts",
    "format_bytes",
    "format_duration",
    "format_iso_utc",
    "format_rate",
    "format_signed_bytes",
    "gc_paused",
    "is_sink_dir",
    "load_dataset",
    "parse_instant",
    "prepare_workers",
    "read_record",
    "release_free_memory",
    "searched_dir",
    "session_records",
    "severity_of",
    "sources_of",
    "telemetry_kind",
]
