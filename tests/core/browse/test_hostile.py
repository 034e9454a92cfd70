"""Hostile and huge inputs: the loader never hangs, never explodes, never loses good records.

Every input is made at test time, small where the behaviour does not need size. Each test
runs under an alarm, so a regression (an open that blocks, a read without end) fails
instead of hanging the suite. `bench/bench_hostile.py` measures the full-size versions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from generators import v3_record, write_jsonl, write_sink

from stormlog_core.analysis import group_jobs
from stormlog_core.browse import Dataset, LoadWarning, load_dataset
from stormlog_core.io import manifest as manifest_module

GOOD = 30
pytestmark = pytest.mark.usefixtures("hang_guard")


def sink(root: Path, count: int = GOOD, session_id: str = "good") -> Path:
    records = [v3_record(i, session_id=session_id) for i in range(count)]
    return write_sink(root, [(session_id, records)])


def warning(dataset: Dataset, code: str) -> LoadWarning:
    found = [w for w in dataset.warnings if w.code == code]
    assert len(found) == 1, dataset.warnings
    return found[0]


def events(dataset: Dataset, session_id: str = "good") -> int:
    session = dataset.session(session_id)
    assert session is not None, [s.session_id for s in dataset.sessions]
    return session.event_count


def rewrite_manifest(root: Path, **changes: object) -> dict[str, object]:
    manifest: dict[str, object] = json.loads((root / "manifest.json").read_text())
    manifest.update(changes)
    (root / "manifest.json").write_text(json.dumps(manifest, separators=(",", ":")))
    return manifest


def test_a_fifo_named_like_a_segment_is_skipped_not_opened_for_ever(tmp_path: Path) -> None:
    root = sink(tmp_path / "sink")
    os.mkfifo(root / "segment-000002.jsonl")
    dataset = load_dataset([tmp_path])
    found = warning(dataset, "not-regular-file")
    assert found.path == str(root / "segment-000002.jsonl") and "FIFO" in found.message
    assert events(dataset) == GOOD


def test_a_fifo_manifest_is_reported_and_the_segments_still_load(tmp_path: Path) -> None:
    root = sink(tmp_path / "sink")
    (root / "manifest.json").unlink()
    os.mkfifo(root / "manifest.json")
    dataset = load_dataset([root])
    assert "FIFO" in warning(dataset, "manifest-unreadable").message
    assert sum(s.event_count for s in dataset.sessions) == GOOD


def test_a_fifo_anywhere_in_a_searched_directory(tmp_path: Path) -> None:
    sink(tmp_path / "sink")
    os.mkfifo(tmp_path / "stray.jsonl")
    dataset = load_dataset([tmp_path])
    assert warning(dataset, "not-regular-file").path == str(tmp_path / "stray.jsonl")
    assert events(dataset) == GOOD


def test_a_fifo_given_as_the_path(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    dataset = load_dataset([tmp_path / "pipe.jsonl"])
    assert "FIFO" in warning(dataset, "not-regular-file").message


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_manifest_linked_to_a_device_is_not_read(tmp_path: Path, device: str) -> None:
    root = sink(tmp_path / "sink")
    (root / "manifest.json").unlink()
    os.symlink(device, root / "manifest.json")
    dataset = load_dataset([root])
    assert "character device" in warning(dataset, "manifest-unreadable").message
    assert sum(s.event_count for s in dataset.sessions) == GOOD


def test_a_segment_linked_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    root = sink(tmp_path / "sink")
    os.symlink("/dev/zero", root / "segment-000002.jsonl")
    dataset = load_dataset([root])
    assert warning(dataset, "not-regular-file").path == str(root / "segment-000002.jsonl")
    assert events(dataset) == GOOD


def test_a_symlink_to_a_regular_file_is_followed(tmp_path: Path) -> None:
    real = write_jsonl(tmp_path / "real" / "run.jsonl", [v3_record(i) for i in range(5)])
    (tmp_path / "links").mkdir()
    os.symlink(real, tmp_path / "links" / "run.jsonl")
    dataset = load_dataset([tmp_path / "links"])
    assert dataset.warnings == [] and dataset.sessions[0].event_count == 5


def test_a_symlink_loop_is_reported(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.jsonl", tmp_path / "a.jsonl")
    os.symlink(tmp_path / "a.jsonl", tmp_path / "b.jsonl")
    dataset = load_dataset([tmp_path / "a.jsonl"])
    assert dataset.sessions == [] and dataset.warnings, "a loop must be reported"
    assert all(w.severity == "error" for w in dataset.warnings)


@pytest.mark.parametrize(
    "junk", [b"\x00" * 1_000_000, os.urandom(1_000_000)], ids=["zeros", "random"]
)
def test_junk_beside_telemetry_is_skipped_after_its_first_bytes(
    tmp_path: Path, junk: bytes
) -> None:
    sink(tmp_path / "sink")
    (tmp_path / "junk.jsonl").write_bytes(b"\x01" + junk)
    dataset = load_dataset([tmp_path])
    assert "does not start like JSON" in warning(dataset, "skipped-file").message
    assert events(dataset) == GOOD
    direct = load_dataset([tmp_path / "junk.jsonl"])
    assert warning(direct, "not-json").line == 1 and direct.sessions == []


def test_consecutive_bad_lines_are_given_up_on_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "tiny.jsonl"
    good = [json.dumps(v3_record(i, session_id="good")) for i in range(GOOD)]
    path.write_text("\n".join(good + ["{}", "1"] * 5000) + "\n")
    dataset = load_dataset([path])
    gave_up = warning(dataset, "gave-up")
    assert gave_up.path == str(path) and gave_up.line == GOOD + 1000
    assert "the rest of the file (9,000 lines) was not read" in gave_up.message
    assert events(dataset) == GOOD
    assert len(dataset.warnings) <= 1001


def test_a_manifest_over_the_size_limit_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sink(tmp_path / "sink")
    rewrite_manifest(root, segments=[{"filename": "s"}] * 100_000)
    monkeypatch.setattr(manifest_module, "MANIFEST_MAX_BYTES", 100_000)
    dataset = load_dataset([root])
    assert "over the limit of 100,000" in warning(dataset, "manifest-unreadable").message
    assert sum(s.event_count for s in dataset.sessions) == GOOD


def test_a_manifest_with_a_million_sessions_is_processed_in_bounded_time(tmp_path: Path) -> None:
    root = sink(tmp_path / "sink")
    manifest = json.loads((root / "manifest.json").read_text())
    rewrite_manifest(root, sessions=manifest["sessions"] + [{}] * 1_000_000)
    dataset = load_dataset([root])
    assert (
        "1,000,000 malformed session entries ignored"
        in warning(dataset, "manifest-entry-invalid").message
    )
    assert events(dataset) == GOOD


def test_manifest_identity_out_of_range_is_not_believed(tmp_path: Path) -> None:
    root = sink(tmp_path / "sink")
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["sessions"][0].update(rank=10**30, world_size=10**31)
    rewrite_manifest(root, sessions=manifest["sessions"])
    dataset = load_dataset([root])
    assert "out of range" in warning(dataset, "manifest-entry-invalid").message
    session = dataset.session("good")
    assert session is not None and session.summary.rank == 0  # the records' identity
    assert session.event_count == GOOD


def test_a_world_size_of_a_billion_is_summed_up_in_bounded_memory(tmp_path: Path) -> None:
    records = [
        v3_record(i, session_id="r0", job_id="big", rank=0, world_size=10**9) for i in range(5)
    ]
    dataset = load_dataset([write_jsonl(tmp_path / "r0.jsonl", records)])
    [job] = group_jobs(dataset.sessions)
    assert job.missing_count == 10**9 - 1
    assert job.ranks_missing[:3] == (1, 2, 3) and len(job.ranks_missing) == 4096


def test_one_deeply_nested_record_loses_only_itself(tmp_path: Path) -> None:
    lines = [json.dumps(v3_record(i, session_id="good")) for i in range(100)]
    deep = v3_record(100, session_id="good", event_type="warning", metadata={"x": "DEEP"})
    lines.insert(50, json.dumps(deep).replace('"DEEP"', '{"a":' * 50_000 + "1" + "}" * 50_000))
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + "\n")
    dataset = load_dataset([path])
    found = warning(dataset, "malformed-json")
    assert found.line == 51 and "nested too deeply" in found.message
    assert events(dataset) == 100


def test_a_long_first_record_is_still_telemetry(tmp_path: Path) -> None:
    first = {"context": "x" * 1_000_000, **v3_record(0, session_id="good")}
    first["context"] = "x" * 1_000_000  # sorted keys put context before schema_version
    records = [first] + [v3_record(i, session_id="good") for i in range(1, GOOD)]
    path = tmp_path / "dir" / "long.jsonl"
    path.parent.mkdir()
    path.write_text("\n".join(json.dumps(r, sort_keys=True) for r in records) + "\n")
    dataset = load_dataset([tmp_path / "dir"])
    assert dataset.warnings == [] and events(dataset) == GOOD


def test_a_line_over_the_limit_is_skipped_with_its_line_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORMLOG_TUI_MAX_LINE_BYTES", "2000")
    records = [v3_record(i, session_id="good") for i in range(GOOD)]
    records[7]["context"] = "y" * 5000
    path = write_jsonl(tmp_path / "run.jsonl", records)
    dataset = load_dataset([path])
    found = warning(dataset, "line-too-long")
    assert found.line == 8 and "over the limit of 2,000" in found.message
    assert events(dataset) == GOOD - 1


def test_segment_names_outside_the_sink_are_never_read(tmp_path: Path) -> None:
    root = sink(tmp_path / "sink")
    secret = write_jsonl(tmp_path / "outside" / "secret.jsonl", [v3_record(0, session_id="x")])
    manifest = json.loads((root / "manifest.json").read_text())
    escapes = [{"filename": "../outside/secret.jsonl"}, {"filename": str(secret)}]
    rewrite_manifest(root, segments=manifest["segments"] + escapes)
    dataset = load_dataset([root])
    assert (
        "2 segment names outside the sink ignored"
        in warning(dataset, "manifest-entry-invalid").message
    )
    assert [s.session_id for s in dataset.sessions] == ["good"]
    assert all(str(secret) not in source for s in dataset.sessions for source in s.sources)


@pytest.mark.parametrize("job_id", [7, ["a"], {"x": 1}, " "])
def test_a_manifest_job_id_that_no_record_could_hold_is_not_believed(
    tmp_path: Path, job_id: object
) -> None:
    root = sink(tmp_path / "sink")
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["sessions"][0]["job_id"] = job_id
    rewrite_manifest(root, sessions=manifest["sessions"])
    other = write_jsonl(tmp_path / "b.jsonl", [v3_record(0, session_id="b", job_id="a")])
    dataset = load_dataset([root, other])
    assert "job_id" in warning(dataset, "manifest-entry-invalid").message
    assert {s.session_id for s in dataset.sessions} == {"good", "b"}
    assert {job.job_id for job in group_jobs(dataset.sessions)} == {None, "a"}


def test_every_counter_past_64_bits_is_out_of_range_and_the_rest_loads(tmp_path: Path) -> None:
    too_big: list[dict[str, Any]] = [
        {"allocator_allocated_bytes": 2**64},
        {"device_total_bytes": 2**64},
        {"allocator_change_bytes": -(2**64)},
        {"allocator_inactive_bytes": 2**63},
    ]
    records = [v3_record(0), *(v3_record(i + 1, **c) for i, c in enumerate(too_big))]
    records.append(v3_record(9, allocator_reserved_bytes=2**60))  # big, but 64-bit
    dataset = load_dataset([write_jsonl(tmp_path / "run.jsonl", records)])
    assert [s.event_count for s in dataset.sessions] == [2]
    said = [(w.code, w.line) for w in dataset.warnings if w.severity == "error"]
    assert said == [("out-of-range", line) for line in (2, 3, 4, 5)]
