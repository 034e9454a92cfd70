"""Pure helpers of the app: rank lists, time windows, rank statistics, events, export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from stormlog_core.analysis import format_ranks
from stormlog_core.browse.dataset import load_dataset
from stormlog_tui.export import export_group
from stormlog_tui.view.detail_group import group_of
from stormlog_tui.view.rank_lists import parse_ranks, ranks_label
from stormlog_tui.view.rows.events import event_rows, filtered
from stormlog_tui.view.rows.jobs import job_rows
from stormlog_tui.view.rows.ranks import group_rank_rows
from stormlog_tui.view.time_window import TimeWindow


def test_rank_lists() -> None:
    assert parse_ranks("0,3,5-7") == (0, 3, 5, 6, 7)
    assert parse_ranks(" all ") is None and parse_ranks("") is None
    # Lists are written by core's one formatter (``0, 3, 5-7``); the parser reads them back.
    assert ranks_label((0, 3, 5, 6, 7)) == format_ranks([0, 3, 5, 6, 7]) == "0, 3, 5-7"
    assert parse_ranks(ranks_label((0, 3, 5, 6, 7))) == (0, 3, 5, 6, 7)
    assert ranks_label(None) == "all"
    for bad in ("x", "5-3", "-1", "1-"):
        with pytest.raises(ValueError):
            parse_ranks(bad)


def test_time_window_zoom_pan_and_clamp() -> None:
    full = TimeWindow.full(0, 1000_000_000)
    zoomed = full.zoom(0.5)
    assert (zoomed.start_ns, zoomed.end_ns) == (250_000_000, 750_000_000)
    assert zoomed.pan(10).end_ns == 1000_000_000  # clamped at the end
    assert zoomed.pan(-10).start_ns == 0
    assert full.zoom(4).is_full
    left = full.zoom(0.5, anchor=0.0)
    assert left.start_ns == 0 and left.end_ns == 500_000_000
    grown = zoomed.extended(0, 2000_000_000)
    assert grown.span_ns == zoomed.span_ns and not grown.is_full
    assert full.extended(0, 2000_000_000).is_full


def test_the_demo_leaking_rank_is_the_only_outlier(demo_dir: Path) -> None:
    dataset = load_dataset([demo_dir])
    group = group_of(dataset, dataset.sessions[0].session_id)
    assert group is not None and group.job_id is not None
    rows = group_rank_rows(group)
    outliers = [row.rank for row in rows if row.outlier]
    assert outliers == [3]
    leaking = rows[3]
    assert leaking.reasons and "rank 3" in leaking.reasons[0]
    assert leaking.headroom_at_peak is not None and leaking.headroom_at_peak < 4 * 1024**3
    assert rows[5].longest_gap_ns is not None and rows[5].longest_gap_ns > 5e9  # degraded


def test_jobs_list_missing_ranks(tmp_path: Path) -> None:
    from .conftest import small_spec, write_rank

    spec = small_spec(ranks=4, leak_rank=None, degraded_rank=None)
    for rank in (0, 1, 3):
        write_rank(spec, tmp_path, rank, "completed")
    [job] = job_rows(load_dataset([tmp_path]).sessions)
    assert job.ranks_missing == [2] and job.ranks_present == 3 and job.world_size == 4


def test_events_filter_by_kind_text_and_rank(demo_dir: Path) -> None:
    dataset = load_dataset([demo_dir])
    group = group_of(dataset, dataset.sessions[0].session_id)
    assert group is not None
    rows = event_rows(group)
    assert all(row.event_type != "sample" for row in rows)
    collector = list(filtered(rows, "collector", ""))
    assert {row.rank for row in collector} == {5}
    recovered = list(filtered(rows, None, "RECOVERED"))
    assert recovered and all("recovered" in (r.context or "").lower() for r in recovered)
    assert {row.rank for row in filtered(rows, None, "", (3,))} == {3}


def test_export_csv_and_jsonl_of_ranks_in_a_window(demo_dir: Path, tmp_path: Path) -> None:
    dataset = load_dataset([demo_dir])
    group = group_of(dataset, dataset.sessions[0].session_id)
    assert group is not None
    middle = (group.origin_ns + group.end_ns) // 2
    path, count = export_group(group, (3,), group.origin_ns, middle, tmp_path, "csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count > 0
    assert {row["rank"] for row in rows} == {"3"}
    assert max(int(row["timestamp_ns"]) for row in rows) <= middle
    again, _ = export_group(group, None, group.origin_ns, group.end_ns, tmp_path, "jsonl")
    assert again.suffix == ".jsonl" and again.parent == tmp_path
    first = json.loads(again.read_text().splitlines()[0])
    assert first["allocator_active_bytes"] is None or isinstance(
        first["allocator_active_bytes"], int
    )
    third, _ = export_group(group, (3,), group.origin_ns, middle, tmp_path, "csv")
    assert third != path  # never overwrites


def test_app_and_summary_escape_text_the_same_way() -> None:
    from stormlog_tui.view.literal import literal
    from stormlog_tui.view.safe_text import safe_text

    hostile = "gpu\u202e7\x1b[2J\u200b-node\x07"
    assert literal(hostile).plain == safe_text(hostile) == "gpu\\u202e7\\x1b[2J\\u200b-node\\x07"
