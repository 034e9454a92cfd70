"""Messages that carry results from workers to the app (events, named as such)."""

from __future__ import annotations

from textual.message import Message

from stormlog_tui.session_rows import LoadResult


class SessionsLoaded(Message):
    """A load of every path finished: the session rows and the problems met on the way."""

    def __init__(self, result: LoadResult) -> None:
        super().__init__()
        self.result = result
