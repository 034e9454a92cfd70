"""The title line of the job screen names the OOM: sizes when PyTorch gave them, else the
message; the first OOM, and how many more ranks ran out."""

from __future__ import annotations

from dataclasses import replace

from stormlog_core.browse import format_bytes
from stormlog_core.browse.oom import OomReport
from stormlog_tui.view.detail_group import make_group
from stormlog_tui.view.detail_lines import header_text, oom_line
from stormlog_tui.view.time_window import TimeWindow

from .test_chart_data import T0, session

GIB, MIB = 1 << 30, 1 << 20


def test_the_oom_line_has_the_sizes_it_knows_and_counts_the_other_ooms() -> None:
    first, second = session(0, 50), session(1, 50)
    first.oom = OomReport(T0 + 1_681_000_000, "CUDA out of memory", GIB, 272 * MIB, None, 0)
    assert first.oom is not None
    second.oom = replace(first.oom, timestamp_ns=T0 + 3_000_000_000, rank=1)
    group = make_group("job:job", "job job", [second, first])
    line = oom_line(group)
    assert line is not None
    sizes = f"tried to allocate {format_bytes(GIB)}, {format_bytes(272 * MIB)} free"
    assert line.plain == f"✖ rank 0 OOM at 1.681s: {sizes} (+1 more)"
    first.oom = replace(first.oom, requested_bytes=None)
    assert oom_line(group).plain.startswith("✖ rank 0 OOM at 1.681s: 272.0 MiB free")  # type: ignore[union-attr]
    first.oom = replace(first.oom, free_bytes=None, message="OOM when \x1b[2Jallocating")
    assert oom_line(group).plain == (  # type: ignore[union-attr]
        "✖ rank 0 OOM at 1.681s: OOM when \\x1b[2Jallocating (+1 more)"
    )


def test_the_title_has_a_second_line_only_for_an_oom() -> None:
    healthy = make_group("job:job", "job job", [session(0, 50)])
    window = TimeWindow.full(healthy.origin_ns, healthy.end_ns)
    assert "\n" not in header_text("job:job", healthy, window, None, False).plain
    sick = session(0, 50)
    sick.oom = OomReport(T0 + 2_000_000_000, "CUDA out of memory", None, None, None, 0)
    group = make_group("job:job", "job job", [sick])
    title, oom = header_text("job:job", group, window, None, False).plain.split("\n")
    assert title.startswith("job job · 1/8 ranks") and oom.startswith("✖ rank 0 OOM at 2.000s")
