"""JobsScreen: every distributed job; enter opens the job's ranks (a DetailScreen)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from stormlog_core.browse import Dataset
from stormlog_tui.job_rows import job_rows
from stormlog_tui.widgets.jobs_table import JobsTable
from stormlog_tui.widgets.sortable_table import SortableTable


class JobsScreen(Screen[None]):
    """The jobs list."""

    DEFAULT_CSS = """
    JobsScreen #jobs { height: 1fr; }
    JobsScreen #jobs-hint { height: 1; padding: 0 1; background: $boost; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, dataset: Dataset) -> None:
        super().__init__()
        self.dataset = dataset

    def compose(self) -> ComposeResult:
        yield Header()
        yield JobsTable(id="jobs")
        yield Static(id="jobs-hint")
        yield Footer()

    def help_sections(self) -> list[tuple[str, type]]:
        """Where the keys of this screen come from, for the help."""
        return [("Jobs screen", JobsScreen), ("Jobs table", JobsTable), ("Tables", SortableTable)]

    def on_mount(self) -> None:
        self.show_dataset(self.dataset)
        self.query_one(JobsTable).focus()

    def show_dataset(self, dataset: Dataset, **_: object) -> None:
        """Show the jobs of ``dataset``."""
        self.dataset = dataset
        rows = job_rows(dataset)
        self.query_one(JobsTable).show(rows)
        alone = sum(1 for s in dataset.sessions if s.summary.job_id is None)
        hint = f"{len(rows)} job(s) · enter opens a job's ranks"
        if alone:
            hint += f" · {alone} session(s) without a job id are on the sessions screen"
        self.query_one("#jobs-hint", Static).update(hint)

    def action_back(self) -> None:
        """Back to the sessions."""
        self.app.pop_screen()
