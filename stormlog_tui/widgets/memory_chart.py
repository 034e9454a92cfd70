"""MemoryChart: memory against time by rank (plotext), from prepared ``ChartData``.

plotext draws slowly (about 5 us per point, and more for a big canvas), so the widget does
not draw on the event loop: the screen's chart worker calls :func:`plot_canvas` and the
widget shows the resulting ``Text``. Turning that ``Text`` into the widget's lines takes
Textual 10-15 ms for a big chart, at every repaint: the worker does that too
(:func:`paint_canvas`, for the :class:`CanvasLook` the widget had when the chart was asked
for), and the widget paints those lines as they are while it still looks the same (else
Textual draws the ``Text`` itself, the same way).
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from plotext._dict import themes as _PLOTEXT_THEMES  # what textual-plotext registers
from rich.console import Console
from rich.style import Style as RichStyle
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from stormlog_tui.view.chart_data import ONSET, ChartData, ChartLine
from stormlog_tui.view.palette import Palette, palette, rank_colour
from stormlog_tui.view.ticks import memory_ticks
from stormlog_tui.widgets.chart_overlay import overlay
from stormlog_tui.widgets.plotext_cells import install as _group_cells_with_numpy

_group_cells_with_numpy()  # the same output, without 0.3 s of Python per redraw

#: Columns plotext uses for the y axis labels and the frame.
AXIS_COLUMNS = 9
#: Rows of the canvas that are not the plot: the title, the frame's two lines, the x ticks.
PLOT_FRAME_ROWS = 4
#: The CSS rules Textual's drawing of a text reads, with their defaults.
TEXT_RULES: tuple[tuple[str, object], ...] = (
    ("text_align", "left"),
    ("text_overflow", "fold"),
    ("text_wrap", "wrap"),
    ("line_pad", 0),
)


class CanvasLook(NamedTuple):
    """What Textual's drawing of a text depends on besides the text: the widget's width,
    its style, its text rules and how it aligns its content (not its height: a widget
    shows as many lines of the drawing as it is high, and blank lines below)."""

    width: int
    style: Style
    rules: tuple[object, ...]
    align: tuple[str, str]


class PaintedCanvas(NamedTuple):
    """A canvas drawn into lines for a widget that looks like ``look``."""

    look: CanvasLook
    strips: list[Strip]


def paint_canvas(canvas: Text, look: CanvasLook, console: Console) -> PaintedCanvas | None:
    """The lines Textual draws of ``canvas`` in a widget that looks like ``look`` (what
    ``Widget.render_line`` gives for a widget whose ``render`` returns ``canvas``); None
    when the widget aligns its content (left to Textual). Call it in a thread worker."""
    if look.align != ("left", "top"):
        return None
    rules: RulesMap = dict(zip((name for name, _ in TEXT_RULES), look.rules, strict=True))  # type: ignore[assignment]
    options = RenderOptions(_style_of, rules)
    content = Content.from_rich_text(canvas, console=console)
    return PaintedCanvas(look, content.render_strips(look.width, None, look.style, options))


def _cells(strip: Strip) -> list[tuple[str, RichStyle | None]] | None:
    """Each cell of a line with its style; None when a character is not one cell wide."""
    cells = [(char, segment.style) for segment in strip for char in segment.text]
    return cells if len(cells) == strip.cell_length else None


def changed_regions(old: PaintedCanvas | None, new: PaintedCanvas | None) -> list[Region] | None:
    """The parts of the widget that differ between two drawings, one region per changed
    line from its first to its last changed cell; None when the whole widget must be
    drawn again (no drawing to compare, another look, another height, wide characters)."""
    if old is None or new is None or old.look != new.look or len(old.strips) != len(new.strips):
        return None
    regions = []
    for y, (before, after) in enumerate(zip(old.strips, new.strips, strict=True)):
        if before == after:
            continue
        cells_before, cells_after = _cells(before), _cells(after)
        if cells_before is None or cells_after is None or len(cells_before) != len(cells_after):
            regions.append(Region(0, y, new.look.width, 1))
            continue
        pairs = zip(cells_before, cells_after, strict=True)
        changed = [x for x, (a, b) in enumerate(pairs) if a != b]
        if changed:
            regions.append(Region(changed[0], y, changed[-1] - changed[0] + 1, 1))
    return regions


def _style_of(style: str | Style) -> Style:
    """The style of a span (those of a canvas are styles, never names)."""
    return style if isinstance(style, Style) else Style.parse(style)


class MemoryChart(PlotextPlot):
    """Draws ``data`` (set by the screen); asks the screen to zoom and pan."""

    can_focus = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "pan(-0.2)", "Pan left", show=False),
        Binding("right", "pan(0.2)", "Pan right", show=False),
        Binding("up", "zoom(0.5)", "Zoom in", show=False),
        Binding("down", "zoom(2.0)", "Zoom out", show=False),
    ]

    class ZoomRequested(Message):
        """Zoom the window by ``factor`` around ``anchor`` (0 = left edge, 1 = right)."""

        def __init__(self, factor: float, anchor: float = 0.5) -> None:
            super().__init__()
            self.factor = factor
            self.anchor = anchor

    class PanRequested(Message):
        """Move the window by ``fraction`` of its width."""

        def __init__(self, fraction: float) -> None:
            super().__init__()
            self.fraction = fraction

    class Resized(Message):
        """The plot area is now ``columns`` wide (the widget ``width`` x ``height``):
        prepare data and a canvas for it."""

        def __init__(self, columns: int, width: int, height: int) -> None:
            super().__init__()
            self.columns = columns
            self.width = width
            self.height = height

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: ChartData | None = None
        self.canvas = Text()
        self.painted: PaintedCanvas | None = None

    @property
    def columns(self) -> int:
        """The width of the plotting area, in cells."""
        return max(10, self.size.width - AXIS_COLUMNS)

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized(self.columns, self.size.width, self.size.height))

    def plot_theme(self) -> str:
        """The plotext theme that matches the app's theme (registered with plotext once
        per theme: registering repaints the whole chart, and a slow link pays for it)."""
        name = self._get_plotext_theme_name(self.app.theme)
        if name not in _PLOTEXT_THEMES:
            self._register_theme(self.app.theme)
        return name

    def look(self) -> CanvasLook:
        """How the widget looks now (what :func:`paint_canvas` needs to know)."""
        styles = self.styles
        rules = tuple(styles.get_rule(name, default) for name, default in TEXT_RULES)
        return CanvasLook(self.size.width, self.visual_style, rules, styles.content_align)

    def show(self, data: ChartData, canvas: Text, painted: PaintedCanvas | None = None) -> None:
        """Show a chart drawn by :func:`plot_canvas` from ``data`` (and ``painted`` into
        lines by :func:`paint_canvas`)."""
        before = self.painted
        self.data, self.canvas, self.painted = data, canvas, painted
        regions = changed_regions(before, painted)
        if regions is None:
            self.refresh()
        elif regions:
            self.refresh(*regions)  # only the cells that changed reach the terminal

    def render(self) -> RenderResult:
        return self.canvas

    def render_line(self, y: int) -> Strip:
        painted = self.painted
        if painted is None or self.text_selection is not None or painted.look != self.look():
            return super().render_line(y)  # Textual draws ``render()``: the same lines
        if y < len(painted.strips):
            return painted.strips[y]
        return Strip.blank(painted.look.width, painted.look.style.rich_style)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.post_message(self.ZoomRequested(0.8, self._anchor(event.x)))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.post_message(self.ZoomRequested(1.25, self._anchor(event.x)))

    def _anchor(self, x: int) -> float:
        return min(max((x - AXIS_COLUMNS) / max(self.columns, 1), 0.0), 1.0)

    def action_pan(self, fraction: float) -> None:
        """Move the window."""
        self.post_message(self.PanRequested(fraction))

    def action_zoom(self, factor: float) -> None:
        """Zoom the window around its centre."""
        self.post_message(self.ZoomRequested(factor))


def _colour(line: ChartLine, colours: Palette, dark: bool) -> tuple[int, int, int]:
    if line.role == "band":
        return colours.median if line.label == "median" else colours.band
    if line.role == "metric":
        return colours.metrics.get(line.label, colours.band)
    return rank_colour(line.rank or 0, dark)


def plot_canvas(
    data: ChartData, title: str, width: int, height: int, theme: str, dark: bool = True
) -> Text:
    """``data`` drawn by plotext on a ``width`` x ``height`` canvas, as a ``Text``, with the
    shaded spans and degraded stretches over it (``dark``: the app's theme is dark).

    plotext takes tenths of a second for a big canvas: call this in a thread worker (it
    uses a plot of its own, never the widget's).
    """
    plt: Any = Plot()
    colours = palette(dark)
    for line in data.lines:
        colour = _colour(line, colours, dark)
        plt.plot(line.x.tolist(), line.y.tolist(), color=colour, marker="braille")
    if data.limit is not None:
        plt.hline(data.limit, colours.limit)
    _marks(plt, data, colours)
    plt.xlim(data.x_min, data.x_max)
    plt.ylim(0, data.y_max)
    plt.yticks(*memory_ticks(data.y_max, max(2, height - PLOT_FRAME_ROWS), data.limit))
    positions, labels = data.xticks
    plt.xticks(positions, labels)
    plt.title(title)
    plt.plotsize(width, height)
    plt._set_size(width, height)  # as PlotextPlot.render does: plotsize alone is not enough
    plt.theme(theme)
    return overlay(Text.from_ansi(plt.build()), data, dark)


def _marks(plt: Any, data: ChartData, colours: Palette) -> None:
    floor = data.y_max * 0.01
    for kind, xs in data.marks.items():
        marker, colour = colours.marks.get(kind, ("·", colours.band))
        if kind in ("oom", ONSET):
            for x in xs:
                plt.vline(x, colour)
        plt.scatter(xs, [floor] * len(xs), marker=marker, color=colour)
