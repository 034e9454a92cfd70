"""Pilot tests of the sessions screen: what it shows, sorting, filtering, warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stormlog_core.browse import load_dataset
from stormlog_tui.app import make_app
from stormlog_tui.messages import DatasetUpdated
from stormlog_tui.screens import DetailScreen, RecordScreen
from stormlog_tui.widgets import FilterBar, SessionsTable, StatusLine, WarningsPanel
from stormlog_tui.widgets.fitted_columns import NOTE_SETTLE_S

from .conftest import HOSTILE_HOST, HOSTILE_JOB, fixed_clock, loaded, screen_text

pytestmark = pytest.mark.anyio


def column(table: Any, name: str) -> list[str]:
    labels = [str(column.label).rstrip(" ▲▼") for column in table.ordered_columns]
    index = labels.index(name)
    return [table.get_row_at(row)[index].plain for row in range(table.row_count)]


async def test_demo_capture_shows_eight_completed_ranks(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        table = app.screen.query_one(SessionsTable)
        assert table.row_count == 8
        assert column(table, "Status") == ["✔ completed"] * 8
        assert column(table, "Rank") == [f"{rank}/8" for rank in range(8)]
        peaks = column(table, "Peak alloc")
        assert max(peaks, key=lambda text: float(text.split()[0])) == peaks[3]  # the leak


async def test_statuses_of_a_mixed_job_in_colour_and_words(mixed_job: Path) -> None:
    app = make_app([mixed_job], clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        table = app.screen.query_one(SessionsTable)
        statuses = column(table, "Status")
        assert statuses[0] == "✔ completed" and statuses[2] == "✖ interrupted"
        assert statuses[1] in ("● running", "◌ stale")
        styles = {table.get_row_at(row)[0].style for row in range(3)}
        assert len(styles) == 3  # a colour per status
        status = str(app.screen.query_one(StatusLine).render())
        # a running session is followed live
        assert "3 sessions from 3 sources · ● live, loaded 12:00:00" in status


async def test_sort_by_key_and_by_clicking_a_header(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(160, 30)) as pilot:
        await loaded(app, pilot)
        table = app.screen.query_one(SessionsTable)
        await pilot.press("s", "s")  # Rank -> Host -> Peak alloc
        assert table.sort_column == 3
        peaks = [float(p.split()[0]) for p in column(table, "Peak alloc")]
        assert peaks == sorted(peaks, reverse=True)  # the worst first
        assert column(table, "Rank")[0] == "3/8"  # the biggest peak: the leak
        labels = [str(c.label) for c in table.ordered_columns]
        assert "Peak alloc ▲" in labels  # the sort is marked on its header
        await pilot.press("S")
        assert column(table, "Rank")[-1] == "3/8"
        await pilot.click(SessionsTable, offset=(3, 0))  # the Status header
        await pilot.pause()
        assert table.sort_column == 0


async def test_slash_filters_sessions_and_escape_clears(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        table = app.screen.query_one(SessionsTable)
        await pilot.press("slash")
        assert app.screen.query_one(FilterBar).has_focus
        await pilot.press(*"node-02")
        assert table.row_count == 4
        await pilot.press("enter")
        assert table.has_focus and table.row_count == 4
        await pilot.press("escape")
        assert table.row_count == 8


async def test_the_status_line_says_the_filter_once_the_bar_is_closed(demo_dir: Path) -> None:
    """After enter the bar closes, and the status line says why the list is shorter (and
    how to get the rest back), through a live update too; escape clears it."""
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app, pilot)
        await pilot.press("slash", *"node-02", "enter")
        assert not app.screen.query_one(FilterBar).display
        said = 'filter "node-02": 4 of 8 sessions from 8 sources (escape clears)'
        assert said in screen_text(app).splitlines()[-2]  # the line above the keys
        app.post_message(DatasetUpdated(load_dataset([demo_dir]), "● live (watching)"))
        await loaded(app, pilot)
        assert said in screen_text(app).splitlines()[-2]
        await pilot.press("escape")
        status = screen_text(app).splitlines()[-2]
        assert "filter" not in status and "8 sessions from 8 sources" in status
        assert app.screen.query_one(SessionsTable).row_count == 8


async def test_enter_opens_the_job_of_the_session(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("down", "enter")
        await loaded(app, pilot)  # the job is put together in a thread worker
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.group is not None and app.screen.group.ranks == list(range(8))
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


async def test_warnings_panel_lists_every_warning_and_opens_its_session(
    tmp_path: Path, demo_dir: Path
) -> None:
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"schema_version": 3}\n{not json}\n', encoding="utf-8")
    app = make_app([bad, demo_dir / "rank-5"], clock=fixed_clock)
    async with app.run_test(size=(200, 40)) as pilot:
        await loaded(app, pilot)
        panel = app.screen.query_one(WarningsPanel)
        assert app.dataset is not None
        assert panel.display and panel.row_count == len(app.dataset.warnings) >= 3
        assert column(panel, "Severity")[0] == "error"
        wheres = column(panel, "Where")
        assert any(where.endswith("broken.jsonl:1") for where in wheres)
        status = str(app.screen.query_one(StatusLine).render())
        assert "broken.jsonl" in status
        await pilot.press("w")
        assert panel.has_focus
        keys = [w.session_id for w in panel.shown_rows]
        await pilot.press(*["down"] * next(i for i, k in enumerate(keys) if k), "enter")
        await loaded(app, pilot)
        assert isinstance(app.screen, RecordScreen)  # the record first; enter opens its job
        await pilot.press("enter")
        await loaded(app, pilot)
        assert isinstance(app.screen, DetailScreen)


async def test_the_screen_is_laid_out_sessions_on_top_warnings_framed_status_last(
    tmp_path: Path, demo_dir: Path
) -> None:
    # The sessions screen's own style sheet applies: its sessions fill the height, the
    # warnings sit in a frame titled with their count, the status line is just above the
    # footer (without it, the status line floated mid-screen under an unframed panel).
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"schema_version": 3}\n{not json}\n', encoding="utf-8")
    app = make_app([bad, demo_dir / "rank-5"], clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app, pilot)
        table = app.screen.query_one(SessionsTable)
        panel = app.screen.query_one(WarningsPanel)
        status = app.screen.query_one(StatusLine)
        assert panel.styles.border_top[0] == "round"
        assert str(panel.border_title).startswith("Warnings (")
        assert status.region.y == 22 and status.styles.background.a > 0
        assert panel.region.bottom == status.region.y
        assert table.region.bottom == panel.region.y and table.region.height >= 8


async def test_markup_and_escapes_in_telemetry_are_shown_literally(hostile_job: Path) -> None:
    app = make_app([hostile_job], clock=fixed_clock)
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(app, pilot)
        table = app.screen.query_one(SessionsTable)
        host = table.get_row_at(0)[2]
        assert host.plain == HOSTILE_HOST.replace("\x1b", "\\x1b")
        assert not host.spans and not host.style  # no markup turned into styles
        assert column(table, "Job") == [HOSTILE_JOB]


async def test_q_quits(demo_dir: Path) -> None:
    app = make_app([demo_dir])
    async with app.run_test() as pilot:
        await loaded(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


REAL_GPU_JOB = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job"


async def test_a_narrow_terminal_hides_columns_keeps_the_ids_whole_and_says_so() -> None:
    """At 80 columns the session ids (36 cells each) are shown whole: Start, Host, Events,
    Job and Duration are hidden instead, and a notification names them; the warnings
    count, which fits in what is left, stays."""
    narrow = {"Host", "Events", "Duration", "Start", "Job"}
    for width, hidden in ((80, narrow), (160, set())):
        app = make_app([REAL_GPU_JOB], clock=fixed_clock)
        async with app.run_test(size=(width, 30)) as pilot:
            await loaded(app, pilot)
            await pilot.pause(NOTE_SETTLE_S + 0.2)  # the note waits for the widths to settle
            lines = screen_text(app).splitlines()
            header = lines[1]
            for name in ("Status", "Rank", "Peak alloc", "Warn", "Session"):
                assert name in header
            assert not any(name in header for name in hidden), header
            assert app.dataset is not None
            for session in app.dataset.sessions:  # whole, on the screen
                assert any(session.session_id in line for line in lines), session.session_id
            said = [n.message for n in app._notifications if "narrow terminal" in n.message]
            assert bool(said) == bool(hidden)  # no room in the header: a notification says it
            assert all(name in said[0] for name in hidden) if hidden else True


async def test_a_wide_terminal_spreads_the_columns_over_its_width() -> None:
    """At 200 columns every column is shown, each wider than its widest cell: the room
    to spare is shared, not left at the right of the rows."""
    app = make_app([REAL_GPU_JOB], clock=fixed_clock)
    async with app.run_test(size=(200, 30)) as pilot:
        await loaded(app, pilot)
        header, first = screen_text(app).splitlines()[1:3]
        assert header.index("Rank") - header.index("Status") > len("✔ completed  ")
        assert first.index("0/8") < header.index("Host")  # a number under its header
        assert first.index("vm") == header.index("Host")
        assert len(first.rstrip()) > 150  # the ids end further right than at 138
