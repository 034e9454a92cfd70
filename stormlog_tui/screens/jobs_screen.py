"""JobsScreen: every distributed job; enter opens the job's ranks (a DetailScreen)."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from stormlog_core.browse import counted
from stormlog_tui.messages import JobStatsReady
from stormlog_tui.screens.data_screen import DataScreen, worker_turn
from stormlog_tui.view.rows.jobs import job_rows
from stormlog_tui.widgets.jobs_table import JobsTable
from stormlog_tui.widgets.keys_footer import KeysFooter
from stormlog_tui.widgets.sortable_table import SortableTable


class JobsScreen(DataScreen):
    """The jobs list; the jobs' statistics are computed in a thread for every update."""

    CSS_PATH = "jobs_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield JobsTable(id="jobs")
        yield Static(id="jobs-hint")
        yield KeysFooter()

    def help_sections(self) -> list[tuple[str, type]]:
        """Where the keys of this screen come from, for the help."""
        return [("Jobs screen", JobsScreen), ("Jobs table", JobsTable), ("Tables", SortableTable)]

    def on_mount(self) -> None:
        self.query_one(JobsTable).focus()

    @work(thread=True, group="job-stats", description="compute the job statistics")
    def compute(self) -> None:
        """Compute every job's statistics (in a thread)."""
        shown = self.take_shown()
        with worker_turn():
            rows = job_rows(list(shown.dataset.sessions))
        self.post_message(JobStatsReady(shown, rows))

    def on_job_stats_ready(self, message: JobStatsReady) -> None:
        """Show the jobs of the dataset."""
        sessions = message.shown.dataset.sessions
        self.query_one(JobsTable).show(message.rows)
        alone = sum(1 for s in sessions if s.summary.job_id is None)
        hint = f"{counted(len(message.rows), 'job')} · enter opens a job's ranks"
        if alone:
            hint += f" · {counted(alone, 'session')} without a job id are on the sessions screen"
        self.query_one("#jobs-hint", Static).update(hint)
        self.computed()

    def action_back(self) -> None:
        """Back to the sessions."""
        self.app.pop_screen()
