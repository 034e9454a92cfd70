"""Axis ticks: time in round steps, labelled as elapsed time or wall clock; memory in round
steps of one unit, with the device total at its own value (pure)."""

from __future__ import annotations

import math
from datetime import datetime

_STEPS: tuple[float, ...] = (
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10,
    15,
    30,
)
_STEPS += (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def nice_step(span_s: float, count: int) -> float:
    """The smallest round step giving at most ``count`` ticks over ``span_s`` seconds."""
    raw = span_s / max(count, 1)
    for step in _STEPS:
        if step >= raw:
            return float(step)
    return float(math.ceil(raw / 86400) * 86400)


def elapsed_label(seconds: float, step: float) -> str:
    """``95`` -> ``1m35s``; sub-second steps keep decimals."""
    if step < 1:
        digits = max(0, -math.floor(math.log10(step)))
        return f"{seconds:.{digits}f}s"
    seconds = round(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{sign}{minutes}m" + (f"{rest:02d}s" if rest else "")
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}h{minutes:02d}m"


def wall_label(origin_ns: int, seconds: float, step: float) -> str:
    """The local wall-clock time at ``origin + seconds``."""
    try:
        moment = datetime.fromtimestamp(origin_ns / 1e9 + seconds)
    except (OverflowError, OSError, ValueError):
        return "?"
    if step < 1:
        return moment.strftime("%H:%M:%S.%f")[:-3]
    return moment.strftime("%H:%M:%S")


def wall_window(start_ns: int, end_ns: int, step: float) -> str:
    """A window on the wall clock, with its date and time zone: ``2026-12-02 13:25:26.84–
    13:25:28.99 CET`` (the end's date only when it is another day)."""
    try:
        start = datetime.fromtimestamp(start_ns / 1e9).astimezone()
        end = datetime.fromtimestamp(end_ns / 1e9).astimezone()
    except (OverflowError, OSError, ValueError):
        return "?"
    clock = "%H:%M:%S"
    digits = 0 if step >= 1 else min(3, max(1, -math.floor(math.log10(step))))

    def at(moment: datetime) -> str:
        text = moment.strftime(clock)
        return text + (f".{moment.microsecond // 10 ** (6 - digits):0{digits}d}" if digits else "")

    day = end.strftime("%Y-%m-%d ") if end.date() != start.date() else ""
    return f"{start.strftime('%Y-%m-%d')} {at(start)}–{day}{at(end)} {start.strftime('%Z')}"


def time_ticks(
    x_min: float, x_max: float, origin_ns: int, count: int, wall_clock: bool
) -> tuple[list[float], list[str]]:
    """Tick positions (seconds since ``origin_ns``) and their labels."""
    span = max(x_max - x_min, 1e-9)
    step = nice_step(span, count)
    if wall_clock:  # round on the wall clock, not on the elapsed time
        base = origin_ns / 1e9
        first = math.ceil((base + x_min) / step) * step - base
    else:
        first = math.ceil(x_min / step) * step
    positions: list[float] = []
    value = first
    while value <= x_max + 1e-9 and len(positions) < 200:
        positions.append(value)
        value += step
    if wall_clock:
        labels = [wall_label(origin_ns, p, step) for p in positions]
    else:
        labels = [elapsed_label(p, step) for p in positions]
    return positions, labels


#: Round steps of memory: these times a power of ten.
_MEMORY_MANTISSAS = (1.0, 2.0, 2.5, 5.0, 10.0)


def memory_step(raw: float) -> float:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) of at least ``raw``."""
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in _MEMORY_MANTISSAS if m * power >= raw * (1 - 1e-9))


def _decimals(step: float) -> int:
    return next((d for d in range(4) if abs(round(step, d) - step) < 1e-9 * step), 3)


def memory_ticks(y_max: float, rows: int, limit: float | None) -> tuple[list[float], list[str]]:
    """Round ticks from 0 to ``y_max`` (in the chart's unit), about one every other of the
    plot's ``rows``; the device total ``limit`` is a tick at its own value (``24.0``), in
    place of the round ticks that would share or touch its row."""
    if not y_max > 0 or not math.isfinite(y_max):
        return [0.0], ["0"]
    step = memory_step(y_max / max(2, rows // 2))
    digits = _decimals(step)
    ticks = [(i * step, f"{i * step:.{digits}f}") for i in range(int(y_max / step + 1e-9) + 1)]
    if limit is not None and 0 < limit <= y_max:
        near = 1.5 * y_max / max(rows, 1)
        ticks = [t for t in ticks if abs(t[0] - limit) >= near] + [(limit, f"{limit:.1f}")]
        ticks.sort()
    return [t[0] for t in ticks], [t[1] for t in ticks]
