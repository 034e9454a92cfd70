"""``stormlog-tui --summary`` on telemetry written by stormlog 0.3.9 itself: the OOM of
``tests/data/real_gpu_job`` (rank 3) with its bundle's message and sizes, the phases of
every rank, and a sink whose oldest segments its own ``AppendOnlyTelemetrySink`` pruned.

Every expectation is read from the files themselves (the segments, the bundle's
``metadata.json``, ``truth.json``, ``rollups.json``), never from the code under test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from statistics import median
from typing import Any

import pytest
import raw_capture
from raw_capture import expected_phases, message_sizes, raw_runs, records

from stormlog_core.browse import counted, format_bytes
from stormlog_tui.cli import main

JOB = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job"
TRUTH: dict[str, Any] = json.loads((JOB / "truth.json").read_text())


# --- the files, read directly ------------------------------------------------------------


def summary(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """Run the real command line and return its exit code and what it printed."""
    code = main(["--summary", *(str(arg) for arg in args)])
    return code, capsys.readouterr().out


def summary_json(capsys: pytest.CaptureFixture[str], *paths: Path) -> dict[str, Any]:
    code, out = summary(capsys, "--json", *paths)
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


def session_ids() -> dict[int, str]:
    return {int(rank): facts["session_id"] for rank, facts in TRUTH["ranks"].items()}


# --- OOM ---------------------------------------------------------------------------------


def test_json_has_the_oom_of_the_rank_that_ran_out_with_its_bundles_message_and_sizes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = summary_json(capsys, JOB)
    by_id = {session["session_id"]: session for session in document["sessions"]}
    assert sorted(by_id) == sorted(session_ids().values())
    leak = TRUTH["leak_rank"]
    bundle, metadata = raw_capture.bundle(JOB, leak)
    oom = by_id[session_ids()[leak]]["oom"]
    assert (
        oom["message"]
        == metadata["exception_message"]
        == TRUTH["ranks"][str(leak)]["oom"]["message"]
    )
    assert (oom["requested_bytes"], oom["free_bytes"]) == message_sizes(
        metadata["exception_message"]
    )
    assert oom["timestamp_ns"] == TRUTH["ranks"][str(leak)]["oom_event"]["record"]["timestamp_ns"]
    assert Path(oom["bundle"]).resolve() == bundle.resolve()
    others = [s["oom"] for sid, s in by_id.items() if sid != session_ids()[leak]]
    assert others == [None] * 7
    assert by_id[session_ids()[leak]]["status"] == "completed"  # what stormlog wrote


def test_the_text_summary_marks_the_oom_rank_and_says_what_it_tried_to_allocate() -> None:
    leak = TRUTH["leak_rank"]
    session_id = session_ids()[leak]
    bundle, metadata = raw_capture.bundle(JOB, leak)
    asked, free = message_sizes(metadata["exception_message"])
    at_ns = TRUTH["ranks"][str(leak)]["oom_event"]["record"]["timestamp_ns"]
    clock = datetime.fromtimestamp(at_ns / 1e9, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    script = Path(sys.executable).with_name("stormlog-tui")
    result = subprocess.run(
        [str(script), "--summary", str(JOB)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = {line.split()[0]: line.split()[1] for line in lines if re.match(r"\S+…\s", line)}
    assert rows == {
        sid[:13] + "…": ("OOM" if r == leak else "completed") for r, sid in session_ids().items()
    }
    ooms = lines[lines.index("ooms:") + 1 :]
    assert ooms[0].startswith(
        f"  rank {leak} of job {TRUTH['job_id']} (session {session_id}) OOM at {clock} UTC ("
    )
    assert metadata["exception_message"] in ooms[0]
    assert ooms[0].endswith(
        f"; tried to allocate {format_bytes(asked)}, {format_bytes(free)} free; bundle {bundle}"
    )
    assert not ooms[1].strip(), "one OOM in this capture"


def test_oom_text_from_a_bundle_is_printed_as_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leak = TRUTH["leak_rank"]
    rank = shutil.copytree(JOB / f"rank-{leak}", tmp_path / f"rank-{leak}")
    [bundle] = (rank / "oom_dumps").glob("oom_dump_*")
    metadata = json.loads((bundle / "metadata.json").read_text())
    metadata["exception_message"] = (
        "CUDA out of memory.\x1b[2J\x1b]0;pwned\x07 Tried to allocate 2.00 GiB"
    )
    (bundle / "metadata.json").write_text(json.dumps(metadata))
    _, out = summary(capsys, rank)
    assert "\x1b" not in out and "\x07" not in out
    [line] = [line for line in out.splitlines() if " OOM at " in line]
    assert "CUDA out of memory.\\x1b[2J\\x1b]0;pwned\\x07 Tried to allocate 2.00 GiB" in line
    assert f"; tried to allocate {format_bytes(2 << 30)}; bundle" in line  # no free size named


# --- phases ------------------------------------------------------------------------------


def test_the_phases_of_every_session_agree_with_the_raw_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = summary_json(capsys, JOB)
    by_id = {session["session_id"]: session for session in document["sessions"]}
    for rank, session_id in session_ids().items():
        [segment] = (JOB / f"rank-{rank}").glob("segment-*.jsonl")
        expected = expected_phases(raw_runs(records(segment)))
        phases = by_id[session_id]["phases"]
        assert {entry.pop("path"): entry for entry in phases} == expected, f"rank {rank}"
        peaks = [entry["peak_allocator_allocated_bytes"] for entry in phases]
        assert peaks == sorted(peaks, reverse=True)  # highest peak first


def test_the_phases_of_the_job_agree_with_the_raw_records_of_all_ranks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    per_rank = {
        rank: raw_runs(records(next((JOB / f"rank-{rank}").glob("segment-*.jsonl"))))
        for rank in session_ids()
    }
    paths = {path for runs in per_rank.values() for path in runs}
    merged = {
        path: [run for runs in per_rank.values() for run in runs.get(path, [])] for path in paths
    }
    [job] = summary_json(capsys, JOB)["jobs"]
    phases = {entry.pop("path"): entry for entry in job["phases"]}
    for path, expected in expected_phases(merged).items():
        entry = phases.pop(path)
        medians = {
            r: int(median(run["change"] for run in runs[path]))
            for r, runs in per_rank.items()
            if path in runs
        }
        largest = max(medians.values())
        assert entry.pop("worst_rank") in {r for r, m in medians.items() if m == largest}, path
        assert entry.pop("worst_rank_change_bytes") == largest
        assert entry == expected, path
    assert phases == {}
    forward = "train_step / forward"
    assert (
        max(
            (m, r)
            for r, m in (
                (r, int(median(x["change"] for x in runs[forward]))) for r, runs in per_rank.items()
            )
        )[1]
        == TRUTH["leak_rank"]
    )  # the leaking rank grows most in its forward pass


def test_the_text_summary_lists_the_top_phases_by_peak(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each run of rank 0 renamed after its scope: 28 phase paths, of which 8 are listed
    (for a session without a job: no worst-rank column)."""
    [segment] = (JOB / "rank-0").glob("segment-*.jsonl")
    rows = records(segment)
    names: dict[str, str] = {}
    for record in rows:
        del record["job_id"]
        scope = record["metadata"].get("phase_scope")
        if scope:
            scope["path"] = [names.setdefault(scope["scope_id"], f"run-{len(names):02d}")]
    path = tmp_path / "renamed.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in rows))
    peaks = {name: runs[0]["peak"] for name, runs in raw_runs(rows).items()}
    _, out = summary(capsys, path)
    lines = out.splitlines()
    start = lines.index("phases (top by peak allocated inside):")
    session_id = session_ids()[0]
    assert lines[start + 1] == f"  rank 0 (session {session_id}) (top 8 of {len(peaks)}):"
    assert lines[start + 2].split() == [
        "phase",
        "runs",
        "total",
        "median",
        "peak",
        "median",
        "change",
    ]
    listed = [line.split()[0] for line in lines[start + 3 : start + 11]]
    assert lines[start + 11 : start + 12] in ([], [""])  # nothing more listed
    assert min(peaks[name] for name in listed) >= max(peaks[n] for n in peaks if n not in listed)
    for line in lines[start + 3 : start + 11]:
        assert format_bytes(peaks[line.split()[0]]) in line


# --- coverage ----------------------------------------------------------------------------


def write_pruned_sink(root: Path, rank: int, records_count: int, retention_max_files: int) -> str:
    """One rank's sink written by stormlog 0.3.9's own sink, rolling over every 4 records
    and keeping ``retention_max_files`` segments; returns the session id."""
    from stormlog.session import create_session_summary  # type: ignore[import-untyped]
    from stormlog.telemetry import (  # type: ignore[import-untyped]
        telemetry_event_from_record,
        telemetry_event_to_dict,
    )
    from stormlog.telemetry_sink import (  # type: ignore[import-untyped]
        AppendOnlyTelemetrySink,
        TelemetrySinkConfig,
    )

    start = 1_796_000_000_000_000_000
    sink = AppendOnlyTelemetrySink(
        TelemetrySinkConfig(
            root_dir=root,
            flush_every_events=2,
            rollover_max_events=4,
            retention_max_files=retention_max_files,
        )
    )
    identity = {"job_id": "pruned-run", "rank": rank, "local_rank": rank, "world_size": 2}
    session = sink.start_session(
        create_session_summary(source="stormlog.telemetry_sink", started_at_ns=start, **identity)
    )
    for i in range(records_count):
        event = telemetry_event_from_record(
            {
                "timestamp_ns": start + i * 100_000_000,
                "event_type": "sample",
                "allocator_allocated_bytes": (i + 1) << 20,
                "device_id": rank,
                "collector": "stormlog.cuda_tracker",
                "session_id": session.session_id,
                "host": session.host,
                "pid": session.pid,
                "sampling_interval_ms": 100,
                **identity,
            }
        )
        sink.append(telemetry_event_to_dict(event))
    sink.close()
    session_id: str = session.session_id
    return session_id


def test_a_sink_pruned_by_stormlogs_retention_says_what_its_rollups_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pruned_id = write_pruned_sink(tmp_path / "rank-1", 1, 20, retention_max_files=2)
    whole_id = write_pruned_sink(tmp_path / "rank-0", 0, 6, retention_max_files=8)
    rollups = json.loads((tmp_path / "rank-1" / "rollups.json").read_text())["coverage"]
    kept = sorted(p.name for p in (tmp_path / "rank-1").glob("segment-*.jsonl"))
    assert rollups["pruned_segment_count"] == int(kept[0][len("segment-") : -len(".jsonl")]) - 1 > 0

    by_id = {s["session_id"]: s for s in summary_json(capsys, tmp_path)["sessions"]}
    assert by_id[pruned_id]["coverage"] == {
        "pruned_segments": rollups["pruned_segment_count"],
        "pruned_bytes": rollups["pruned_bytes"],
        "rollups": "current",
    }
    assert by_id[whole_id]["coverage"] == {
        "pruned_segments": 0,
        "pruned_bytes": 0,
        "rollups": "current",
    }

    _, out = summary(capsys, tmp_path)
    lines = out.splitlines()
    section = lines[lines.index("history pruned:") + 1 :]
    assert section[0] == (
        f"  rank 1 of job pruned-run (session {pruned_id}): "
        f"{counted(rollups['pruned_segment_count'], 'segment')} "
        f"({format_bytes(rollups['pruned_bytes'])}) "
        "pruned by retention; peaks, phases and onsets cover only what was kept"
    )
    assert not section[1].strip() and whole_id not in "\n".join(section)


def test_stale_rollups_are_not_believed_and_the_summary_says_the_size_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sink = tmp_path / "rank-1"
    write_pruned_sink(sink, 1, 20, retention_max_files=2)
    manifest = json.loads((sink / "manifest.json").read_text())
    manifest["segments"][-1]["event_count"] += 1  # the writer went on after the rollups
    (sink / "manifest.json").write_text(json.dumps(manifest))
    first = int(manifest["segments"][0]["filename"][len("segment-") : -len(".jsonl")])
    [session] = summary_json(capsys, sink)["sessions"]
    assert session["coverage"] == {
        "pruned_segments": first - 1,
        "pruned_bytes": None,
        "rollups": "stale",
    }
    _, out = summary(capsys, sink)
    [line] = [line for line in out.splitlines() if "pruned by retention" in line]
    assert f": {counted(first - 1, 'segment')} (size unknown) pruned by retention" in line
    assert "rollups.json is stale" in line


def test_a_plain_file_has_no_coverage_and_no_oom_but_its_phases(
    capsys: pytest.CaptureFixture[str],
) -> None:
    [segment] = (JOB / "rank-0").glob("segment-*.jsonl")
    [session] = summary_json(capsys, segment)["sessions"]
    assert session["coverage"] is None and session["oom"] is None
    expected = expected_phases(raw_runs(records(segment)))
    assert {entry.pop("path"): entry for entry in session["phases"]} == expected


def test_the_text_summary_lists_the_jobs_phases_with_the_rank_that_grows_most(
    capsys: pytest.CaptureFixture[str],
) -> None:
    per_rank = {
        rank: raw_runs(records(next((JOB / f"rank-{rank}").glob("segment-*.jsonl"))))
        for rank in session_ids()
    }
    _, out = summary(capsys, JOB)
    lines = out.splitlines()
    start = lines.index("phases (top by peak allocated inside):")
    assert lines[start + 1] == f"  job {TRUTH['job_id']}, {len(per_rank)} ranks:"
    header = lines[start + 2]
    shown = {line[4 : header.index("runs")].strip(): line for line in lines[start + 3 : start + 7]}
    assert set(shown) == {path for runs in per_rank.values() for path in runs}
    for path, line in shown.items():
        runs = [run for by_path in per_rank.values() for run in by_path[path]]
        cells = line[header.index("runs") :].split()
        assert cells[0] == str(len(runs))
        assert format_bytes(max(run["peak"] for run in runs)) in line
    forward = shown["train_step / forward"]
    assert forward[header.index("worst rank") :].startswith(f"{TRUTH['leak_rank']} (+")
