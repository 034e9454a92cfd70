"""Messages that carry results from workers (and the live follower) to the screens.

Loading and following post ``LoadProgress``, ``DatasetLoaded`` and ``DatasetUpdated`` to the
app; the screens' thread workers post what they computed from a dataset
(``SessionRowsReady``, ``JobStatsReady``, ``DetailReady``, ``PhasesReady``,
``EventsReady``, ``ChartReady``, ``RecordRead``) to their screen; exports end with
``ExportFinished``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.message import Message

from stormlog_core.browse import Dataset, RecordLine
from stormlog_tui.view.chart_data import ChartData, ChartView
from stormlog_tui.view.detail_group import DetailGroup
from stormlog_tui.view.rows.events import EventRow, EventRows
from stormlog_tui.view.rows.jobs import JobRow
from stormlog_tui.view.rows.phases import PhaseRow
from stormlog_tui.view.rows.ranks import RankRow
from stormlog_tui.view.rows.sessions import SessionRow
from stormlog_tui.view.shown import Shown
from stormlog_tui.widgets.memory_chart import PaintedCanvas
from stormlog_tui.widgets.sortable_table import Arranged


class LoadProgress(Message):
    """``done`` of ``total`` bytes are parsed."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class DatasetPlanned(Message):
    """The sessions the manifests list, before any file is parsed (each ``loading``)."""

    def __init__(self, dataset: Dataset) -> None:
        super().__init__()
        self.dataset = dataset


class DatasetLoaded(Message):
    """A load of every path finished."""

    def __init__(self, dataset: Dataset) -> None:
        super().__init__()
        self.dataset = dataset


class DatasetUpdated(Message):
    """New data arrived for a dataset already shown (live following); ``mode`` says how
    the app is following (``watching``, ``polling every 2s``...)."""

    def __init__(
        self, dataset: Dataset, mode: str = "following", at: datetime | None = None
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.mode = mode
        self.at = at


class HostsChanged(Message):
    """The status of a remote host changed: the hosts' status in one text (``node-17:
    connected``, ``64 hosts connected``...)."""

    def __init__(self, hosts: list[str]) -> None:
        super().__init__()
        self.hosts = hosts


class SessionRowsReady(Message):
    """The sessions table's rows of what the app shows were built."""

    def __init__(self, shown: Shown, rows: list[SessionRow]) -> None:
        super().__init__()
        self.shown = shown
        self.rows = rows


class JobStatsReady(Message):
    """The statistics of every job of what the app shows were computed: a row per job."""

    def __init__(self, shown: Shown, rows: list[JobRow]) -> None:
        super().__init__()
        self.shown = shown
        self.rows = rows


class DetailReady(Message):
    """A job (or session) was put together from ``shown``: its ranks' statistics and its
    events (``group`` is None when the dataset no longer holds it)."""

    def __init__(
        self, shown: Shown, group: DetailGroup | None, ranks: list[RankRow], events: EventRows
    ) -> None:
        super().__init__()
        self.shown = shown
        self.group = group
        self.ranks = ranks
        self.events = events


class PhasesReady(Message):
    """The phases table of ``group``'s ``ranks`` (None = every rank) was computed."""

    def __init__(
        self, group: DetailGroup, ranks: tuple[int, ...] | None, rows: list[PhaseRow]
    ) -> None:
        super().__init__()
        self.group = group
        self.ranks = ranks
        self.rows = rows


class EventsReady(Message):
    """The events of ``group``'s ``ranks`` (None = every rank) were filtered and sorted as
    the events view showed them when they were asked for."""

    def __init__(
        self, group: DetailGroup, ranks: tuple[int, ...] | None, arranged: Arranged[EventRow]
    ) -> None:
        super().__init__()
        self.group = group
        self.ranks = ranks
        self.arranged = arranged


class RecordRead(Message):
    """The record a warning (or an event) names was read back from its file: ``body`` is
    what the record view shows of it."""

    def __init__(self, record: RecordLine, body: Text) -> None:
        super().__init__()
        self.record = record
        self.body = body


class ChartReady(Message):
    """The chart of ``group`` for ``view`` was prepared: its data, the canvas plotext
    drew from it (with its ``title``), and that canvas painted into the widget's lines."""

    def __init__(
        self,
        group: DetailGroup,
        view: ChartView,
        data: ChartData,
        title: str,
        canvas: Text,
        painted: PaintedCanvas | None = None,
    ) -> None:
        super().__init__()
        self.group = group
        self.view = view
        self.data = data
        self.title = title
        self.canvas = canvas
        self.painted = painted


class ExportFinished(Message):
    """An export wrote ``count`` records to ``path`` (or failed with ``error``)."""

    def __init__(self, path: Path | None, count: int = 0, error: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.count = count
        self.error = error
