"""Human-readable bytes, times and durations, and telemetry text made safe to show."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def format_bytes(value: int | None) -> str:
    """``83886080`` -> ``80.0 MiB``; ``None`` -> ``-``."""
    if value is None:
        return "-"
    amount = float(value)
    for unit in _UNITS[:-1]:
        if abs(amount) < 1024:
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} {_UNITS[-1]}"


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


def _escape_control(char: str) -> str:
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    return char


def literal(value: object, style: str = "") -> Text:
    """Telemetry text as a ``Text`` shown exactly as written: never markup, and control
    characters (ESC, newline, ...) made visible as ``\\x1b`` so no record can move the cursor
    or restyle the terminal."""
    text = str(value)
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        text = "".join(_escape_control(c) for c in text)
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")
