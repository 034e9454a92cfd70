"""PhaseTable: one row per phase path: runs, durations, peak inside, median change, and the
rank where it grows most; enter zooms the chart on the phase's worst run."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from stormlog_tui.view.formats import bytes_or_dash, duration_or_dash, signed_bytes_or_dash
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rows.phases import PhaseRow
from stormlog_tui.widgets.sortable_table import Column, SortableTable, none_last


def _right(text: str, style: str = "") -> Text:
    return Text(text, justify="right", style=style)


def _change(value: int | None) -> Text:
    style = "bold red" if value is not None and value > 0 else ""
    return _right(signed_bytes_or_dash(value), style)


COLUMNS: list[Column[PhaseRow]] = [
    Column("Phase", lambda r: literal(r.path), lambda r: r.path, cuttable=True),
    Column("Runs", lambda r: _right(f"{r.count:,}"), lambda r: r.count),
    Column("Total", lambda r: _right(duration_or_dash(r.total_ns)), lambda r: r.total_ns),
    Column("Median", lambda r: _right(duration_or_dash(r.median_ns)), lambda r: r.median_ns),
    Column(
        "Peak alloc",
        lambda r: _right(bytes_or_dash(r.peak_allocated)),
        lambda r: none_last(r.peak_allocated),
    ),
    Column("Median Δ", lambda r: _change(r.median_change), lambda r: none_last(r.median_change)),
    Column(
        "Worst rank (Δ)",
        lambda r: _right(r.worst_label, "bold" if r.worst_rank is not None else "dim"),
        lambda r: none_last(r.worst_rank_change),
    ),
    Column(
        "Open",
        lambda r: _right(f"{r.open_count:,}" if r.open_count else "", "yellow"),
        lambda r: r.open_count,
    ),
]
#: The column the table starts sorted by (largest peak first).
PEAK_COLUMN = 4


class PhaseTable(SortableTable[PhaseRow]):
    """The phases of the charted ranks; enter zooms the chart on a phase's worst run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Zoom on worst run"),
    ]

    class PhaseChosen(Message):
        """Zoom the chart on ``row``'s worst run and shade its runs."""

        def __init__(self, row: PhaseRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id, sort_column=PEAK_COLUMN, reverse=True)

    def row_key(self, row: PhaseRow) -> str:
        return row.path

    def action_choose(self) -> None:
        """Zoom the chart on the highlighted phase's worst run."""
        row = self.selected()
        if row is not None:
            self.post_message(self.PhaseChosen(row))
