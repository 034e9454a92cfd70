"""ChartLegend: which colour is which rank or metric, and what the marks mean."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from stormlog_tui.view.chart_data import ChartData
from stormlog_tui.view.literal import literal
from stormlog_tui.view.palette import (
    BAND_COLOUR,
    LIMIT_COLOUR,
    MARKS,
    METRIC_COLOURS,
    SHADES,
    rank_colour,
    rich_colour,
)
from stormlog_tui.widgets.static_text import show_text

MARK_NAMES = {
    "alert": "alert",
    "oom": "OOM",
    "collector": "collector",
    "phase": "phase",
    "onset": "divergence onset",
    "degraded": "collector degraded",
}
#: The legend's entry for the ``░`` under the x axis (not an event mark).
DEGRADED_KEY = "degraded"


def legend_text(data: ChartData, dark: bool = True) -> Text:
    """``━ rank 0  ━ rank 1 ... ─ device total  ▲ alert  ◆ collector  ░ degraded``, and
    the shaded phase when one is chosen."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if data.shaded or data.strong:  # first: the user just chose it
        weak, strong = SHADES["dark" if dark else "light"]
        text.append(" ", style=f"on {rich_colour(weak)}")
        text.append(" ", style=f"on {rich_colour(strong)}")
        text.append_text(literal(f" {data.shade_label}  "))
    if data.mode == "band":
        text.append("▒ min–median–max of ", style=rich_colour(BAND_COLOUR))
        text.append(f"{data.ranks_shown} ranks  ")
    for line in data.lines:
        if line.role == "band":
            continue
        if line.role == "metric":
            colour = METRIC_COLOURS.get(line.label, BAND_COLOUR)
        else:
            colour = rank_colour(line.rank or 0)
        text.append("━ ", style=rich_colour(colour))
        text.append(f"{line.label}  ")
    if data.limit is not None:
        text.append("─ ", style=rich_colour(LIMIT_COLOUR))
        text.append("device total  ")
    kinds = list(data.marks)
    if data.degraded:  # beside the collector's mark, whose stretches it shows
        at = kinds.index("collector") + 1 if "collector" in kinds else len(kinds)
        kinds.insert(at, DEGRADED_KEY)
    for kind in kinds:
        marker, colour = MARKS.get(kind, ("·", BAND_COLOUR))
        text.append(f"{marker} ", style=rich_colour(colour))
        text.append(f"{MARK_NAMES.get(kind, kind)}  ")
    return text


class ChartLegend(Static):
    """One or two lines under the chart."""

    def show(self, data: ChartData) -> None:
        """Describe ``data``."""
        show_text(self, legend_text(data, self.app.current_theme.dark))
