"""Telemetry text is shown literally in every view; damaged inputs never reach the screen
as a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from stormlog_tui.app import make_app
from stormlog_tui.screens import DetailScreen, JobsScreen, RankScreen
from stormlog_tui.view.literal import literal
from stormlog_tui.widgets import EventsView, SessionsTable, WarningsPanel
from stormlog_tui.widgets.jobs_table import JobsTable

from .conftest import fixed_clock, loaded, screen_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from generators import (
    session_records,
    v3_record,
    write_jsonl,
    write_killed_sink,
    write_manifest_only,
    write_rollover_sink,
    write_sink,
)

MARKUP = "[bold red]x[/]"
CLEAR = "\x1b[2J"
TITLE = "\x1b]0;title\x07"
FILE_MARKUP = "[bold red]x[reset]"  # no slash: it is a file name
HOSTILE = f"{MARKUP} {CLEAR} {TITLE}"
SHOWN = literal(HOSTILE).plain  # escapes made visible, markup as typed

pytestmark = pytest.mark.anyio


def hostile_records() -> list[dict[str, Any]]:
    common: dict[str, Any] = {"host": HOSTILE, "job_id": HOSTILE, "rank": 0, "world_size": 1}
    records = session_records("evil", 4, **common)
    records[2]["event_type"] = "warning"
    records[2]["context"] = HOSTILE
    records[2]["metadata"] = {"note": HOSTILE}
    return records


def plain_cells(table: Any) -> list[Any]:
    return [cell for row in range(table.row_count) for cell in table.get_row_at(row)]


def assert_literal(cells: list[Any]) -> None:
    texts = [cell for cell in cells if SHOWN in cell.plain or MARKUP in cell.plain]
    assert texts, [c.plain for c in cells]
    for cell in texts:
        assert "\x1b" not in cell.plain and "\x07" not in cell.plain
        assert not any(MARKUP in cell.plain[s.start : s.end] for s in cell.spans)


async def test_markup_and_escapes_are_literal_in_every_view(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "evil.jsonl", hostile_records())
    bad = tmp_path / f"{FILE_MARKUP}.jsonl"
    bad.write_text(json.dumps(v3_record(0, host=HOSTILE))[:-5] + "\n" + "{\n")
    app = make_app([good, bad], clock=fixed_clock)
    async with app.run_test(size=(200, 50)) as pilot:
        await loaded(app, pilot)
        assert_literal(plain_cells(app.screen.query_one(SessionsTable)))
        wheres = [c.plain for c in plain_cells(app.screen.query_one(WarningsPanel))]
        assert any(f"{FILE_MARKUP}.jsonl" in where for where in wheres)
        await pilot.press("enter")
        await loaded(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        header = app.screen.query_one("#chart-header").render()
        assert f"job {SHOWN}" in str(header)
        view = app.screen.query_one(EventsView)
        assert_literal(plain_cells(view))
        contexts = [row.context for row in view.shown_rows]
        assert HOSTILE in contexts  # the data is kept intact; only its display is escaped
        await pilot.press("escape", "j")
        assert isinstance(app.screen, JobsScreen)
        assert_literal(plain_cells(app.screen.query_one(JobsTable)))
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "title\x07" not in svg


def damaged_inputs(root: Path) -> list[Path]:
    """The damaged-input cases of tests/core/test_tolerant.py, one path each."""
    root.mkdir()
    lines = [json.dumps(v3_record(i)).encode() for i in range(3)]
    bad_lines = [
        b'{"schema_version": 3, "session_id": ',
        b"[1, 2, 3]",
        b'"just a string"',
        json.dumps(v3_record(99, schema_version=9)).encode(),
        b"\xff\xfe not utf-8 \x80",
        b"\xef\xbb\xbf" + lines[0],
    ]
    paths = []
    for index, bad in enumerate(bad_lines):
        path = root / f"bad-{index}.jsonl"
        path.write_bytes(b"\n".join([lines[0], bad, lines[2]]) + b"\n")
        paths.append(path)
    torn = root / "torn.jsonl"
    torn.write_bytes(b"\n".join(lines) + b'\n{"schema_version": 3, "sess')
    paths.append(torn)
    for content in (b"{not json", b"[1, 2]", b"\x00\x01"):
        sink = write_sink(root / f"manifest-{len(paths)}", [("s", session_records("s", 3))])
        (sink / "manifest.json").write_bytes(content)
        paths.append(sink)
    paths.append(write_rollover_sink(root / "rollover"))
    paths.append(write_killed_sink(root / "killed"))
    paths.append(write_manifest_only(root / "manifest-only"))
    (root / "empty").mkdir()
    paths.append(root / "empty")
    (root / "export.csv").write_text("timestamp_ns,metadata\n1,{'a': 1}\n")
    paths.append(root / "export.csv")
    (root / "binary.json").write_bytes(bytes(range(256)))
    paths.append(root / "binary.json")
    v4 = v3_record(0, schema_version=4, allocator_allocated_bytes=None)
    paths.append(write_jsonl(root / "v4-bad.jsonl", [v4]))
    return paths


async def test_no_traceback_on_damaged_inputs(tmp_path: Path) -> None:
    paths = damaged_inputs(tmp_path / "damaged")
    app = make_app(paths, clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        assert app.dataset is not None and app.dataset.warnings
        screen_text = app.export_screenshot()
        assert "Traceback" not in screen_text
        for _ in range(min(3, len(app.dataset.sessions))):
            await pilot.press("enter")
            await loaded(app, pilot)
            await pilot.press("v", "f", "plus", "m", "c", "escape", "down")
            await loaded(app, pilot)
        await pilot.press("j", "enter")
        await loaded(app, pilot)
        assert "Traceback" not in app.export_screenshot()
    assert app.return_code in (None, 0)


@pytest.mark.parametrize("job_id", [HOSTILE, "exp[/b]", "[@click=app.quit]x"])
async def test_the_rank_details_title_shows_a_hostile_job_id_as_written(
    tmp_path: Path, job_id: str
) -> None:
    common: dict[str, Any] = {"job_id": job_id, "rank": 0, "world_size": 1}
    path = write_jsonl(tmp_path / "evil.jsonl", session_records("evil", 4, **common))
    app = make_app([path], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("enter")
        await loaded(app, pilot)
        await pilot.press("i")  # an unbalanced [/b] failed to parse here: a traceback
        await pilot.pause()
        assert isinstance(app.screen, RankScreen) and app.is_running
        [line] = [x for x in screen_text(app).splitlines() if "rank 0 · job" in x]
        assert literal(job_id).plain in line and "\x1b" not in line  # drawn as written
