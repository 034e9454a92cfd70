"""RankTable: per rank peaks, headroom, growth, alerts, gaps, collector degraded time, the
last record and load warnings; outliers lit.

The last record is how long ago it came while the job runs (``4.1 s ago``: a silent rank
stands out), else its time in the run (``2.103s``).

Alerts (what the records say: warning, critical, error, OOM) and load warnings (what the
loader found wrong with the files) are separate columns and never added together."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from stormlog_tui.view.formats import (
    MISSING,
    bytes_or_dash,
    duration_or_dash,
    format_elapsed,
    rate_or_dash,
)
from stormlog_tui.view.rows.ranks import OUTLIER_STYLE, RankRow, alerts_label
from stormlog_tui.widgets.sortable_table import Column, SortableTable, biggest_first, none_last


def _bytes(value: float | None) -> Text:
    return Text(bytes_or_dash(value), justify="right")


def _rank(row: RankRow, selected: frozenset[int]) -> Text:
    mark = "●" if row.rank in selected else " "
    flag = (" ⚠" if row.outlier else "") + (" ✖" if row.oom_events else "")
    return Text(f"{mark}{row.rank}{flag}", style=OUTLIER_STYLE if row.outlier else "")


def _growth(row: RankRow) -> Text:
    style = OUTLIER_STYLE if row.outlier and row.growth_bytes_per_s is not None else ""
    return Text(rate_or_dash(row.growth_bytes_per_s), justify="right", style=style)


def _alerts(row: RankRow) -> Text:
    if row.oom_events or row.error_alerts or row.critical_alerts:
        style = "bold red"
    else:
        style = "yellow" if row.warning_alerts else "dim"
    return Text(alerts_label(row), style=style)


def _alert_order(row: RankRow) -> tuple[int, int, int, int]:
    """The worst first: OOMs, then errors, critical alerts, warnings."""
    return (-row.oom_events, -row.error_alerts, -row.critical_alerts, -row.warning_alerts)


def _degraded(row: RankRow) -> Text:
    if not row.collector_degraded_ns:
        return Text("-", justify="right", style="dim")
    return Text(duration_or_dash(row.collector_degraded_ns), justify="right", style="magenta")


class RankTable(SortableTable[RankRow]):
    """The ranks of a group; enter focuses the charts on one rank, space adds it to a list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "focus_rank", "Chart this rank"),
        Binding("space", "toggle_rank", "Add/remove rank", id="toggle_rank"),
        Binding("i", "rank_details", "Rank details", id="rank_details"),
    ]

    class DetailsWanted(Message):
        """Show everything about ``rank`` (None: the first outlier, else the cursor's)."""

        def __init__(self, rank: int | None) -> None:
            super().__init__()
            self.rank = rank

    class RankChosen(Message):
        """Chart only ``rank``."""

        def __init__(self, rank: int) -> None:
            super().__init__()
            self.rank = rank

    class RankToggled(Message):
        """Add ``rank`` to the charted ranks, or remove it."""

        def __init__(self, rank: int) -> None:
            super().__init__()
            self.rank = rank

    def __init__(self, *, id: str | None = None) -> None:
        self.origin_ns = 0
        self.span_ns = 0
        #: The job's newest record while it runs (a rank's last record is then said as
        #: time ago: since that one, plus the time since the rows came), else None.
        self.now_ns: int | None = None
        self._rows_came = time.monotonic()
        self.selected_ranks: frozenset[int] = frozenset()
        super().__init__(self._columns(), id=id)

    def _columns(self) -> list[Column[RankRow]]:
        return [
            Column("Rank", lambda r: _rank(r, self.selected_ranks), lambda r: r.rank),
            Column(
                "Samples",
                lambda r: Text(f"{r.samples:,}", justify="right"),
                lambda r: r.samples,
                drop=1,
            ),
            Column(
                "Peak alloc",
                lambda r: _bytes(r.peak_allocated),
                lambda r: biggest_first(r.peak_allocated),
            ),
            Column(
                "Peak resv",
                lambda r: _bytes(r.peak_reserved),
                lambda r: biggest_first(r.peak_reserved),
                drop=2,
            ),
            Column(
                "Peak used", lambda r: _bytes(r.peak_used), lambda r: biggest_first(r.peak_used)
            ),
            Column(
                "Headroom",
                lambda r: _bytes(r.headroom_at_peak),
                lambda r: none_last(r.headroom_at_peak),
            ),
            Column("Growth", _growth, lambda r: biggest_first(r.growth_bytes_per_s)),
            Column("Alerts", _alerts, _alert_order),
            Column(
                "Longest gap",
                lambda r: Text(duration_or_dash(r.longest_gap_ns), justify="right"),
                lambda r: biggest_first(r.longest_gap_ns),
                drop=6,
            ),
            Column("Degraded", _degraded, lambda r: -r.collector_degraded_ns, drop=3),
            Column(
                "Last record",
                lambda r: Text(self._last_record(r.last_seen_ns), justify="right"),
                lambda r: none_last(r.last_seen_ns),
                drop=4,
            ),
            Column(
                "Warn",
                lambda r: Text(
                    str(r.warnings), justify="right", style="bold yellow" if r.warnings else "dim"
                ),
                lambda r: -r.warnings,
                drop=5,
            ),
            Column(
                "Why",
                lambda r: Text("; ".join(r.reasons), style=OUTLIER_STYLE),
                lambda r: not r.outlier,
                cuttable=True,
            ),
        ]

    def set_times(self, origin_ns: int, end_ns: int, now_ns: int | None) -> None:
        """The group's first and last instants, and its newest record while it runs."""
        if now_ns != self.now_ns:  # a newer record came now (the same one: time goes on)
            self._rows_came = time.monotonic()
        self.origin_ns, self.span_ns, self.now_ns = origin_ns, end_ns - origin_ns, now_ns

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        """A silence grows while nothing arrives: say so every second."""
        if self.now_ns is not None:
            self.refresh_rows(lambda _: True)

    def _last_record(self, last_ns: int | None) -> str:
        if last_ns is None:
            return MISSING
        if self.now_ns is not None:
            waited = round((time.monotonic() - self._rows_came) * 1e9)
            return f"{duration_or_dash(max(0, self.now_ns - last_ns) + waited)} ago"
        return format_elapsed(last_ns - self.origin_ns, self.span_ns)

    def row_key(self, row: RankRow) -> str:
        return str(row.rank)

    def mark(self, ranks: frozenset[int]) -> None:
        """Show which ranks are charted."""
        if ranks != self.selected_ranks:
            flipped = ranks ^ self.selected_ranks
            self.selected_ranks = ranks
            self.refresh_rows(lambda row: row.rank in flipped)

    def action_focus_rank(self) -> None:
        """Chart only the highlighted rank."""
        row = self.selected()
        if row is not None:
            self.post_message(self.RankChosen(row.rank))

    def action_rank_details(self) -> None:
        """Show everything about the rank under the cursor."""
        row = self.selected()
        if row is not None:
            self.post_message(self.DetailsWanted(row.rank))

    def action_toggle_rank(self) -> None:
        """Add the highlighted rank to the charted list, or take it out."""
        row = self.selected()
        if row is not None:
            self.post_message(self.RankToggled(row.rank))
