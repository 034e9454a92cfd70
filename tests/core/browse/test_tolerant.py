"""The browser's tolerant loader: every damaged input gives the right warning, with file and
line, and every good record still loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from generators import (
    BASE_NS,
    add_missing_manifest_segment,
    add_orphan_segment,
    session_records,
    v3_record,
    write_jsonl,
    write_killed_sink,
    write_manifest_only,
    write_rollover_sink,
    write_sink,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from stormlog_core.browse import read as read_module
from stormlog_core.browse.dataset import Dataset, load_dataset
from stormlog_core.browse.load_warnings import CATALOGUE, LoadWarning
from stormlog_core.telemetry import validate_telemetry_record


def lines_file(path: Path, lines: list[bytes], newline_at_end: bool = True) -> Path:
    path.write_bytes(b"\n".join(lines) + (b"\n" if newline_at_end else b""))
    return path


def good(index: int, **overrides: Any) -> bytes:
    return json.dumps(v3_record(index, **overrides)).encode()


def only(dataset: Dataset, code: str) -> LoadWarning:
    found = [w for w in dataset.warnings if w.code == code]
    assert len(found) == 1, dataset.warnings
    return found[0]


def loaded_timestamps(dataset: Dataset) -> list[int]:
    return sorted(int(t) for s in dataset.sessions for t in s.series.timestamp_ns)


def expected_timestamps(indexes: list[int]) -> list[int]:
    return [BASE_NS + i * 100_000_000 for i in indexes]


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (b'{"schema_version": 3, "session_id": ', "malformed-json"),
        (b"[1, 2, 3]", "not-an-object"),
        (b'"just a string"', "not-an-object"),
        (json.dumps(v3_record(99, schema_version=9)).encode(), "unsupported-schema"),
        (b"\xff\xfe not utf-8 \x80", "invalid-utf8"),
    ],
)
def test_bad_line_in_the_middle_is_skipped_and_named(tmp_path: Path, bad: bytes, code: str) -> None:
    path = lines_file(tmp_path / "run.jsonl", [good(0), good(1), bad, good(3)])
    dataset = load_dataset([path])
    warning = only(dataset, code)
    assert (warning.path, warning.line, warning.severity) == (str(path), 3, "error")
    assert loaded_timestamps(dataset) == expected_timestamps([0, 1, 3])


def test_invalid_record_carries_stormlogs_own_message(tmp_path: Path) -> None:
    bad = v3_record(2, device_used_bytes=20 * 2**30)  # more than the device total
    with pytest.raises(ValueError) as reference:
        validate_telemetry_record(bad)
    path = lines_file(tmp_path / "run.jsonl", [good(0), json.dumps(bad).encode(), good(2)])
    dataset = load_dataset([path])
    warning = only(dataset, "invalid-record")
    assert warning.message == str(reference.value)
    assert warning.line == 2
    assert len(loaded_timestamps(dataset)) == 2


@pytest.mark.parametrize(
    "overrides", [{"timestamp_ns": 2**63}, {"rank": 2**63, "world_size": 2**64 - 1}]
)
def test_values_beyond_64_bits_are_skipped_with_a_warning(
    tmp_path: Path, overrides: dict[str, Any]
) -> None:
    bad = json.dumps(v3_record(1, **overrides)).encode()
    dataset = load_dataset([lines_file(tmp_path / "run.jsonl", [good(0), bad, good(2)])])
    assert only(dataset, "out-of-range").line == 2
    assert loaded_timestamps(dataset) == expected_timestamps([0, 2])


def test_bom_is_reported_and_ignored(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + good(0) + b"\n" + good(1) + b"\n")
    dataset = load_dataset([path])
    assert only(dataset, "bom").severity == "info"
    assert loaded_timestamps(dataset) == expected_timestamps([0, 1])


def test_torn_last_line_is_info_not_error(tmp_path: Path) -> None:
    sink = write_killed_sink(tmp_path / "sink")
    dataset = load_dataset([sink])
    torn = only(dataset, "torn-line")
    assert torn.severity == "info" and torn.line is not None
    assert torn.path and torn.path.endswith(".jsonl")
    assert dataset.sessions[0].event_count == 6  # start + 5 samples, torn tail skipped


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\x00\x01"])
def test_unreadable_manifest_still_reads_segments(tmp_path: Path, content: bytes) -> None:
    sink = write_sink(tmp_path / "sink", [("s", session_records("s", 3))])
    (sink / "manifest.json").write_bytes(content)
    dataset = load_dataset([sink])
    assert only(dataset, "manifest-unreadable").path == str(sink / "manifest.json")
    assert dataset.sessions[0].event_count == 5


def test_pruned_segments_are_said_to_be_deleted_by_retention(tmp_path: Path) -> None:
    sink = write_rollover_sink(tmp_path / "sink", events=20, retention_max_files=3)
    manifest = json.loads((sink / "manifest.json").read_text())
    listed = [segment["filename"] for segment in manifest["segments"]]
    (sink / listed[0]).unlink()
    manifest_path = add_missing_manifest_segment(sink, "rolled", index=0)
    dataset = load_dataset([sink])
    missing = [w for w in dataset.warnings if w.code == "segment-missing"]
    assert {Path(w.path or "").name for w in missing} == {listed[0], "segment-000000.jsonl"}
    assert all("retention" in w.message for w in missing)
    assert manifest_path.exists() and dataset.sessions[0].event_count > 0


def test_unlisted_segment_is_read_and_reported(tmp_path: Path) -> None:
    sink = write_sink(tmp_path / "sink", [("s", session_records("s", 2))])
    orphan = add_orphan_segment(sink, [v3_record(50, session_id="s")])
    dataset = load_dataset([sink])
    assert only(dataset, "segment-unlisted").path == str(orphan)
    assert dataset.sessions[0].event_count == 5


def test_manifest_count_mismatch(tmp_path: Path) -> None:
    sink = write_sink(tmp_path / "sink", [("s", session_records("s", 3))])
    manifest = json.loads((sink / "manifest.json").read_text())
    manifest["segments"][0]["event_count"] = 99
    manifest["segments"][0]["closed"] = True
    (sink / "manifest.json").write_text(json.dumps(manifest))
    warning = only(load_dataset([sink]), "count-mismatch")
    assert "99" in warning.message and "5" in warning.message


def test_manifest_session_without_events(tmp_path: Path) -> None:
    sink = write_manifest_only(tmp_path / "sink", ["lonely"])
    dataset = load_dataset([sink])
    assert only(dataset, "session-empty").session_id == "lonely"
    assert [s.session_id for s in dataset.sessions] == ["lonely"]
    assert dataset.sessions[0].event_count == 0


def test_running_session_whose_files_stopped_growing_is_stale(tmp_path: Path) -> None:
    sink = write_killed_sink(tmp_path / "sink")
    mtime = max(p.stat().st_mtime_ns for p in sink.glob("segment-*.jsonl"))
    fresh = load_dataset([sink], now_ns=mtime + 1_000_000_000)
    assert not fresh.sessions[0].stale
    old = load_dataset([sink], now_ns=mtime + 60_000_000_000)
    assert old.sessions[0].stale and old.sessions[0].display_status == "stale"
    assert only(old, "stale-session").session_id == "killed"


def test_duplicate_records_are_kept_once(tmp_path: Path) -> None:
    path = lines_file(tmp_path / "run.jsonl", [good(0), good(1), good(1), good(2), good(1)])
    dataset = load_dataset([path])
    warning = only(dataset, "duplicate-records")
    assert warning.message.startswith("2 duplicate")
    assert loaded_timestamps(dataset) == expected_timestamps([0, 1, 2])


def test_timestamps_going_backwards_are_reported_and_sorted(tmp_path: Path) -> None:
    path = lines_file(tmp_path / "run.jsonl", [good(0), good(5), good(3), good(6)])
    dataset = load_dataset([path])
    assert only(dataset, "time-backwards").line == 3
    times = dataset.sessions[0].series.timestamp_ns
    assert list(times) == sorted(times)


def test_sampling_gap_is_reported(tmp_path: Path) -> None:
    lines = [good(i) for i in range(5)] + [good(i) for i in range(200, 205)]
    dataset = load_dataset([lines_file(tmp_path / "run.jsonl", lines)])
    warning = only(dataset, "sampling-gap")
    assert "19.6 s" in warning.message


def test_inconsistent_world_size_within_a_session_and_a_job(tmp_path: Path) -> None:
    lines = [good(0, world_size=8, rank=1, job_id="j"), good(1, world_size=4, rank=1, job_id="j")]
    other = [good(0, session_id="b", world_size=2, rank=0, job_id="j")]
    dataset = load_dataset(
        [lines_file(tmp_path / "a.jsonl", lines), lines_file(tmp_path / "b.jsonl", other)]
    )
    messages = [w.message for w in dataset.warnings if w.code == "inconsistent-identity"]
    assert any("within the session" in m for m in messages)
    assert any("job j" in m for m in messages)


def test_csv_export_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("schema_version,session_id,timestamp_ns\n3,a,1\n")
    dataset = load_dataset([path])
    assert "CSV" in only(dataset, "csv-export").message
    assert dataset.sessions == []


def test_unreadable_and_vanishing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = lines_file(tmp_path / "locked.jsonl", [good(0)])
    gone = lines_file(tmp_path / "gone.jsonl", [good(1, session_id="g")])
    lines_file(tmp_path / "fine.jsonl", [good(2, session_id="f")])
    real_read = read_module._read_from

    def read_from(path: Path, task: Any) -> Any:
        if path == locked:
            raise PermissionError(13, "Permission denied")
        if path == gone:
            raise FileNotFoundError(2, "No such file or directory")
        return real_read(path, task)

    monkeypatch.setattr(read_module, "_read_from", read_from)
    dataset = load_dataset([tmp_path])
    assert "Permission denied" in only(dataset, "unreadable").message
    assert only(dataset, "vanished").path == str(gone)
    assert [s.session_id for s in dataset.sessions] == ["f"]


def test_missing_path_is_a_warning(tmp_path: Path) -> None:
    dataset = load_dataset([tmp_path / "nope"])
    assert only(dataset, "unreadable").severity == "error"


def test_every_warning_code_is_in_the_catalogue_with_a_known_severity() -> None:
    assert all(severity in {"error", "warning", "info"} for severity, _ in CATALOGUE.values())


def caps(**denied: bool) -> dict[str, Any]:
    names = [
        "allocator_allocated",
        "allocator_reserved",
        "allocator_active",
        "allocator_inactive",
        "device_used",
        "device_free",
        "device_total",
        "native_allocator_history",
        "fragmentation_analysis",
        "allocator_attribution",
        "bounded_profiling",
    ]
    flags = {f"supports_{name}": True for name in names}
    flags.update({f"supports_{name}": not value for name, value in denied.items()})
    text = {"backend": "cuda", "telemetry_collector": "stormlog.cuda_tracker"}
    return {**text, "sampling_source": "torch", **flags}


def v4(index: int, session_id: str = "v4", **overrides: Any) -> dict[str, Any]:
    record = v3_record(index, session_id=session_id, schema_version=4)
    record["metadata"] = {"backend": "cuda", "memory_capabilities": caps()}
    record.update(overrides)
    return record


def test_v4_nulls_stay_missing_never_zero(tmp_path: Path) -> None:
    no_device = caps(device_used=True, device_free=True, device_total=True)
    records = [v4(0), v4(1), v4(2)]
    records[1].update(device_used_bytes=None, device_free_bytes=None, device_total_bytes=None)
    records[1]["metadata"] = {"memory_capabilities": no_device}
    dataset = load_dataset([write_jsonl(tmp_path / "v4.jsonl", records)])
    assert dataset.warnings == []
    used = dataset.sessions[0].series.values["device_used_bytes"]
    assert np.isnan(used[1]) and used[0] > 0 and used[2] > 0
    assert dataset.sessions[0].schema_versions == [4]


def test_v4_counter_outrunning_its_capability_is_rejected(tmp_path: Path) -> None:
    bad = v4(1)
    bad["metadata"] = {"memory_capabilities": caps(device_used=True)}
    dataset = load_dataset([write_jsonl(tmp_path / "v4.jsonl", [v4(0), bad])])
    warning = only(dataset, "invalid-record")
    assert warning.message == (
        "device_used_bytes must be null when "
        "metadata.memory_capabilities.supports_device_used is false"
    )
    assert warning.line == 2


def test_sink_upgraded_in_place_loads_v3_and_v4_sessions(tmp_path: Path) -> None:
    old = session_records("old", 3)
    new = [v4(10 + i, session_id="new") for i in range(3)]
    sink = write_sink(tmp_path / "sink", [("old", old), ("new", new)])
    dataset = load_dataset([sink])
    versions = {s.session_id: s.schema_versions for s in dataset.sessions}
    assert versions == {"old": [3], "new": [4]}
    assert dataset.warnings == []


def test_same_session_in_a_sink_and_its_json_export_is_shown_once(tmp_path: Path) -> None:
    records = session_records("twice", 4)
    sink = write_sink(tmp_path / "job" / "sink", [("twice", records)])
    (tmp_path / "job" / "export.json").write_text(json.dumps({"events": records}))
    dataset = load_dataset([tmp_path / "job"])
    assert [s.session_id for s in dataset.sessions] == ["twice"]
    assert dataset.sessions[0].sources[0].startswith(str(sink))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=12))
def test_arbitrary_bytes_never_raise(tmp_path_factory: Any, chunks: list[bytes]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "segment-000001.jsonl"
    path.write_bytes(b"\n".join([good(0), *chunks, good(1)]) + b"\n")
    dataset = load_dataset([path.parent])
    assert len(loaded_timestamps(dataset)) >= 1


def test_the_documented_catalogue_is_the_code_catalogue() -> None:
    from stormlog_core.browse.catalogue_doc import catalogue_markdown

    docs = Path(__file__).resolve().parents[3] / "docs" / "warnings.md"
    assert docs.read_text(encoding="utf-8") == catalogue_markdown()


def test_every_code_the_loader_emits_is_catalogued() -> None:
    import re

    core = Path(__file__).resolve().parents[3] / "core" / "stormlog_core"
    source = "\n".join(path.read_text() for path in core.rglob("*.py"))
    used = set(re.findall(r'make_warning\(\s*"([a-z0-9-]+)"', source))
    assert used and used <= set(CATALOGUE)


def test_parsing_falls_back_to_this_process_when_workers_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(3):
        lines_file(
            tmp_path / f"r{index}.jsonl", [good(i, session_id=f"s{index}") for i in range(4)]
        )

    def no_workers(*args: Any) -> None:
        raise ValueError("bad value(s) in fds_to_keep")  # what a full-screen app caused

    monkeypatch.setattr(read_module, "_executor", no_workers)
    dataset = load_dataset([tmp_path], workers=2)
    assert sorted(s.session_id for s in dataset.sessions) == ["s0", "s1", "s2"]
    assert all(s.event_count == 4 for s in dataset.sessions)


def test_a_file_of_one_event_without_a_newline_loads_it(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(good(0, event_type="allocation", context="the only one"))
    dataset = load_dataset([path])
    (session,) = dataset.sessions
    assert [record.context for record in session.events] == ["the only one"]
