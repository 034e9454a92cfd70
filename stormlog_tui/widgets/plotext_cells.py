"""plotext's line dots and their grouping into braille cells, done with numpy.

plotext draws a line as every dot between its points (``_utility.get_lines``), then
groups the dots into braille cells (``_utility.hd_group``), both one dot at a time in
Python, and carries every dot through several passes in between (repeats removed,
markers looked up dot by dot). A chart of 8 ranks of a training run's sawtooth is a
filled band of ~460k dots: that took 0.3-0.4 s of every redraw (zoom, pan, metric).
:func:`get_lines` works out a line's cells at once, on arrays, and hands plotext one dot
per cell, which :func:`brush` and :func:`hd_group` pass through; a line of several
markers or colours, or points that are not integers, go to plotext's own functions. The
drawing is plotext's own (a test compares whole charts). The cells are numbered on their
grid (``view.first_seen``), not sorted as pairs. :func:`install` puts these functions in
plotext's place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from plotext import _utility

from stormlog_tui.view.first_seen import first_seen

if TYPE_CHECKING:
    import numpy.typing as npt

_ORIGINAL: Callable[..., Any] = _utility.hd_group
_ORIGINAL_LINES: Callable[..., Any] = _utility.get_lines
_ORIGINAL_BRUSH: Callable[..., Any] = _utility.brush
_ORIGINAL_FILL: Callable[..., Any] = _utility.fill_data
_PATTERNS: dict[int, list[tuple[int, ...]]] = {}

#: A line's braille cells: their columns, rows and dot patterns, in first-seen order.
Cells = tuple[list[int], list[int], list[tuple[int, ...]]]


class _Dots(list):  # type: ignore[type-arg]
    """What :func:`get_lines` hands plotext for a line of one marker and colour, along one
    axis: a dot in each of the line's cells (plotext only counts them and removes repeats
    before :func:`hd_group`), with every dot of the line (``values``) and the cells
    already worked out (``cells``, for a cell of ``factors`` dots)."""

    __slots__ = ("cells", "factors", "values")

    def __init__(
        self,
        shown: list[int],
        values: npt.NDArray[np.int64],
        cells: Cells,
        factors: tuple[int, int],
    ) -> None:
        super().__init__(shown)
        self.values, self.cells, self.factors = values, cells, factors


def brush(*lists: Sequence[Any]) -> list[Any]:
    """As ``plotext._utility.brush`` (each dot once, in no order): the cells of
    :func:`get_lines` already are, and are given back as they are."""
    dots = len(lists) > 2 and isinstance(lists[0], _Dots) and isinstance(lists[1], _Dots)
    if dots and len({len(values) for values in lists}) == 1:
        return list(lists)
    return _ORIGINAL_BRUSH(*lists)  # type: ignore[no-any-return]


def fill_data(x: Sequence[Any], y: Sequence[Any], level: Any, *other: Sequence[Any]) -> Any:
    """As ``plotext._utility.fill_data``, on every dot of a line from :func:`get_lines`."""
    if isinstance(x, _Dots) and isinstance(y, _Dots):
        count = len(x.values)
        x, y = x.values.tolist(), y.values.tolist()
        other = tuple([column[0]] * count if len(column) else column for column in other)
    return _ORIGINAL_FILL(x, y, level, *other)


def _integers(values: Sequence[Any]) -> npt.NDArray[np.int64] | None:
    """``values`` as an integer array, or None if one of them is not an integer (a gap's
    None, a float, a bool): those go to plotext's own functions."""
    if isinstance(values, _Dots):
        return values.values
    if not len(values):
        return None
    found = np.asarray(values)
    return found if found.dtype.kind == "i" else None


def _patterns(size: int) -> list[tuple[int, ...]]:
    """The dot pattern plotext gives a cell of ``size`` dots, by its mask: rows from the
    last, dots left to right."""
    found = _PATTERNS.get(size)
    if found is None:
        found = _PATTERNS[size] = [
            tuple((mask >> bit) & 1 for bit in range(size)) for mask in range(1 << size)
        ]
    return found


def _cells(ax: npt.NDArray[np.int64], ay: npt.NDArray[np.int64], fx: int, fy: int) -> Cells:
    """The cells of ``fx`` x ``fy`` dots that the dots ``(ax, ay)`` fall in, as plotext's
    ``hd_group`` gives them."""
    bits = (fy - 1 - ay % fy) * fx + ax % fx
    grid = _Grid(ax // fx, ay // fy)
    cells = first_seen(grid.numbers)
    masks = np.zeros(len(cells.distinct), dtype=np.int64)
    np.bitwise_or.at(masks, cells.which, np.left_shift(1, bits))
    patterns = list(map(_patterns(fx * fy).__getitem__, masks[cells.order].tolist()))
    cx, cy = grid.points(cells.distinct[cells.order])
    return cx.tolist(), cy.tolist(), patterns


class _Grid:
    """Points numbered on the smallest grid that holds them (a chart's canvas is small,
    so the numbers are few and can be counted directly)."""

    def __init__(self, xs: npt.NDArray[np.int64], ys: npt.NDArray[np.int64]) -> None:
        self.x0, self.y0 = int(xs.min()), int(ys.min())
        self.height = int(ys.max()) - self.y0 + 1
        self.numbers = (xs - self.x0) * self.height + (ys - self.y0)

    def points(
        self, numbers: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The points that ``numbers`` stand for."""
        return numbers // self.height + self.x0, numbers % self.height + self.y0


def hd_group(
    x: Sequence[Any], y: Sequence[Any], xf: Sequence[int], yf: Sequence[int]
) -> tuple[list[Any], list[Any], list[tuple[int, ...]]]:
    """As ``plotext._utility.hd_group``: the cells the dots ``(x, y)`` fall in, and each
    cell's pattern (``xf`` x ``yf`` dots a cell)."""
    if len(set(xf)) != 1 or len(set(yf)) != 1:
        return _ORIGINAL(x, y, xf, yf)  # type: ignore[no-any-return]
    fx, fy = int(xf[0]), int(yf[0])
    if isinstance(x, _Dots) and isinstance(y, _Dots) and x.factors == (fx, fy):
        cx, cy, patterns = x.cells
        return list(cx), list(cy), list(patterns)
    ax, ay = _integers(x), _integers(y)
    if ax is None or ay is None:
        return _ORIGINAL(x, y, xf, yf)  # type: ignore[no-any-return]
    return _cells(ax, ay, fx, fy)


def get_lines(x: Sequence[Any], y: Sequence[Any], *other: Sequence[Any]) -> list[list[Any]]:
    """As ``plotext._utility.get_lines``: every dot on the segments between consecutive
    points, and ``other`` (markers, colours, styles) repeated for them.

    When ``other`` is the same for every point (one line, one marker, one colour), what
    plotext does next with the dots (remove repeats, group them into cells) is done here,
    on arrays: plotext is handed a dot per cell (:class:`_Dots`), a fraction of the dots,
    and keeps no order among a line's dots, so the drawing is the same."""
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
    xs = np.append(np.trunc(ax[segment] + k * sx[segment]).astype(np.int64), ax[-1])
    ys = np.append(np.trunc(ay[segment] + k * sy[segment]).astype(np.int64), ay[-1])
    if other and all(_same_throughout(column) for column in other):
        marker = other[0][0]
        fx, fy = _utility.marker_factor(marker, 2, 2, 2), _utility.marker_factor(marker, 2, 3, 4)
        if fx * fy == 1:  # plotext draws dots, not cells: each dot once
            xs, ys = _each_dot_once(xs, ys)
            cx, cy = xs.tolist(), ys.tolist()
        else:
            cells = _cells(xs, ys, fx, fy)
            cx = [column * fx for column in cells[0]]
            cy = [row * fy for row in cells[1]]
            x_dots, y_dots = _Dots(cx, xs, cells, (fx, fy)), _Dots(cy, ys, cells, (fx, fy))
            return [x_dots, y_dots, *([column[0]] * len(cx) for column in other)]
        return [cx, cy, *([column[0]] * len(cx) for column in other)]
    picks = [*segment.tolist(), len(x) - 1]
    return [xs.tolist(), ys.tolist(), *([column[i] for i in picks] for column in other)]


def _same_throughout(column: Sequence[Any]) -> bool:
    return len(column) > 0 and column.count(column[0]) == len(column)


def _each_dot_once(
    xs: npt.NDArray[np.int64], ys: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct dots of ``(xs, ys)``, in first-seen order."""
    grid = _Grid(xs, ys)
    dots = first_seen(grid.numbers)
    return grid.points(dots.distinct[dots.order])


def install() -> None:
    """Make plotext draw lines, fill under them, remove repeated dots and group dots into
    cells with :func:`get_lines`, :func:`fill_data`, :func:`brush` and :func:`hd_group`
    (plotext's output is the same)."""
    _utility.get_lines = get_lines
    _utility.hd_group = hd_group
    _utility.brush = brush
    _utility.fill_data = fill_data
