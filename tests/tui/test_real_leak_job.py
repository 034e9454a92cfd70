"""Pilot test on a real capture: 8 ranks written by stormlog 0.3.9, rank 5 leaks.

The capture is ``tests/data/real_leak_job`` (``tests/data/make_real_leak_job.py``); the true
leak start, recorded inside the leaking process, is in its ``truth.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stormlog_tui.app import make_app
from stormlog_tui.screens import DetailScreen
from stormlog_tui.widgets import RankTable

from .conftest import ROOT, fixed_clock, loaded

pytestmark = pytest.mark.anyio

CAPTURE = ROOT / "tests" / "data" / "real_leak_job"


async def test_enter_names_the_leaking_rank_and_puts_the_cursor_on_it() -> None:
    truth = json.loads((CAPTURE / "truth.json").read_text())
    leak = truth["leak_rank"]
    app = make_app([Path(CAPTURE)], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("enter")
        await loaded(app, pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        table = screen.query_one(RankTable)
        assert sorted(row.rank for row in table.shown_rows) == list(range(8))
        assert [row.rank for row in table.shown_rows if row.outlier] == [leak]
        selected = table.selected()
        assert selected is not None and selected.rank == leak
        header = str(screen.query_one("#divergence").render())
        assert header.count("diverges") == 1
        match = re.search(
            rf"⚠ rank {leak} diverges since (\d+(?:\.\d+)?)s: allocated grows", header
        )
        assert match, header
        # The label is whole seconds from the job's first record: the true start, +-1 s.
        assert screen.group is not None
        true_since = (truth["leak_start_ns"] - screen.group.origin_ns) / 1e9
        assert abs(float(match.group(1)) - true_since) <= 1.0, (header, true_since)
