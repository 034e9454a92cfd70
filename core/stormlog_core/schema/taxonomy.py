"""The event taxonomy: the one rule that says what a record is.

Every part of the project that asks "is this an OOM, an alert, a phase, a collector
transition?" (the loader, the rank statistics, the chart marks, the events filter,
``--summary``) calls :func:`classify_event`. The OOM rule follows stormlog's own
(``telemetry_classification.is_oom_event`` and its timeline markers): an event whose
metadata carries ``oom_reason`` or ``oom_dump_path``, or whose type names an OOM. An
``error`` whose context says "out of memory" (older writers) is an OOM too.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any, Final


class EventKind(IntEnum):
    """What a record is; small integers, so a column of kinds is cheap."""

    SAMPLE = 0
    ALERT = 1
    OOM = 2
    PHASE = 3
    COLLECTOR = 4
    LIFECYCLE = 5
    ALLOCATION = 6
    OTHER = 7

    @property
    def label(self) -> str:
        """The lower-case name shown to users (``oom``, ``phase``...)."""
        return self.name.lower()


#: Severity of each stormlog event type when its metadata names none.
SEVERITY_BY_EVENT_TYPE: Final = {
    "critical": "critical",
    "error": "error",
    "warning": "warning",
    "collector_degraded": "warning",
    "collector_recovered": "info",
    "start": "info",
    "stop": "info",
    "phase_enter": "info",
    "phase_exit": "info",
    "sample": "info",
}
#: Severities that make an event an alert (stormlog's ``is_alert_event``).
ALERT_SEVERITIES: Final = ("warning", "critical", "error")
#: Metadata keys that mark an OOM (stormlog's tracker writes ``oom_reason``).
OOM_METADATA_KEYS: Final = frozenset({"oom_reason", "oom_dump_path"})
_KIND_BY_TYPE: Final = {
    "sample": EventKind.SAMPLE,
    "warning": EventKind.ALERT,
    "critical": EventKind.ALERT,
    "error": EventKind.ALERT,
    "phase_enter": EventKind.PHASE,
    "phase_exit": EventKind.PHASE,
    "collector_degraded": EventKind.COLLECTOR,
    "collector_recovered": EventKind.COLLECTOR,
    "start": EventKind.LIFECYCLE,
    "stop": EventKind.LIFECYCLE,
    "allocation": EventKind.ALLOCATION,
    "deallocation": EventKind.ALLOCATION,
    "peak": EventKind.ALLOCATION,
}


def severity_of(event_type: str, metadata: Mapping[str, Any]) -> str:
    """The severity of an event: its metadata's ``severity``, else by event type."""
    explicit = metadata.get("severity")
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip().lower()
    return SEVERITY_BY_EVENT_TYPE.get(event_type.strip().lower(), "info")


def is_oom(event_type: str, metadata: Mapping[str, Any], context: str | None = None) -> bool:
    """Whether an event reports an out-of-memory error (see the module docstring)."""
    lowered = event_type.strip().lower()
    if "oom" in lowered or "out_of_memory" in lowered:
        return True
    if not OOM_METADATA_KEYS.isdisjoint(metadata):
        return True
    return lowered == "error" and bool(context) and "out of memory" in str(context).lower()


def classify_event(
    event_type: str, metadata: Mapping[str, Any], context: str | None = None
) -> EventKind:
    """The kind of one event. Unknown types with an alert severity are alerts."""
    if is_oom(event_type, metadata, context):
        return EventKind.OOM
    kind = _KIND_BY_TYPE.get(event_type.strip().lower())
    if kind is not None:
        return kind
    if severity_of(event_type, metadata) in ALERT_SEVERITIES:
        return EventKind.ALERT
    return EventKind.OTHER


def is_degradation(kind: EventKind, event_type: str, metadata: Mapping[str, Any]) -> bool:
    """A collector that stopped measuring (a ``collector_degraded`` transition)."""
    if metadata.get("collector_transition") == "degraded":
        return True
    return kind is EventKind.COLLECTOR and event_type.strip().lower() == "collector_degraded"


#: Kinds that never count as alerts, whatever their severity.
NEVER_ALERTS: Final = (EventKind.COLLECTOR, EventKind.SAMPLE)


def alert_severity(kind: EventKind, severity: str) -> str | None:
    """The severity an event counts under as an alert (OOMs are errors), or None."""
    if kind in NEVER_ALERTS:
        return None
    return severity if severity in ALERT_SEVERITIES else None
