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
    assert 'time_axis = "wall_clock"' in captured.out and "refresh_seconds = 0.25" in captured.out
    assert f"{path}:2: refresh_seconds: must be a number of seconds" in captured.err
    printed = tmp_path / "printed.toml"
    printed.write_text(captured.out)
    assert load_settings(printed) == (Settings(time_axis="wall_clock"), [])  # round-trips
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo"
    assert main(["--config", str(tmp_path / "missing.toml"), "--summary", str(demo)]) == 0
    assert "missing.toml: no such file; ignored" in capsys.readouterr().err
