"""OOMs in a capture written by stormlog 0.3.9's own GPU tracker (tests/data/real_gpu_job):
one classification everywhere, and the message of the bundle stormlog wrote for it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stormlog_core.analysis import all_job_stats
from stormlog_core.browse import EventKind, classify_event, load_dataset
from stormlog_core.browse.oom import find_bundles, oom_sizes

JOB = Path(__file__).resolve().parents[2] / "data" / "real_gpu_job"
TRUTH = json.loads((JOB / "truth.json").read_text())
GiB, MiB = 1 << 30, 1 << 20


def oom_ranks_in_the_files() -> set[int]:
    """Ranks with an OOM record, read from the raw JSONL (not through our loader)."""
    ranks = set()
    for path in JOB.glob("rank-*/segment-*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["event_type"] == "error" and "oom_reason" in record["metadata"]:
                ranks.add(record["rank"])
    return ranks


def test_the_capture_has_the_oom_the_generator_says() -> None:
    expected = {int(rank) for rank, facts in TRUTH["ranks"].items() if facts["oom"]}
    assert oom_ranks_in_the_files() == expected == {TRUTH["leak_rank"]}


def test_the_oom_is_classified_once_and_counted_in_the_rank_statistics() -> None:
    dataset = load_dataset([JOB])
    kinds = {
        session.summary.rank: [e for e in session.events if e.kind is EventKind.OOM]
        for session in dataset.sessions
    }
    assert {rank for rank, events in kinds.items() if events} == oom_ranks_in_the_files()
    [stats] = all_job_stats(dataset.sessions)
    counted = {rank.rank: rank.oom_events for rank in stats.ranks}
    assert counted == {rank: len(events) for rank, events in kinds.items()}
    document = stats.to_dict()
    assert {r["rank"]: r["oom_events"] for r in document["ranks"]} == counted


def test_the_oom_carries_the_message_and_sizes_from_stormlogs_bundle() -> None:
    dataset = load_dataset([JOB])
    with_oom = [s for s in dataset.sessions if s.oom is not None]
    assert [s.summary.rank for s in with_oom] == [TRUTH["leak_rank"]]
    oom = with_oom[0].oom
    assert oom is not None
    truth = TRUTH["ranks"][str(TRUTH["leak_rank"])]["oom"]
    assert oom.message == truth["message"]
    assert oom.bundle is not None and Path(oom.bundle).name == Path(truth["dump_path"]).name
    tried = re.search(r"Tried to allocate ([\d.]+) GiB", truth["message"])
    free = re.search(r"of which ([\d.]+) MiB is free", truth["message"])
    assert tried is not None and free is not None
    assert oom.requested_bytes == round(float(tried[1]) * GiB)
    assert oom.free_bytes == round(float(free[1]) * MiB)
    assert oom.to_dict().keys() == {
        "timestamp_ns",
        "message",
        "requested_bytes",
        "free_bytes",
        "bundle",
    }


def test_a_bundle_opened_on_its_own_is_found() -> None:
    bundle = JOB / TRUTH["ranks"][str(TRUTH["leak_rank"])]["oom"]["dump_path"]
    [found] = find_bundles([bundle])
    assert found.session_id == TRUTH["ranks"][str(TRUTH["leak_rank"])]["session_id"]


@pytest.mark.parametrize(
    ("message", "requested", "free"),
    [
        (
            "CUDA out of memory. Tried to allocate 1.00 GiB. GPU 2 has a total capacity of "
            "24.00 GiB of which 272.00 MiB is free.",
            GiB,
            272 * MiB,
        ),
        ("OOM when allocating tensor with shape[1024,1024,256] and type float on GPU:0", GiB, None),
        ("OOM when allocating tensor with shape[8,8] and type bfloat16", 128, None),
        ("out of memory", None, None),
    ],
)
def test_sizes_from_pytorch_and_tensorflow_messages(
    message: str, requested: int | None, free: int | None
) -> None:
    assert oom_sizes(message) == (requested, free)


def test_an_error_is_an_oom_only_with_stormlogs_markers() -> None:
    assert classify_event("error", {"oom_reason": "x"}) is EventKind.OOM
    assert classify_event("error", {"oom_dump_path": "/d"}) is EventKind.OOM
    assert classify_event("error", {}) is EventKind.ALERT
    assert classify_event("warning", {}) is EventKind.ALERT
