"""``stormlog-tui --summary`` (the installed console script) on the capture written by
stormlog 0.4.3's own GPU tracker, ``tests/data/real_gpu_job_v4``: the OOM of rank 3 with
its bundle's message and sizes, the phases, alerts and collector health of every rank.

Every expectation is read from the files themselves (segments, manifests, the bundle's
``metadata.json``, ``truth.json``), never from the code under test.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from raw_capture import bundle, expected_phases, message_sizes, raw_runs

from stormlog_core.browse import format_bytes

JOB = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job_v4"
TRUTH: dict[str, Any] = json.loads((JOB / "truth.json").read_text())
LEAK = TRUTH["leak_rank"]
FLAKY = TRUTH["flaky_collector_rank"]
SCRIPT = Path(sys.executable).with_name("stormlog-tui")


@lru_cache(maxsize=2)
def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line on the capture (run once per set of arguments)."""
    return subprocess.run(
        [str(SCRIPT), "--summary", *args, str(JOB)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def document() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run("--json").stdout)
    return result


def by_rank() -> dict[int, dict[str, Any]]:
    return {session["rank"]: session for session in document()["sessions"]}


def records(rank: int) -> list[dict[str, Any]]:
    path = JOB / f"rank-{rank}" / "segment-000001.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_json_has_the_oom_of_the_rank_that_ran_out_with_its_bundles_message_and_sizes() -> None:
    directory, metadata = bundle(JOB, LEAK)
    [oom_record] = [r for r in records(LEAK) if "oom_reason" in r["metadata"]]
    sessions = by_rank()
    assert sorted(sessions) == list(range(TRUTH["world_size"]))
    oom = sessions[LEAK]["oom"]
    assert set(oom) == {"timestamp_ns", "message", "requested_bytes", "free_bytes", "bundle"}
    assert oom["message"] == metadata["exception_message"]
    assert oom["message"] == TRUTH["ranks"][str(LEAK)]["oom"]["message"]
    assert (oom["requested_bytes"], oom["free_bytes"]) == message_sizes(
        metadata["exception_message"]
    )
    assert oom["timestamp_ns"] == oom_record["timestamp_ns"]
    assert Path(oom["bundle"]).resolve() == directory.resolve()
    assert [s["oom"] for rank, s in sorted(sessions.items()) if rank != LEAK] == [None] * 3
    assert sessions[LEAK]["status"] == "completed"  # what stormlog wrote
    for rank, session in sessions.items():
        assert session["session_id"] == TRUTH["ranks"][str(rank)]["session_id"]
        assert session["event_count"] == len(records(rank))
        assert session["schema_versions"] == [4]
        assert session["coverage"] == {
            "pruned_segments": 0,
            "pruned_bytes": 0,
            "rollups": "current",
        }


def test_json_phases_agree_with_the_raw_records() -> None:
    for rank, session in by_rank().items():
        phases = {entry.pop("path"): entry for entry in session["phases"]}
        assert phases == expected_phases(raw_runs(records(rank))), f"rank {rank}"


def test_json_rank_rows_count_alerts_and_the_collector_outage_from_the_records() -> None:
    [job] = document()["jobs"]
    assert (job["job_id"], job["world_size"], job["ranks_missing"]) == (
        TRUTH["job_id"],
        TRUTH["world_size"],
        [],
    )
    assert LEAK in job["outliers"] and LEAK in job["ranks_stopped_early"]
    for row in job["ranks"]:
        rank_records = records(row["rank"])
        kinds = Counter(r["event_type"] for r in rank_records)
        assert (row["warning_alerts"], row["critical_alerts"], row["error_alerts"]) == (
            kinds["warning"],
            kinds["critical"],
            kinds["error"],
        )
        assert (row["samples"], row["records"]) == (kinds["sample"], len(rank_records))
        assert row["oom_events"] == (1 if row["rank"] == LEAK else 0)
        assert row["collector_degradations"] == kinds["collector_degraded"]
        if row["rank"] == FLAKY:
            [down] = [r for r in rank_records if r["event_type"] == "collector_degraded"]
            [up] = [r for r in rank_records if r["event_type"] == "collector_recovered"]
            assert row["collector_degraded_ns"] == up["timestamp_ns"] - down["timestamp_ns"]
    flaky_id = TRUTH["ranks"][str(FLAKY)]["session_id"]
    serious = [
        (w["code"], w["session_id"])
        for w in document()["warnings"]
        if w["severity"] in ("warning", "error") and Path(w["path"] or "").name != "truth.json"
    ]
    assert serious == [("sampling-gap", flaky_id)]


def test_the_text_summary_marks_the_oom_rank_and_says_what_it_tried_to_allocate() -> None:
    directory, metadata = bundle(JOB, LEAK)
    asked, free = message_sizes(metadata["exception_message"])
    session_id = TRUTH["ranks"][str(LEAK)]["session_id"]
    at_ns = TRUTH["ranks"][str(LEAK)]["oom_event"]["record"]["timestamp_ns"]
    clock = datetime.fromtimestamp(at_ns / 1e9, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    lines = run().stdout.splitlines()
    rows = {line.split()[0]: line.split()[1] for line in lines if re.match(r"\S+…\s", line)}
    assert rows == {
        facts["session_id"][:13] + "…": "OOM" if int(rank) == LEAK else "completed"
        for rank, facts in TRUTH["ranks"].items()
    }
    ooms = lines[lines.index("ooms:") + 1 :]
    assert ooms[0].startswith(
        f"  rank {LEAK} of job {TRUTH['job_id']} (session {session_id}) OOM at {clock} UTC ("
    )
    assert metadata["exception_message"] in ooms[0]
    assert ooms[0].endswith(
        f"; tried to allocate {format_bytes(asked)}, {format_bytes(free)} free; bundle {directory}"
    )
    assert not ooms[1].strip(), "one OOM in this capture"


def test_the_summary_exits_0_on_a_capture_that_loaded_completely() -> None:
    assert (run().returncode, run("--json").returncode) == (0, 0)
