"""Messages that carry results from workers (and the live follower) to the app."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.message import Message

from stormlog_core.browse import Dataset


class LoadProgress(Message):
    """``done`` of ``total`` files are parsed."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class DatasetLoaded(Message):
    """A load of every path finished."""

    def __init__(self, dataset: Dataset) -> None:
        super().__init__()
        self.dataset = dataset


class DatasetUpdated(Message):
    """New data arrived for a dataset already shown (live following); ``mode`` says how
    the app is following (``watching``, ``polling every 2s``...)."""

    def __init__(self, dataset: Dataset, mode: str = "following", at: datetime | None = None):
        super().__init__()
        self.dataset = dataset
        self.mode = mode
        self.at = at


class ExportFinished(Message):
    """An export wrote ``count`` records to ``path`` (or failed with ``error``)."""

    def __init__(self, path: Path | None, count: int = 0, error: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.count = count
        self.error = error
