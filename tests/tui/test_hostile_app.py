"""The app stays responsive on hostile inputs and shows the same warnings as --summary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from generators import v3_record, write_sink

from stormlog_core.browse import load_dataset
from stormlog_tui.app import make_app
from stormlog_tui.screens import JobsScreen
from stormlog_tui.widgets import WarningsPanel

from .conftest import fixed_clock, loaded

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("hang_guard")]


def hostile_tree(root: Path) -> Path:
    good = write_sink(
        root / "good", [("good", [v3_record(i, session_id="good") for i in range(9)])]
    )
    os.mkfifo(good / "segment-000002.jsonl")
    zero = write_sink(
        root / "zero", [("zero", [v3_record(i, session_id="zero") for i in range(3)])]
    )
    (zero / "manifest.json").unlink()
    os.symlink("/dev/zero", zero / "manifest.json")
    (root / "junk.jsonl").write_bytes(b"\x00" * 100_000)
    os.mkfifo(root / "stray.jsonl")
    return root


async def test_the_app_answers_keys_and_shows_the_warnings_of_hostile_inputs(
    tmp_path: Path,
) -> None:
    root = hostile_tree(tmp_path)
    expected = {(w.code, w.path) for w in load_dataset([root]).warnings}
    assert {"not-regular-file", "manifest-unreadable", "skipped-file"} <= {c for c, _ in expected}
    app = make_app([root], clock=fixed_clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        panel = app.screen.query_one(WarningsPanel)
        shown = " ".join(
            cell.plain for row in range(panel.row_count) for cell in panel.get_row_at(row)
        )
        for code, _ in expected:
            assert code in shown
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)


async def test_warnings_of_files_in_folders_named_alike_say_which_file(tmp_path: Path) -> None:
    for case in ("fifo-segment", "deep-record"):
        records = [v3_record(i, session_id=case) for i in range(4)]
        write_sink(tmp_path / case / "sink", [(case, records)])
    os.mkfifo(tmp_path / "fifo-segment" / "sink" / "segment-000002.jsonl")
    segment = tmp_path / "deep-record" / "sink" / "segment-000001.jsonl"
    lines = segment.read_text().splitlines()
    lines[1] = '{"a":' * 50_000 + "1" + "}" * 50_000
    segment.write_text("\n".join(lines) + "\n")
    app = make_app([tmp_path], clock=fixed_clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        panel = app.screen.query_one(WarningsPanel)
        where = {panel.get_row_at(row)[1].plain for row in range(panel.row_count)}
        assert "deep-record/sink/segment-000001.jsonl:2" in where
        assert "fifo-segment/sink/segment-000002.jsonl" in where
