"""plotext's line dots and their grouping into braille cells, done with numpy.

plotext draws a line as every dot between its points (``_utility.get_lines``), then
groups the dots into braille cells (``_utility.hd_group``), both one dot at a time in
Python. A chart of 8 ranks of a training run's sawtooth is a filled band of ~460k dots:
that took 0.3-0.4 s of every redraw (zoom, pan, metric). :func:`get_lines` and
:func:`hd_group` give the same dots and cells, in the same order, from arrays; anything
they do not expect (a point that is not an integer, mixed marker sizes) goes to plotext's
own functions. :func:`install` puts them in plotext's place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from plotext import _utility

if TYPE_CHECKING:
    import numpy.typing as npt

_ORIGINAL: Callable[..., Any] = _utility.hd_group
_ORIGINAL_LINES: Callable[..., Any] = _utility.get_lines
_PATTERNS: dict[tuple[int, int], tuple[int, ...]] = {}


def _integers(values: Sequence[Any]) -> npt.NDArray[np.int64] | None:
    """``values`` as an integer array, or None if one of them is not an integer (a gap's
    None, a float, a bool): those go to plotext's own functions."""
    if not len(values):
        return None
    found = np.asarray(values)
    return found if found.dtype.kind == "i" else None


def _pattern(mask: int, size: int) -> tuple[int, ...]:
    """The dot pattern plotext gives a cell: rows from the last, dots left to right."""
    key = (mask, size)
    found = _PATTERNS.get(key)
    if found is None:
        found = _PATTERNS[key] = tuple((mask >> bit) & 1 for bit in range(size))
    return found


def hd_group(
    x: Sequence[Any], y: Sequence[Any], xf: Sequence[int], yf: Sequence[int]
) -> tuple[list[Any], list[Any], list[tuple[int, ...]]]:
    """As ``plotext._utility.hd_group``: the cells the dots ``(x, y)`` fall in, and each
    cell's pattern (``xf`` x ``yf`` dots a cell)."""
    ax, ay = _integers(x), _integers(y)
    if ax is None or ay is None or len(set(xf)) != 1 or len(set(yf)) != 1:
        return _ORIGINAL(x, y, xf, yf)  # type: ignore[no-any-return]
    fx, fy = int(xf[0]), int(yf[0])
    cells = np.stack([ax // fx, ay // fy], axis=1)
    bits = (fy - 1 - ay % fy) * fx + ax % fx
    unique, first, which = np.unique(cells, axis=0, return_index=True, return_inverse=True)
    masks = np.zeros(len(unique), dtype=np.int64)
    np.bitwise_or.at(masks, which.reshape(-1), np.left_shift(1, bits))
    order = np.argsort(first, kind="stable")  # plotext keeps the cells in first-seen order
    size = fx * fy
    patterns = [_pattern(mask, size) for mask in masks[order].tolist()]
    return unique[order, 0].tolist(), unique[order, 1].tolist(), patterns


def get_lines(x: Sequence[Any], y: Sequence[Any], *other: Sequence[Any]) -> list[list[Any]]:
    """As ``plotext._utility.get_lines``: every dot on the segments between consecutive
    points (the same dots, in the same order), and ``other`` (markers, colours, styles)
    repeated for them."""
    ax, ay = _integers(x), _integers(y)
    if ax is None or ay is None or len(ax) < 2 or len(ax) != len(ay):
        return _ORIGINAL_LINES(x, y, *other)  # type: ignore[no-any-return]
    dx, dy = np.diff(ax), np.diff(ay)
    steps = np.maximum(np.abs(dx), np.abs(dy))  # dots a segment adds (its last is the next's)
    segment = np.repeat(np.arange(len(steps)), steps)
    starts = np.cumsum(steps) - steps
    k = np.arange(len(segment)) - starts[segment]
    with np.errstate(divide="ignore", invalid="ignore"):
        sx = np.where(steps > 0, dx / np.maximum(steps, 1), 0.0)
        sy = np.where(steps > 0, dy / np.maximum(steps, 1), 0.0)
    xs = [*np.trunc(ax[segment] + k * sx[segment]).astype(np.int64).tolist(), x[-1]]
    ys = [*np.trunc(ay[segment] + k * sy[segment]).astype(np.int64).tolist(), y[-1]]
    picks = [*segment.tolist(), len(x) - 1]
    return [xs, ys, *([column[i] for i in picks] for column in other)]


def install() -> None:
    """Make plotext draw lines and group dots with :func:`get_lines` and :func:`hd_group`
    (once; plotext's output is the same)."""
    _utility.get_lines = get_lines
    _utility.hd_group = hd_group
