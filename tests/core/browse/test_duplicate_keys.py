"""Events repeated across files are dropped by their bytes, even though the parser hashes
no line that does not share its time within its own file (see ``duplicate_keys``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from stormlog_core.browse.dataset import load_dataset
from stormlog_core.browse.duplicate_keys import UNKNOWN_KEY, read_back_keys, stable_hash

REAL_JOB = Path(__file__).resolve().parents[2] / "data" / "real_gpu_job"


def _sink(tmp_path: Path) -> Path:
    """Rank 0 of stormlog's own GPU capture, as a sink of its own."""
    return Path(shutil.copytree(REAL_JOB / "rank-0", tmp_path / "rank-0"))


def _event_line(sink: Path) -> bytes:
    """A line of the capture that is an allocation event."""
    lines = (sink / "segment-000001.jsonl").read_bytes().splitlines()
    return next(line for line in lines if json.loads(line)["event_type"] == "allocation")


def test_a_segment_copied_into_its_sink_loads_its_events_once(tmp_path: Path) -> None:
    sink = _sink(tmp_path)
    alone = load_dataset([sink]).sessions[0]
    shutil.copyfile(sink / "segment-000001.jsonl", sink / "segment-000099.jsonl")
    both = load_dataset([sink])
    (session,) = both.sessions
    assert len(session.events) == len(alone.events) > 100
    assert [e.context for e in session.events] == [e.context for e in alone.events]
    (warning,) = [w for w in both.warnings if w.code == "duplicate-records"]
    records = len((sink / "segment-000001.jsonl").read_bytes().splitlines())
    assert warning.message.startswith(f"{records:,} duplicate records")


def test_the_same_event_in_two_segments_is_kept_once(tmp_path: Path) -> None:
    sink = _sink(tmp_path)
    alone = load_dataset([sink]).sessions[0]
    (sink / "segment-000099.jsonl").write_bytes(_event_line(sink) + b"\n")
    dataset = load_dataset([sink])
    assert len(dataset.sessions[0].events) == len(alone.events)
    (warning,) = [w for w in dataset.warnings if w.code == "duplicate-records"]
    assert warning.message.startswith("1 duplicate record")
    assert str(warning.path).endswith("segment-000099.jsonl") and warning.line == 1


def test_different_events_at_one_instant_with_lines_of_one_length_are_both_kept(
    tmp_path: Path,
) -> None:
    sink = _sink(tmp_path)
    alone = load_dataset([sink]).sessions[0]
    record = json.loads(_event_line(sink))
    context = str(record["context"])
    record["context"] = context[:-1] + ("x" if context[-1] != "x" else "y")
    changed = json.dumps(record, sort_keys=True).encode()
    assert len(changed) == len(_event_line(sink))  # same instant, same length, other bytes
    (sink / "segment-000099.jsonl").write_bytes(changed + b"\n")
    dataset = load_dataset([sink])
    events = dataset.sessions[0].events
    assert len(events) == len(alone.events) + 1
    assert record["context"] in [e.context for e in events]
    assert not [w for w in dataset.warnings if w.code == "duplicate-records"]


def test_a_line_read_back_is_hashed_as_the_parser_hashes_it(tmp_path: Path) -> None:
    line = b'{"event_type": "allocation", "x": 1}'
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"junk\n" + line + b"\r\n")
    keys = read_back_keys([str(path)], [5], [len(line) + 1])
    assert keys == [stable_hash(line + b"\r")]


def test_a_line_gone_or_changed_has_no_key(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    gone = str(tmp_path / "gone.jsonl")
    keys = read_back_keys([gone, str(path), str(path)], [0, 0, 0], [8, 9, 7])
    assert keys == [UNKNOWN_KEY] * 3


def test_a_session_in_two_paths_is_shown_from_one_and_the_other_is_named(
    tmp_path: Path,
) -> None:
    sink = _sink(tmp_path)
    alone = load_dataset([sink]).sessions[0]
    part = tmp_path / "rotated.jsonl"
    part.write_bytes(_event_line(sink) + b"\n")
    dataset = load_dataset([sink, part])
    (session,) = dataset.sessions
    assert len(session.events) == len(alone.events)
    (warning,) = [w for w in dataset.warnings if w.code == "session-elsewhere"]
    assert warning.path == str(part)
    assert f"also here (1 record, not shown): it is shown from {sink}" in warning.message
