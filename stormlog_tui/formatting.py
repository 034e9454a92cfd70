"""Human-readable bytes, times and durations, and telemetry text made safe to show."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from stormlog_core.browse import format_bytes as core_format_bytes
from stormlog_tui.safe_text import safe_text


def format_bytes(value: float | None) -> str:
    """``83886080`` -> ``80.0 MiB``; ``None`` -> ``-`` (core's binary units)."""
    return "-" if value is None else core_format_bytes(value)


def format_duration(nanoseconds: int | None) -> str:
    """``95e9`` -> ``1m35s``; hours as ``2h05m``; ``None`` -> ``-``."""
    if nanoseconds is None or nanoseconds < 0:
        return "-"
    seconds = nanoseconds // 1_000_000_000
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_start(timestamp_ns: int | None) -> str:
    """A wall-clock time in the local zone, ``06-10 08:13:20``; ``None`` -> ``-``."""
    if timestamp_ns is None:
        return "-"
    try:
        moment = datetime.fromtimestamp(timestamp_ns / 1e9)
    except (OverflowError, OSError, ValueError):
        return "?"
    return moment.strftime("%m-%d %H:%M:%S")


def literal(value: object, style: str = "") -> Text:
    """Telemetry text as a ``Text`` shown exactly as written: never markup, and control
    characters (ESC, newline, ...) made visible as ``\\x1b`` so no record can move the cursor
    or restyle the terminal."""
    return Text(safe_text(value), style=style, no_wrap=True, overflow="ellipsis")
