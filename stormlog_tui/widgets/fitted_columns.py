"""How a table's columns share the width it has: what a narrow terminal hides, which text
is cut where the room runs out, and how the room to spare is spread.

A table measures its columns on their cells (``LineTable``: each column as wide as its
widest cell or header); :func:`fit_columns` then lays them out in a width:

1. **Hidden.** While the columns do not fit whole, those with a ``drop`` are hidden, the
   least useful (lowest) first; those hidden that fit again in what is left come back,
   the most useful first.
2. **Cut.** If they still do not fit, the columns that hold text which can be cut
   (``cuttable``: ids, hosts, messages, reasons) share the room the others leave: each
   keeps at least :data:`CUT_MIN` cells (or its header), and then the shortest are made
   whole first, so that as many as possible are shown whole; a cut cell ends with ``…``.
   When even that does not make the table fit, nothing is cut: the table scrolls
   sideways with every text whole (a phase path cut to ``train_s…`` tells nothing).
3. **Spread.** Room left once every column is whole is shared by the shown columns
   (the cells that do not divide evenly go to the columns that can be cut first), each
   given at most :data:`MAX_SPREAD` cells more, so the columns spread over the width
   without gaps too wide to follow a row across; the narrow terminal's note (``+2
   hidden: Host, Start``) keeps its room at the header's right end when it fits there.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, NamedTuple, TypeVar

from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.timer import Timer

RowT = TypeVar("RowT")
#: Blank cells left and right of every cell.
CELL_PADDING = 1
#: The fewest cells of text a column that can be cut keeps (its header's, if wider).
CUT_MIN = 8
#: The most cells the room to spare adds to a column.
MAX_SPREAD = 4


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """A column: its label, how a row is shown in it, and how rows sort by it."""

    label: str
    cell: Callable[[RowT], Text]
    sort_key: Callable[[RowT], Any]
    #: When the table is wider than the widget, columns with a ``drop`` are hidden, the
    #: lowest first, until it fits (None: always shown).
    drop: int | None = None
    #: Its text may be cut (with ``…``) when the room runs out, and it is given the room
    #: to spare first: ids, hosts, messages, reasons.
    cuttable: bool = False


def row_cells(columns: Sequence[Column[RowT]], row: RowT) -> list[Text]:
    """``row``'s cells; those of a column that may be cut end with ``…`` where they are."""
    cells = [column.cell(row) for column in columns]
    for column, cell in zip(columns, cells, strict=True):
        if column.cuttable:
            cell.overflow = "ellipsis"
    return cells


def align_headers(labels: Sequence[Text], first_row: Sequence[Text]) -> None:
    """Put each header where its column's cells sit (right, over numbers): a column
    given room to spare would otherwise leave its header away from its numbers."""
    for label, cell in zip(labels, first_row, strict=True):
        if cell.justify == "right":
            label.justify = "right"


class ColumnFit(NamedTuple):
    """Where a table's columns go: the ``hidden`` ones, and each column's ``widths`` in
    cells, padding included (0 for a hidden one)."""

    hidden: frozenset[int]
    widths: tuple[int, ...]


def hidden_to_fit(
    columns: Sequence[Column[Any]], widths: Sequence[int], room: int
) -> frozenset[int]:
    """The columns to hide so that the others fit whole in ``room`` cells: those with a
    ``drop``, the lowest first, only as many as needed, then back those that fit in what
    is left, the highest first (none before the widget has a width)."""
    if not room:
        return frozenset()
    full = [width + 2 * CELL_PADDING for width in widths]
    total, hidden = sum(full), []
    for _, index in sorted((c.drop, i) for i, c in enumerate(columns) if c.drop is not None):
        if total <= room:
            break
        hidden.append(index)
        total -= full[index]
    for index in reversed(hidden):
        if total + full[index] <= room:
            hidden.remove(index)
            total += full[index]
    return frozenset(hidden)


def hidden_note(columns: Sequence[Column[Any]], hidden: frozenset[int]) -> str:
    """``  +2 hidden: Host, Start`` (the columns a narrow terminal hides)."""
    if not hidden:
        return ""
    names = ", ".join(columns[index].label for index in sorted(hidden))
    return f"  +{len(hidden)} hidden: {names}"


def fit_columns(
    columns: Sequence[Column[Any]],
    widths: Sequence[int],
    labels: Sequence[int],
    room: int,
) -> ColumnFit:
    """Lay out columns whose widest cells are ``widths`` and headers ``labels`` cells wide
    in ``room`` cells (0: not laid out yet, every column as wide as its cells)."""
    hidden = hidden_to_fit(columns, widths, room)
    laid = [0 if i in hidden else width + 2 * CELL_PADDING for i, width in enumerate(widths)]
    if not room:
        return ColumnFit(hidden, tuple(laid))
    cuttable = [i for i, c in enumerate(columns) if c.cuttable and i not in hidden]
    total = sum(laid)
    if total > room:
        floors = [
            min(laid[i], max(labels[i], CUT_MIN) + 2 * CELL_PADDING) for i in range(len(laid))
        ]
        if total - sum(laid[i] - floors[i] for i in cuttable) <= room:
            _cut(laid, floors, cuttable, room)
    else:
        note = len(hidden_note(columns, hidden))
        spare = room - total - (note if total + note <= room else 0)
        shown = [i for i in range(len(laid)) if i not in hidden]
        _spread(laid, [*cuttable, *(i for i in shown if i not in cuttable)], spare)
    return ColumnFit(hidden, tuple(laid))


def _cut(widths: list[int], floors: Sequence[int], cuttable: Sequence[int], room: int) -> None:
    """Cut the ``cuttable`` columns so that the table fits in ``room``: each keeps its
    floor, then the rest of the room makes the shortest whole first."""
    left = room - sum(w for i, w in enumerate(widths) if i not in cuttable)
    given = {i: floors[i] for i in cuttable}
    left -= sum(given.values())
    for index in sorted(cuttable, key=lambda i: (widths[i], i)):
        more = max(0, min(widths[index] - given[index], left))
        given[index] += more
        left -= more
    for index, width in given.items():
        widths[index] = width


def _spread(widths: list[int], order: Sequence[int], spare: int) -> None:
    """Share ``spare`` cells among the columns ``order`` names, evenly and at most
    :data:`MAX_SPREAD` each; the cells that do not divide evenly go to the first."""
    if spare <= 0 or not order:
        return
    each, extra = divmod(min(spare, MAX_SPREAD * len(order)), len(order))
    for rank, index in enumerate(order):
        widths[index] += each + (1 if rank < extra else 0)


#: The narrow-terminal notes an app has given (kind of table, hidden columns): each once.
#: A table's widths settle over a few layouts as its rows arrive: the note about what it
#: hides waits this long and says only the last set, not one note per step.
NOTE_SETTLE_S: Final = 0.3
_TOLD_HIDDEN: weakref.WeakKeyDictionary[Any, set[tuple[str, frozenset[int]]]] = (
    weakref.WeakKeyDictionary()
)


class FittedColumns(ScrollView):
    """A table whose columns share its width as :func:`fit_columns` says, laid out again
    when the width or the widest cells change, and how it says what a narrow terminal
    hides (the header's right end, else a notification)."""

    table_columns: list[Column[Any]]
    _content_widths: list[int]
    _generation: int
    _lines: dict[tuple[Any, ...], Strip]
    hidden_columns: frozenset[int] = frozenset()
    _laid_out: tuple[int, ...] = ()
    _note_timer: Timer | None = None

    def header_labels(self) -> list[Text]:
        raise NotImplementedError

    def _rows_shown(self) -> int:
        raise NotImplementedError

    def _widths(self) -> tuple[int, ...]:
        """Each column's width as laid out (0: hidden)."""
        if len(self._laid_out) != len(self._content_widths):
            return tuple(width + 2 * CELL_PADDING for width in self._content_widths)
        return self._laid_out

    def room(self) -> int:
        """The cells the columns have: the widget's width, less a vertical scroll bar."""
        return max(0, self.size.width - self.scrollbar_size_vertical)

    def redraw_rows(self) -> None:
        """Draw the rows again, not the scroll bars (a whole refresh redraws those too, a
        few kB each time for a slow link; they change only with the size and the scroll)."""
        content = self.scrollable_content_region
        self.refresh(Region(0, 0, content.width, content.height))

    def fit_virtual_size(self) -> None:
        """The scrollable size: the shown columns and rows, and the header. Set only when it
        changes: setting it restyles and redraws the scroll bars."""
        size = Size(sum(self._widths()), self._rows_shown() + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def watch_show_vertical_scrollbar(self) -> None:
        """A vertical scroll bar came or went: the columns have one cell less or more."""
        if self._fit():
            self.redraw_rows()

    def _fit(self) -> bool:
        """Lay the columns out in the room there is now; True if they moved. When the
        columns hidden change, the header says which at its right end; without room
        there, a notification says it once the widths have settled, once per kind of
        table and set of columns."""
        labels = [label.cell_len for label in self.header_labels()]
        room = self.room()
        fit = fit_columns(self.table_columns, self._content_widths, labels, room)
        if fit.widths == self._laid_out and fit.hidden == self.hidden_columns:
            return False
        told_before = fit.hidden == self.hidden_columns
        self.hidden_columns, self._laid_out = fit.hidden, fit.widths
        self._generation += 1
        self._lines.clear()
        self.fit_virtual_size()
        if told_before:
            return True
        if self._note_timer is not None:
            self._note_timer.stop()  # a newer set of hidden columns, or none
            self._note_timer = None
        note = self._hidden_note()
        if note and sum(fit.widths) + len(note) > room:
            message = f"narrow terminal:{note.removeprefix(' ')} (a wider one shows them)"
            self._note_timer = self.set_timer(NOTE_SETTLE_S, lambda: self._say(fit.hidden, message))
        return True

    def _say(self, hidden: frozenset[int], message: str) -> None:
        """Notify ``message`` if ``hidden`` is still what the table hides and it was not
        said before."""
        self._note_timer = None
        told = _TOLD_HIDDEN.setdefault(self.app, set())
        key = (type(self).__name__, hidden)
        if hidden == self.hidden_columns and key not in told:
            told.add(key)
            self.notify(message)

    def _hidden_note(self) -> str:
        """``  +2 hidden: Host, Start`` (the columns a narrow terminal hides)."""
        return hidden_note(self.table_columns, self.hidden_columns)
