"""DivergenceLine: the line per diverging rank above the chart; a click opens the first
diverging rank's details (every reason in full), as ``i`` does on the rank table."""

from __future__ import annotations

from textual import events
from textual.widgets import Static

from stormlog_tui.widgets.rank_table import RankTable


class DivergenceLine(Static):
    """Why ranks diverge, one line each (cut at the width: the details have it all)."""

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(RankTable.DetailsWanted(None))
