"""Following without silent loss: rewrites in place, bad records, failing files, deleted
segments. What the follower holds must match what a fresh load of the files finds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from generators import v3_record, write_sink

from stormlog_core.browse import file_cursors, load_dataset
from stormlog_core.browse.follow import Follower
from stormlog_core.browse.plan import FileTask
from stormlog_core.browse.read import FileResult, read_file


def lines(indexes: range, **overrides: Any) -> str:
    return "".join(json.dumps(v3_record(i, **overrides)) + "\n" for i in indexes)


def contexts(path: Path | Follower) -> list[str]:
    """Every loaded record's timestamp, as the follower or a fresh load sees it."""
    dataset = path.dataset if isinstance(path, Follower) else load_dataset([path])
    return [str(int(t)) for session in dataset.sessions for t in session.series.timestamp_ns]


def test_a_file_rewritten_longer_in_place_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(lines(range(100)))
    follower = Follower([path])
    follower.load()
    with path.open("r+") as handle:  # same inode: truncate and write more than before
        handle.truncate(0)
        handle.write(lines(range(100, 300)))
    follower.refresh()
    assert contexts(follower) == contexts(path)
    assert len(contexts(follower)) > 100  # the rewrite is longer than what was read
    assert not [w for w in follower.dataset.warnings if w.code == "malformed-json"]


def test_a_deep_record_appended_while_following_loses_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(lines(range(5)))
    follower = Follower([path])
    follower.load()
    deep = json.dumps(v3_record(5, event_type="warning", metadata={"x": "DEEP"}))
    deep = deep.replace('"DEEP"', '{"a":' * 50_000 + "1" + "}" * 50_000)
    with path.open("a") as handle:
        handle.write(deep + "\n")
    update = follower.refresh()
    assert [w.line for w in update.warnings if w.code == "malformed-json"] == [6]
    with path.open("a") as handle:
        handle.write(lines(range(6, 55)))
    assert follower.refresh().records == 49
    assert follower.dataset.sessions[0].event_count == 54


def test_a_file_that_fails_is_reported_and_the_others_are_still_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, fine = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    broken.write_text(lines(range(3), session_id="a"))
    fine.write_text(lines(range(3), session_id="b"))
    follower = Follower([tmp_path])
    follower.load()

    def read(task: FileTask) -> FileResult:
        if task.path == str(broken):
            raise RuntimeError("simulated bug")
        return read_file(task)

    monkeypatch.setattr(file_cursors, "read_file", read)
    for path in (broken, fine):
        with path.open("a") as handle:
            handle.write(lines(range(3, 6), session_id=path.stem))
    update = follower.refresh()
    [failed] = [w for w in update.warnings if w.code == "follow-error"]
    assert failed.path == str(broken) and "simulated bug" in failed.message
    session = follower.dataset.session("b")
    assert session is not None and session.event_count == 6
    assert not [w for w in follower.refresh().warnings if w.code == "follow-error"]  # once


def test_a_deleted_segment_keeps_its_data_and_drops_its_state(tmp_path: Path) -> None:
    records = [v3_record(i, session_id="s") for i in range(30)]
    root = write_sink(tmp_path / "sink", [("s", records)], rollover_max_events=10)
    follower = Follower([root])
    follower.load()
    first = sorted(root.glob("segment-*.jsonl"))[0]
    known = len(follower.files)
    first.unlink()
    update = follower.refresh()
    assert any(w.code == "segment-missing" for w in update.warnings)
    assert len(follower.files) == known - 1
    assert follower.dataset.sessions[0].event_count == 30
    assert not follower.refresh().warnings  # reported once


def test_a_new_rank_sink_is_found_on_the_next_refresh_not_seconds_later(tmp_path: Path) -> None:
    job = tmp_path / "job"
    write_sink(job / "rank-0", [("r0", [v3_record(i, session_id="r0") for i in range(3)])])
    follower = Follower([job])
    follower.load()
    follower.refresh()  # the periodic re-discovery has just run
    write_sink(job / "rank-1", [("r1", [v3_record(i, session_id="r1") for i in range(4)])])
    follower.refresh()
    session = follower.dataset.session("r1")
    assert session is not None and session.event_count == 4


def _pruned_while_followed(tmp_path: Path) -> tuple[Path, Follower, Path]:
    """A sink of 30 records in 3 segments and a plain file, both followed; retention
    then deletes the sink's first segment (its 10 records are loaded, no longer on disk)."""
    records = [v3_record(i, session_id="s") for i in range(30)]
    root = write_sink(tmp_path / "sink", [("s", records)], rollover_max_events=10)
    other = tmp_path / "other.jsonl"
    other.write_text(lines(range(5), session_id="o"))
    follower = Follower([root, other])
    follower.load()
    sorted(root.glob("segment-*.jsonl"))[0].unlink()
    follower.refresh()
    return root, follower, other


def _count(follower: Follower, session_id: str) -> int:
    session = follower.dataset.session(session_id)
    return session.event_count if session is not None else 0


def test_records_kept_from_a_deleted_segment_survive_a_rewrite_of_another_file(
    tmp_path: Path,
) -> None:
    _, follower, other = _pruned_while_followed(tmp_path)
    other.write_text(lines(range(2), session_id="o"))  # truncated and rewritten shorter
    update = follower.refresh()
    assert _count(follower, "s") == 30  # not 20: the deleted segment's records stay
    assert _count(follower, "o") == 2  # what the file holds now, nothing more
    (rewritten,) = [w for w in update.warnings if w.code == "file-rewritten"]
    assert rewritten.path == str(other)


def test_records_kept_from_a_deleted_segment_survive_a_full_reload(tmp_path: Path) -> None:
    _, follower, _ = _pruned_while_followed(tmp_path)
    follower.load()  # the app's `r`
    assert _count(follower, "s") == 30
    assert _count(follower, "o") == 5
    (kept,) = [w for w in follower.dataset.warnings if w.code == "segment-missing"]
    assert "its data stays loaded" in kept.message
    times = follower.dataset.session("s").series.timestamp_ns  # type: ignore[union-attr]
    assert (times[1:] >= times[:-1]).all()  # put back in time order


def test_a_rewritten_file_is_read_again_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, follower, other = _pruned_while_followed(tmp_path)
    read: list[str] = []

    def counting(task: FileTask) -> FileResult:
        read.append(Path(task.path).name)
        return read_file(task)

    monkeypatch.setattr(file_cursors, "read_file", counting)
    with other.open("r+") as handle:
        handle.truncate(0)
        handle.write(lines(range(10, 17), session_id="o"))
    follower.refresh()
    assert read == ["other.jsonl"]  # the sink's segments are not read again
    assert _count(follower, "o") == 7


def test_a_segment_deleted_before_it_was_read_says_how_many_records_were_lost(
    tmp_path: Path,
) -> None:
    records = [v3_record(i, session_id="s") for i in range(10)]
    root = write_sink(tmp_path / "sink", [("s", records)], rollover_max_events=10)
    follower = Follower([root])
    follower.load()
    writer_records = [v3_record(i, session_id="t") for i in range(10, 22)]
    write_sink(tmp_path / "sink", [("t", writer_records)], rollover_max_events=6)
    segments = sorted(root.glob("segment-*.jsonl"))
    follower.refresh()  # sees the new manifest and segments, reads them
    assert _count(follower, "t") == 12
    # a segment appears in the manifest and is deleted before the next refresh reads it
    extra = [v3_record(i, session_id="u") for i in range(30, 37)]
    write_sink(tmp_path / "sink", [("u", extra)], rollover_max_events=100)
    new = [p for p in sorted(root.glob("segment-*.jsonl")) if p not in segments]
    follower._check_manifest(0, file_cursors.FollowUpdate())
    for path in new:
        path.unlink()
    update = follower.refresh()
    lost = [w for w in update.warnings if w.code == "segment-lost"]
    assert lost and all(w.severity == "warning" for w in lost)
    assert any("7 records are lost" in w.message for w in lost), [w.message for w in lost]


def test_polling_slower_than_the_retention_seen_is_warned_of_once(tmp_path: Path) -> None:
    import time

    now = time.time_ns()
    records = [v3_record(i, session_id="s", timestamp_ns=now + i) for i in range(30)]
    root = write_sink(tmp_path / "sink", [("s", records)], rollover_max_events=10)
    follower = Follower([root])
    follower.poll_seconds = 30.0  # as `--poll 30` sets it
    follower.load()
    assert not [w for w in follower.refresh().warnings if w.code == "poll-too-slow"]
    sorted(root.glob("segment-*.jsonl"))[0].unlink()  # retention, moments after it began
    (slow,) = [w for w in follower.refresh().warnings if w.code == "poll-too-slow"]
    assert slow.severity == "warning" and "poll more often (--poll" in slow.message
    assert not [w for w in follower.refresh().warnings if w.code == "poll-too-slow"]
    assert [w.code for w in follower.dataset.warnings].count("poll-too-slow") == 1


def test_no_slow_poll_warning_when_following_by_native_events(tmp_path: Path) -> None:
    import time

    now = time.time_ns()
    records = [v3_record(i, session_id="s", timestamp_ns=now + i) for i in range(30)]
    root = write_sink(tmp_path / "sink", [("s", records)], rollover_max_events=10)
    follower = Follower([root])
    follower.load()
    sorted(root.glob("segment-*.jsonl"))[0].unlink()
    assert not [w for w in follower.refresh().warnings if w.code == "poll-too-slow"]


def test_empty_files_are_said_when_following_until_records_arrive(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "blank.jsonl").write_text("  \n\n")
    follower = Follower([tmp_path])  # the app's loader: following, not final
    follower.load()
    said = {Path(w.path or "").name for w in follower.dataset.warnings if w.code == "no-records"}
    assert said == {"empty.jsonl", "blank.jsonl"}
    (tmp_path / "empty.jsonl").write_text(lines(range(3)))
    follower.refresh()
    said = {Path(w.path or "").name for w in follower.dataset.warnings if w.code == "no-records"}
    assert said == {"blank.jsonl"}
    assert follower.dataset.sessions[0].event_count == 3


def test_segments_that_came_and_went_between_two_looks_are_said_lost(tmp_path: Path) -> None:
    """stormlog 0.3.9's own sink, retention keeping 2 segments: between two refreshes it
    writes 6 segments, and 4 of them are deleted before the follower ever sees them."""
    from stormlog.session import create_session_summary  # type: ignore[import-untyped]
    from stormlog.telemetry_sink import (  # type: ignore[import-untyped]
        AppendOnlyTelemetrySink,
        TelemetrySinkConfig,
    )

    root = tmp_path / "sink"
    sink = AppendOnlyTelemetrySink(
        TelemetrySinkConfig(
            root_dir=str(root),
            flush_every_events=1,
            rollover_max_events=10,
            retention_max_files=2,
            write_rollups=False,
        )
    )
    sink.start_session(create_session_summary(source="t", session_id="s", host="n", pid=1))
    for index in range(10):
        sink.append(v3_record(index, session_id="s"))
    sink.flush(force=True)
    follower = Follower([root])
    follower.load()
    for index in range(10, 70):
        sink.append(v3_record(index, session_id="s"))
    sink.flush(force=True)
    on_disk = sorted(p.name for p in root.glob("segment-*.jsonl"))
    update = follower.refresh()
    lost = [w for w in update.warnings if w.code == "segment-lost"]
    assert len(lost) == 1 and lost[0].severity == "warning", [w.message for w in lost]
    numbers = sorted(int(name[8:14]) for name in on_disk)
    assert f"segments 2-{numbers[0] - 1} " in lost[0].message
    assert "lost" in lost[0].message
    sink.close()
