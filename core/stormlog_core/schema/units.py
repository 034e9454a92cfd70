"""Units: bytes and byte rates in binary units, durations, instants and counts of things
(one formatter each)."""

from __future__ import annotations

MiB = 1024 * 1024

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun: ``1 rank``, ``3 ranks``, ``1,000,000 entries`` (``plural`` when
    the noun does not take an ``s``)."""
    word = noun if count == 1 else (plural if plural is not None else noun + "s")
    return f"{count:,} {word}"


def format_bytes(value: float) -> str:
    """Bytes in binary units, e.g. ``52.9 GiB``."""
    size, unit = float(value), 0
    while abs(size) >= 1024 and unit < len(_UNITS) - 1:
        size /= 1024
        unit += 1
    return f"{size:.0f} B" if unit == 0 else f"{size:.1f} {_UNITS[unit]}"


def rate_unit(magnitude: float) -> int:
    unit = 0
    while magnitude >= 1024 and unit < len(_UNITS) - 1:
        magnitude /= 1024
        unit += 1
    return unit


def format_signed_bytes(value: float) -> str:
    """A change of memory: ``+1.2 GiB``, ``-80.0 MiB``, ``0 B``."""
    return ("+" if value > 0 else "") + format_bytes(value)


def format_rate(bytes_per_s: float, unit: int | None = None) -> str:
    """A rate in binary units per second, e.g. ``6.1 MiB/s`` (``unit`` indexes B..TiB)."""
    unit = rate_unit(abs(bytes_per_s)) if unit is None else unit
    scaled = round(bytes_per_s / 1024**unit, 1) + 0.0  # no "-0.0"
    return f"{scaled:.1f} {_UNITS[unit]}/s"


def _three_digits(value: float) -> float:
    return float(f"{value:.3g}")


def format_duration(ns: float) -> str:
    """A duration in the unit that suits it: ``850 ms``, ``1.1 s``, ``2m05s``, ``1h02m``;
    rounded first, so 999.7 ms reads ``1.0 s``, never ``1e+03 ms``."""
    micro = _three_digits(ns / 1e3)
    if abs(micro) < 1000:
        return f"{micro:g} µs"
    milli = _three_digits(ns / 1e6)
    if abs(milli) < 1000:
        return f"{milli:g} ms"
    seconds = round(ns / 1e9, 1)
    if abs(seconds) < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(ns / 1e9), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_clock(ns: int) -> str:
    """A wall-clock instant in UTC, to the millisecond: ``14:02:31.250 UTC``."""
    import datetime

    instant = datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.timezone.utc)
    return instant.strftime("%H:%M:%S.") + f"{instant.microsecond // 1000:03d} UTC"


def format_iso_utc(ns: int) -> str:
    """An instant as ISO 8601 in UTC, to the nanosecond: ``2026-12-02T12:25:26.842755345Z``
    (what spreadsheets and pandas parse)."""
    import datetime

    seconds, rest = divmod(ns, 1_000_000_000)
    instant = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rest:09d}Z"


def parse_instant(text: str, origin_ns: int) -> int:
    """``--from``/``--to``: seconds after ``origin_ns`` (``12.5``), or an ISO 8601 time
    (``2026-12-02T12:25:27Z``; without a zone, UTC). Raises ``ValueError`` otherwise."""
    import datetime

    try:
        return origin_ns + round(float(text) * 1e9)
    except ValueError:
        pass
    try:
        instant = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not seconds from the start nor an ISO 8601 time: {text!r}") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.timezone.utc)
    delta = instant - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
