"""Numbers and times as short plain strings (no Rich: ``--summary`` uses this module too).

Bytes and rates are written by core's formatters (``format_bytes``, ``format_rate``): this
module only adds the ``-`` shown for a missing value, and the app's time formats.
"""

from __future__ import annotations

from datetime import datetime

from stormlog_core.browse import format_bytes, format_rate, format_signed_bytes

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


def format_duration(nanoseconds: int | None) -> str:
    """``95e9`` -> ``1m35s``; hours as ``2h05m``; ``None`` -> ``-``."""
    if nanoseconds is None or nanoseconds < 0:
        return MISSING
    seconds = nanoseconds // 1_000_000_000
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_gap(nanoseconds: int | None) -> str:
    """A pause between samples: ``250ms`` under a second, else as a duration."""
    if nanoseconds is None:
        return MISSING
    if nanoseconds < 1_000_000_000:
        return f"{nanoseconds / 1e6:.0f}ms"
    return format_duration(nanoseconds)


def format_start(timestamp_ns: int | None) -> str:
    """A wall-clock time in the local zone, ``06-10 08:13:20``; ``None`` -> ``-``."""
    if timestamp_ns is None:
        return MISSING
    try:
        moment = datetime.fromtimestamp(timestamp_ns / 1e9)
    except (OverflowError, OSError, ValueError):
        return "?"
    return moment.strftime("%m-%d %H:%M:%S")
