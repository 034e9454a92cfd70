"""StatusLine: one line saying what was loaded, when, and what went wrong."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from stormlog_core.browse import Dataset
from stormlog_tui.view.literal import literal


def status_text(dataset: Dataset, *, mode: str, at: datetime) -> Text:
    """``8 sessions from 8 sources · updated 10:42:01 · 3 warnings`` plus the first error."""
    text = Text(no_wrap=True, overflow="ellipsis")
    sessions = len(dataset.sessions)
    sources = len(dataset.targets)
    text.append(f"{sessions} session{'' if sessions == 1 else 's'} ")
    text.append(f"from {sources} source{'' if sources == 1 else 's'}")
    text.append(f" · {mode} {at:%H:%M:%S}", style="dim")
    count = len(dataset.warnings)
    if count:
        text.append(f" · {count} warning{'' if count == 1 else 's'}", style="yellow")
    errors = [w for w in dataset.warnings if w.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        text.append("  ")
        where = first.location() or "load"
        text.append_text(literal(f"⚠ {where}: {first.message}{more}", style="bold yellow"))
    return text


class StatusLine(Static):
    """The line above the footer: a summary of the last load."""

    def show(self, dataset: Dataset, *, mode: str, at: datetime) -> None:
        """Show the summary of ``dataset``."""
        self.update(status_text(dataset, mode=mode, at=at))
