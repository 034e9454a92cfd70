"""Columnar time series of one session (one rank), and peak-preserving downsampling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from stormlog_core.schema.fields import COUNTERS

if TYPE_CHECKING:  # numpy.typing costs import time; only the type checker needs it
    from typing import TypeAlias

    import numpy.typing as npt

    FloatArray: TypeAlias = npt.NDArray[np.float64]
    IntArray: TypeAlias = npt.NDArray[np.int64]
    SourceArray: TypeAlias = npt.NDArray[np.int32]

SERIES_FIELDS = COUNTERS

_SOURCE_IDS: dict[str, int] = {}
_SOURCE_PATHS: list[str] = []


def source_id(path: str) -> int:
    """A small number for a file path, the same for the life of the process."""
    found = _SOURCE_IDS.get(path)
    if found is None:
        found = _SOURCE_IDS[path] = len(_SOURCE_PATHS)
        _SOURCE_PATHS.append(path)
    return found


def source_path(source: int) -> str:
    """The file path of a :func:`source_id` (``""`` for -1, unknown)."""
    return _SOURCE_PATHS[source] if 0 <= source < len(_SOURCE_PATHS) else ""


class Series:
    """Every record of a session in time order: timestamps, counters, and a sample flag.

    Non-sample events (alerts, phases...) carry counters too and are part of the series;
    ``is_sample`` tells them apart. Details of events live in the session's event list.

    ``source`` says which file each record came from (an id of :func:`source_id`, -1 when
    unknown), so that a follower can re-read one file, or keep the records of a file that
    retention deleted, without reloading the rest.

    The arrays are views of buffers that grow geometrically, so appending new records
    (:meth:`append`) costs time proportional to the new records. Views handed out
    earlier stay valid and unchanged.
    """

    def __init__(
        self,
        timestamp_ns: IntArray,
        values: dict[str, FloatArray],
        is_sample: npt.NDArray[np.bool_],
        source: SourceArray | None = None,
    ) -> None:
        self._length = len(timestamp_ns)
        self._times = np.asarray(timestamp_ns, dtype=np.int64)
        self._values = {name: np.asarray(values[name], dtype=np.float64) for name in SERIES_FIELDS}
        self._samples = np.asarray(is_sample, dtype=bool)
        self._sources = (
            np.full(self._length, -1, dtype=np.int32)
            if source is None
            else np.asarray(source, dtype=np.int32)
        )
        self._views: dict[str, FloatArray] | None = None

    @property
    def timestamp_ns(self) -> IntArray:
        """Record times (ns since the epoch), ascending."""
        return self._times[: self._length]

    @property
    def values(self) -> dict[str, FloatArray]:
        """Counter arrays by field name (NaN = null)."""
        if self._views is None:
            self._views = {name: buf[: self._length] for name, buf in self._values.items()}
        return self._views

    @property
    def is_sample(self) -> npt.NDArray[np.bool_]:
        """True for ``sample`` records, False for other events."""
        return self._samples[: self._length]

    @property
    def source(self) -> SourceArray:
        """Each record's file, as a :func:`source_id` (-1: unknown)."""
        return self._sources[: self._length]

    def select(self, rows: npt.NDArray[np.bool_]) -> Series:
        """The records where ``rows`` is True (a copy)."""
        values = {name: column[rows] for name, column in self.values.items()}
        return Series(self.timestamp_ns[rows], values, self.is_sample[rows], self.source[rows])

    def append(self, other: Series) -> None:
        """Add ``other``'s records; amortized O(len(other)) when they come after the last."""
        added = len(other)
        if not added:
            return
        if self._length and other.timestamp_ns[0] < self.timestamp_ns[-1]:
            merged = self.extend(other)
            self.__init__(  # type: ignore[misc]
                merged.timestamp_ns, merged.values, merged.is_sample, merged.source
            )
            return
        end = self._length + added
        if end > len(self._times):
            self._grow(max(end, 2 * len(self._times), 1024))
        self._times[self._length : end] = other.timestamp_ns
        for name, buf in self._values.items():
            buf[self._length : end] = other.values[name]
        self._samples[self._length : end] = other.is_sample
        self._sources[self._length : end] = other.source
        self._length = end
        self._views = None

    def _grow(self, capacity: int) -> None:
        def grown(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
            bigger = np.empty(capacity, dtype=array.dtype)
            bigger[: self._length] = array[: self._length]
            return bigger

        self._times = grown(self._times)
        self._values = {name: grown(buf) for name, buf in self._values.items()}
        self._samples = grown(self._samples)
        self._sources = grown(self._sources)

    def __len__(self) -> int:
        return len(self.timestamp_ns)

    @classmethod
    def empty(cls) -> Series:
        """A series with no records."""
        values = {name: np.zeros(0, dtype=np.float64) for name in SERIES_FIELDS}
        return cls(np.zeros(0, dtype=np.int64), values, np.zeros(0, dtype=bool))

    def peak(self, field: str) -> float | None:
        """The largest non-null value of a counter, or None if it was never reported."""
        return nan_peak(self.values[field])

    def last(self, field: str) -> float | None:
        """The last non-null value of a counter."""
        column = self.values[field]
        present = np.flatnonzero(~np.isnan(column))
        return float(column[present[-1]]) if len(present) else None

    def peak_time(self, field: str) -> int | None:
        """Timestamp of the first occurrence of the peak of a counter."""
        column = self.values[field]
        if not len(column) or np.all(np.isnan(column)):
            return None
        return int(self.timestamp_ns[int(np.nanargmax(column))])

    def window(self, start_ns: int | None, end_ns: int | None) -> Series:
        """The records with ``start_ns <= t <= end_ns`` (None means unbounded)."""
        lo = 0 if start_ns is None else int(np.searchsorted(self.timestamp_ns, start_ns, "left"))
        hi = (
            len(self)
            if end_ns is None
            else int(np.searchsorted(self.timestamp_ns, end_ns, "right"))
        )
        values = {name: column[lo:hi] for name, column in self.values.items()}
        return Series(self.timestamp_ns[lo:hi], values, self.is_sample[lo:hi], self.source[lo:hi])

    def extend(self, other: Series) -> Series:
        """This series and ``other`` merged in time order (stable for equal times)."""
        if not len(other):
            return self
        if not len(self) or other.timestamp_ns[0] >= self.timestamp_ns[-1]:
            order: Any = slice(None)
        else:
            order = np.argsort(
                np.concatenate([self.timestamp_ns, other.timestamp_ns]), kind="stable"
            )
        return Series(
            np.concatenate([self.timestamp_ns, other.timestamp_ns])[order],
            {
                name: np.concatenate([self.values[name], other.values[name]])[order]
                for name in SERIES_FIELDS
            },
            np.concatenate([self.is_sample, other.is_sample])[order],
            np.concatenate([self.source, other.source])[order],
        )


def nan_peak(column: FloatArray) -> float | None:
    """The largest non-NaN value, or None."""
    if not len(column):
        return None
    peak = np.nanmax(column) if not np.all(np.isnan(column)) else np.nan
    return None if np.isnan(peak) else float(peak)


def downsample_minmax(
    x: IntArray | FloatArray,
    y: FloatArray,
    buckets: int,
    x_range: tuple[float, float] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """At most ``2 * buckets`` points of ``(x, y)`` keeping each bucket's min and max.

    Buckets split ``x_range`` evenly (by default the range of ``x``; a chart passes its
    window, so that the buckets of the points already drawn stay the same as points are
    appended). Each non-empty bucket contributes two points: its
    minimum at the bucket's first timestamp and its maximum at its last, so a one-sample
    spike survives; an all-null bucket contributes NaNs (a gap in the chart). ``x`` must be
    sorted.
    """
    n = len(x)
    xf = np.asarray(x, dtype=np.float64)
    yf = np.asarray(y, dtype=np.float64)
    if n <= 2 * buckets or buckets <= 0:
        return xf, yf
    lo, hi = (xf[0], xf[-1]) if x_range is None else x_range
    edges = np.linspace(lo, hi, buckets + 1)
    starts = np.unique(np.searchsorted(xf, edges[:-1], side="left"))
    starts[0] = 0  # points before ``x_range`` (rounding) join the first bucket
    starts = starts[starts < n]
    ends = np.append(starts[1:], n) - 1
    out_x = np.empty(2 * len(starts))
    out_y = np.empty(2 * len(starts))
    out_x[0::2], out_x[1::2] = xf[starts], xf[ends]
    out_y[0::2] = np.fmin.reduceat(yf, starts)
    out_y[1::2] = np.fmax.reduceat(yf, starts)
    return out_x, out_y
