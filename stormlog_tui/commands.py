"""StormlogCommands: the command palette (ctrl+p) offers every key of the screen it was
opened on, once, from the same bindings as the help (``described_bindings``): the
palette, the help and the footer cannot disagree, and a rebound key shows as rebound."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from stormlog_tui.screens.help_screen import HasHelp, described_bindings, key_display


class StormlogCommands(Provider):
    """Every described binding of the app and of the screen the palette was opened on."""

    def sections(self) -> list[tuple[str, type]]:
        """Where the keys come from: the app, then the screen's own sections."""
        screen = self.screen
        own = screen.help_sections() if isinstance(screen, HasHelp) else []
        return [("Everywhere", type(self.app)), *own]

    def _node(self, owner: type) -> DOMNode | None:
        if isinstance(self.app, owner):
            return self.app
        if isinstance(self.screen, owner):
            return self.screen
        widgets: list[DOMNode] = list(self.screen.query(owner))  # a widget of the screen
        return widgets[0] if widgets else None

    def _available(self) -> list[tuple[str, str, Callable[[], Any]]]:
        """Once each: a description offered already, or a widget's action that the screen
        or the app offers already (the focused chart's pan and zoom), is left out."""
        found: list[tuple[str, str, Callable[[], Any]]] = []
        names: set[str] = set()
        actions: set[str] = set()  # the screen's and the app's, without their arguments
        for title, owner, binding in described_bindings(self.sections()):
            node = self._node(owner)
            action = binding.action.partition("(")[0]
            widget = node is not None and node is not self.app and node is not self.screen
            if node is None or binding.description in names or (widget and action in actions):
                continue
            names.add(binding.description)
            if not widget:
                actions.add(action)
            keys = key_display(self.app, binding)
            run = partial(_run, self.app, binding, node)
            found.append((binding.description, f"{title} · {keys}", run))
        return found

    async def discover(self) -> Hits:
        for name, help_text, run in self._available():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._available():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, text=name, help=help_text)


async def _run(app: App[Any], binding: Binding, node: DOMNode) -> None:
    await app.run_action(binding.action, node)
