"""stormlog_core: read, validate and convert Stormlog GPU-memory telemetry. No UI.

The names of ``stormlog.telemetry`` (stormlog 0.3.9) are importable from here and from
:mod:`stormlog_core.telemetry`.
"""

from __future__ import annotations

from stormlog_core.errors import StormlogError, TelemetryFileError, TelemetryRecordError
from stormlog_core.telemetry import (
    SCHEMA_VERSION_LATEST,
    SCHEMA_VERSION_V2,
    SCHEMA_VERSION_V3,
    LoadedTelemetrySession,
    ProjectedTelemetryRecord,
    SessionSummary,
    TelemetryEvent,
    TelemetryEventV2,
    TelemetryEventV3,
    load_telemetry_events,
    load_telemetry_sessions,
    project_telemetry_event,
    project_telemetry_events,
    resolve_distributed_identity,
    telemetry_event_from_record,
    telemetry_event_to_dict,
    validate_telemetry_record,
)
from stormlog_core.version import __version__

__all__ = [
    "SCHEMA_VERSION_LATEST",
    "SCHEMA_VERSION_V2",
    "SCHEMA_VERSION_V3",
    "LoadedTelemetrySession",
    "ProjectedTelemetryRecord",
    "SessionSummary",
    "StormlogError",
    "TelemetryEvent",
    "TelemetryEventV2",
    "TelemetryEventV3",
    "TelemetryFileError",
    "TelemetryRecordError",
    "__version__",
    "load_telemetry_events",
    "load_telemetry_sessions",
    "project_telemetry_event",
    "project_telemetry_events",
    "resolve_distributed_identity",
    "telemetry_event_from_record",
    "telemetry_event_to_dict",
    "validate_telemetry_record",
]
