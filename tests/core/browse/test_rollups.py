"""Retention and rollups on sinks written by stormlog 0.3.9's own sink."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from stormlog_core.browse import load_dataset

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
PRUNED = REAL / "cpu_tracker_sink"  # retention kept segments 3-5 of 5


def rollup_coverage() -> dict[str, object]:
    coverage = json.loads((PRUNED / "rollups.json").read_text())["coverage"]
    assert isinstance(coverage, dict)
    return coverage


def test_a_pruned_sink_reports_what_its_current_rollups_say() -> None:
    dataset = load_dataset([PRUNED])
    expected = rollup_coverage()
    for session in dataset.sessions:
        assert session.coverage is not None
        assert session.coverage.to_dict() == {
            "pruned_segments": expected["pruned_segment_count"],
            "pruned_bytes": expected["pruned_bytes"],
            "rollups": "current",
        }
    [note] = [w for w in dataset.warnings if w.code == "history-pruned"]
    assert note.severity == "info" and f"pruned {expected['pruned_segment_count']}" in note.message
    assert note.path == str(PRUNED / "manifest.json")


def test_rollups_that_disagree_with_the_manifest_are_stale_and_ignored(tmp_path: Path) -> None:
    sink = shutil.copytree(PRUNED, tmp_path / "sink")
    manifest = json.loads((sink / "manifest.json").read_text())
    manifest["segments"][-1]["event_count"] += 1  # the writer went on after the rollups
    (sink / "manifest.json").write_text(json.dumps(manifest))
    [session, *_] = load_dataset([sink]).sessions
    assert session.coverage is not None
    first = int(manifest["segments"][0]["filename"][len("segment-") : -len(".jsonl")])
    assert session.coverage.to_dict() == {
        "pruned_segments": first - 1,  # from the numbering; bytes unknown
        "pruned_bytes": None,
        "rollups": "stale",
    }


def test_a_sink_without_rollups_says_absent(tmp_path: Path) -> None:
    sink = shutil.copytree(PRUNED, tmp_path / "sink")
    (sink / "rollups.json").unlink()
    [session, *_] = load_dataset([sink]).sessions
    assert session.coverage is not None and session.coverage.rollups == "absent"
    assert session.coverage.pruned_segments == rollup_coverage()["pruned_segment_count"]


def test_a_plain_jsonl_file_has_no_coverage() -> None:
    dataset = load_dataset([REAL / "job_elastic-run-42" / "rank0" / "segment-000001.jsonl"])
    assert all(session.coverage is None for session in dataset.sessions)
