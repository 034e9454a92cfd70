"""``--no-cache`` and the segment cache from the command line: ``--summary``, ``--export``
and the app read the cache on a reopen and print what parsing again prints; with
``--no-cache`` (or ``STORMLOG_TUI_NO_CACHE=1``) no entry is read or written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stormlog_core.browse.segment_cache import open_cache, segments_dir
from stormlog_tui.app import make_app
from stormlog_tui.cli import build_parser, main
from stormlog_tui.widgets import SessionsTable

from .conftest import fixed_clock, loaded
from .test_sessions_table import column

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real_gpu_job"


@pytest.fixture
def job(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REAL, tmp_path / "job"))


def entries() -> list[Path]:
    return sorted(segments_dir().glob("*.seg")) if segments_dir().is_dir() else []


def summary(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["--summary", "--json", *argv]) == 0
    return capsys.readouterr().out


def test_summary_json_from_the_cache_is_what_no_cache_prints(
    job: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = summary(capsys, str(job))
    assert len(entries()) == 8
    long_ago = time.time() - 86_400
    for entry in entries():
        os.utime(entry, (long_ago, long_ago))
    again = summary(capsys, str(job))
    assert all(entry.stat().st_mtime > long_ago + 3600 for entry in entries())  # read
    parsed = summary(capsys, "--no-cache", str(job))
    assert again == parsed == first
    assert len(json.loads(again)["sessions"]) == 8


def test_no_cache_writes_no_entry_for_summary_export_or_the_app(
    job: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import stormlog_tui.app as app_module

    assert main(["--no-cache", "--summary", str(job)]) == 0
    output = tmp_path / "out.jsonl"
    assert main(["--no-cache", "--export", "jsonl", "--output", str(output), str(job)]) == 0
    assert output.stat().st_size > 0
    assert not segments_dir().exists()
    seen: list[object] = []
    monkeypatch.setattr(app_module.StormlogApp, "run", lambda self: seen.append(open_cache()))
    assert main(["--no-cache", str(job)]) == 0
    assert main([str(job)]) == 0
    assert seen[0] is None and seen[1] is not None  # the app's loads see the choice
    capsys.readouterr()
    monkeypatch.setenv("STORMLOG_TUI_NO_CACHE", "1")
    assert main(["--summary", str(job)]) == 0
    assert entries() == []


def test_a_config_file_bounds_the_cache_and_the_environment_wins(
    job: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[cache]\nmax_bytes = 0\n")
    assert main(["--config", str(config), "--summary", str(job)]) == 0
    assert entries() == []
    assert main(["--config", str(config), "--print-config"]) == 0
    assert "[cache]\nmax_bytes = 0\n" in capsys.readouterr().out
    monkeypatch.setenv("STORMLOG_TUI_CACHE_MAX_BYTES", str(1 << 30))
    assert main(["--config", str(config), "--summary", str(job)]) == 0
    assert len(entries()) == 8
    config.write_text('[cache]\nmax_bytes = "a lot"\n')
    assert main(["--config", str(config), "--summary", str(job)]) == 0
    assert "max_bytes must be a whole number of bytes" in capsys.readouterr().err


@pytest.mark.anyio
@pytest.mark.parametrize("follow", [None, False], ids=["follow", "no-follow"])
async def test_the_app_reads_the_cache_on_a_reopen(job: Path, follow: bool | None) -> None:
    shown = []
    for attempt in range(2):
        app = make_app([job], clock=fixed_clock, follow=follow)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(app, pilot)
            shown.append(column(app.screen.query_one(SessionsTable), "Status"))
        if attempt == 0:
            assert len(entries()) == 8
            long_ago = time.time() - 86_400
            for entry in entries():
                os.utime(entry, (long_ago, long_ago))
    assert shown[0] == shown[1] and len(shown[0]) == 8
    assert all(entry.stat().st_mtime > time.time() - 3600 for entry in entries())  # read


def test_every_option_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    options = [
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ]
    assert "--no-cache" in options
    missing = [o for o in options if not re.search(re.escape(o) + r"(?![\w-])", readme)]
    assert missing == []


def test_help_lists_no_cache() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stormlog_tui", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "--no-cache" in done.stdout and "STORMLOG_TUI_NO_CACHE" in done.stdout
