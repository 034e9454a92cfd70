"""Axis ticks for time: round steps, labelled as elapsed time or wall clock (pure)."""

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
