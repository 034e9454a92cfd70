"""JobsTable: one row per job: ranks present/missing, outliers, statuses, peak, warnings."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from stormlog_tui.view.formats import bytes_or_dash
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rank_lists import ranks_label
from stormlog_tui.view.rows.jobs import JobRow
from stormlog_tui.widgets.sessions_table import STATUS_STYLES
from stormlog_tui.widgets.sortable_table import Column, SortableTable, none_last


def _ranks(row: JobRow) -> Text:
    world = row.world_size if row.world_size is not None else "?"
    return Text(f"{row.ranks_present}/{world}", justify="right")


def _missing(row: JobRow) -> Text:
    if not row.ranks_missing:
        return Text("-", style="dim")
    return Text(ranks_label(row.ranks_missing), style="bold red")


def _outliers(row: JobRow) -> Text:
    if not row.outliers:
        return Text("-", style="dim")
    return Text(ranks_label(row.outliers), style="bold red")


def _statuses(row: JobRow) -> Text:
    text = Text()
    for status, count in sorted(row.statuses.items()):
        text.append(f"{count} {status} ", style=STATUS_STYLES.get(status, ""))
    return text


COLUMNS: list[Column[JobRow]] = [
    Column("Job", lambda r: literal(r.job_id), lambda r: r.job_id, cuttable=True),
    Column("Ranks", _ranks, lambda r: r.ranks_present),
    Column("Missing", _missing, lambda r: -len(r.ranks_missing)),
    Column("Outliers", _outliers, lambda r: -len(r.outliers)),
    Column("Status", _statuses, lambda r: sorted(r.statuses)),
    Column(
        "Peak alloc",
        lambda r: Text(bytes_or_dash(r.peak_allocated)),
        lambda r: none_last(r.peak_allocated),
    ),
    Column("Warn", lambda r: Text(str(r.warnings), justify="right"), lambda r: -r.warnings),
    Column(
        "Why", lambda r: literal("; ".join(r.reasons), "red"), lambda r: r.reasons, cuttable=True
    ),
]


class JobsTable(SortableTable[JobRow]):
    """Jobs; enter opens a job's ranks."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "open", "Open job")]

    class JobChosen(Message):
        """Open the job with group key ``key``."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)

    def row_key(self, row: JobRow) -> str:
        return row.key

    def action_open(self) -> None:
        """Open the highlighted job."""
        row = self.selected()
        if row is not None:
            self.post_message(self.JobChosen(row.key))
