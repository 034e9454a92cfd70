"""LineTable: typed rows drawn through columns, only the rows in view (Textual's line API).

Built on ``ScrollView`` + ``render_line``, as toolong's ``LogLines``: rows stay Python
objects, a cell becomes a Rich ``Text`` only when its row is on screen, so showing 30,000
events costs a list, not 30,000 table rows. It looks and moves like a ``DataTable`` with a
row cursor and zebra stripes (its styles are in ``app.tcss``), and draws a cell the way
``DataTable`` does, segment for segment. Sorting and filtering: ``SortableTable``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Generic, NamedTuple

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.strip import Strip

from stormlog_tui.widgets.fitted_columns import (
    CELL_PADDING,
    Column,
    FittedColumns,
    RowT,
    align_headers,
    row_cells,
)

__all__ = ["CELL_PADDING", "Column", "ColumnLabel", "LineTable", "RowT"]

#: Rows measured when rows arrive; a row drawn later widens its columns if it needs to.
MEASURED_ROWS = 100
#: Rendered lines kept between frames.
LINE_CACHE = 300
#: The key of the widget's own style among the row styles.
BASE = "base"
HEADER, CURSOR, EVEN, ODD = (
    "sortable-table--header",
    "sortable-table--cursor",
    "sortable-table--even-row",
    "sortable-table--odd-row",
)


class ColumnLabel(NamedTuple):
    """A column's header as shown (with the sort arrow)."""

    label: Text


def _width(text: Text) -> int:
    plain = text.plain
    if "\n" not in plain:
        return text.cell_len
    return max(Text(line).cell_len for line in plain.splitlines())


class LineTable(FittedColumns, Generic[RowT], can_focus=True):
    """``shown_rows`` drawn through ``columns``, with a row cursor (up, down, page, home,
    end, click)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {HEADER, CURSOR, EVEN, ODD}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose_row", show=False),  # first: the subclasses' enter leads
        Binding("up", "move('up')", show=False),
        Binding("down", "move('down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
        Binding("home,ctrl+home", "move('first')", show=False),
        Binding("end,ctrl+end", "move('last')", show=False),
    ]

    def __init__(self, columns: Sequence[Column[RowT]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table_columns = list(columns)
        self.shown_rows: Sequence[RowT] = []
        self.cursor_row = 0
        self._content_widths = [Text(column.label).cell_len for column in self.table_columns]
        self._cells: dict[int, list[Text]] = {}
        self._lines: dict[tuple[Any, ...], Strip] = {}
        self._generation = 0
        self._unmeasured = False
        self._styles: dict[str, Style] = {}
        self._paints: dict[tuple[Style, Style], _Paint] = {}

    def _rows_shown(self) -> int:
        return len(self.shown_rows)

    @property
    def row_count(self) -> int:
        """How many rows are shown (after the filter)."""
        return len(self.shown_rows)

    @property
    def ordered_columns(self) -> list[ColumnLabel]:
        """The column headers, left to right."""
        return [ColumnLabel(label) for label in self.header_labels()]

    def get_row_at(self, index: int) -> list[Text]:
        """The cells of the shown row at ``index``."""
        cells = self._cells.get(index)
        if cells is None:
            row = self.shown_rows[index]
            cells = self._cells[index] = row_cells(self.table_columns, row)
        return cells

    def selected(self) -> RowT | None:
        """The row under the cursor."""
        if not 0 <= self.cursor_row < len(self.shown_rows):
            return None
        return self.shown_rows[self.cursor_row]

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on shown row ``row`` (clamped) and scroll it into view."""
        self.cursor_row = max(0, min(row, len(self.shown_rows) - 1))
        self._scroll_to_cursor(animate)
        self.redraw_rows()

    def refresh_rows(self, changed: Callable[[RowT], bool]) -> None:
        """Draw again the rows for which ``changed(row)`` is true: their cells depend on
        something besides the row (only rows already drawn are checked)."""
        stale = {index for index in self._cells if changed(self.shown_rows[index])}
        for index in stale:
            del self._cells[index]
        for key in [key for key in self._lines if key[0] in stale]:
            del self._lines[key]
        self.redraw_rows()

    def set_rows(self, rows: Sequence[RowT], cursor: int = 0) -> None:
        """Show ``rows`` (in this order), the cursor on row ``cursor``."""
        self.shown_rows = rows
        self._cells.clear()
        self.cursor_row = 0
        self._unmeasured = True  # the first rows are measured when the table is drawn
        self._resize()
        self.move_cursor(row=cursor)

    def header_labels(self) -> list[Text]:
        """The column headers as shown."""
        return [Text(column.label) for column in self.table_columns]

    def header_clicked(self, index: int) -> None:
        """A click on the header of column ``index``: nothing here."""

    # ------------------------------------------------------------------ moving

    def action_choose_row(self) -> None:
        """Enter on a row: nothing here; each table binds enter to what its rows open."""

    def action_move(self, step: str) -> None:
        """The cursor one row (``up``, ``down``), one screen (``page_up``, ``page_down``),
        or to the ``first`` or ``last`` row."""
        page = self._page()
        moves = {"up": -1, "down": 1, "page_up": -page, "page_down": page}
        if step in moves:
            self.move_cursor(row=self.cursor_row + moves[step])
        else:
            self.move_cursor(row=0 if step == "first" else len(self.shown_rows) - 1)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self, animate: bool = False) -> None:
        if not self.size.height:  # not laid out (or hidden): on_resize scrolls later
            return
        visible = self._page()
        top = int(self.scroll_y)
        if self.cursor_row < top:
            top = self.cursor_row
        elif self.cursor_row >= top + visible:
            top = self.cursor_row - visible + 1
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=animate, force=True, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        self._fit()
        self.call_after_refresh(self._scroll_to_cursor)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset.x + int(self.scroll_x), offset.y
        if y == 0:
            edge = 0
            for index, width in enumerate(self._widths()):
                edge += width
                if x < edge:
                    self.header_clicked(index)
                    break
            return
        self.focus()
        self.move_cursor(row=int(self.scroll_y) + y - 1)

    # ------------------------------------------------------------------ drawing

    def _measure(self, indexes: range) -> bool:
        """Widen the columns to the cells of the shown rows ``indexes``; True if any grew."""
        widths = self._content_widths
        grew = False
        for index in indexes:
            for column, cell in enumerate(self.get_row_at(index)):
                width = _width(cell)
                if width > widths[column]:
                    widths[column], grew = width, True
        return grew

    def _resize(self) -> None:
        self._generation += 1
        self._lines.clear()
        for column, label in enumerate(self.header_labels()):  # the sort mark too: "Rank ▲"
            self._content_widths[column] = max(self._content_widths[column], label.cell_len)
        self._fit()
        self.fit_virtual_size()
        self.redraw_rows()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._lines.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        top = int(self.scroll_y)
        # only the rows drawn now (a layout pass may make an auto-height table as tall as
        # all its rows for a moment: measuring them all would take seconds at 100k rows)
        end = min(len(self.shown_rows), top + min(self.size.height, crop.bottom))
        grew = False
        if self._unmeasured:
            self._unmeasured = False
            grew = self._measure(range(min(len(self.shown_rows), MEASURED_ROWS)))
        if self._measure(range(top, end)) or grew:
            self._generation += 1
            self._lines.clear()
            self._fit()
            self.fit_virtual_size()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = int(self.scroll_x), int(self.scroll_y)
        index = -1 if y == 0 else scroll_y + y - 1
        base = self._row_styles()[BASE]
        if index >= len(self.shown_rows):
            return Strip.blank(width, base)
        key = (
            index,
            index == self.cursor_row,
            scroll_x,
            width,
            self._generation,  # bumped by new rows or widths; styles clear the cache
        )
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) > LINE_CACHE:
                self._lines.clear()
            segments, length = self._render_row(index)
            line = Strip(segments, length)
            if scroll_x or length != width:
                line = line.crop(scroll_x, scroll_x + width).adjust_cell_length(width, base)
            strip = self._lines[key] = line.simplify()
        return strip

    def _row_styles(self) -> dict[str, Style]:
        """The header, stripe and cursor styles, and the widget's own (``BASE``), kept until
        the styles change: reading them walks the widget's ancestors."""
        if not self._styles:
            self._styles = {
                name: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES
            }
            self._styles[BASE] = self.rich_style
            self._paints.clear()
        return self._styles

    def _paint(self, row_style: Style, cursor: Style) -> _Paint:
        key = (row_style, cursor)
        paint = self._paints.get(key)
        if paint is None:
            pre = row_style + cursor
            paint = self._paints[key] = _Paint(
                self.app.console, pre, Style.from_color(cursor.color)
            )
        return paint

    def _render_row(self, index: int) -> tuple[list[Segment], int]:
        """The whole row ``index`` (-1: the header), as wide as the table or the widget, and
        its width in cells."""
        header = index == -1
        cells = self.header_labels() if header else self.get_row_at(index)
        styles = self._row_styles()
        row_style = styles[HEADER if header else (ODD if index % 2 else EVEN)]
        cursor = styles[CURSOR] if not header and index == self.cursor_row else _NULL
        paint = self._paint(row_style, cursor)
        segments: list[Segment] = []
        widths = self._widths()
        if header and self.shown_rows:
            align_headers(cells, self.get_row_at(0))
        for cell, width in zip(cells, widths, strict=True):
            if width:  # 0: a hidden column
                segments += _cell_segments(paint, cell, width)
        total = sum(widths)
        remaining = max(0, self.size.width - total)
        note = self._hidden_note() if header else ""
        if note and remaining >= len(note):
            segments.append(Segment(note, paint.pre + Style(dim=True)))
            remaining -= len(note)
        segments.append(Segment(" " * remaining, paint.pre))
        return segments, total + remaining


_NULL = Style()


class _Paint:
    """How a row's cells are styled: ``pre`` under each cell's own styles, ``post`` over
    them (as ``Segment.apply_style`` does), each combination computed once."""

    def __init__(self, console: Console, pre: Style, post: Style) -> None:
        self.console = console
        self.pre = pre
        self.post = post
        self._combined: dict[Style | None, Style | None] = {}
        self._named: dict[str | Style, Style] = {}

    def own(self, style: str | Style) -> Style:
        """A cell's own style (its ``style``, a name or a ``Style``)."""
        found = self._named.get(style)
        if found is None:
            found = self._named[style] = self.console.get_style(style)
        return found

    def style(self, own: Style | None) -> Style | None:
        """``pre + own + post``."""
        try:
            return self._combined[own]
        except KeyError:
            pass
        style = own
        if self.pre:
            style = self.pre + style
        if self.post:
            style = style + self.post if style else self.post
        self._combined[own] = style
        return style


def _cell_segments(paint: _Paint, cell: Text, width: int) -> list[Segment]:
    """One cell ``width`` wide, padded: what a ``DataTable`` draws for it (the same
    characters and styles), several times faster: no ``Padding`` and ``Styled`` layers, and
    a text that fits is not copied; a text with one style is not even rendered."""
    inner = max(0, width - 2 * CELL_PADDING)
    base = paint.own(cell.style) if cell.style else None
    length = cell.cell_len
    justify = cell.justify or "default"
    plain = cell.plain
    style = paint.style
    pad = Segment(" " * CELL_PADDING, style(None))
    if length <= inner and justify in ("default", "left", "right") and plain == plain.rstrip():
        fill = Segment(" " * (inner - length), style(None if justify == "default" else base))
        if cell.spans or (base is not None and base.link):
            texts = cell.render(paint.console, end="")
            if base is not None:
                texts = Segment.apply_style(texts, base)
            line = [Segment(text, style(own)) for text, own, _ in texts]
        else:  # what rendering gives for a text without spans, without rendering it
            line = [Segment(plain, style(base))]
        return [pad, fill, *line, pad] if justify == "right" else [pad, *line, fill, pad]
    fitted = _fitted(paint.console, cell, inner, base)
    return [pad, *(Segment(text, style(own)) for text, own, _ in fitted), pad]


def _fitted(console: Console, cell: Text, inner: int, base: Style | None) -> list[Segment]:
    """A cell cut (or justified) to ``inner`` cells as Rich does it."""
    text = cell.copy()
    text.end = ""
    overflow = cell.overflow or "fold"
    if cell.justify in (None, "default"):
        text.truncate(inner, overflow=overflow)
    else:
        text = text.wrap(console, inner, justify=cell.justify, overflow=overflow, no_wrap=True)[0]
    segments: Iterable[Segment] = text.render(console, end="")
    if base is not None:
        segments = Segment.apply_style(segments, base)
    return Segment.adjust_line_length(list(segments), inner)
