"""StatusLine: one line saying what was loaded, when, and what went wrong."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from rich.text import Text
from textual.widgets import Static

from stormlog_core.browse import Dataset, format_bytes
from stormlog_tui.remote.names import shown_text
from stormlog_tui.view.literal import literal
from stormlog_tui.view.shown import Shown


class Filtered(NamedTuple):
    """The sessions a filter lets through: its ``text``, and how many it ``shows``."""

    text: str
    shows: int


def status_text(
    dataset: Dataset,
    *,
    mode: str,
    at: datetime,
    hosts: Sequence[str] = (),
    filtered: Filtered | None = None,
) -> Text:
    """``8 sessions from 8 sources · updated 10:42:01 · 3 warnings`` plus the first error;
    with a filter, ``filter "rank-3": 1 of 8 sessions from 8 sources (escape clears)``."""
    text = Text(no_wrap=True, overflow="ellipsis")
    sessions = len(dataset.sessions)
    sources = len(dataset.targets)
    if filtered is not None:
        text.append("filter ", style="bold")
        text.append_text(literal(f'"{filtered.text}"', style="bold"))
        text.append(f": {filtered.shows} of ", style="bold")
    text.append(f"{sessions} session{'' if sessions == 1 else 's'} ")
    text.append(f"from {sources} source{'' if sources == 1 else 's'}")
    if filtered is not None:
        text.append(" (escape clears)", style="dim")
    text.append(f" · {mode} {at:%H:%M:%S}", style="dim")
    for host in hosts:  # remote hosts: node-17: connected, 64 hosts: 63 connected · node-47...
        ok = host.endswith("connected")
        text.append(" · ")
        text.append_text(literal(host, style="green" if ok else "bold red"))
    count = len(dataset.warnings)
    if count:
        text.append(f" · {count} warning{'' if count == 1 else 's'}", style="yellow")
    errors = [w for w in dataset.warnings if w.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        text.append("  ")
        where = shown_text(first.location()) or "load"
        message = shown_text(first.message)
        text.append_text(literal(f"⚠ {where}: {message}{more}", style="bold yellow"))
    return text


class StatusLine(Static):
    """The line above the footer: a summary of the last load."""

    #: The remote hosts' status, in one text (none when every path is local).
    hosts: tuple[str, ...] = ()
    #: The filter of the sessions shown, if any.
    filtered: Filtered | None = None
    _shown: Shown | None = None
    #: How far the load is, while files are parsed (``loading 45% · 512.0 MiB of 1.1 GiB``).
    progress: str = ""

    def show(self, shown: Shown) -> None:
        """Show the summary of what the app shows."""
        self._shown = shown
        if not any(session.loading for session in shown.dataset.sessions):
            self.progress = ""
        self._redraw()

    def show_progress(self, done: int, total: int) -> None:
        """Say how many of the bytes to parse are parsed."""
        share = 100 * done // total if total else 100
        self.progress = f"loading {share}% · {format_bytes(done)} of {format_bytes(total)}"
        self._redraw()

    def show_hosts(self, hosts: Sequence[str]) -> None:
        """Show the remote hosts' status (kept for the following updates)."""
        self.hosts = tuple(hosts)
        self._redraw()

    def show_filter(self, text: str, shows: int) -> None:
        """Say that a filter (``text``; empty: none) shows ``shows`` of the sessions."""
        self.filtered = Filtered(text, shows) if text else None
        self._redraw()

    def _redraw(self) -> None:
        shown = self._shown
        if shown is None:
            self.update(literal(" · ".join([self.progress or "loading …", *self.hosts])))
            return
        text = status_text(
            shown.dataset, mode=shown.mode, at=shown.at, hosts=self.hosts, filtered=self.filtered
        )
        if self.progress:
            text.append(f" · {self.progress}", style="bold")
        self.update(text)
