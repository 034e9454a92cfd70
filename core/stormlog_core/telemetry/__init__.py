"""The public API of ``stormlog.telemetry`` (stormlog 0.3.9), with the same names,
signatures, results and error messages.

Where the reference crashes with something other than ``ValueError`` (a directory without
segments, invalid UTF-8, a non-mapping record, a non-finite legacy timestamp), this raises
``ValueError`` with a clear message, or returns the manifest's sessions with no events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from stormlog_core.schema.convert import telemetry_event_from_record
from stormlog_core.schema.fields import SCHEMA_VERSION_LATEST, SCHEMA_VERSION_V2, SCHEMA_VERSION_V3
from stormlog_core.schema.identity import resolve_distributed_identity
from stormlog_core.schema.records import (
    TelemetryEvent,
    TelemetryEventV2,
    TelemetryEventV3,
    telemetry_event_to_dict,
)
from stormlog_core.schema.sessions import SessionSummary
from stormlog_core.schema.validation import validate_telemetry_record
from stormlog_core.telemetry.loading import (
    LoadedTelemetrySession,
    load_telemetry_events,
    load_telemetry_sessions,
)
from stormlog_core.telemetry.projection import ProjectedTelemetryRecord, project_mapping


def project_telemetry_event(
    event: TelemetryEventV3 | Mapping[str, Any],
) -> ProjectedTelemetryRecord:
    """Project an event, or a record convertible to one, into a projected record."""
    normalized = (
        event if isinstance(event, TelemetryEventV3) else telemetry_event_from_record(event)
    )
    return project_mapping(telemetry_event_to_dict(normalized))


def project_telemetry_events(
    events: Iterable[TelemetryEventV3 | Mapping[str, Any]],
) -> list[ProjectedTelemetryRecord]:
    """Project several events, in order."""
    return [project_telemetry_event(event) for event in events]


__all__ = [
    "SCHEMA_VERSION_LATEST",
    "SCHEMA_VERSION_V2",
    "SCHEMA_VERSION_V3",
    "LoadedTelemetrySession",
    "ProjectedTelemetryRecord",
    "SessionSummary",
    "TelemetryEvent",
    "TelemetryEventV2",
    "TelemetryEventV3",
    "load_telemetry_events",
    "load_telemetry_sessions",
    "project_telemetry_event",
    "project_telemetry_events",
    "resolve_distributed_identity",
    "telemetry_event_from_record",
    "telemetry_event_to_dict",
    "validate_telemetry_record",
]
