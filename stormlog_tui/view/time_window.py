"""The chart's time window: zoom and pan inside the full range (pure, in nanoseconds)."""

from __future__ import annotations

from dataclasses import dataclass

from stormlog_tui.view.ticks import nice_step

#: The narrowest window a zoom can reach.
MIN_SPAN_NS = 1_000_000
#: A live chart's time axis grows in steps of about a quarter of its span.
ROOM_STEPS = 4


@dataclass(frozen=True)
class TimeWindow:
    """``start_ns..end_ns`` inside ``full_start_ns..full_end_ns``."""

    full_start_ns: int
    full_end_ns: int
    start_ns: int
    end_ns: int

    @classmethod
    def full(cls, start_ns: int, end_ns: int) -> TimeWindow:
        """The whole range."""
        end_ns = max(end_ns, start_ns + 1)
        return cls(start_ns, end_ns, start_ns, end_ns)

    @property
    def span_ns(self) -> int:
        """The width of the window."""
        return self.end_ns - self.start_ns

    def drawn_end_ns(self, live: bool) -> int:
        """Where the chart's time axis ends. A live job's full window leaves room on the
        right, its span rounded up to a round step: new records are drawn into that room
        and the axis stays put until they reach it (redrawing everything at every update
        costs a slow SSH link its bandwidth)."""
        if not live or not self.is_full:
            return self.end_ns
        span_s = self.span_ns / 1e9
        step = nice_step(span_s, ROOM_STEPS)
        rounded = (int(span_s / step) + 1) * step
        return self.start_ns + round(rounded * 1e9)

    @property
    def is_full(self) -> bool:
        """True when nothing is zoomed."""
        return self.start_ns <= self.full_start_ns and self.end_ns >= self.full_end_ns

    def _placed(self, offset: float, span: float) -> TimeWindow:
        """A window ``span`` wide starting ``offset`` ns after the full start, clamped.

        Offsets keep the arithmetic exact: absolute nanoseconds (~1.7e18) lose precision
        as floats."""
        full_span = self.full_end_ns - self.full_start_ns
        width = round(min(max(span, min(MIN_SPAN_NS, full_span)), full_span))
        start = round(min(max(offset, 0.0), full_span - width))
        begin = self.full_start_ns + start
        return TimeWindow(self.full_start_ns, self.full_end_ns, begin, begin + width)

    def zoom(self, factor: float, anchor: float = 0.5) -> TimeWindow:
        """Shrink (factor < 1) or grow the window around ``anchor`` (0 = left, 1 = right)."""
        anchor = min(max(anchor, 0.0), 1.0)
        at = (self.start_ns - self.full_start_ns) + anchor * self.span_ns
        span = self.span_ns * factor
        return self._placed(at - anchor * span, span)

    def pan(self, fraction: float) -> TimeWindow:
        """Move by ``fraction`` of the window (negative = earlier)."""
        offset = (self.start_ns - self.full_start_ns) + fraction * self.span_ns
        return self._placed(offset, self.span_ns)

    def around(self, start_ns: int, end_ns: int, margin: float = 0.25) -> TimeWindow:
        """A window showing ``start_ns..end_ns`` with ``margin`` of its width either side
        (clamped to the full range; never narrower than ``MIN_SPAN_NS``)."""
        width = max(end_ns - start_ns, 0) * (1 + 2 * margin)
        width = max(width, MIN_SPAN_NS)
        middle = (start_ns + end_ns) / 2 - self.full_start_ns
        return self._placed(middle - width / 2, width)

    def extended(self, full_start_ns: int, full_end_ns: int) -> TimeWindow:
        """The same window on a grown range (live data); a full window stays full."""
        if self.is_full:
            return TimeWindow.full(full_start_ns, full_end_ns)
        grown = TimeWindow(full_start_ns, max(full_end_ns, full_start_ns + 1), 0, 0)
        return grown._placed(self.start_ns - full_start_ns, self.span_ns)
