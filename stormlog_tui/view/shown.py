"""What the app shows: a dataset, how it is kept up to date, and when it was last updated.

The app sets one of these (a reactive) for every load and live update; the screens watch it
and compute their rows from it in thread workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stormlog_core.browse import Dataset


@dataclass(frozen=True, eq=False)
class Shown:
    """``dataset`` as of ``at``; ``mode`` is the status line's word for it (``loaded``,
    ``● live (watching), last data``...). Compared by identity: every update is new."""

    dataset: Dataset
    mode: str
    at: datetime
