"""Scripted summaries and CI gates (issue #13): ``--summary --csv`` and ``--fail-on``."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from stormlog_tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
CAPTURE = ROOT / "tests" / "data" / "real_gpu_job"
TRUTH = json.loads((CAPTURE / "truth.json").read_text())
(OOM_RANK,) = [int(rank) for rank, facts in TRUTH["ranks"].items() if facts["oom"]]


def test_fail_on_oom_exits_3_with_the_oom_once_and_0_on_a_healthy_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--fail-on", "oom", str(CAPTURE)]) == 3
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"oom: rank {OOM_RANK} of job ")
    assert "CUDA out of memory" in lines[0]
    assert captured.out == ""  # alone, --fail-on prints only the findings
    healthy = ROOT / "assets" / "demo"  # a leak, but no OOM
    assert main(["--fail-on", "oom", str(healthy)]) == 0
    assert capsys.readouterr().err == ""


def test_every_gate_has_findings_on_the_capture_and_statuses_keep_their_meaning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--summary", "--fail-on", "outlier,alert", str(CAPTURE)]) == 3
    captured = capsys.readouterr()
    assert re.match(r"\d+ sessions?, \d+ warnings?\n", captured.out)  # the summary is printed
    found = captured.err.splitlines()
    assert any(line.startswith("outlier: job gpu-oom-run-8: rank 3") for line in found)
    alerts = [line for line in found if line.startswith("alert: ")]
    assert len(alerts) == len(TRUTH["ranks"]) == len(set(alerts))  # every rank alerts, once
    assert main(["--fail-on", "nonsense", str(CAPTURE)]) == 2
    assert "choose from oom,outlier,alert,warning,stale" in capsys.readouterr().err


def test_summary_csv_has_one_row_per_session_with_full_ids_oom_and_outliers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--summary", "--csv", str(CAPTURE)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    manifests = [json.loads(p.read_text()) for p in CAPTURE.glob("rank-*/manifest.json")]
    ids = {m["sessions"][0]["session_id"] for m in manifests}
    assert {row["session_id"] for row in rows} == ids  # whole ids, every session
    (oom,) = [row for row in rows if row["status"] == "OOM"]
    assert oom["rank"] == str(OOM_RANK) and oom["recorded_status"] == "completed"
    assert "CUDA out of memory" in oom["oom_message"] and int(oom["oom_requested_bytes"]) > 0
    assert {row["rank"] for row in rows if row["outlier"] == "True"} == {str(OOM_RANK)}
    assert all(row["rollups"] == "current" for row in rows)
