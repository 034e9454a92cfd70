"""The events view's rows, filtered and sorted on columns, agree with the same done on
the records one by one (stormlog's own GPU capture: phases, allocations, alerts, an OOM,
a failing collector)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stormlog_core.browse import EventRecord, load_dataset
from stormlog_tui.view.detail_group import make_group
from stormlog_tui.view.rows.events import EventRows, event_rows, filtered, sorted_rows

CAPTURE = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job"


@pytest.fixture(scope="module")
def rows() -> EventRows:
    dataset = load_dataset([CAPTURE])
    return event_rows(make_group("job:x", "job x", dataset.sessions))


def test_the_rows_are_every_non_sample_record_in_time_order(rows: EventRows) -> None:
    records = list(rows)
    assert len(records) == 1153 - 293  # the capture's records minus its samples
    assert [(r.timestamp_ns, r.rank) for r in records] == sorted(
        (r.timestamp_ns, r.rank) for r in records
    )


@pytest.mark.parametrize("needle", ["forward", "RANK 3", "out of memory", "zzz-none"])
def test_a_text_filter_is_what_a_search_of_each_row_finds(rows: EventRows, needle: str) -> None:
    def holds(r: EventRecord) -> bool:
        text = f"{r.event_type} {r.context or ''} {r.details or ''}".lower()
        lowered = needle.lower()
        if lowered.startswith("rank") and lowered.removeprefix("rank").strip().isdigit():
            return r.rank == int(lowered.removeprefix("rank"))
        return lowered in text

    expected = [record for record in rows if holds(record)]
    assert list(filtered(rows, None, needle)) == expected


@pytest.mark.parametrize("column", ["time", "rank", "type", "severity", "context", "details"])
@pytest.mark.parametrize("reverse", [False, True], ids=["up", "down"])
def test_sorting_on_columns_is_a_stable_sort_of_the_records(
    rows: EventRows, column: str, reverse: bool
) -> None:
    def key(r: EventRecord) -> tuple[int, int] | tuple[str, int]:
        texts = {
            "type": r.event_type,
            "severity": r.severity,
            "context": r.context or "",
            "details": r.details or "",
        }
        if column == "time":
            return (r.timestamp_ns, r.rank)
        if column == "rank":
            return ("", r.rank)
        return (texts[column], 0)

    shown = list(sorted_rows(rows, column, reverse))
    keys = [key(record) for record in shown]
    assert keys == sorted(keys, reverse=reverse)
    slow = rows.reordered(rows.order.copy())  # not known to be in time order: sorted
    assert [key(r) for r in sorted_rows(slow, column, reverse)] == keys
    assert np.array_equal(np.sort(sorted_rows(rows, column, reverse).order), np.sort(rows.order))
