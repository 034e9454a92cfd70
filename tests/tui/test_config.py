"""The config file (issue #13): read from the user's config directory or ``--config``;
a bad file is reported with its line and ignored, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from stormlog_tui.cli import main
from stormlog_tui.config import Settings, default_path, load_settings


def test_the_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_path() == tmp_path / "stormlog-tui" / "config.toml"
    assert load_settings() == (Settings(), [])  # no file there: defaults, no problem


def test_settings_from_the_file_and_the_problems_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "light"\nmetric = "bogus"\ncolour = 3\npoll_seconds = 2\n[keys]\nquit = "ctrl+q"\n'
    )
    settings, problems = load_settings(path)
    assert settings == Settings(theme="light", poll_seconds=2, keys={"quit": "ctrl+q"})
    said = [str(problem) for problem in problems]
    assert said == [
        f"{path}:2: metric: must be one of allocated, reserved, used, not 'bogus'; ignored",
        f"{path}:3: unknown setting 'colour'; ignored",
    ]


def test_a_syntax_error_names_its_line_and_the_defaults_stand(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "light"\n\npoll_seconds = \n')
    settings, (problem,) = load_settings(path)
    assert settings == Settings()
    assert problem.line == 3 and "not valid TOML" in str(problem)


def test_print_config_and_a_bad_file_never_stop_the_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('time_axis = "wall_clock"\nrefresh_seconds = -1\n')
    assert main(["--config", str(path), "--print-config"]) == 0
    captured = capsys.readouterr()
    assert 'time_axis = "wall_clock"' in captured.out and "refresh_seconds = 1.0" in captured.out
    assert f"{path}:2: refresh_seconds: must be a number of seconds" in captured.err
    printed = tmp_path / "printed.toml"
    printed.write_text(captured.out)
    assert load_settings(printed) == (Settings(time_axis="wall_clock"), [])  # round-trips
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo"
    assert main(["--config", str(tmp_path / "missing.toml"), "--summary", str(demo)]) == 0
    assert "missing.toml: no such file; ignored" in capsys.readouterr().err


@pytest.mark.anyio
async def test_the_app_starts_with_the_files_settings_and_says_what_it_ignored(
    tmp_path: Path,
) -> None:
    from stormlog_tui.app import make_app
    from stormlog_tui.screens import DetailScreen

    from .conftest import DEMO_DIR, fixed_clock, loaded

    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "light"\nmetric = "reserved"\ntime_axis = "wall_clock"\ncolour = 1\n'
        '[keys]\nquit = "ctrl+q"\nnonsense = "z"\nmetric = "M"\n'
    )
    settings, problems = load_settings(path)
    app = make_app([DEMO_DIR], clock=fixed_clock, settings=settings, config_problems=problems)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        assert app.theme == "textual-light"
        said = [str(n.message) for n in app._notifications]
        assert any("config.toml:4: unknown setting 'colour'" in m for m in said), said
        assert any("[keys] nonsense: no such binding" in m for m in said), said
        await pilot.press("enter")  # open the first job: its chart starts as configured
        await loaded(app, pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.metric == "reserved" and screen.wall_clock
        await pilot.press("m")  # the metric moved to M
        await pilot.pause()
        assert screen.metric == "reserved"
        await pilot.press("M")
        await pilot.pause()
        assert screen.metric != "reserved"
        await pilot.press("question_mark")  # the help lists the keys as rebound
        await pilot.pause()
        rows = {description: keys for _, keys, description in app.screen.rows}  # type: ignore[attr-defined]
        assert rows["Metric"] == "M" and rows["Quit"] == "^q", rows
        await pilot.press("escape")
        await pilot.press("escape", "q")  # q no longer quits: ctrl+q does
        await pilot.pause()
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


def test_the_readme_lists_every_key_id_a_config_file_can_rebind() -> None:
    import re

    from stormlog_tui.app import binding_ids

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("### Settings") : readme.index("A syntax error")]
    listed = set(re.findall(r"`([a-z_]+)`", section[section.index("The\nids:") :]))
    assert listed == binding_ids()
