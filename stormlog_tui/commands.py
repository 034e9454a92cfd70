"""StormlogCommands: the app's commands in Textual's command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: (name, help, action, screen class names where it applies; empty = everywhere)
COMMANDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Help: show every key", "The list of keys", "app.help", ()),
    ("Jobs: open the jobs view", "Jobs, their ranks, outliers and missing ranks", "app.jobs", ()),
    (
        "Theme: toggle dark/light",
        "Switch between the dark and the light theme",
        "app.toggle_theme",
        (),
    ),
    ("Screenshot: save the screen as SVG", "Written to the current directory", "app.save_svg", ()),
    ("Reload: read every path again", "Load the files again from disk", "app.reload", ()),
    ("Sessions: filter", "Type to filter the sessions", "screen.filter", ("SessionsScreen",)),
    (
        "Sessions: export highlighted session to CSV",
        "",
        "screen.export('csv')",
        ("SessionsScreen",),
    ),
    (
        "Sessions: export highlighted session to JSONL",
        "",
        "screen.export('jsonl')",
        ("SessionsScreen",),
    ),
    (
        "Chart: next metric",
        "allocated, reserved, device used",
        "screen.next_metric",
        ("DetailScreen",),
    ),
    ("Chart: toggle elapsed time / wall clock", "", "screen.toggle_clock", ("DetailScreen",)),
    ("Chart: zoom in", "", "screen.zoom(0.5)", ("DetailScreen",)),
    ("Chart: zoom out", "", "screen.zoom(2.0)", ("DetailScreen",)),
    (
        "Chart: reset zoom",
        "Show the whole time range, no phase shaded",
        "screen.reset_zoom",
        ("DetailScreen",),
    ),
    ("Ranks: chart all ranks", "", "screen.all_ranks", ("DetailScreen",)),
    ("Ranks: chart a list of ranks…", "e.g. 0,3,5-7", "screen.ask_ranks", ("DetailScreen",)),
    ("Events: filter by text", "", "screen.filter_events", ("DetailScreen",)),
    (
        "Phases: show the phases table",
        "Runs, durations, peak and growth per phase; enter zooms on the worst run",
        "screen.show_phases",
        ("DetailScreen",),
    ),
    ("Export: charted ranks and window to CSV", "", "screen.export('csv')", ("DetailScreen",)),
    ("Export: charted ranks and window to JSONL", "", "screen.export('jsonl')", ("DetailScreen",)),
)


class StormlogCommands(Provider):
    """Offers the commands that apply to the screen the palette was opened on."""

    def _available(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen_name = type(self.screen).__name__
        found: list[tuple[str, str, Callable[[], Any]]] = []
        for name, help_text, action, screens in COMMANDS:
            if screens and screen_name not in screens:
                continue
            found.append((name, help_text, partial(self.app.run_action, action, self.screen)))
        return found

    async def discover(self) -> Hits:
        for name, help_text, run in self._available():
            yield DiscoveryHit(name, run, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._available():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text or None)
