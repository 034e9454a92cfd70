"""SessionsTable: one row per session (status, host, job, rank, events, start, ...)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from stormlog_tui.formatting import format_bytes, format_duration, format_start, literal
from stormlog_tui.session_rows import SessionRow

# The most telling columns first, so an 80-column terminal shows them without scrolling.
COLUMNS = ("Status", "Rank", "Host", "Peak alloc", "Events", "Duration", "Start", "Job")
STATUS_STYLES = {
    "completed": "green",
    "running": "bold cyan",
    "interrupted": "bold red",
    "incomplete": "yellow",
}


def _rank_cell(row: SessionRow) -> Text:
    if row.rank is None:
        return Text("-", justify="right")
    world = row.world_size if row.world_size is not None else "?"
    return Text(f"{row.rank}/{world}", justify="right")


def row_cells(row: SessionRow) -> tuple[Text, ...]:
    """The cells of ``row``: telemetry text is wrapped in ``Text`` so it is never markup."""
    return (
        Text(row.status, style=STATUS_STYLES.get(row.status, "")),
        _rank_cell(row),
        literal(row.host),
        Text(format_bytes(row.peak_allocated_bytes), justify="right"),
        Text(f"{row.event_count:,}", justify="right"),
        Text(format_duration(row.duration_ns), justify="right"),
        Text(format_start(row.started_at_ns)),
        literal(row.job_id or "-"),
    )


class SessionsTable(DataTable[Text]):
    """The sessions found under the app's paths; the cursor stays on its session on reload."""

    DEFAULT_CSS = """
    SessionsTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.rows_by_key: dict[str, SessionRow] = {}

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, rows: list[SessionRow]) -> None:
        """Replace the table's rows with ``rows``, keeping the cursor on the same session."""
        selected = self._selected_key()
        self.clear()
        self.rows_by_key = {row.key: row for row in rows}
        for row in rows:
            self.add_row(*row_cells(row), key=row.key)
        if selected in self.rows_by_key:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def _selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value
