"""Exports that round-trip (issue #13): a session of a capture written by stormlog's own
GPU tracker, exported to JSONL from the app's export and headless, reads back in stormlog
0.3.9 with every event identical, and in our loader with the same statistics and no
warning; a window holds exactly the records inside it; CSV reads back with ``csv``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import stormlog.telemetry as reference  # type: ignore[import-untyped]

from stormlog_core.browse import counted, load_dataset
from stormlog_tui.cli import main
from stormlog_tui.export import export_group
from stormlog_tui.view.detail_group import group_of

CAPTURE = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job"
OOM_RANK = 3


def reference_events(path: Path) -> list[dict[str, Any]]:
    """Every event of the one session stormlog 0.3.9 loads from ``path``."""
    (session,) = reference.load_telemetry_sessions(str(path))
    return [reference.telemetry_event_to_dict(event) for event in session.events]


def raw_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _oom_session_id() -> str:
    manifest = json.loads((CAPTURE / f"rank-{OOM_RANK}" / "manifest.json").read_text())
    return str(manifest["sessions"][0]["session_id"])


def test_a_sessions_jsonl_export_reads_back_in_stormlog_and_in_ours(tmp_path: Path) -> None:
    dataset = load_dataset([CAPTURE])
    group = group_of(dataset, _oom_session_id())
    assert group is not None
    path, count = export_group(group, (OOM_RANK,), group.origin_ns, group.end_ns, tmp_path, "jsonl")
    source = reference_events(CAPTURE / f"rank-{OOM_RANK}")
    assert count == len(source) > 100
    assert reference_events(path) == source  # every event, metadata included

    again = load_dataset([path])
    assert again.warnings == []
    (session,) = again.sessions
    original = dataset.session(_oom_session_id())
    assert original is not None
    assert session.stats() == original.stats()
    assert session.event_count == original.event_count
    kinds = [(e.event_type, e.kind) for e in session.events]
    assert kinds == [(e.event_type, e.kind) for e in original.events]  # the OOM included


def test_a_headless_window_holds_exactly_the_records_inside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = raw_records(CAPTURE / f"rank-{OOM_RANK}" / "segment-000001.jsonl")
    times = sorted(record["timestamp_ns"] for record in source)
    first = min(times)
    start, end = first + 300_000_000, first + 900_000_000  # 0.3 s to 0.9 s
    out = tmp_path / "window.jsonl"
    argv = ["--export", "jsonl", "--output", str(out), "--session", _oom_session_id()]
    argv += ["--rank", str(OOM_RANK), "--from", "0.3", "--to", "0.9", str(CAPTURE)]
    assert main(argv) == 0
    exported = raw_records(out)
    inside = [r for r in source if start <= r["timestamp_ns"] <= end]
    assert len(exported) == len(inside) > 0
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert sorted(map(key, exported)) == sorted(map(key, inside))
    assert [r["timestamp_ns"] for r in exported] == sorted(r["timestamp_ns"] for r in exported)
    assert f"exported {counted(len(inside), 'record')} of 1 session\n" in capsys.readouterr().err


def test_csv_reads_back_with_every_record_its_type_and_context(tmp_path: Path) -> None:
    out = tmp_path / "job.csv"
    assert main(["--export", "csv", "--output", str(out), str(CAPTURE)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    source = [
        record
        for segment in sorted(CAPTURE.glob("rank-*/segment-*.jsonl"))
        for record in raw_records(segment)
    ]
    assert len(rows) == len(source)
    assert sorted((r["event_type"], r["context"]) for r in rows) == sorted(
        (r["event_type"], r.get("context") or "") for r in source
    )
    oom = [r for r in rows if "oom_reason" in json.loads(r["metadata"])]
    assert len(oom) == 1 and oom[0]["rank"] == str(OOM_RANK)
    assert oom[0]["time_utc"].endswith("Z") and oom[0]["severity"]


def test_export_never_overwrites_and_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "taken.jsonl"
    out.write_text("keep me\n")
    assert main(["--export", "jsonl", "--output", str(out), str(CAPTURE)]) == 2
    assert "exists: not overwritten" in capsys.readouterr().err
    assert out.read_text() == "keep me\n"
    assert main(["--export", "jsonl", str(CAPTURE)]) == 2
    assert "--export needs --output" in capsys.readouterr().err


def test_export_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--export", "jsonl", "--output", "-", "--rank", "0", str(CAPTURE)]
    assert main(argv) == 0
    lines = io.StringIO(capsys.readouterr().out).read().splitlines()
    assert lines and all(json.loads(line)["rank"] == 0 for line in lines)
