"""Pilot tests of the app-wide keys: help, jobs view, theme, screenshot, tab, palette."""

from __future__ import annotations

from pathlib import Path

import pytest

from stormlog_tui.app import DARK, LIGHT, StormlogApp, make_app
from stormlog_tui.commands import StormlogCommands
from stormlog_tui.screens import DetailScreen, HelpScreen, JobsScreen, SessionsScreen
from stormlog_tui.screens.help_screen import described_bindings
from stormlog_tui.widgets import PhaseTable, RankTable, SessionsTable, WarningsPanel
from stormlog_tui.widgets.jobs_table import JobsTable

from .conftest import fixed_clock, loaded, small_spec, write_rank

pytestmark = pytest.mark.anyio


async def test_help_lists_every_key_of_the_screen(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(" ".join(row) for row in app.screen.rows)
        for words in ("Quit", "Help", "Jobs", "Theme", "Screenshot (SVG)", "Filter", "Sort"):
            assert words in shown
        await pilot.press("escape")
        await pilot.press("enter")
        await loaded(app, pilot)
        await pilot.press("question_mark")
        shown = " ".join(" ".join(row) for row in app.screen.rows)
        for words in ("Zoom +", "Pan ←", "Metric", "Elapsed/wall clock", "Rank list", "Export CSV"):
            assert words in shown
        await pilot.press("question_mark")
        assert isinstance(app.screen, DetailScreen)


async def test_jobs_view_lists_jobs_missing_ranks_and_opens_a_job(tmp_path: Path) -> None:
    spec = small_spec(ranks=4, leak_rank=None, degraded_rank=None)
    for rank in (0, 1, 3):
        write_rank(spec, tmp_path, rank, "completed")
    app = make_app([tmp_path], clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        await pilot.press("j")
        assert isinstance(app.screen, JobsScreen)
        table = app.screen.query_one(JobsTable)
        row = table.get_row_at(0)
        assert [cell.plain for cell in row[:3]] == [spec.job_id, "3/4", "2"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "missing ranks: 2" in str(app.screen.query_one("#chart-header").render())
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, SessionsScreen)


async def test_theme_toggle_and_screenshot(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app, pilot)
        assert app.theme == DARK
        await pilot.press("t")
        assert app.theme == LIGHT
        await pilot.press("t", "p")
        await pilot.pause()
        svgs = list(tmp_path.glob("*.svg"))
        assert len(svgs) == 1 and "<svg" in svgs[0].read_text()


async def test_tab_moves_between_panes(tmp_path: Path, demo_dir: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{nope}\n")
    app = make_app([bad, demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        assert isinstance(app.focused, SessionsTable)
        await pilot.press("tab")
        assert isinstance(app.focused, WarningsPanel)
        await pilot.press("shift+tab", "enter")
        await loaded(app, pilot)
        assert isinstance(app.focused, RankTable)
        await pilot.press("tab")
        assert app.focused is not None and not isinstance(app.focused, RankTable)


async def test_command_palette_offers_every_key_once_as_the_help_lists_it(
    demo_dir: Path,
) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        assert {StormlogCommands} == StormlogApp.COMMANDS  # not Textual's: no theme twice
        provider = StormlogCommands(app.screen)
        names = [hit.text async for hit in provider.discover()]
        assert len(names) == len(set(names)), names
        help_names = [b.description for _, _, b in described_bindings(provider.sections())]
        assert set(names) == set(help_names)  # every key of the help, once
        assert "Jobs" in names and "Metric" not in names  # the chart's keys are its screen's
        hits = [hit async for hit in provider.search("Theme")]
        await hits[0].command()
        assert app.theme == LIGHT
        await pilot.press("enter")
        await loaded(app, pilot)
        detail = StormlogCommands(app.screen)
        names = [hit.text async for hit in detail.discover()]
        for wanted in (
            "Metric",
            "Pan ←",
            "Sort",
            "Event type",
            "Ranks/Events/Phases",
            "Rank details",
        ):
            assert wanted in names, names
        hits = [hit async for hit in detail.search("Metric")]
        await hits[0].command()
        assert app.screen.metric == "reserved"  # type: ignore[attr-defined]


async def test_help_lists_the_phases_and_record_keys(demo_dir: Path) -> None:
    app = make_app([demo_dir], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("Warnings panel", "⏎", "Show its record") in app.screen.rows
        await pilot.press("escape", "w", "enter")  # the record view of a warning
        await loaded(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
        assert ("Record view", "⏎ / o", "Open its job") in rows
        assert ("Record view", "esc / q", "Close") in rows
        await pilot.press("escape", "escape", "escape", "enter")
        await loaded(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
        assert ("Job / session screen", "v", "Ranks/Events/Phases") in rows
        assert ("Phases", "⏎", "Zoom on worst run") in rows
        assert ("Events", "r", "Show the record") in rows
        await pilot.press("escape")
        detail = StormlogCommands(app.screen)
        hits = [hit async for hit in detail.search("Phases table")]
        await hits[0].command()
        await pilot.pause()
        assert isinstance(app.focused, PhaseTable)
