"""Differential tests: stormlog_core.telemetry against stormlog.telemetry 0.3.9.

On our fixtures, on real stormlog artifacts and on hypothesis-generated records and files,
both must give the same events, projections, summaries, session order and default session,
and the same ValueError message when the reference raises one. Where the reference crashes
with another exception, ours raises ValueError (FileNotFoundError for a missing path).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import generators as gen
import pytest
import stormlog.telemetry as REF  # type: ignore[import-untyped]
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import stormlog_core.telemetry as OURS

from .core_compare import (
    assert_same,
    event_view,
    load_both,
    projection_view,
)
from .telemetry_strategies import (
    FileCase,
    any_record,
    converter_kwargs,
    environments,
    file_cases,
    json_values,
    legacy_records,
    near_valid_records,
    valid_records,
)

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
# STORMLOG_HYPOTHESIS_EXAMPLES=5000 runs a deeper search by hand; the suite stays fast.
_EXAMPLES = int(os.environ.get("STORMLOG_HYPOTHESIS_EXAMPLES", "200"))
HYPOTHESIS = settings(
    max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FILE_HYPOTHESIS = settings(
    max_examples=max(1, _EXAMPLES * 3 // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def compare_conversion(record: Any, **kwargs: Any) -> str:
    """Compare telemetry_event_from_record (as a dict) on one record."""
    return assert_same(
        lambda m: m.telemetry_event_from_record(record, **kwargs),
        event_view,
    )


def compare_projection(record: Any) -> str:
    """Compare project_telemetry_event on a mapping and on each side's converted event."""
    assert_same(lambda m: m.project_telemetry_event(record), lambda m, p: projection_view(p))
    return assert_same(
        lambda m: m.project_telemetry_events([m.telemetry_event_from_record(record)] * 2),
        lambda m, ps: [projection_view(p) for p in ps],
    )


def compare_validation(record: Any) -> str:
    """Compare validate_telemetry_record (None, or the same message)."""
    return assert_same(lambda m: m.validate_telemetry_record(record), lambda m, r: r)


# ------------------------------------------------------------------ fixed record shapes


@pytest.mark.parametrize("name", sorted(gen.LEGACY_RECORDS))
def test_legacy_shape_converts_identically(name: str) -> None:
    record = gen.LEGACY_RECORDS[name]
    assert compare_conversion(record) == "ok"
    assert compare_conversion(record, default_session_id="given") == "ok"
    assert compare_projection(record) == "ok"


@pytest.mark.parametrize("name", sorted(gen.INVALID_LEGACY_RECORDS))
def test_invalid_legacy_shape_same_message(name: str) -> None:
    assert compare_conversion(gen.INVALID_LEGACY_RECORDS[name]) == "value_error"


@pytest.mark.parametrize("name", sorted(gen.CRASHING_LEGACY_RECORDS))
def test_non_finite_legacy_timestamp(name: str) -> None:
    """Infinity crashes the reference with OverflowError; NaN gives its ValueError."""
    assert compare_conversion(gen.CRASHING_LEGACY_RECORDS[name]) in {"crash", "value_error"}


def test_legacy_conversion_disabled_message() -> None:
    record = gen.LEGACY_RECORDS["float_seconds_timestamp"]
    assert compare_conversion(record, permissive_legacy=False) == "value_error"


@pytest.mark.parametrize("record", [gen.v3_record(1), gen.v2_record(2)], ids=["v3", "v2"])
def test_event_dict_key_order(record: dict[str, Any]) -> None:
    ours = OURS.telemetry_event_to_dict(OURS.telemetry_event_from_record(record))
    ref = REF.telemetry_event_to_dict(REF.telemetry_event_from_record(record))
    assert list(ours) == list(ref)
    assert ours == ref


@pytest.mark.parametrize("value", [None, [gen.v3_record()], "x", 3])
def test_non_mapping_record_to_converter(value: Any) -> None:
    assert compare_conversion(value) == "value_error"


def test_event_classes_validate_on_construction() -> None:
    for module in (OURS, REF):
        fields = {k: v for k, v in gen.v3_record().items()}
        fields["pid"] = -5
        with pytest.raises(ValueError, match="pid must be >= -1"):
            module.TelemetryEventV3(**fields)


# ------------------------------------------------------------------- fixture files


def _json_cases(tmp: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    v3 = gen.session_records("json-s", 3)
    mixed = [*v3, *gen.legacy_records(), gen.v2_record(5)]
    return {
        "json_list": (gen.write_json_list(tmp / "list.json", mixed), {}),
        "json_events": (gen.write_json_events(tmp / "ev.json", v3, meta={"x": 1}), {}),
        "json_custom_key": (
            gen.write_json_events(tmp / "c.json", v3, key="rows"),
            {"events_key": "rows"},
        ),
        "json_custom_key_missing": (
            gen.write_json_events(tmp / "m.json", v3),
            {"events_key": "rows"},
        ),
        "json_single": (gen.write_json_single(tmp / "one.json", gen.v3_record()), {}),
        "json_single_legacy": (gen.write_json_single(tmp / "leg.json", {"type": "x"}), {}),
        "json_not_events": (gen.write_json(tmp / "no.json", {"foo": 1}), {}),
        "json_scalar": (gen.write_json(tmp / "scalar.json", 3), {}),
        "json_list_with_scalar": (gen.write_json(tmp / "ls.json", [gen.v3_record(), 1]), {}),
        "json_v2_only": (
            gen.write_json_list(tmp / "v2.json", gen.session_records("", 3, schema=2)),
            {},
        ),
        "json_strict_legacy": (
            gen.write_json_list(tmp / "sl.json", gen.legacy_records()),
            {"permissive_legacy": False},
        ),
        "json_invalid_record": (gen.write_json_list(tmp / "bad.json", [gen.v3_record(pid=-9)]), {}),
        "json_malformed": (_write(tmp / "broken.json", "{not json"), {}),
        "json_empty_list": (gen.write_json_list(tmp / "empty.json", []), {}),
    }


def _jsonl_cases(tmp: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    records = gen.session_records("jl", 3) + gen.session_records("jl2", 2, stop=False)
    return {
        "jsonl_plain": (gen.write_jsonl(tmp / "a.jsonl", records), {}),
        "jsonl_blank_lines": (gen.write_jsonl(tmp / "b.jsonl", records, blank_lines=True), {}),
        "jsonl_torn_tail": (gen.write_jsonl(tmp / "t.jsonl", records, torn_tail='{"sch'), {}),
        "jsonl_u2028_escaped": (gen.write_jsonl(tmp / "u1.jsonl", gen.u2028_records()), {}),
        "jsonl_u2028_raw": (
            gen.write_jsonl(tmp / "u2.jsonl", gen.u2028_records(), ensure_ascii=False),
            {},
        ),
        "jsonl_malformed_middle": (_write(tmp / "mm.jsonl", '{"a": 1}\nnope\n{"b": 2}\n'), {}),
        "jsonl_malformed_last_with_newline": (_write(tmp / "ml.jsonl", "{}\n{bad\n"), {}),
        "jsonl_non_object_line": (
            _write(tmp / "no.jsonl", json.dumps(gen.v3_record()) + "\n[1]\n"),
            {},
        ),
        "jsonl_only_blank": (_write(tmp / "blank.jsonl", "\n  \n"), {}),
        "jsonl_legacy": (gen.write_jsonl(tmp / "leg.jsonl", gen.legacy_records()), {}),
        "jsonl_invalid_utf8": (_write_bytes(tmp / "bad.jsonl", b'{"a": "\xff"}\n'), {}),
    }


def _sink_cases(tmp: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    rollover = gen.write_rollover_sink(tmp / "rollover")
    orphan = gen.write_multi_session_sink(tmp / "orphan")
    gen.add_orphan_segment(orphan, gen.session_records("orphan", 1))
    missing = gen.write_multi_session_sink(tmp / "missing")
    gen.add_missing_manifest_segment(missing, "sess-1")
    return {
        "sink_multi_session": (gen.write_multi_session_sink(tmp / "multi"), {}),
        "sink_rollover_retention": (rollover, {}),
        "sink_manifest_file": (rollover / "manifest.json", {}),
        "sink_segment_file": (sorted(rollover.glob("segment-*.jsonl"))[-1], {}),
        "sink_killed": (gen.write_killed_sink(tmp / "killed"), {}),
        "sink_orphan_segment": (orphan, {}),
        "sink_missing_segment": (missing, {}),
        "sink_no_manifest": (gen.write_segment_sink_without_manifest(tmp / "bare"), {}),
        "sink_manifest_only": (gen.write_manifest_only(tmp / "monly", ["a", "b"]), {}),
        "sink_v2_records": (
            gen.write_sink(tmp / "v2", [("v2s", gen.session_records("", 3, schema=2))]),
            {},
        ),
        "sink_legacy_records": (gen.write_sink(tmp / "leg", [("legs", gen.legacy_records())]), {}),
        "empty_dir": (_mkdir(tmp / "empty"), {}),
        "missing_path": (tmp / "does-not-exist.json", {}),
    }


ODD_MANIFESTS: dict[str, Any] = {
    "manifest_list": [1],
    "manifest_schema1": {
        "schema_version": 1,
        "sessions": [
            {
                "session_id": "s",
                "status": "completed",
                "started_at_ns": 1,
                "host": "h",
                "source": "x",
            }
        ],
        "segments": [{"filename": "segment-000001.jsonl", "session_id": "hint"}],
    },
    "manifest_bad_entries": {
        "schema_version": 2,
        "sessions": [
            {"session_id": "s", "status": "weird", "started_at_ns": 1, "host": "h", "source": "x"},
            {
                "session_id": "t",
                "status": " COMPLETED",
                "started_at_ns": "5",
                "host": "h",
                "source": "x",
                "world_size": 0,
            },
            3,
        ],
        "segments": [{"filename": 5}, {"filename": "segment-000001.jsonl", "session_id": 7}],
    },
    "manifest_not_json": "{not json",
    "manifest_string_numbers": {
        "schema_version": "2",
        "sessions": [
            {
                "session_id": "s",
                "status": "running",
                "started_at_ns": 1.9,
                "host": "h",
                "source": "x",
                "ended_at_ns": "7",
            }
        ],
        "segments": "x",
    },
    "manifest_other_segment_name": {
        "schema_version": 2,
        "sessions": [],
        "segments": [{"filename": "other.jsonl", "session_id": "o"}],
    },
}


def _odd_manifest_sink(root: Path, manifest: Any) -> Path:
    root.mkdir()
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (root / "manifest.json").write_text(text, encoding="utf-8")
    gen.write_jsonl(root / "segment-000001.jsonl", [gen.v2_record(1)])
    gen.write_jsonl(root / "other.jsonl", [gen.v2_record(2)])
    return root


def _edge_cases(tmp: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    nel = gen.v3_record(0, context="a\x85b")
    line = json.dumps(gen.v3_record(1)) + "\n"
    cases: dict[str, tuple[Path, dict[str, Any]]] = {
        "jsonl_raw_nel_splits_line": (
            _write(tmp / "nel.jsonl", json.dumps(nel, ensure_ascii=False) + "\n" + line),
            {},
        ),
        "jsonl_form_feed_line": (_write(tmp / "ff.jsonl", line + "\x0c\n" + line), {}),
        "jsonl_crlf": (_write(tmp / "crlf.jsonl", line.replace("\n", "\r\n") * 2), {}),
        "jsonl_torn_with_cr": (_write(tmp / "cr.jsonl", line + '{"a"\r'), {}),
        "jsonl_bom": (_write_bytes(tmp / "bom.jsonl", b"\xef\xbb\xbf" + line.encode()), {}),
        "json_bom": (_write_bytes(tmp / "bom.json", b"\xef\xbb\xbf[]"), {}),
        "json_infinite_timestamp": (_write(tmp / "inf.json", '[{"timestamp": 1e400}]'), {}),
        "json_nan_timestamp": (_write(tmp / "nan.json", '[{"timestamp": NaN}]'), {}),
        "json_duplicate_keys": (
            _write(tmp / "dup.json", '[{"timestamp": 1, "timestamp": 2.5}]'),
            {},
        ),
        "jsonl_equal_timestamps": (
            gen.write_jsonl(tmp / "eq.jsonl", [gen.v3_record(0, context=str(i)) for i in range(4)]),
            {},
        ),
        "dir_with_json_only": (_write(_mkdir(tmp / "dj") / "x.json", "[]").parent, {}),
        "csv_export": (_write(tmp / "x.csv", "a,b\n1,2\n"), {}),
    }
    for name, manifest in ODD_MANIFESTS.items():
        cases[name] = (_odd_manifest_sink(tmp / name, manifest), {})
    cases["segment_file_not_named_segment"] = (
        tmp / "manifest_other_segment_name" / "other.jsonl",
        {},
    )
    return cases


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


CASE_BUILDERS: list[Callable[[Path], dict[str, tuple[Path, dict[str, Any]]]]] = [
    _json_cases,
    _jsonl_cases,
    _sink_cases,
    _edge_cases,
]
with tempfile.TemporaryDirectory() as _tmp:
    CASE_NAMES = [name for build in CASE_BUILDERS for name in build(Path(_tmp))]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_fixture_file_loads_identically(tmp_path: Path, name: str) -> None:
    cases = {k: v for build in CASE_BUILDERS for k, v in build(tmp_path).items()}
    path, kwargs = cases[name]
    load_both(path, **kwargs)


def test_fixture_outcomes_are_what_a_user_expects(tmp_path: Path) -> None:
    """The fixtures exercise successes, reference ValueErrors and reference crashes."""
    cases = {k: v for build in CASE_BUILDERS for k, v in build(tmp_path).items()}
    kinds = {name: load_both(path, **kwargs) for name, (path, kwargs) in cases.items()}
    assert kinds["sink_multi_session"] == "ok"
    assert kinds["jsonl_malformed_middle"] == "value_error"
    assert kinds["json_invalid_record"] == "value_error"
    assert kinds["jsonl_invalid_utf8"] == "crash"
    assert kinds["missing_path"] == "crash"
    assert kinds["empty_dir"] == "crash"
    assert kinds["sink_manifest_only"] in {"crash", "crash_tolerated"}


@pytest.mark.parametrize(
    "relative", ["sink", "sink/", "./sink", "sink/manifest.json", "a.jsonl", "."]
)
def test_relative_paths_load_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str
) -> None:
    """Legacy session ids and sources depend on the path as given; both must agree."""
    gen.write_sink(tmp_path / "sink", [("legs", gen.legacy_records()[:4])])
    gen.write_jsonl(tmp_path / "a.jsonl", gen.legacy_records()[:3])
    monkeypatch.chdir(tmp_path / "sink" if relative == "." else tmp_path)
    assert load_both(relative) == "ok"
    assert load_both(Path(relative)) == "ok"


def test_default_and_requested_session(tmp_path: Path) -> None:
    sink = gen.write_multi_session_sink(tmp_path / "multi")
    for session_id in ("sess-1", "sess-2", "absent"):

        def load(module: ModuleType, s: str = session_id) -> Any:
            return module.load_telemetry_events(sink, session_id=s)

        assert_same(load, lambda m, events: [event_view(m, e) for e in events])
    default = OURS.load_telemetry_events(sink)
    assert {e.session_id for e in default} == {"sess-1"}  # completed beats interrupted


# ------------------------------------------------------------------- real artifacts


def _real_paths() -> list[Path]:
    if not REAL.exists():
        return []
    paths = sorted(p for p in REAL.rglob("*") if p.name != "README.md")
    return [p for p in paths if p.is_dir() or p.suffix in {".json", ".jsonl", ".csv"}]


@pytest.mark.parametrize("path", _real_paths(), ids=lambda p: str(p.relative_to(REAL)))
def test_real_artifact_loads_identically(path: Path) -> None:
    load_both(path)


def test_real_artifacts_present() -> None:
    names = {p.name for p in REAL.iterdir()}
    assert {"cpu_tracker_export.json", "multi_session_sink", "killed_sink"} <= names
    assert len(OURS.load_telemetry_sessions(REAL / "multi_session_sink")) == 4
    ranks = sorted(
        OURS.load_telemetry_sessions(d)[0].summary.rank
        for d in (REAL / "job_elastic-run-42").iterdir()
    )
    assert ranks == [0, 1, 2, 3]


# --------------------------------------------------------------------- hypothesis


@HYPOTHESIS
@given(record=any_record, kwargs=converter_kwargs)
def test_random_record_converts_identically(record: dict[str, Any], kwargs: dict[str, Any]) -> None:
    event(compare_conversion(record, **kwargs))


@HYPOTHESIS
@given(record=st.one_of(valid_records(3), valid_records(2), near_valid_records()))
def test_random_record_validates_identically(record: dict[str, Any]) -> None:
    event(compare_validation(record))


@HYPOTHESIS
@given(record=st.one_of(valid_records(3), valid_records(2), legacy_records()))
def test_random_record_projects_identically(record: dict[str, Any]) -> None:
    event(compare_projection(record))


@HYPOTHESIS
@given(record=valid_records(3))
def test_valid_v3_record_round_trips(record: dict[str, Any]) -> None:
    """A valid v3 record comes back unchanged (apart from identity defaults) in both."""
    assert compare_conversion(record) == "ok"
    event = OURS.telemetry_event_to_dict(OURS.telemetry_event_from_record(record))
    assert {key: event[key] for key in record} == record


identity_values = st.one_of(
    st.none(), st.integers(-1, 5), st.sampled_from(["", "j", "1", True, 1.0])
)


@HYPOTHESIS
@given(
    explicit=st.fixed_dictionaries(
        {}, optional={k: identity_values for k in ("job_id", "rank", "local_rank", "world_size")}
    ),
    metadata=st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(["job_id", "rank", "local_rank", "world_size", "x"]), identity_values
        ),
    ),
    env=st.one_of(st.none(), environments),
)
def test_distributed_identity_identical(
    explicit: dict[str, Any], metadata: dict[str, Any] | None, env: dict[str, str] | None
) -> None:
    assert_same(
        lambda m: m.resolve_distributed_identity(**explicit, metadata=metadata, env=env),
        lambda m, identity: identity,
    )


@FILE_HYPOTHESIS
@given(case=file_cases())
def test_random_file_loads_identically(case: FileCase) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = case.write(Path(tmp))
        kwargs = {"events_key": case.options["key"]} if case.kind == "json_custom" else {}
        event(f"{case.kind}: {load_both(path, **kwargs)}")


@HYPOTHESIS
@given(value=json_values, kwargs=converter_kwargs)
def test_ours_raises_only_value_error_on_any_record(value: Any, kwargs: dict[str, Any]) -> None:
    for call in (
        lambda: OURS.telemetry_event_from_record(value, **kwargs),
        lambda: OURS.validate_telemetry_record(value),
        lambda: OURS.project_telemetry_event(value),
    ):
        with contextlib.suppress(ValueError):
            call()


@HYPOTHESIS
@given(
    data=st.one_of(
        st.binary(max_size=64),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.lists(json_values, max_size=4).map(
            lambda vs: "".join(json.dumps(v) + "\n" for v in vs).encode()
        ),
    ),
    name=st.sampled_from(["x.json", "x.jsonl", "segment-000001.jsonl", "manifest.json", "x"]),
)
def test_ours_raises_only_value_error_on_any_file(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        for target in (path, Path(tmp)):
            try:
                OURS.load_telemetry_sessions(target)
                OURS.load_telemetry_events(target)
            except ValueError:
                pass
