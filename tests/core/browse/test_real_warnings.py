"""Warnings that mean something, on captures written by stormlog's own trackers: its normal
thread reorders are not warnings; real gaps are, with file, line and human times."""

from __future__ import annotations

import json
from pathlib import Path

from generators import v3_record, write_jsonl

from stormlog_core.browse import load_dataset

DATA = Path(__file__).resolve().parents[2] / "data"
GPU_JOB = DATA / "real_gpu_job"
TRUTH = json.loads((GPU_JOB / "truth.json").read_text())


def test_a_healthy_gpu_capture_warns_only_about_the_collector_that_failed() -> None:
    dataset = load_dataset([GPU_JOB])
    serious = [w for w in dataset.warnings if w.severity in ("warning", "error")]
    flaky = TRUTH["ranks"][str(TRUTH["flaky_collector_rank"])]["session_id"]
    assert [(w.code, w.session_id) for w in serious] == [("sampling-gap", flaky)]
    gap = serious[0]
    assert gap.path is not None and gap.path.endswith("segment-000001.jsonl") and gap.line
    assert " UTC" in gap.message and " ns" not in gap.message
    line = (GPU_JOB / Path(gap.path).relative_to(GPU_JOB)).read_text().splitlines()[gap.line - 1]
    assert json.loads(line)["event_type"] == "sample"  # the first sample after the gap


def test_real_cpu_tracker_captures_have_no_noise() -> None:
    for path in (DATA / "real" / "job_elastic-run-42", DATA / "real_leak_job"):
        dataset = load_dataset([path])
        assert not [w for w in dataset.warnings if w.code == "time-backwards"], path


def test_a_step_back_longer_than_the_sampling_interval_is_still_a_warning(tmp_path: Path) -> None:
    records = [v3_record(i) for i in range(6)]  # 100 ms apart, sampling_interval_ms=100
    records[4]["timestamp_ns"] = records[1]["timestamp_ns"] - 150_000_000
    small = [v3_record(i) for i in range(6)]
    small[4]["timestamp_ns"] = small[3]["timestamp_ns"] - 50_000_000  # within one interval
    reordered = load_dataset([write_jsonl(tmp_path / "big.jsonl", records)])
    [warning] = [w for w in reordered.warnings if w.code == "time-backwards"]
    assert warning.line == 5 and "up to 350 ms" in warning.message
    assert not load_dataset([write_jsonl(tmp_path / "small.jsonl", small)]).warnings
