"""The few facts the browser keeps of a non-sample record, read once from its metadata.

A non-sample record (phase, allocation, alert, collector transition, OOM...) is stored as
columns (see ``browse.event_table``); its context and full metadata stay in its file and
are read back by line when a row is shown. What the views, the statistics and the
duplicate rule need is taken here, in the parsing pass, by one function for every path
(the typed fast path and the exact one):

* the kind and severity (the taxonomy),
* for phases: the action (enter/exit), the nested path, the scope id and the thread,
* the collector's health (degraded, healthy, or not said) and why it degraded,
* for OOMs: the reason and the bundle path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from stormlog_core.schema.taxonomy import EventKind, classify_event, is_degradation, severity_of

#: How a phase path is written: ``train_step / forward``.
PATH_SEPARATOR: Final = " / "
#: Collector health statuses that mean the numbers are doubtful.
UNHEALTHY_STATUSES: Final = frozenset({"degraded", "unhealthy", "failed", "failing"})
#: The metadata keys read from a record (everything else stays in the file).
METADATA_FIELDS: Final = (
    "severity",
    "oom_reason",
    "oom_dump_path",
    "collector_transition",
    "collector_health_status",
    "telemetry_partial",
    "collector_last_error",
    "phase_scope",
    "phase",
)

#: Phase actions, as stored in a column.
NO_PHASE: Final = 0
PHASE_ENTER: Final = 1
PHASE_EXIT: Final = 2
#: Collector health, as stored in a column.
HEALTH_UNKNOWN: Final = -1
HEALTH_OK: Final = 0
HEALTH_DEGRADED: Final = 1


@dataclass(frozen=True)
class EventFields:
    """What the browser keeps of one non-sample record."""

    kind: EventKind
    severity: str
    phase_action: int = NO_PHASE
    phase_path: str | None = None
    health: int = HEALTH_UNKNOWN
    #: Why the collector degraded (its last error, else the context), when it did.
    reason: str | None = None
    #: The OOM's reason and bundle path (OOM events only).
    oom: Mapping[str, Any] | None = None
    #: A collector that stopped measuring (a degradation transition).
    degradation: bool = False


def phase_path(metadata: Mapping[str, Any]) -> str | None:
    """The phase's nested path from ``phase_scope`` (else its name, else ``phase``)."""
    scope = metadata.get("phase_scope")
    if isinstance(scope, Mapping):
        path = scope.get("path")
        if isinstance(path, list) and path and all(isinstance(p, str) for p in path):
            return PATH_SEPARATOR.join(path)
        name = scope.get("name")
        if isinstance(name, str) and name.strip():
            return name
    name = metadata.get("phase")
    return name if isinstance(name, str) and name.strip() else None


def collector_health(kind: EventKind, event_type: str, metadata: Mapping[str, Any]) -> int:
    """Whether a record says its collector is degraded, healthy, or says nothing of it."""
    if kind is EventKind.COLLECTOR:
        degraded = event_type.strip().lower() == "collector_degraded"
        return HEALTH_DEGRADED if degraded else HEALTH_OK
    status = metadata.get("collector_health_status")
    partial = metadata.get("telemetry_partial")
    if status is None and partial is None:
        return HEALTH_UNKNOWN
    unhealthy = isinstance(status, str) and status.strip().lower() in UNHEALTHY_STATUSES
    return HEALTH_DEGRADED if unhealthy or partial is True else HEALTH_OK


def text_or_none(value: Any) -> str | None:
    """A metadata value taken as a text: only a string is one."""
    return value if isinstance(value, str) else None


def _scope_text(scope: Any, key: str) -> str | None:
    return text_or_none(scope.get(key) if isinstance(scope, Mapping) else None)


def scope_texts(scope: Any) -> tuple[str | None, str | None]:
    """A ``phase_scope``'s scope id (shared by an enter and its exit) and thread name."""
    if not isinstance(scope, Mapping):
        return None, None
    return _scope_text(scope, "scope_id"), _scope_text(scope, "thread_name")


def phase_scope_ids(metadata: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """A phase record's scope id and thread name (:func:`scope_texts`)."""
    return scope_texts(metadata.get("phase_scope"))


def event_fields(event_type: str, metadata: Mapping[str, Any], context: str | None) -> EventFields:
    """The facts of one non-sample record (``metadata`` needs only :data:`METADATA_FIELDS`),
    except the ones each phase record has of its own (:func:`phase_scope_ids`)."""
    kind = classify_event(event_type, metadata, context)
    severity = severity_of(event_type, metadata)
    health = collector_health(kind, event_type, metadata)
    reason = None
    if health == HEALTH_DEGRADED:
        error = metadata.get("collector_last_error")
        reason = error.strip() if isinstance(error, str) and error.strip() else context
    action, path = NO_PHASE, None
    if kind is EventKind.PHASE:
        path = phase_path(metadata)
        lowered = event_type.strip().lower()
        action = {"phase_enter": PHASE_ENTER, "phase_exit": PHASE_EXIT}.get(lowered, NO_PHASE)
    oom = None
    if kind is EventKind.OOM:
        oom = {key: metadata[key] for key in ("oom_reason", "oom_dump_path") if key in metadata}
    degradation = is_degradation(kind, event_type, metadata)
    return EventFields(kind, severity, action, path, health, reason, oom, degradation)
