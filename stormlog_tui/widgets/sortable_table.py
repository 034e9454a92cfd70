"""SortableTable: a LineTable whose rows are sorted by a column and filtered by text.

``s`` sorts by the next column, ``S`` reverses, a click on a header sorts by it;
``set_filter`` hides the rows that do not match. Sorting and filtering work on the rows
(Python objects), not on drawn cells.

Sorting and filtering tens of thousands of rows takes tens of milliseconds, too long for
the event loop at every live update: a screen asks the table for an :meth:`arranger` (its
sort, filter and cursor as a function of the rows alone), runs it in a thread worker, and
hands the result to :meth:`SortableTable.show_arranged`, which shows it as it is (or
arranges the rows again, on the loop, if the user changed the sort or the filter
meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic

from rich.text import Text
from textual.binding import Binding, BindingType

from stormlog_tui.widgets.line_table import Column, LineTable, RowT

__all__ = ["Arranged", "Column", "SortableTable", "none_last"]


def none_last(value: Any) -> tuple[bool, Any]:
    """A sort key putting None after every value."""
    return (value is None, value if value is not None else 0)


def biggest_first(value: float | None) -> tuple[bool, float]:
    """A sort key for a quantity where more is worse (a peak, a gap, a growth): the
    biggest first, None last."""
    return (value is None, -value if value is not None else 0.0)


@dataclass(frozen=True)
class Arranged(Generic[RowT]):
    """What a table shows of ``all_rows``: ``rows``, filtered and sorted as ``arrangement``
    says, and ``cursor``, the index of the row whose key is ``selected`` (0 if none)."""

    arrangement: tuple[object, ...]
    all_rows: Sequence[RowT]
    rows: Sequence[RowT]
    selected: str | None
    cursor: int


class SortableTable(LineTable[RowT]):
    """Rows of ``RowT`` shown through ``columns``, sorted by one of them; ``filter_text``
    hides rows that do not match."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_next", "Sort", id="sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="reverse_sort"),
    ]

    def __init__(
        self,
        columns: Sequence[Column[RowT]],
        *,
        id: str | None = None,
        sort_column: int = 0,
        reverse: bool = False,
    ) -> None:
        super().__init__(columns, id=id)
        self.sort_column = sort_column
        self.reverse = reverse
        self.filter_text = ""
        self.all_rows: Sequence[RowT] = []

    # subclasses override these
    def row_key(self, row: RowT) -> str:
        """A stable key for ``row`` (keeps the cursor on it across reloads)."""
        return str(id(row))

    def matcher(self) -> Callable[[RowT], bool] | None:
        """The test a row passes to be shown now (None: every row is shown, unchecked); a
        function of the row alone, which a thread worker may call."""
        if not self.filter_text:
            return None
        needle, columns = self.filter_text.lower(), self.table_columns
        return lambda row: any(needle in column.cell(row).plain.lower() for column in columns)

    def arrangement(self) -> tuple[object, ...]:
        """What decides which rows are shown, and in which order."""
        return (self.sort_column, self.reverse, self.filter_text)

    def rows_shown(self) -> None:
        """The shown rows changed (a subclass may retitle itself)."""

    def arranger(self) -> Callable[[Sequence[RowT]], Arranged[RowT]]:
        """What this table would show of some rows, with the cursor on the row it is on
        now, as a function of the rows alone: it may run in a thread worker (the table's
        state is read now, on the loop)."""
        arrangement = self.arrangement()
        sort_key: Any = self.table_columns[self.sort_column].sort_key
        reverse, matches, row_key = self.reverse, self.matcher(), self.row_key
        current = self.selected()
        selected = row_key(current) if current is not None else None

        def arrange(rows: Sequence[RowT]) -> Arranged[RowT]:
            every = rows if isinstance(rows, list) else list(rows)
            shown = every if matches is None else [row for row in every if matches(row)]
            shown = sorted(shown, key=sort_key, reverse=reverse)
            cursor = 0
            if selected is not None:
                found = (i for i, row in enumerate(shown) if row_key(row) == selected)
                cursor = next(found, 0)
            return Arranged(arrangement, every, shown, selected, cursor)

        return arrange

    def show(self, rows: Sequence[RowT]) -> None:
        """Replace the rows (the cursor stays on the same row when it still exists); a list
        is kept as it is, not copied: do not change it afterwards."""
        self._place(self.arranger()(rows))

    def show_arranged(self, arranged: Arranged[RowT]) -> None:
        """Show rows an :meth:`arranger` arranged (in a worker); arrange them again if the
        sort, the filter or the cursor's row changed since."""
        current = self.selected()
        selected = self.row_key(current) if current is not None else None
        if arranged.arrangement != self.arrangement() or arranged.selected != selected:
            self.show(arranged.all_rows)
        else:
            self._place(arranged)

    def set_filter(self, text: str) -> None:
        """Show only the rows matching ``text`` (case-insensitive)."""
        self.filter_text = text
        self._refill()

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row with ``key``; False if it is not shown."""
        index = next((i for i, row in enumerate(self.shown_rows) if self.row_key(row) == key), -1)
        if index < 0:
            return False
        self.move_cursor(row=index)
        return True

    def _refill(self) -> None:
        self.show(self.all_rows)

    def _place(self, arranged: Arranged[RowT]) -> None:
        self.all_rows = arranged.all_rows
        self.set_rows(arranged.rows, arranged.cursor)
        self.rows_shown()

    def header_labels(self) -> list[Text]:
        labels = []
        for index, column in enumerate(self.table_columns):
            arrow = (" ▼" if self.reverse else " ▲") if index == self.sort_column else ""
            labels.append(Text(column.label + arrow))
        return labels

    def header_clicked(self, index: int) -> None:
        self.sort_by(index)

    def sort_by(self, index: int, reverse: bool | None = None) -> None:
        """Sort by column ``index`` (toggling the direction when it is already the key)."""
        if reverse is None:
            reverse = not self.reverse if index == self.sort_column else False
        self.sort_column, self.reverse = index, reverse
        self._refill()

    def action_sort_next(self) -> None:
        """Sort by the next column."""
        self.sort_by((self.sort_column + 1) % len(self.table_columns), reverse=self.reverse)

    def action_sort_reverse(self) -> None:
        """Reverse the order."""
        self.sort_by(self.sort_column, reverse=not self.reverse)
