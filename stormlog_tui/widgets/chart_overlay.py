"""What the chart draws over plotext's canvas without hiding a line: shaded time spans
behind the lines (the runs of the phase chosen in the phases table, its worst run
stronger) and ``░`` on the x axis where a collector was degraded.

plotext cannot shade a span behind its lines, so the built canvas (a ``Text``) is styled
afterwards: only background colours change inside the plot frame, and only the frame's
``─`` characters of the x axis are replaced, so every line, mark and tick stays visible.
The frame (``┌`` ... ``┘``) is found in the canvas itself; plotext maps ``x_min`` to the
first column inside it and ``x_max`` to the last.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text

from stormlog_tui.view.chart_data import ChartData
from stormlog_tui.view.palette import palette, rich_colour


class Frame(NamedTuple):
    """Where plotext drew the plot's frame: its top and bottom rows, left and right columns."""

    top: int
    bottom: int
    left: int
    right: int

    def column(self, x: float, x_min: float, x_max: float) -> int:
        """The canvas column of time ``x`` (clamped inside the frame)."""
        width = self.right - self.left - 1
        fraction = (x - x_min) / (x_max - x_min) if x_max > x_min else 0.0
        fraction = min(max(fraction, 0.0), 1.0)
        return self.left + 1 + round(fraction * (width - 1))


def find_frame(lines: list[str]) -> Frame | None:
    """The plot frame in the canvas lines, or None when plotext drew none."""
    top = next((i for i, line in enumerate(lines) if "┌" in line), None)
    if top is None:
        return None
    bottom = next((i for i in range(top + 1, len(lines)) if "└" in lines[i]), None)
    left, right = lines[top].find("┌"), lines[top].rfind("┐")
    if bottom is None or right - left < 3:
        return None
    return Frame(top, bottom, left, right)


def overlay(canvas: Text, data: ChartData, dark: bool = True) -> Text:
    """``canvas`` with ``data``'s shaded spans and degraded stretches drawn in."""
    if not (data.shaded or data.strong or data.degraded):
        return canvas
    lines = list(canvas.split("\n", allow_blank=True))
    frame = find_frame([line.plain for line in lines])
    if frame is None:
        return canvas
    colours = palette(dark)
    weak, strong = colours.shades
    for spans, colour in ((data.shaded, weak), ([data.strong] if data.strong else [], strong)):
        for start, end in spans:
            first, last = _columns(frame, data, start, end)
            for row in range(frame.top + 1, frame.bottom):
                lines[row].stylize(f"on {rich_colour(colour)}", first, last + 1)
    degraded = colours.marks["degraded"][1]
    cells = [_columns(frame, data, s, e) for s, e in data.degraded]
    cells.sort()
    for first, last in _merged_columns(cells):  # thousands of stretches: a few runs of cells
        lines[frame.bottom] = _degraded_axis(lines[frame.bottom], first, last, degraded)
    return Text("\n").join(lines)


def _columns(frame: Frame, data: ChartData, start: float, end: float) -> tuple[int, int]:
    first = frame.column(start, data.x_min, data.x_max)
    return first, max(first, frame.column(end, data.x_min, data.x_max))


def _merged_columns(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted column ranges with the overlapping or touching ones joined."""
    merged: list[tuple[int, int]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _degraded_axis(line: Text, first: int, last: int, colour: tuple[int, int, int]) -> Text:
    """The x axis line with ``░`` for its ``─`` between ``first`` and ``last``."""
    if first >= len(line.plain):
        return line
    last = min(last, len(line.plain) - 1)
    part = line.plain[first : last + 1].replace("─", "░")
    return line[:first] + Text(part, style=rich_colour(colour)) + line[last + 1 :]
