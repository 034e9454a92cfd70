"""The cache of closed segments (issue #11, item 5): a reopen reads the parsed columns kept
in the user's cache directory, and gives exactly what parsing the files again gives.

On stormlog's own GPU capture (``tests/data/real_gpu_job``) and on sinks written by
stormlog 0.3.9's ``AppendOnlyTelemetrySink``: every session, series array, event column
and warning is compared with a load that does not use the cache. An entry that is damaged,
of another version or of a file that changed is never used; open segments, JSON documents
and a follower's appended bytes are never cached; the telemetry directory is never
written to; the cache stays under its bound, least recently used first out.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from generators import v3_record, write_jsonl

import stormlog_core.browse.read as read_module
from stormlog_core.browse import configure_cache, load_dataset
from stormlog_core.browse.chunk_codec import FORMAT_VERSION, HEADER_BYTES
from stormlog_core.browse.dataset import Dataset, load_targets
from stormlog_core.browse.discover import discover
from stormlog_core.browse.event_table import TEXT_COLUMNS, TEXTS
from stormlog_core.browse.follow import Follower
from stormlog_core.browse.parse import parse_jsonl_pieces
from stormlog_core.browse.read import FileResult
from stormlog_core.browse.segment_cache import open_cache, segments_dir, trim
from stormlog_core.browse.series import source_path

REAL = Path(__file__).resolve().parents[2] / "data" / "real_gpu_job"


# ------------------------------------------------------------------------------ helpers


def load(paths: list[Path], workers: int | None = 1) -> tuple[Dataset, list[FileResult]]:
    """A load as the app and ``--summary`` do it, with the per-file results."""
    dataset, results, _ = load_targets(discover(paths), 1_800_000_000_000_000_000, workers=workers)
    return dataset, results


def uncached(paths: list[Path]) -> Dataset:
    """A load that parses every file (as ``--no-cache``)."""
    configure_cache(enabled=False)
    try:
        return load(paths)[0]
    finally:
        configure_cache()


def _array(values: Any) -> Any:
    array = np.asarray(values)
    if array.dtype == object:
        return array.tolist()
    return (array.dtype.str, array.tobytes())  # bit for bit: NaN gaps included


def _events(session: Any) -> dict[str, Any]:
    columns = dict(session.events.columns)
    out = {name: _array(column) for name, column in columns.items()}
    for name in TEXT_COLUMNS:  # codes of the process-wide table: compare the texts
        out[name] = [TEXTS.get(code) for code in columns[name].tolist()]
    out["source"] = [source_path(code) for code in columns["source"].tolist()]
    return out


def everything(dataset: Dataset) -> dict[str, Any]:
    """All a load gives: each session's fields, series arrays and event columns, and
    every warning."""
    sessions = {}
    for session in dataset.sessions:
        series = session.series
        fields = {
            field.name: getattr(session, field.name)
            for field in dataclasses.fields(session)
            if field.name not in ("series", "events")
        }
        sessions[session.session_id] = {
            **fields,
            "times": _array(series.timestamp_ns),
            "samples": _array(series.is_sample),
            "values": {name: _array(column) for name, column in series.values.items()},
            "sources": [source_path(code) for code in series.source.tolist()],
            "events": _events(session),
        }
    order = [session.session_id for session in dataset.sessions]
    return {
        "order": order,
        "sessions": sessions,
        "warnings": [w.to_dict() for w in dataset.warnings],
    }


def entries() -> list[Path]:
    directory = segments_dir()
    return sorted(directory.glob("*.seg")) if directory.is_dir() else []


def states(results: list[FileResult]) -> list[str]:
    return [result.cached for result in results]


def tree(root: Path) -> dict[str, Any]:
    """Every file and directory below ``root``: bytes, size and mtime."""
    found: dict[str, Any] = {}
    for path in sorted([root, *root.rglob("*")]):
        status = path.stat()
        content = path.read_bytes() if path.is_file() else None
        found[str(path.relative_to(root))] = (content, status.st_mtime_ns, status.st_mode)
    return found


@pytest.fixture
def job(tmp_path: Path) -> Path:
    """A copy of stormlog's own 8-rank GPU capture (one closed segment per rank)."""
    return Path(shutil.copytree(REAL, tmp_path / "job"))


def write_stormlog_sink(root: Path, rank: int, *, close: bool = True) -> Any:
    """Rank ``rank`` of the real capture written again by stormlog 0.3.9's own sink,
    rolling over every 40 records (several closed segments); left running (the last
    segment open) unless ``close``. Returns the sink."""
    from stormlog.telemetry_sink import (  # type: ignore[import-untyped]
        AppendOnlyTelemetrySink,
        TelemetrySinkConfig,
    )

    records = []
    for segment in sorted((REAL / f"rank-{rank}").glob("segment-*.jsonl")):
        records += [json.loads(line) for line in segment.read_text().splitlines() if line]
    sink = AppendOnlyTelemetrySink(
        TelemetrySinkConfig(
            root_dir=root, rollover_max_events=40, flush_every_events=10, flush_every_seconds=3600
        )
    )
    for record in records:
        sink.append(record)
    if close:
        sink.close()
    else:
        sink.flush(force=True)
    return sink


# ------------------------------------------------------------------ same results, read


def test_a_reopen_of_a_real_capture_reads_the_cache_and_gives_what_parsing_gives(
    job: Path,
) -> None:
    first, written = load([job])
    assert states(written) == ["stored"] * 8 and len(entries()) == 8
    second, read = load([job])
    assert states(read) == ["hit"] * 8
    fresh = uncached([job])
    assert everything(second) == everything(fresh) == everything(first)
    assert sum(len(s.series) for s in second.sessions) == sum(len(s.series) for s in fresh.sessions)
    assert any(len(s.events) for s in second.sessions)  # events, OOM included, came back


def test_a_sink_written_by_stormlogs_own_sink_reads_back_the_same(tmp_path: Path) -> None:
    for rank in (0, 3):  # rank 3 ran out of memory: its OOM event has its reason
        write_stormlog_sink(tmp_path / "job" / f"rank-{rank}", rank)
    segments = sorted((tmp_path / "job").rglob("segment-*.jsonl"))
    assert len(segments) > 4
    first, written = load([tmp_path / "job"])
    assert set(states(written)) == {"stored"}
    again, read = load([tmp_path / "job"])
    assert states(read) == ["hit"] * len(segments)
    assert everything(again) == everything(uncached([tmp_path / "job"])) == everything(first)
    assert sum(s.oom is not None for s in again.sessions) == 1  # rank 3 ran out of memory


def _damage_segment(path: Path) -> None:
    """What a closed segment can hold besides good records: a byte-order mark, bad lines
    of every kind, a legacy record, a duplicate, a lone surrogate, no final newline."""
    lines = path.read_bytes().splitlines(keepends=True)
    legacy = {"timestamp": 1796214327.5, "memory_allocated": 1 << 20, "type": "sample"}
    surrogate = json.loads(lines[1]) | {"context": "\\ud800 half a pair"}
    bad = [
        b"{not json\n",
        b"[1, 2]\n",
        b'{"schema_version": 3, "session_id": "x"}\n',
        b'{"schema_version": 9}\n',
        b"\xff\xfe not utf-8\n",
        (json.dumps(legacy) + "\n").encode(),
        lines[2],
        (json.dumps(surrogate) + "\n").encode(),
    ]
    body = lines[:3] + bad + lines[3:]
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(body).rstrip(b"\n"))


def test_a_damaged_closed_segment_gives_the_same_warnings_from_the_cache(job: Path) -> None:
    _damage_segment(job / "rank-1" / "segment-000001.jsonl")
    first, _ = load([job])
    codes = {w.code for w in first.warnings}
    assert {"bom", "malformed-json", "invalid-utf8", "count-mismatch"} <= codes
    again, results = load([job])
    assert states(results) == ["hit"] * 8
    assert everything(again) == everything(uncached([job])) == everything(first)
    follower = Follower([job], workers=1)  # reads with final=False: kept apart
    follower.load()
    configure_cache(enabled=False)
    fresh = Follower([job], workers=1)
    fresh.load()
    configure_cache()
    assert everything(follower.dataset) == everything(fresh.dataset)


def test_the_second_load_parses_nothing_and_touches_the_entries(
    job: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real = parse_jsonl_pieces

    def counting(data: Any, **options: Any) -> Any:
        parsed.append(options["path"])
        return real(data, **options)

    monkeypatch.setattr("stormlog_core.browse.read.parse_jsonl_pieces", counting)
    load([job])
    assert len(parsed) == 8
    long_ago = time.time() - 86_400
    for entry in entries():
        os.utime(entry, (long_ago, long_ago))
    parsed.clear()
    load([job])
    assert parsed == []
    assert all(entry.stat().st_mtime > long_ago + 3600 for entry in entries())  # recently used


def test_worker_processes_read_and_write_the_cache(
    job: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_module, "PARALLEL_MIN_BYTES", -1)  # workers even for no bytes
    monkeypatch.setattr(read_module, "PARALLEL_MIN_BYTES_THREADED", -1)
    _, written = load([job], workers=2)
    assert states(written) == ["stored"] * 8 and len(entries()) == 8
    again, read = load([job], workers=2)
    assert states(read) == ["hit"] * 8
    assert everything(again) == everything(uncached([job]))


# ------------------------------------------------------------- never a wrong answer


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip(data: bytes) -> bytes:
    middle = (HEADER_BYTES + len(data)) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _other_version(data: bytes) -> bytes:
    return data[:12] + struct.pack("<I", FORMAT_VERSION + 1) + data[16:]


def _garbage(data: bytes) -> bytes:
    return b"\x80\x04 not an entry, and certainly not a pickle" * 10


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": _truncate,
    "flipped-byte": _flip,
    "other-version": _other_version,
    "garbage": _garbage,
    "empty": lambda data: b"",
    "header-only": lambda data: data[:HEADER_BYTES],
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_entry_is_ignored_removed_and_rebuilt(job: Path, damage: str) -> None:
    load([job])
    for entry in entries():
        entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    again, results = load([job])
    assert states(results) == ["stored"] * 8  # parsed again, and kept again
    assert everything(again) == everything(uncached([job]))
    assert states(load([job])[1]) == ["hit"] * 8


def test_another_files_entry_under_this_files_name_is_not_used(job: Path) -> None:
    load([job])
    first, second = entries()[:2]
    shutil.copyfile(first, second)  # right format, intact, but made for another file
    again, results = load([job])
    assert sorted(states(results)) == ["hit"] * 7 + ["stored"]
    assert everything(again) == everything(uncached([job]))


def _change_value(path: Path) -> None:
    """Rewrite one counter in place, same length, then put the old mtime back (as
    ``cp -p`` or ``rsync -t`` would): only the ctime tells."""
    status = path.stat()
    text = path.read_text()
    start = text.index('"allocator_allocated_bytes": ') + len('"allocator_allocated_bytes": ')
    digit = "1" if text[start] != "1" else "2"
    path.write_text(text[:start] + digit + text[start + 1 :])
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def _append(path: Path) -> None:
    status = path.stat()
    record = json.loads(path.read_text().splitlines()[0])
    with path.open("a") as handle:
        handle.write(json.dumps(record | {"timestamp_ns": record["timestamp_ns"] + 7}) + "\n")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # the size alone differs


def _touch(path: Path) -> None:
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))


def _replace(path: Path) -> None:
    copy = path.with_suffix(".copy")
    shutil.copy2(path, copy)  # same bytes, same mtime, another inode
    os.replace(copy, path)


CHANGES = {"rewritten": _change_value, "grown": _append, "touched": _touch, "replaced": _replace}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_file_is_not_served_from_the_cache(job: Path, change: str) -> None:
    load([job])
    segment = job / "rank-2" / "segment-000001.jsonl"
    CHANGES[change](segment)
    again, results = load([job])
    by_path = {result.task.path: result.cached for result in results}
    assert by_path.pop(str(segment)) == "stored"
    assert set(by_path.values()) == {"hit"}
    assert everything(again) == everything(uncached([job]))


def test_open_segments_json_documents_and_plain_files_are_never_cached(tmp_path: Path) -> None:
    sink = write_stormlog_sink(tmp_path / "live" / "rank-0", 0, close=False)
    try:
        manifest = json.loads((tmp_path / "live" / "rank-0" / "manifest.json").read_text())
        closed = [s["filename"] for s in manifest["segments"] if s["closed"]]
        still_open = [s["filename"] for s in manifest["segments"] if not s["closed"]]
        assert closed and still_open
        records = [v3_record(i, session_id="plain") for i in range(5)]
        write_jsonl(tmp_path / "plain.jsonl", records)
        (tmp_path / "doc.json").write_text(json.dumps(records))
        paths = [tmp_path / "live", tmp_path / "plain.jsonl", tmp_path / "doc.json"]
        _, results = load(paths)
        by_name = {Path(result.task.path).name: result.cached for result in results}
        assert {name: by_name[name] for name in closed} == dict.fromkeys(closed, "stored")
        assert [by_name[name] for name in still_open] == [""]
        assert by_name["plain.jsonl"] == by_name["doc.json"] == ""
        assert len(entries()) == len(closed)
        assert everything(load(paths)[0]) == everything(uncached(paths))
    finally:
        sink.close()


def test_a_follower_reads_appended_bytes_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = write_stormlog_sink(tmp_path / "rank-0", 0, close=False)
    try:
        follower = Follower([tmp_path], workers=1)
        follower.load()
        kept = entries()
        assert kept  # the closed segments of a running sink are cached on loading
        offered: list[str | None] = []
        real = read_module.read_file

        def reading(task: Any) -> FileResult:
            offered.append(task.cache_dir)
            return real(task)

        monkeypatch.setattr("stormlog_core.browse.file_cursors.read_file", reading)
        last = json.loads((REAL / "rank-0" / "segment-000001.jsonl").read_text().splitlines()[-1])
        sink.append(last | {"timestamp_ns": last["timestamp_ns"] + 1_000_000})
        sink.flush(force=True)
        assert follower.refresh([tmp_path]).records == 1
        assert offered and set(offered) == {None}
        assert entries() == kept
    finally:
        sink.close()
    reloaded = Follower([tmp_path], workers=1)
    reloaded.load()
    assert everything(reloaded.dataset) == everything(uncached([tmp_path]))


# ------------------------------------------------------------- never a write elsewhere


def test_loads_never_write_next_to_the_telemetry(job: Path, private_cache: Path) -> None:
    before = tree(job)
    load([job])
    load([job])
    uncached([job])
    load_dataset([job])
    Follower([job], workers=1).load()
    assert tree(job) == before
    assert entries() and all(private_cache in entry.parents for entry in entries())
    assert oct(segments_dir().stat().st_mode & 0o777) == "0o700"
    assert not list(segments_dir().glob(".tmp-*"))  # every entry was renamed into place


def test_no_cache_neither_reads_nor_writes_entries(
    job: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_cache(enabled=False)  # --no-cache
    assert states(load([job])[1]) == [""] * 8 and not segments_dir().exists()
    configure_cache()
    monkeypatch.setenv("STORMLOG_TUI_NO_CACHE", "1")
    assert states(load([job])[1]) == [""] * 8 and entries() == []
    monkeypatch.delenv("STORMLOG_TUI_NO_CACHE")
    load([job])
    stamps = {entry: entry.stat().st_mtime_ns for entry in entries()}
    monkeypatch.setenv("STORMLOG_TUI_NO_CACHE", "1")
    assert states(load([job])[1]) == [""] * 8
    assert {entry: entry.stat().st_mtime_ns for entry in entries()} == stamps  # untouched


def test_a_cache_that_cannot_be_made_or_written_is_quietly_off(
    job: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = everything(uncached([job]))
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache cannot be made below it
    assert open_cache() is None
    dataset, results = load([job])
    assert states(results) == [""] * 8 and everything(dataset) == expected
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("stormlog_core.browse.segment_cache.tempfile.mkstemp", full)
    dataset, results = load([job])
    assert states(results) == [""] * 8 and everything(dataset) == expected
    assert entries() == []


# --------------------------------------------------------------------------- the bound


def _aged(paths: list[Path]) -> list[Path]:
    """``paths``, made last used one hour apart, the first longest ago."""
    now = time.time()
    for age, path in enumerate(reversed(paths), start=1):
        os.utime(path, (now - 3600 * age, now - 3600 * age))
    return paths


def test_the_bound_evicts_the_least_recently_used_first(
    job: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load([job])
    oldest_first = _aged(entries())
    sizes = [path.stat().st_size for path in oldest_first]
    cache = open_cache()
    assert cache is not None
    stale = segments_dir() / ".tmp-left-by-a-killed-writer"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = segments_dir() / ".tmp-being-written"
    fresh.write_bytes(b"x")
    trim(dataclasses.replace(cache, max_bytes=sum(sizes[3:])))
    assert set(entries()) == set(oldest_first[3:])
    assert not stale.exists() and fresh.exists()
    monkeypatch.setenv("STORMLOG_TUI_CACHE_MAX_BYTES", str(max(sizes) * 2))
    shutil.rmtree(segments_dir())
    load([job])  # eight entries written, at most two kept
    assert 1 <= len(entries()) <= 2
    assert sum(entry.stat().st_size for entry in entries()) <= max(sizes) * 2


def test_a_bound_of_zero_turns_the_cache_off(job: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORMLOG_TUI_CACHE_MAX_BYTES", "0")
    assert states(load([job])[1]) == [""] * 8 and entries() == []
    configure_cache(max_bytes=0)
    monkeypatch.setenv("STORMLOG_TUI_CACHE_MAX_BYTES", "not a number")  # ignored
    assert open_cache() is None
    configure_cache(max_bytes=1 << 20)
    assert open_cache() is not None
