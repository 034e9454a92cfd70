"""The record view: ``enter`` on a warning (or ``r`` on an event) shows the raw record at
its file and line, pretty-printed and literal, with its session; and core's
``read_record``, which reads that line back (read-only, bounded, never raising)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from stormlog_core.browse import read_record
from stormlog_core.browse import record_at as record_module
from stormlog_tui.app import make_app
from stormlog_tui.screens import DetailScreen, RecordScreen, SessionsScreen
from stormlog_tui.view.record_view import common_folder, where_label
from stormlog_tui.widgets import EventsView, RankTable, WarningsPanel

from . import real_gpu_capture as raw
from .conftest import fixed_clock, loaded, screen_text

pytestmark = pytest.mark.anyio
HOSTILE = "[bold red]pwned[/] \x1b[2J\x1b]0;title\x07 \u202eevil"


async def open_first_warning(app: Any, pilot: Any) -> RecordScreen:
    await loaded(app, pilot)
    await pilot.press("w", "enter")
    await loaded(app, pilot)
    assert isinstance(app.screen, RecordScreen)
    return app.screen


def body(screen: RecordScreen) -> str:
    return screen.record_text.plain


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_enter_on_a_warning_shows_its_record_then_its_job_on_its_rank(
    size: tuple[int, int],
) -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_first_warning(app, pilot)
        [warning] = app.dataset.warnings  # type: ignore[union-attr]
        assert warning.path is not None and warning.line is not None
        line = next(
            x for x in raw.lines() if x.path.samefile(warning.path) and x.number == warning.line
        )
        text = screen_text(app)
        assert f"segment-000001.jsonl:{warning.line}" in text
        assert f"line    {warning.line}" in text
        assert warning.session_id is not None
        assert warning.session_id in body_and_where(screen)
        rank = line.record["rank"]
        assert f"rank {rank}/8" in body_and_where(screen)
        # the record, pretty-printed: one key per line, as in the file
        for key, value in list(line.record.items())[:3]:
            assert f'  "{key}": {json.dumps(value)}' in body(screen)
        assert body(screen).startswith("{\n")
        await pilot.press("enter")  # open its job, the cursor on the warning's rank
        await loaded(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        selected = app.screen.query_one(RankTable).selected()
        outliers = [row.rank for row in app.screen.rank_rows if row.outlier]
        assert outliers and rank not in outliers  # another rank diverges...
        assert selected is not None and selected.rank == rank  # ...the cursor is on this one


def body_and_where(screen: RecordScreen) -> str:
    where = screen.query_one("#record-where")
    return f"{where.render()}\n{body(screen)}"


async def test_escape_closes_the_record_view(tmp_path: Path) -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_warning(app, pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, SessionsScreen)
        assert app.screen.query_one(WarningsPanel).has_focus


async def test_a_record_with_markup_and_escapes_is_shown_literally(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    record = {"schema_version": 99, "event_type": "sample", "context": HOSTILE}
    bad.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    app = make_app([bad], clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_first_warning(app, pilot)
        shown = screen.record_text
        assert "[bold red]pwned[/]" in shown.plain  # markup as typed
        assert "\\u001b[2J" in shown.plain and "\\u202e" in shown.plain  # escapes visible
        assert "\x1b" not in shown.plain and "\u202e" not in shown.plain
        assert not [span for span in shown.spans if "bold red" in str(span.style)]
        text = screen_text(app)
        assert "[bold red]pwned[/]" in text and "\\u001b[2J" in text
        assert "session - (about a file, not one session)" in text  # no session holds it


async def test_when_the_file_is_gone_the_view_says_so(tmp_path: Path) -> None:
    copy = tmp_path / "job"
    shutil.copytree(raw.CAPTURE, copy)
    app = make_app([copy], clock=fixed_clock, follow=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app, pilot)
        [warning] = app.dataset.warnings  # type: ignore[union-attr]
        assert warning.path is not None
        Path(warning.path).unlink()
        screen = await open_first_warning(app, pilot)
        assert "Cannot show the record: the file is gone" in body(screen)
        assert "Cannot show the record: the file is gone" in screen_text(app)


async def test_a_line_over_the_line_limit_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock, follow=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app, pilot)
        monkeypatch.setenv("STORMLOG_TUI_MAX_LINE_BYTES", "100")
        screen = await open_first_warning(app, pilot)
        assert "longer than the line limit (100 bytes); not read" in body(screen)


async def test_a_warning_about_a_whole_file_says_there_is_no_line(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"foo": 1}')
    app = make_app([other], clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first_warning(app, pilot)
        assert "not-telemetry" in body_and_where(screen)
        assert "there is no record to show" in body(screen)
        await pilot.press("enter")  # no session to open: nothing happens
        assert isinstance(app.screen, RecordScreen)


async def test_r_on_an_event_shows_its_record() -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("enter")
        await loaded(app, pilot)
        await pilot.press("v", "f", "f")  # the events, OOMs only
        view = app.screen.query_one(EventsView)
        assert view.kind == "oom" and view.row_count == 1
        await pilot.press("r")
        await loaded(app, pilot)
        assert isinstance(app.screen, RecordScreen)
        [rank] = [int(r) for r, f in raw.truth()["ranks"].items() if f["oom"]]
        where, _, number = raw.truth()["ranks"][str(rank)]["oom_event"]["at"].rpartition(":")
        assert f"{where}:{number}" in screen_text(app)
        assert '"oom_reason": "torch.cuda.OutOfMemoryError"' in body(app.screen)
        await pilot.press("enter")  # already in its job: enter does not open it again
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)


# ------------------------------------------------------------------ core's read_record


def test_read_record_finds_any_line_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n{"b": [1, 2]}\nnot json\n\n{"c": "\xff"}')
    for chunk in (1, 3, 1 << 20):
        monkeypatch.setattr(record_module, "CHUNK_BYTES", chunk)
        assert read_record(path, 1).record == {"a": 1}  # BOM and CR dropped
        assert read_record(path, 2).pretty() == '{\n  "b": [\n    1,\n    2\n  ]\n}'
        third = read_record(path, 3)
        assert third.record is None and third.text == "not json"
        assert third.problem is not None and "not valid JSON" in third.problem
        assert read_record(path, 3).pretty() == "not json"
        assert read_record(path, 4).problem == "line 4 is empty"
        assert read_record(path, 5).record == {"c": "\ufffd"}  # last line, no newline
        assert read_record(path, 6).problem == "there is no line 6: the file has 5 lines"
        assert read_record(path, 0).problem == "there is no line 0"


def test_read_record_refuses_long_lines_fifos_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"a": "' + "x" * 500 + '"}\n{"b": 2}\n')
    long = read_record(path, 1, limit=100)
    assert long.text is None and "longer than the line limit (100 bytes)" in str(long.problem)
    assert read_record(path, 2, limit=100).record == {"b": 2}
    assert read_record(tmp_path / "gone.jsonl", 1).problem == "the file is gone (deleted or moved)"
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    assert "is a FIFO" in str(read_record(fifo, 1).problem)  # and it did not block
    assert "is a directory" in str(read_record(tmp_path, 1).problem)


def test_where_a_record_is_says_the_folder_and_file_and_more_only_when_needed() -> None:
    job = "/runs/job"
    assert where_label(f"{job}/rank-5/segment-000001.jsonl", 85, job) == (
        "rank-5/segment-000001.jsonl:85"
    )
    assert where_label(f"{job}/a/sink/segment-000001.jsonl", 6, job) == (
        "a/sink/segment-000001.jsonl:6"
    )
    assert where_label("/elsewhere/sink/m.json", None, job) == "sink/m.json"
    assert common_folder([f"{job}/a/sink/x", f"{job}/b/sink/y", None]) == job
    assert common_folder([None]) is None
