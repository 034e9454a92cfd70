"""SessionsScreen: the first screen: every session, the load warnings and the status."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, ProgressBar

from stormlog_core.browse import Dataset, SessionData
from stormlog_tui.export import try_export
from stormlog_tui.messages import ExportFinished, SessionRowsReady
from stormlog_tui.screens.data_screen import DataScreen, worker_turn
from stormlog_tui.screens.record_screen import RecordScreen
from stormlog_tui.view.detail_group import make_group
from stormlog_tui.view.record_view import RecordSource, warning_source
from stormlog_tui.view.rows.sessions import session_rows
from stormlog_tui.widgets import FilterBar, SessionsTable, StatusLine, WarningsPanel
from stormlog_tui.widgets.keys_footer import KeysFooter
from stormlog_tui.widgets.sortable_table import SortableTable


class SessionsScreen(DataScreen):
    """Sessions above, warnings below; ``/`` filters sessions (the status line says the
    filter), enter opens one."""

    CSS_PATH = "sessions_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("w", "focus_warnings", "Warnings", show=False, id="warnings"),
        Binding("x", "export('csv')", "Export CSV", show=False, id="export_csv"),
        Binding("X", "export('jsonl')", "Export JSONL", show=False, id="export_jsonl"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.dataset: Dataset | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar("filter sessions: host, job, status, rank…", id="session-filter")
        yield ProgressBar(id="progress", show_eta=False)
        yield SessionsTable(id="sessions")
        panel = WarningsPanel(id="warnings")
        panel.display = False  # until warnings arrive
        yield panel
        yield StatusLine("loading …", id="status")
        yield KeysFooter()

    def help_sections(self) -> list[tuple[str, type]]:
        """Where the keys of this screen come from, for the help."""
        return [
            ("Sessions screen", SessionsScreen),
            ("Sessions table", SessionsTable),
            ("Warnings panel", WarningsPanel),
            ("Tables", SortableTable),
            ("Filter bar", FilterBar),
        ]

    def on_mount(self) -> None:
        self.query_one(SessionsTable).focus()

    def show_progress(self, done: int, total: int) -> None:
        """Advance the loading bar (``done`` of ``total`` bytes parsed)."""
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=max(total, 1), progress=done)
        self.query_one(StatusLine).show_progress(done, total)

    # ------------------------------------------------------------------ data in

    @work(thread=True, group="session-rows", description="build the session rows")
    def compute(self) -> None:
        """Build the rows of every session (in a thread)."""
        shown = self.take_shown()
        with worker_turn():
            rows = session_rows(list(shown.dataset.sessions))
        self.post_message(SessionRowsReady(shown, rows))

    def on_session_rows_ready(self, message: SessionRowsReady) -> None:
        shown = message.shown
        self.dataset = shown.dataset
        loading = any(session.loading for session in shown.dataset.sessions)
        self.query_one(ProgressBar).display = loading  # the manifests' sessions, files unread
        self.query_one(SessionsTable).show(message.rows)
        panel = self.query_one(WarningsPanel)
        panel.show(shown.dataset.warnings)
        panel.display = bool(shown.dataset.warnings)
        self.show_status(shown)
        self._say_filter()
        self.computed()

    # ------------------------------------------------------------------ actions

    def action_filter(self) -> None:
        """Show the filter bar."""
        self.query_one(FilterBar).open()

    def action_clear_filter(self) -> None:
        """Clear the filter."""
        self.query_one(FilterBar).action_clear_filter()

    def action_focus_warnings(self) -> None:
        """Move to the warnings panel."""
        panel = self.query_one(WarningsPanel)
        if panel.display:
            panel.focus()

    def on_filter_bar_filter_changed(self, event: FilterBar.FilterChanged) -> None:
        """Filter as the user types; enter closes the bar (the status line keeps saying
        the filter), escape clears it."""
        table = self.query_one(SessionsTable)
        table.set_filter(event.text)
        self._say_filter()
        if event.done:
            event.bar.display = False
            table.focus()

    def _say_filter(self) -> None:
        """The status line says the filter and how many sessions it shows: the list is
        shorter for a reason the user can read once the bar is closed."""
        table = self.query_one(SessionsTable)
        self.query_one(StatusLine).show_filter(table.filter_text, table.row_count)

    def on_warnings_panel_warning_chosen(self, event: WarningsPanel.WarningChosen) -> None:
        """Show the warning's record; from there, ``enter`` opens its session's job."""
        event.stop()
        sessions = self.dataset.sessions if self.dataset is not None else []
        source = warning_source(event.warning, sessions)
        self.app.push_screen(RecordScreen(source), self._open_source)

    def _open_source(self, source: RecordSource | None) -> None:
        if source is None or source.session_id is None:
            return
        table = self.query_one(SessionsTable)
        if not table.select_key(source.session_id):
            self.action_clear_filter()
            table.select_key(source.session_id)
        table.focus()
        self.post_message(SessionsTable.SessionChosen(source.session_id, cursor_first=True))

    def action_export(self, fmt: str) -> None:
        """Export the highlighted session (every record) to a file in the cwd."""
        row = self.query_one(SessionsTable).selected()
        session = self.dataset.session(row.session_id) if row and self.dataset else None
        if session is not None:
            self._export(session, fmt)

    @work(thread=True, group="export", description="export a session")
    def _export(self, session: SessionData, fmt: str) -> None:
        key = f"session:{session.session_id}"
        group = make_group(key, f"session {session.session_id}", [session])
        path, count, error = try_export(group, None, group.origin_ns, group.end_ns, Path.cwd(), fmt)
        self.post_message(ExportFinished(path, count, error))
