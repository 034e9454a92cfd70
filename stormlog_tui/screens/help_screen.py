"""HelpScreen: every key of the app, by where it works (built from the bindings)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from stormlog_tui.config import Settings

HELP_TITLE = "stormlog-tui keys (? or escape closes)"


def _bindings(owner: type) -> list[Binding]:
    found = []
    for item in owner.__dict__.get("BINDINGS", []):
        if isinstance(item, Binding):
            found.append(item)
        else:
            found.append(Binding(*item))
    return found


@runtime_checkable
class HasHelp(Protocol):
    """A screen that says where its keys come from (the help lists their bindings)."""

    def help_sections(self) -> list[tuple[str, type]]:
        """``(section title, class whose BINDINGS it lists)``, in order."""
        ...


def described_bindings(sections: list[tuple[str, type]]) -> list[tuple[str, type, Binding]]:
    """``(section, owner, binding)`` for every described binding of every section, once
    per description in a section: what the help lists and the command palette offers."""
    found = []
    for title, owner in sections:
        seen: set[str] = set()
        for binding in _bindings(owner):
            if binding.description in seen or not binding.description:
                continue
            seen.add(binding.description)
            found.append((title, owner, binding))
    return found


def help_rows(
    sections: list[tuple[str, type]], key_display: Callable[[Binding], str]
) -> list[tuple[str, str, str]]:
    """``(section, keys, description)`` for every described binding of every section."""
    return [
        (title, key_display(binding), binding.description)
        for title, _, binding in described_bindings(sections)
    ]


def key_display(app: App[Any], binding: Binding) -> str:
    """The keys of ``binding`` as the user has them (a config file may rebind them)."""
    settings = getattr(app, "settings", None)
    rebound = settings.keys if isinstance(settings, Settings) else {}
    key = rebound.get(binding.id, binding.key) if binding.id else binding.key
    keys = [part.strip() for part in key.split(",")]
    shown = [app.get_key_display(Binding(key, "", key_display=binding.key_display)) for key in keys]
    return " / ".join(dict.fromkeys(shown))


def help_table(rows: list[tuple[str, str, str]]) -> Table:
    """A two-column table: key, what it does; a heading per section."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    section = None
    for title, keys, description in rows:
        if title != section:
            if section is not None:
                table.add_row("", "")
            table.add_row(Text(title, style="bold underline"), "")
            section = title
        table.add_row(keys, description)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys; the sections come from the classes' BINDINGS, so it stays true."""

    CSS_PATH = "help_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close help"),
    ]

    def __init__(self, sections: list[tuple[str, type]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        self.rows = help_rows(self.sections, partial(key_display, self.app))
        with VerticalScroll() as scroll:
            scroll.border_title = HELP_TITLE
            yield Static(help_table(self.rows), id="help-table")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
