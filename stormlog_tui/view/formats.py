"""Numbers and times as short plain strings (no Rich: ``--summary`` uses this module too).

Bytes, rates and durations are written by core's formatters (``format_bytes``,
``format_rate``, ``format_duration``), the same as ``--summary``'s: this module only adds the
``-`` shown for a missing value, and the app's instants: an instant of a run is its time since
the run's first record, as precise as the run's span calls for (``format_elapsed``).
"""

from __future__ import annotations

from datetime import datetime

from stormlog_core.browse import format_bytes, format_duration, format_rate, format_signed_bytes
from stormlog_tui.view.ticks import elapsed_label

#: What a table shows for a value that was never reported.
MISSING = "-"


def bytes_or_dash(value: float | None) -> str:
    """``83886080`` -> ``80.0 MiB`` (core's binary units); ``None`` -> ``-``."""
    return MISSING if value is None else format_bytes(value)


def signed_bytes_or_dash(value: float | None) -> str:
    """A change of memory: ``+1.2 GiB``, ``-80.0 MiB``, ``0 B``; ``None`` -> ``-``."""
    if value is None:
        return MISSING
    return format_signed_bytes(value)


def rate_or_dash(bytes_per_s: float | None) -> str:
    """``6.1 MiB/s`` (core's rate units); ``None`` -> ``-``."""
    return MISSING if bytes_per_s is None else format_rate(bytes_per_s)


def duration_or_dash(nanoseconds: int | None) -> str:
    """A duration as core writes it (``54 ms``, ``1.1 s``, ``2m05s``, ``1h02m``); ``None`` or a
    negative value -> ``-``."""
    if nanoseconds is None or nanoseconds < 0:
        return MISSING
    return format_duration(nanoseconds)


#: The resolution of an instant by the span of its run: (span up to, seconds shown to).
_RESOLUTIONS: tuple[tuple[float, float], ...] = ((10.0, 0.001), (120.0, 0.01), (1200.0, 0.1))


def resolution_s(span_ns: int) -> float:
    """How precisely the instants of a run ``span_ns`` long are written: milliseconds up to
    10 s, then hundredths, tenths, and whole seconds beyond 20 minutes."""
    span_s = max(span_ns, 0) / 1e9
    return next((step for limit, step in _RESOLUTIONS if span_s <= limit), 1.0)


def format_elapsed(offset_ns: int, span_ns: int) -> str:
    """An instant of a run, as time since its first record: ``1.345s`` in a 2 s run,
    ``95.30s`` in a 2-minute one, ``1m35s`` in an hour."""
    return elapsed_label(offset_ns / 1e9, resolution_s(span_ns))


def format_start(timestamp_ns: int | None) -> str:
    """A wall-clock time in the local zone, ``06-10 08:13:20``; ``None`` -> ``-``."""
    if timestamp_ns is None:
        return MISSING
    try:
        moment = datetime.fromtimestamp(timestamp_ns / 1e9)
    except (OverflowError, OSError, ValueError):
        return "?"
    return moment.strftime("%m-%d %H:%M:%S")
