"""show_text: put a text in a ``Static`` without laying the screen out again for nothing;
plain_title: a border title that shows telemetry text as it is."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from stormlog_tui.view.safe_text import safe_text


def show_text(static: Static, text: Text) -> None:
    """Show ``text`` in ``static``, unless it shows it already; and when its lines never
    wrap (``text-wrap: nowrap``), lay the screen out again only if the new text has more
    or fewer lines: a live update changes these texts, and each layout repainted the
    scroll bars of the tables too."""
    shown = static.content
    if shown == text:
        return
    same_height = (
        static.styles.text_wrap == "nowrap"
        and isinstance(shown, Text)
        and shown.plain.count("\n") == text.plain.count("\n")
    )
    static.update(text, layout=not same_height)


def plain_title(text: str) -> Content:
    """``text`` for a ``border_title``: a string there is read as markup, so a job id or a
    file name like ``exp[/b]`` would fail to parse, or ``[@click=app.quit]`` run an action;
    control characters are made visible."""
    return Content(safe_text(text))
