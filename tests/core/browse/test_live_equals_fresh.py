"""Following a file and loading it afresh keep the same records (issue #16).

Any sequence of appends (duplicates, events at the same instant, small reorders between
stormlog's threads, records split across refreshes), followed refresh by refresh, gives
the dataset a fresh load of the final file gives: the same records, duplicates dropped
once, events in the same order.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
from generators import v3_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stormlog_core.browse import Dataset, load_dataset
from stormlog_core.browse.follow import Follower

EVENT_TYPES = ("sample", "sample", "sample", "phase_enter", "allocation", "warning")


@st.composite
def append_sequences(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    """Records of one or two sessions, cut into the batches a writer flushes."""
    records: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 40))):
        if records and draw(st.integers(0, 5)) == 0:
            records.append(dict(draw(st.sampled_from(records))))  # an exact duplicate
            continue
        step = draw(st.integers(-2, 6))  # a step back is a reorder within a millisecond
        session = draw(st.sampled_from(("run-a", "run-b")))
        record = v3_record(
            max(0, index + step),
            session_id=session,
            event_type=draw(st.sampled_from(EVENT_TYPES)),
            allocator_allocated_bytes=draw(st.sampled_from((1, 2, 3))) << 20,
        )
        record["timestamp_ns"] = record["timestamp_ns"] // 100_000 + step * 100_000
        records.append(record)
    cuts = sorted(draw(st.lists(st.integers(0, len(records)), max_size=5)))
    bounds = [0, *cuts, len(records)]
    return [records[a:b] for a, b in itertools.pairwise(bounds)]


def contents(dataset: Dataset) -> dict[str, Any]:
    """What a user sees of each session: every record's time, kind and counters, and
    every event."""
    out: dict[str, Any] = {}
    for session in dataset.sessions:
        series = session.series
        out[session.session_id] = {
            "times": series.timestamp_ns.tolist(),
            "samples": series.is_sample.tolist(),
            "allocated": np.nan_to_num(series.values["allocator_allocated_bytes"]).tolist(),
            "events": [(e.timestamp_ns, e.event_type, e.line) for e in session.events],
        }
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=append_sequences())
def test_any_append_sequence_followed_equals_a_fresh_load(
    tmp_path_factory: Any, batches: list[list[dict[str, Any]]]
) -> None:
    path = Path(tmp_path_factory.mktemp("live")) / "run.jsonl"
    path.write_text("")
    follower = Follower([path], workers=1)
    follower.load()
    for batch in batches:
        with path.open("a") as handle:
            handle.writelines(json.dumps(record) + "\n" for record in batch)
        follower.refresh([path])
    fresh = load_dataset([path])
    assert contents(follower.dataset) == contents(fresh)
    duplicates = sum(
        int(w.message.split()[0]) for w in fresh.warnings if w.code == "duplicate-records"
    )
    live_duplicates = sum(
        int(w.message.split()[0])
        for w in follower.dataset.warnings
        if w.code == "duplicate-records"
    )
    assert live_duplicates == duplicates  # every dropped copy is said, once


def test_ten_identical_records_appended_live_count_once(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    line = json.dumps(v3_record(0)) + "\n"
    path.write_text(line)
    follower = Follower([path], workers=1)
    follower.load()
    with path.open("a") as handle:
        handle.write(line * 10)
    follower.refresh([path])
    (session,) = follower.dataset.sessions
    assert session.event_count == 1 == load_dataset([path]).sessions[0].event_count
    (warning,) = [w for w in follower.dataset.warnings if w.code == "duplicate-records"]
    assert warning.message.startswith("10 duplicate") and warning.line == 2
