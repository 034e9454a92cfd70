"""ChartLegend: which colour is which rank or metric, and what the marks mean."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from stormlog_core.browse import format_bytes
from stormlog_tui.view.chart_data import ChartData
from stormlog_tui.view.literal import literal
from stormlog_tui.view.palette import palette, rank_colour, rich_colour
from stormlog_tui.widgets.static_text import show_text

MARK_NAMES = {
    "alert": "alert",
    "oom": "OOM",
    "collector": "collector",
    "phase": "phase",
    "onset": "onset",
    "degraded": "degraded",
}
#: The legend's lines at most (the chart keeps the rest of the height).
LEGEND_LINES = 2
#: The legend's entry for the ``░`` under the x axis (not an event mark).
DEGRADED_KEY = "degraded"


def _item(key: str, key_style: str, words: str | Text) -> Text:
    item = Text(key + " " if key else "", style=key_style)
    item.append_text(words if isinstance(words, Text) else Text(words))
    return item


def limit_words(data: ChartData) -> str:
    """``total 24.0 GiB, headroom 984.0 MiB``: the device total, and the least headroom a
    charted rank had at its peak of device memory used."""
    words = "total" if data.limit_bytes is None else f"total {format_bytes(data.limit_bytes)}"
    if data.headroom_bytes is not None:
        words += f", headroom {format_bytes(data.headroom_bytes)}"
    return words


def legend_items(data: ChartData, dark: bool = True, compact: bool = False) -> list[Text]:
    """``━ rank 0``, ``━ rank 1`` ... ``─ device total 24.0 GiB, headroom 1.2 GiB at peak``,
    ``▲ alert``, ``◆ collector``, ``░ collector degraded``; the shaded phase first when one
    is chosen. ``compact``: ranks as ``ranks ━ 0 ━ 1`` ..., for a narrow terminal (the marks
    and the total then fit too)."""
    items = []
    colours = palette(dark)
    if data.shaded or data.strong:  # first: the user just chose it
        weak, strong = colours.shades
        swatch = Text(" ", style=f"on {rich_colour(weak)}")
        swatch.append(" ", style=f"on {rich_colour(strong)}")
        swatch.append(" ")
        swatch.append_text(literal(data.shade_label))
        items.append(swatch)
    if data.mode == "band":
        items.append(
            _item("▒", rich_colour(colours.band), f"min–median–max of {data.ranks_shown} ranks")
        )
    for line in data.lines:
        if line.role == "band":
            continue
        if line.role == "metric":
            colour = colours.metrics.get(line.label, colours.band)
        else:
            colour = rank_colour(line.rank or 0, dark)
        label = line.label
        if compact and line.role == "rank":
            if not any(item.plain == "ranks" for item in items):
                items.append(Text("ranks"))
            label = str(line.rank)
        items.append(_item("━", rich_colour(colour), label))
    if data.limit is not None:
        items.append(_item("─", rich_colour(colours.limit), limit_words(data)))
    kinds = list(data.marks)
    if data.degraded:  # beside the collector's mark, whose stretches it shows
        at = kinds.index("collector") + 1 if "collector" in kinds else len(kinds)
        kinds.insert(at, DEGRADED_KEY)
    for kind in kinds:
        marker, colour = colours.marks.get(kind, ("·", colours.band))
        items.append(_item(marker, rich_colour(colour), MARK_NAMES.get(kind, kind)))
    return items


def wrap_items(items: list[Text], width: int, max_lines: int = LEGEND_LINES) -> Text:
    """The items two spaces apart on lines of ``width``, never broken inside an item: each
    goes on the first line with room for it (a short mark fills the end of the ranks'
    line); past ``max_lines``, the last line ends with ``…``."""
    lines: list[Text] = []
    for item in items:
        line = next((x for x in lines if x.cell_len + 2 + item.cell_len <= width), None)
        if line is not None:
            line.append("  ")
            line.append_text(item)
        else:
            lines.append(item.copy())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1].append(" …")
    for line in lines:
        line.truncate(max(width, 1), overflow="ellipsis")
    return Text("\n").join(lines)


class ChartLegend(Static):
    """The legend under the chart, wrapped between its items to the widget's width."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._data: ChartData | None = None

    def show(self, data: ChartData) -> None:
        """Describe ``data``."""
        self._data = data
        self._wrap()

    def on_resize(self) -> None:
        self._wrap()

    def _wrap(self) -> None:
        if self._data is None:
            return
        dark = self.app.current_theme.dark
        width = self.content_size.width or self.app.size.width - 2
        text = wrap_items(legend_items(self._data, dark), width)
        if text.plain.endswith(" …"):  # cut: the ranks' names take less room this way
            text = wrap_items(legend_items(self._data, dark, compact=True), width)
        show_text(self, text)
