"""The first screen at once: the sessions the manifests list, before any file is parsed,
and the load's progress in bytes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from stormlog_core.browse import Dataset, discover
from stormlog_core.browse import read as read_module
from stormlog_core.browse.dataset import load_targets
from stormlog_core.browse.plan import FileTask
from stormlog_core.browse.read import FileResult

CAPTURE = Path(__file__).resolve().parents[2] / "data" / "real_gpu_job"


def manifest_facts() -> dict[str, tuple[str, str, int, int, int]]:
    """Each session's status, host, rank, world size and listed records, from the raw
    manifests of stormlog's own capture."""
    facts = {}
    for manifest in sorted(CAPTURE.glob("rank-*/manifest.json")):
        raw = json.loads(manifest.read_text())
        for entry in raw["sessions"]:
            listed = sum(
                s["event_count"] for s in raw["segments"] if s["session_id"] == entry["session_id"]
            )
            facts[entry["session_id"]] = (
                entry["status"],
                entry["host"],
                entry["rank"],
                entry["world_size"],
                listed,
            )
    return facts


def test_the_manifests_sessions_come_before_any_file_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    previews: list[tuple[Dataset, int]] = []
    real = read_module.read_file

    def counting(task: FileTask) -> FileResult:
        parsed.append(task.path)
        return real(task)

    monkeypatch.setattr(read_module, "read_file", counting)
    dataset, _, _ = load_targets(
        discover([CAPTURE]),
        time.time_ns(),
        workers=1,
        planned=lambda preview: previews.append((preview, len(parsed))),
    )
    [(preview, parsed_before)] = previews
    assert parsed_before == 0 and parsed  # the preview came first, then the files
    shown = {
        s.session_id: (
            s.summary.status,
            s.summary.host,
            s.summary.rank,
            s.summary.world_size,
            s.event_count,
        )
        for s in preview.sessions
    }
    assert shown == manifest_facts()
    assert all(session.loading and not len(session.series) for session in preview.sessions)
    loaded = {s.session_id: s.event_count for s in dataset.sessions}
    assert loaded == {sid: facts[4] for sid, facts in manifest_facts().items()}
    assert not any(session.loading for session in dataset.sessions)


def test_progress_counts_bytes_up_to_every_byte_of_the_files() -> None:
    seen: list[tuple[int, int]] = []
    load_targets(discover([CAPTURE]), time.time_ns(), workers=1, progress=lambda *a: seen.append(a))
    total = sum(path.stat().st_size for path in CAPTURE.glob("rank-*/segment-*.jsonl"))
    assert {t for _, t in seen} == {total}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == total and done[0] > 0
