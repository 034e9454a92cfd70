"""Telemetry text as a Rich ``Text`` for table cells and headers: shown exactly as written.

The escaping itself is :func:`~stormlog_tui.view.safe_text.safe_text`, the one rule the app
and ``--summary`` share; this module only wraps its result in a ``Text`` (never markup).
"""

from __future__ import annotations

from rich.text import Text

from stormlog_tui.view.safe_text import safe_text


def literal(value: object, style: str = "") -> Text:
    """``value`` as a one-line ``Text``: never markup, and control characters (ESC,
    newline, ...) made visible as ``\\x1b`` so no record can move the cursor or restyle the
    terminal."""
    return Text(safe_text(value), style=style, no_wrap=True, overflow="ellipsis")
