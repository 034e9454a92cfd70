"""SortableTable: a LineTable whose rows are sorted by a column and filtered by text.

``s`` sorts by the next column, ``S`` reverses, a click on a header sorts by it;
``set_filter`` hides the rows that do not match. Sorting and filtering work on the rows
(Python objects), not on drawn cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from stormlog_tui.widgets.line_table import Column, LineTable, RowT

__all__ = ["Column", "SortableTable", "none_last"]


def none_last(value: Any) -> tuple[bool, Any]:
    """A sort key putting None after every value."""
    return (value is None, value if value is not None else 0)


class SortableTable(LineTable[RowT]):
    """Rows of ``RowT`` shown through ``columns``, sorted by one of them; ``filter_text``
    hides rows that do not match."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
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
        self.all_rows: list[RowT] = []

    # subclasses override these two
    def row_key(self, row: RowT) -> str:
        """A stable key for ``row`` (keeps the cursor on it across reloads)."""
        return str(id(row))

    def row_matches(self, row: RowT, needle: str) -> bool:
        """Whether ``row`` passes the filter ``needle`` (lower case)."""
        if not needle:
            return True
        return any(needle in column.cell(row).plain.lower() for column in self.table_columns)

    def filtering(self) -> bool:
        """Whether some rows may be hidden (False: every row is shown, unchecked)."""
        return bool(self.filter_text)

    def show(self, rows: Sequence[RowT]) -> None:
        """Replace the rows (the cursor stays on the same row when it still exists); a list
        is kept as it is, not copied: do not change it afterwards."""
        self.all_rows = rows if isinstance(rows, list) else list(rows)
        self._refill()

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
        current = self.selected()
        selected_key = self.row_key(current) if current is not None else None
        rows = self.all_rows
        if self.filtering():
            needle = self.filter_text.lower()
            rows = [row for row in rows if self.row_matches(row, needle)]
        sort_key: Any = self.table_columns[self.sort_column].sort_key
        rows = sorted(rows, key=sort_key, reverse=self.reverse)
        self.set_rows(
            rows, None if selected_key is None else lambda r: self.row_key(r) == selected_key
        )

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
