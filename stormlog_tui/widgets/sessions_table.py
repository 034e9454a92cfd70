"""SessionsTable: one row per session: status, host, job, rank, events, start, ..."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from stormlog_tui.view.formats import bytes_or_dash, duration_or_dash, format_start
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rows.sessions import OOM_STATUS, SessionRow
from stormlog_tui.widgets.sortable_table import Column, SortableTable, biggest_first

STATUS_STYLES = {
    OOM_STATUS: "bold red reverse",
    "completed": "green",
    "running": "bold cyan",
    "stale": "bold magenta",
    "interrupted": "bold red",
    "incomplete": "yellow",
}
STATUS_ORDER = {
    OOM_STATUS: -1,
    "running": 0,
    "stale": 1,
    "interrupted": 2,
    "incomplete": 3,
    "completed": 4,
}
STATUS_MARKS = {
    OOM_STATUS: "✖",
    "completed": "✔",
    "running": "●",
    "stale": "◌",
    "interrupted": "✖",
    "incomplete": "…",
}


def status_cell(status: str) -> Text:
    """``● running`` in the status colour."""
    return Text(f"{STATUS_MARKS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, ""))


def _rank_cell(row: SessionRow) -> Text:
    if row.rank is None:
        return Text("-", justify="right")
    world = row.world_size if row.world_size is not None else "?"
    return Text(f"{row.rank}/{world}", justify="right")


def _right(text: str, style: str = "") -> Text:
    return Text(text, justify="right", style=style)


def _rank_key(row: SessionRow) -> tuple[str, int, int]:
    return (row.job_id or "", row.rank if row.rank is not None else -1, row.started_at_ns or 0)


# The most telling columns first, so an 80-column terminal shows them without scrolling; a
# narrow one hides Start, then Host, Events, Warn, Job and Duration (``drop``) before it
# cuts the ids (the job is in the job screen's title, and ``j`` lists the jobs).
COLUMNS: list[Column[SessionRow]] = [
    Column("Status", lambda r: status_cell(r.status), lambda r: STATUS_ORDER.get(r.status, 9)),
    Column("Rank", _rank_cell, _rank_key),
    Column("Host", lambda r: literal(r.host), lambda r: r.host, drop=2, cuttable=True),
    Column(
        "Peak alloc",
        lambda r: _right(bytes_or_dash(r.peak_allocated_bytes)),
        lambda r: biggest_first(r.peak_allocated_bytes),
    ),
    Column(
        "Warn",
        lambda r: _right(str(r.warning_count), "bold yellow" if r.warning_count else "dim"),
        lambda r: -r.warning_count,
        drop=4,
    ),
    Column("Events", lambda r: _right(f"{r.event_count:,}"), lambda r: -r.event_count, drop=3),
    Column(
        "Duration",
        lambda r: _right(duration_or_dash(r.duration_ns)),
        lambda r: biggest_first(r.duration_ns),
        drop=6,
    ),
    Column(
        "Start",
        lambda r: Text(format_start(r.started_at_ns)),
        lambda r: r.started_at_ns or 0,
        drop=1,
    ),
    Column(
        "Job",
        lambda r: literal(r.job_id or "-"),
        lambda r: r.job_id or "",
        drop=5,
        cuttable=True,
    ),
    Column("Session", lambda r: literal(r.session_id), lambda r: r.session_id, cuttable=True),
]


class SessionsTable(SortableTable[SessionRow]):
    """The sessions found under the app's paths; enter opens the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
    ]

    class SessionChosen(Message):
        """The user asked to open ``session_id`` (``cursor_first``: with the rank table's
        cursor on its rank, even when another rank diverges)."""

        def __init__(self, session_id: str, *, cursor_first: bool = False) -> None:
            super().__init__()
            self.session_id = session_id
            self.cursor_first = cursor_first

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id, sort_column=1)

    def row_key(self, row: SessionRow) -> str:
        return row.key

    def action_open(self) -> None:
        """Open the highlighted session."""
        row = self.selected()
        if row is not None:
            self.post_message(self.SessionChosen(row.session_id))
