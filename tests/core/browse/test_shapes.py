"""Every shape stormlog writes loads what it holds, with a warning that says what it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from generators import v3_record, write_sink

from stormlog_core.browse import load_dataset

REAL = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize(("content", "what"), [("", "is empty"), (" \n\n\t \n", "only whitespace")])
@pytest.mark.parametrize("name", ["run.jsonl", "run.json"])
def test_empty_and_blank_files_say_they_hold_no_records(
    tmp_path: Path, name: str, content: str, what: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    dataset = load_dataset([path])
    [warning] = dataset.warnings
    assert (warning.code, warning.path) == ("no-records", str(path)) and what in warning.message
    assert dataset.sessions == []


def test_a_json_file_holding_json_lines_is_read_as_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text("".join(json.dumps(v3_record(i)) + "\n" for i in range(7)))
    dataset = load_dataset([path])
    assert [w.code for w in dataset.warnings] == ["jsonl-in-json"]
    assert dataset.sessions[0].event_count == 7


def test_a_manifest_session_without_records_is_listed_with_no_events(tmp_path: Path) -> None:
    root = write_sink(
        tmp_path / "sink", [("early", [v3_record(0, session_id="early")]), ("later", [])]
    )
    dataset = load_dataset([root])
    later = dataset.session("later")
    assert later is not None and later.event_count == 0
    assert [w.code for w in dataset.warnings if w.session_id == "later"] == ["session-empty"]


def test_a_stormlog_043_results_file_is_read_with_its_session_summary(tmp_path: Path) -> None:
    records = [v3_record(i, session_id="run-43") for i in range(5)]
    summary = {
        "session_id": "run-43",
        "status": "completed",
        "started_at_ns": records[0]["timestamp_ns"] - 5,
        "ended_at_ns": records[-1]["timestamp_ns"] + 5,
        "host": "gpu-node-4",
        "pid": 31337,
        "job_id": None,
        "rank": 0,
        "local_rank": 0,
        "world_size": 1,
        "source": "stormlog.tracker",
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"telemetry_events": records, "session_summary": summary}))
    dataset = load_dataset([path])
    [session] = dataset.sessions
    assert dataset.warnings == [] and session.event_count == 5
    assert (session.summary.status, session.summary.host, session.summary.source) == (
        "completed",
        "gpu-node-4",
        "stormlog.tracker",
    )


def test_an_oom_bundle_opened_on_its_own_loads_its_flight_recorder_events(tmp_path: Path) -> None:
    [bundle] = (REAL / "real_gpu_job").glob("rank-*/oom_dumps/oom_dump_*")
    copy = shutil.copytree(bundle, tmp_path / bundle.name)
    expected = json.loads((copy / "events.json").read_text())
    dataset = load_dataset([copy])
    assert sum(s.event_count for s in dataset.sessions) == len(expected)
    assert not [w for w in dataset.warnings if w.severity == "error"]
