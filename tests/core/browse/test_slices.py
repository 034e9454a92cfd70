"""A file decoded a slice of lines at a time gives the records and warnings of the file
decoded whole: slices must not lose, repeat or renumber a line, whatever they cut."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stormlog_core.browse import read as read_module
from stormlog_core.browse.chunks import ParsedChunk
from stormlog_core.browse.dataset import load_dataset
from stormlog_core.browse.event_table import TEXT_COLUMNS
from stormlog_core.browse.parse import parse_jsonl, parse_jsonl_pieces

REAL = Path(__file__).resolve().parents[2] / "data" / "real_gpu_job" / "rank-0"
SEGMENT = (REAL / "segment-000001.jsonl").read_bytes()
TABLES = {"session": "session_ids", "etype": "event_types", "job": "job_ids"}


def _rows(chunk: ParsedChunk) -> list[tuple[Any, ...]]:
    """Each record as values (codes turned into what they stand for), without the
    duplicate keys (hashed only where a chunk's events share an instant)."""
    columns = []
    for name, column in chunk.columns.items():
        if name == "key":
            continue
        values: list[Any] = column.tolist()
        if name in TABLES:
            table = getattr(chunk, TABLES[name])
            values = [table[code] for code in values]
        elif name in TEXT_COLUMNS:
            values = [None if code < 0 else chunk.texts[code] for code in values]
        elif column.dtype.kind == "f":
            values = ["nan" if np.isnan(value) else value for value in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


def parse_jsonl_slices(data: bytes, **options: Any) -> ParsedChunk:
    """``data`` parsed a slice at a time, as a file is read."""
    return parse_jsonl_pieces(io.BytesIO(data).read, **options)


def _same(whole: ParsedChunk, sliced: ParsedChunk) -> None:
    assert _rows(sliced) == _rows(whole)
    assert [(w.code, w.message, w.line) for w in sliced.warnings] == [
        (w.code, w.message, w.line) for w in whole.warnings
    ]
    assert (sliced.consumed, sliced.lines, sliced.sessions) == (
        whole.consumed,
        whole.lines,
        whole.sessions,
    )


LINES = SEGMENT.splitlines()
BAD = [b'{"schema_version": 3, "session_id": ', b"[1, 2]", b"", b"   ", b"\xff\xfe junk"]


@settings(max_examples=40, deadline=None)
@given(
    picks=st.lists(st.integers(0, len(LINES) + len(BAD) - 1), min_size=1, max_size=120),
    slice_bytes=st.integers(200, 9000),
    torn=st.booleans(),
    bom=st.booleans(),
    final=st.booleans(),
)
def test_slices_give_what_the_whole_file_gives(
    picks: list[int], slice_bytes: int, torn: bool, bom: bool, final: bool
) -> None:
    lines = [(LINES + BAD)[pick] for pick in picks]
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + (b"" if torn else b"\n")
    whole = parse_jsonl(data, path="f.jsonl", hint="h", final=final)
    sliced = parse_jsonl_slices(
        data, path="f.jsonl", hint="h", final=final, slice_bytes=slice_bytes
    )
    _same(whole, sliced)


def test_a_file_given_up_on_in_a_slice_counts_the_lines_not_read() -> None:
    junk = b"\n".join([b"not json %d" % i for i in range(1500)])
    data = SEGMENT + junk + b"\n" + SEGMENT
    whole = parse_jsonl(data, path="f.jsonl", hint="h")
    sliced = parse_jsonl_slices(data, path="f.jsonl", hint="h", slice_bytes=4096)
    (said,) = [w for w in whole.warnings if w.code == "gave-up"]
    assert [w.message for w in sliced.warnings if w.code == "gave-up"] == [said.message]
    assert sliced.size == whole.size == len(LINES)
    assert sliced.consumed == len(data)


def test_whitespace_alone_has_no_records_sliced_too() -> None:
    data = b" \n" * 5000
    sliced = parse_jsonl_slices(data, path="f.jsonl", hint="h", slice_bytes=1000)
    assert [w.code for w in sliced.warnings] == ["no-records"]


def test_a_job_loads_the_same_read_in_small_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def summary() -> str:
        dataset = load_dataset([REAL])
        sessions = [
            (
                s.session_id,
                s.event_count,
                s.events.texts_of("context"),
                s.events.columns["line"].tolist(),
                [dict(event.metadata or {}) for event in s.events],  # read back by offset
                s.series.timestamp_ns.tolist(),
            )
            for s in dataset.sessions
        ]
        warnings = [(w.code, w.message, w.line) for w in dataset.warnings]
        return json.dumps([sessions, warnings], default=str)

    monkeypatch.setenv("STORMLOG_TUI_NO_CACHE", "1")  # both loads parse the files
    whole = summary()
    monkeypatch.setattr(read_module, "SLICE_BYTES", 3000)  # files read a slice at a time
    assert summary() == whole
