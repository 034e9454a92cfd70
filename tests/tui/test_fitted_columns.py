"""How a table's columns share its width (``fit_columns``): hidden, cut, spread."""

from __future__ import annotations

from rich.text import Text

from stormlog_tui.widgets.fitted_columns import (
    CELL_PADDING,
    CUT_MIN,
    MAX_SPREAD,
    Column,
    fit_columns,
    hidden_note,
)

PAD = 2 * CELL_PADDING


def column(label: str, *, drop: int | None = None, cuttable: bool = False) -> Column[str]:
    return Column(label, Text, str, drop=drop, cuttable=cuttable)


def labels(columns: list[Column[str]]) -> list[int]:
    return [len(c.label) for c in columns]


def test_spare_room_is_spread_evenly_up_to_a_limit_the_odd_cells_to_cuttable_text() -> None:
    columns = [column("Status"), column("Id", cuttable=True), column("Peak")]
    widths = [11, 36, 8]
    full = [w + PAD for w in widths]
    fit = fit_columns(columns, widths, labels(columns), sum(full) + 7)
    assert fit.hidden == frozenset()
    assert [w - f for w, f in zip(fit.widths, full, strict=True)] == [2, 3, 2]
    wide = fit_columns(columns, widths, labels(columns), 300)
    assert [w - f for w, f in zip(wide.widths, full, strict=True)] == [MAX_SPREAD] * 3


def test_the_least_useful_columns_go_first_and_those_that_fit_again_come_back() -> None:
    columns = [
        column("Status"),
        column("Host", drop=2, cuttable=True),
        column("Warn", drop=4),
        column("Start", drop=1),
        column("Job", drop=5, cuttable=True),
        column("Session", cuttable=True),
    ]
    widths = [11, 4, 4, 19, 13, 36]  # 13, 6, 6, 21, 15, 38 with padding
    fit = fit_columns(columns, widths, labels(columns), 62)
    # Start, Host, Warn and then Job had to go for Session to be whole; Warn fits again
    assert fit.hidden == {1, 3, 4}
    assert fit.widths[5] >= 38 and sum(fit.widths) <= 62
    note = hidden_note(columns, fit.hidden)
    assert note == "  +3 hidden: Host, Start, Job"


def test_the_header_keeps_room_for_the_note_of_what_is_hidden() -> None:
    columns = [column("Status"), column("Start", drop=1), column("Session", cuttable=True)]
    widths = [11, 19, 20]
    room = 13 + 22 + 19  # Start does not fit; the note does, at the right end
    fit = fit_columns(columns, widths, labels(columns), room)
    assert fit.hidden == {1}
    assert sum(fit.widths) + len(hidden_note(columns, fit.hidden)) == room


def test_text_is_cut_only_when_nothing_more_can_be_hidden_the_shortest_kept_whole() -> None:
    columns = [
        column("Time"),
        column("Context", cuttable=True),
        column("Metadata", cuttable=True),
    ]
    widths = [6, 30, 200]
    fit = fit_columns(columns, widths, labels(columns), 80)
    assert fit.widths[0] == 8  # a column that holds no text to cut is never cut
    assert fit.widths[1] == 32  # whole: the shorter text first
    assert fit.widths[2] == 80 - 8 - 32  # the rest of the room
    tight = fit_columns(columns, widths, labels(columns), 8 + 2 * (CUT_MIN + PAD))
    assert tight.widths == (8, CUT_MIN + PAD, CUT_MIN + PAD)  # each keeps CUT_MIN cells
    # when that does not fit either, nothing is cut: the table scrolls sideways
    assert fit_columns(columns, widths, labels(columns), 20).widths == (8, 32, 202)


def test_before_the_table_has_a_width_every_column_is_as_wide_as_its_cells() -> None:
    columns = [column("A", drop=1), column("B", cuttable=True)]
    fit = fit_columns(columns, [5, 50], labels(columns), 0)
    assert fit == (frozenset(), (7, 52))
