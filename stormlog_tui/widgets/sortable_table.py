"""SortableTable: a DataTable of typed rows, sorted by key or header click, and filtered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """A column: its label, how a row is shown in it, and how rows sort by it."""

    label: str
    cell: Callable[[RowT], Text]
    sort_key: Callable[[RowT], Any]


def none_last(value: Any) -> tuple[bool, Any]:
    """A sort key putting None after every value."""
    return (value is None, value if value is not None else 0)


class SortableTable(DataTable[Text], Generic[RowT]):
    """Rows of ``RowT`` shown through ``columns``; ``s`` sorts by the next column, ``S``
    reverses, a click on a header sorts by it; ``filter_text`` hides rows that do not match."""

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
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.table_columns = list(columns)
        self.sort_column = sort_column
        self.reverse = reverse
        self.filter_text = ""
        self.all_rows: list[RowT] = []
        self.shown_rows: list[RowT] = []

    def on_mount(self) -> None:
        for index, column in enumerate(self.table_columns):
            self.add_column(column.label, key=str(index))
        self._relabel()

    # subclasses override these two
    def row_key(self, row: RowT) -> str:
        """A stable key for ``row`` (keeps the cursor on it across reloads)."""
        return str(id(row))

    def row_matches(self, row: RowT, needle: str) -> bool:
        """Whether ``row`` passes the filter ``needle`` (lower case)."""
        if not needle:
            return True
        return any(needle in column.cell(row).plain.lower() for column in self.table_columns)

    def show(self, rows: Sequence[RowT]) -> None:
        """Replace the rows (the cursor stays on the same row when it still exists)."""
        self.all_rows = list(rows)
        self._refill()

    def set_filter(self, text: str) -> None:
        """Show only the rows matching ``text`` (case-insensitive)."""
        self.filter_text = text
        self._refill()

    def selected(self) -> RowT | None:
        """The row under the cursor."""
        if not self.shown_rows or not 0 <= self.cursor_row < len(self.shown_rows):
            return None
        return self.shown_rows[self.cursor_row]

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row with ``key``; False if it is not shown."""
        keys = [self.row_key(row) for row in self.shown_rows]
        if key not in keys:
            return False
        self.move_cursor(row=keys.index(key), animate=False)
        return True

    def _refill(self) -> None:
        current = self.selected()
        selected_key = self.row_key(current) if current is not None else None
        needle = self.filter_text.lower()
        rows = [row for row in self.all_rows if self.row_matches(row, needle)]
        sort_key = self.table_columns[self.sort_column].sort_key
        self.shown_rows = sorted(rows, key=sort_key, reverse=self.reverse)
        self.clear()
        for row in self.shown_rows:
            self.add_row(*(column.cell(row) for column in self.table_columns))
        if selected_key is not None:
            self.select_key(selected_key)

    def _relabel(self) -> None:
        for index, column in enumerate(self.table_columns):
            arrow = (" ▼" if self.reverse else " ▲") if index == self.sort_column else ""
            self.columns[self._column_key(index)].label = Text(column.label + arrow)
        self.refresh()

    def _column_key(self, index: int) -> Any:
        return next(key for key in self.columns if key.value == str(index))

    def sort_by(self, index: int, reverse: bool | None = None) -> None:
        """Sort by column ``index`` (toggling the direction when it is already the key)."""
        if reverse is None:
            reverse = not self.reverse if index == self.sort_column else False
        self.sort_column, self.reverse = index, reverse
        self._relabel()
        self._refill()

    def action_sort_next(self) -> None:
        """Sort by the next column."""
        self.sort_by((self.sort_column + 1) % len(self.table_columns), reverse=self.reverse)

    def action_sort_reverse(self) -> None:
        """Reverse the order."""
        self.sort_by(self.sort_column, reverse=not self.reverse)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(int(str(event.column_key.value)))
