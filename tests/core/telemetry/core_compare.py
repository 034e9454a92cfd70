"""Run the same call on ours and on the reference and assert the user sees the same thing."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import stormlog.telemetry as REF  # type: ignore[import-untyped]

import stormlog_core.telemetry as OURS

PROJECTION_FIELDS = [f.name for f in dataclasses.fields(REF.ProjectedTelemetryRecord)]


def thaw(value: Any) -> Any:
    """Turn mapping proxies and tuples into plain dicts and lists, recursively."""
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def canon(value: Any) -> str:
    """A comparable text form (NaN-safe, key-order-insensitive)."""
    return json.dumps(thaw(value), sort_keys=True, default=repr)


def event_view(module: ModuleType, event: Any) -> dict[str, Any]:
    """What a user sees of one event: its dict form."""
    result: dict[str, Any] = module.telemetry_event_to_dict(event)
    return result


def projection_view(projected: Any) -> dict[str, Any]:
    """A projected record, field by field (record_id included)."""
    return {name: thaw(getattr(projected, name)) for name in PROJECTION_FIELDS}


def session_view(module: ModuleType, loaded: Any, *, projections: bool = True) -> dict[str, Any]:
    """One loaded session: summary, events, sources, warnings and projections."""
    view = {
        "summary": dataclasses.asdict(loaded.summary),
        "events": [event_view(module, e) for e in loaded.events],
        "sources_loaded": list(loaded.sources_loaded),
        "warnings": list(loaded.warnings),
    }
    if projections:
        view["projections"] = [projection_view(p) for p in loaded.telemetry_records()]
    return view


def sessions_view(module: ModuleType, sessions: list[Any]) -> list[dict[str, Any]]:
    """All loaded sessions in order."""
    return [session_view(module, s) for s in sessions]


def _is_plain_value_error(exc: BaseException) -> bool:
    return type(exc) is ValueError


def assert_same(
    call: Callable[[ModuleType], Any],
    view: Callable[[ModuleType, Any], Any],
    *,
    allow_ours_on_crash: Callable[[Any], bool] | None = None,
) -> str:
    """Call ``call(module)`` on both; assert equal views, or the same ValueError message.

    Where the reference raises something other than a plain ValueError (a crash), ours
    must raise ValueError (FileNotFoundError when the reference did), unless
    ``allow_ours_on_crash`` accepts what ours returned. Returns the outcome kind.
    """
    try:
        expected = view(REF, call(REF))
    except Exception as ref_exc:
        return _assert_ours_fails_like(call, view, ref_exc, allow_ours_on_crash)
    try:
        result = call(OURS)
    except Exception as exc:
        raise AssertionError(f"reference succeeded, ours raised {exc!r}") from exc
    got = view(OURS, result)
    assert canon(got) == canon(expected)
    return "ok"


def _assert_ours_fails_like(
    call: Callable[[ModuleType], Any],
    view: Callable[[ModuleType, Any], Any],
    ref_exc: Exception,
    allow_ours_on_crash: Callable[[Any], bool] | None,
) -> str:
    try:
        result = call(OURS)
    except Exception as exc:
        if _is_plain_value_error(ref_exc):
            assert isinstance(exc, ValueError), f"ours raised {exc!r}, ref {ref_exc!r}"
            assert str(exc) == str(ref_exc)
            return "value_error"
        wanted = FileNotFoundError if isinstance(ref_exc, FileNotFoundError) else ValueError
        assert isinstance(exc, wanted), f"ours raised {exc!r} where ref crashed {ref_exc!r}"
        return "crash"
    if allow_ours_on_crash is not None and not _is_plain_value_error(ref_exc):
        assert allow_ours_on_crash(view(OURS, result)), (ref_exc, result)
        return "crash_tolerated"
    raise AssertionError(f"reference raised {ref_exc!r}; ours returned {result!r}")


def manifest_session_ids(path: Path) -> list[str] | None:
    """Session ids of a sink manifest in ``path`` (a directory), or None without one."""
    manifest = path / "manifest.json" if path.is_dir() else None
    if manifest is None or not manifest.exists():
        return None
    try:
        payload = json.loads(manifest.read_text(encoding="utf-8"))
        return [s["session_id"] for s in payload.get("sessions", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def empty_manifest_sessions_ok(path: Path) -> Callable[[Any], bool]:
    """Accept ours returning the manifest's sessions with no events (a segment-less sink)."""

    def accept(sessions: Any) -> bool:
        expected = manifest_session_ids(path)
        if expected is None or not isinstance(sessions, list):
            return False
        return sorted(s["summary"]["session_id"] for s in sessions) == sorted(expected) and all(
            not s["events"] for s in sessions
        )

    return accept


def load_both(path: Path | str, **kwargs: Any) -> str:
    """Compare load_telemetry_sessions and load_telemetry_events on ``path``."""
    tolerate = empty_manifest_sessions_ok(Path(path))
    kind = assert_same(
        lambda m: m.load_telemetry_sessions(path, **kwargs),
        sessions_view,
        allow_ours_on_crash=tolerate,
    )
    assert_same(
        lambda m: m.load_telemetry_events(path, **kwargs),
        lambda m, events: [event_view(m, e) for e in events],
        allow_ours_on_crash=lambda events: events == [],
    )
    return kind
