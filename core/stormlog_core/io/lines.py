"""Lines of a byte buffer: newline offsets found with numpy, and lines fetched by index."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

#: Lines longer than this are skipped with a warning (``STORMLOG_TUI_MAX_LINE_BYTES``).
DEFAULT_MAX_LINE_BYTES: Final = 16 * 1024 * 1024


def max_line_bytes() -> int:
    """The line limit: ``STORMLOG_TUI_MAX_LINE_BYTES`` when set to a positive number."""
    try:
        value = int(os.environ.get("STORMLOG_TUI_MAX_LINE_BYTES", ""))
    except ValueError:
        return DEFAULT_MAX_LINE_BYTES
    return value if value > 0 else DEFAULT_MAX_LINE_BYTES


#: The UTF-8 byte-order mark some editors put at the start of a file.
BOM: Final = b"\xef\xbb\xbf"

Buffer = bytes | memoryview
T = TypeVar("T")


def newline_offsets(data: Buffer, step: int = 1 << 18) -> npt.NDArray[np.int64]:
    """Offsets of every ``\\n``, found in cache-sized steps (no buffer-sized temporary)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    parts = []
    for start in range(0, len(raw), step):
        found = np.flatnonzero(raw[start : start + step] == 10)
        parts.append(found + start if start else found)
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)


class LineIndex:
    """Line starts of a buffer, computed on first use."""

    def __init__(self, data: Buffer) -> None:
        self.data = data
        self._ends: npt.NDArray[np.int64] | None = None

    @property
    def ends(self) -> npt.NDArray[np.int64]:
        """Offsets of every newline."""
        if self._ends is None:
            self._ends = newline_offsets(self.data)
        return self._ends

    def length(self, index: int) -> int:
        """Length of line ``index`` without its newline."""
        ends = self.ends
        start = 0 if index == 0 else int(ends[index - 1]) + 1
        end = int(ends[index]) if index < len(ends) else len(self.data)
        return end - start

    def longest(self) -> int:
        """Length of the longest newline-terminated line."""
        ends = self.ends
        if not len(ends):
            return 0
        return int(max(ends[0], np.max(np.diff(ends)) - 1 if len(ends) > 1 else 0))

    def get(self, index: int) -> bytes:
        """Line ``index`` (0-based) without its newline."""
        ends = self.ends
        start = 0 if index == 0 else int(ends[index - 1]) + 1
        end = int(ends[index]) if index < len(ends) else len(self.data)
        return bytes(self.data[start:end])


def is_ascii(data: Buffer) -> bool:
    if isinstance(data, bytes):
        return data.isascii()
    return not len(data) or int(np.frombuffer(data, dtype=np.uint8).max()) < 0x80


def count_lines(data: Buffer) -> int:
    """Number of newline characters."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))


def last_newline(view: memoryview) -> int:
    """Index of the last newline, or -1."""
    step = 1 << 16
    stop = len(view)
    while stop > 0:
        start = max(0, stop - step)
        found = bytes(view[start:stop]).rfind(b"\n")
        if found >= 0:
            return start + found
        stop = start
    return -1


class RowLines:
    """Where each accepted row's line is: its bytes and its offset in the file."""

    def __init__(
        self,
        lines: LineIndex,
        indexes: npt.NDArray[np.int64],
        tail: bytes,
        base: int,
        tail_offset: int,
    ) -> None:
        self._lines, self._indexes, self._tail = lines, indexes, tail
        self._base, self._tail_offset = base, tail_offset

    def _spans(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Start and end (in the buffer of complete lines) of each row's line, and which
        rows are the unterminated tail instead."""
        ends = self._lines.ends
        index = self._indexes[rows]
        in_tail = index >= len(ends)
        index = np.where(in_tail, 0, index)
        if not len(ends):  # no complete line: every row is the tail
            return np.zeros(len(index), np.int64), np.zeros(len(index), np.int64), in_tail
        starts: npt.NDArray[np.int64] = np.where(index == 0, 0, ends[np.maximum(index - 1, 0)] + 1)
        stops: npt.NDArray[np.int64] = ends[index]
        return starts, stops, in_tail

    def offsets(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Byte offset in the file of each row's line."""
        starts, _, in_tail = self._spans(rows)
        return np.where(in_tail, self._tail_offset, self._base + starts)

    def lengths(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The length of each row's line, without its newline."""
        starts, stops, in_tail = self._spans(rows)
        return np.where(in_tail, len(self._tail), stops - starts)

    def each_line(self, rows: npt.NDArray[Any], apply: Callable[[Buffer], T]) -> list[T]:
        """``apply`` on each row's line (a view of the buffer: it is not copied)."""
        starts, stops, in_tail = self._spans(rows)
        view = memoryview(self._lines.data)
        spans = zip(starts.tolist(), stops.tolist(), in_tail.tolist(), strict=True)
        return [apply(self._tail if tail else view[start:stop]) for start, stop, tail in spans]

    def lines(self, rows: npt.NDArray[np.int64]) -> list[bytes]:
        """Each row's line, without its newline."""
        starts, stops, in_tail = self._spans(rows)
        data = self._lines.data
        spans = zip(starts.tolist(), stops.tolist(), in_tail.tolist(), strict=True)
        return [self._tail if tail else bytes(data[start:stop]) for start, stop, tail in spans]
