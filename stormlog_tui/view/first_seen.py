"""The distinct values of an array of small non-negative integers, in the order they first
appear: counted on a grid when the values are few (a chart's cells, a mark's column),
sorted otherwise. ``np.unique`` sorts every time, and sorts rows much more slowly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

#: Up to this many possible values a grid is counted directly (else sorted).
GRID_VALUES: Final = 1 << 22


class FirstSeen:
    """The distinct values, where each first appears, each item's index into them, and
    the order of the distinct values by first appearance."""

    def __init__(
        self,
        distinct: npt.NDArray[np.int64],
        first: npt.NDArray[np.int64],
        which: npt.NDArray[np.intp],
    ) -> None:
        self.distinct, self.first, self.which = distinct, first, which
        self.order: npt.NDArray[np.intp] = np.argsort(first, kind="stable")


def first_seen(values: npt.NDArray[np.int64]) -> FirstSeen:
    """:class:`FirstSeen` of ``values`` (not empty, none negative)."""
    count = len(values)
    size = int(values.max()) + 1
    if size > GRID_VALUES:
        distinct, first, which = np.unique(values, return_index=True, return_inverse=True)
        return FirstSeen(distinct, first, which.reshape(-1))
    firsts = np.full(size, count, dtype=np.int64)
    np.minimum.at(firsts, values, np.arange(count))
    distinct = np.flatnonzero(firsts < count)
    number = np.zeros(size, dtype=np.intp)
    number[distinct] = np.arange(len(distinct))
    return FirstSeen(distinct, firsts[distinct], number[values])
