"""The typed msgspec shapes of a record, for decoding whole JSONL buffers in one call.

``Row`` is a v2/v3/v4 record whose metadata is read only for the fields the browser keeps
(``EventMetadata``); ``CompatRow`` keeps
the metadata as a dict (the seed-compatible API needs it); ``CapabilityLine`` reads only a
v4 record's ``memory_capabilities``.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Optional

import msgspec

from stormlog_core.schema.event_fields import METADATA_FIELDS
from stormlog_core.schema.fields import (
    CAPABILITY_FLAG_FIELDS,
    CAPABILITY_TEXT_FIELDS,
    COUNTERS,
    KNOWN_V3_FIELDS,
    REQUIRED_V3_FIELDS,
)

NonNegative = Annotated[int, msgspec.Meta(ge=0)]


class SkippedObject(msgspec.Struct, gc=False):
    """Any JSON object, skipped unread."""


#: The parts of ``phase_scope`` the browser reads (it must be an object, or null).
SCOPE_FIELDS: Final = ("path", "name", "scope_id", "thread_name")
EventScope: Any = msgspec.defstruct(
    "EventScope", [(name, Any, msgspec.UNSET) for name in SCOPE_FIELDS], gc=False
)
#: The metadata fields the browser reads (``event_fields.METADATA_FIELDS``); the rest of
#: the object is skipped unread. A field the record lacks is ``msgspec.UNSET``.
EventMetadata: Any = msgspec.defstruct(
    "EventMetadata",
    [
        (name, Optional[EventScope] if name == "phase_scope" else Any, msgspec.UNSET)  # noqa: UP045
        for name in METADATA_FIELDS
    ],
    gc=False,
)


#: Types of the record fields that are not counters (counters: see ``_counter_type``).
_FIELD_TYPES: Final[dict[str, Any]] = {
    "schema_version": int,
    "timestamp_ns": NonNegative,
    "event_type": str,
    "collector": str,
    "sampling_interval_ms": NonNegative,
    "pid": Annotated[int, msgspec.Meta(ge=-1)],
    "host": str,
    "device_id": int,
    "context": Optional[str],  # noqa: UP045 - a runtime type for msgspec
}
#: Fields a record may omit (v2 has no session id; identity is optional), with defaults.
_OPTIONAL_FIELDS: Final[dict[str, tuple[Any, Any]]] = {
    "session_id": (Optional[str], None),  # noqa: UP045
    "job_id": (Optional[str], None),  # noqa: UP045
    "rank": (NonNegative, -1),
    "local_rank": (NonNegative, -1),
    "world_size": (Annotated[int, msgspec.Meta(ge=1)], 0),
}
assert set(_FIELD_TYPES) | set(_OPTIONAL_FIELDS) | set(COUNTERS) | {"metadata"} == KNOWN_V3_FIELDS


def _counter_type(name: str) -> Any:
    """Counters are null or >= 0, except the signed change."""
    kind: Any = int if name == "allocator_change_bytes" else NonNegative
    return Optional[kind]  # noqa: UP045


def _record_struct(name: str, metadata_type: Any) -> Any:
    """A struct with every record field (from ``schema.fields``), rejecting unknown ones."""
    fields: list[Any] = []
    for field_name in REQUIRED_V3_FIELDS:
        if field_name in _OPTIONAL_FIELDS:
            continue
        if field_name in COUNTERS:
            fields.append((field_name, _counter_type(field_name)))
        elif field_name == "metadata":
            fields.append((field_name, metadata_type))
        else:
            fields.append((field_name, _FIELD_TYPES[field_name]))
    fields += [(key, kind, default) for key, (kind, default) in _OPTIONAL_FIELDS.items()]
    return msgspec.defstruct(name, fields, forbid_unknown_fields=True, gc=False)


#: The typed shape of a v2/v3/v4 record (with the metadata fields the browser reads);
#: anything else fails decoding.
Row: Any = _record_struct("Row", EventMetadata)
#: The same with its metadata as a dict (the seed-compatible API needs every record's).
CompatRow: Any = _record_struct("CompatRow", dict[str, Any])

#: v4 ``metadata.memory_capabilities``: three texts and the capability flags.
Capabilities: Any = msgspec.defstruct(
    "Capabilities",
    [(name, str) for name in CAPABILITY_TEXT_FIELDS]
    + [(name, bool) for name in CAPABILITY_FLAG_FIELDS],
    forbid_unknown_fields=True,
)


#: A v4 line read for its capabilities only.
CapabilityLine: Any = msgspec.defstruct(
    "CapabilityLine",
    [("metadata", msgspec.defstruct("CapabilityHolder", [("memory_capabilities", Capabilities)]))],
)

#: Decoders: whole rows, rows with metadata, capabilities only, and any JSON value.
ROWS = msgspec.json.Decoder(Row)
COMPAT_ROWS = msgspec.json.Decoder(CompatRow)
CAPABILITIES = msgspec.json.Decoder(CapabilityLine)
ANY_JSON = msgspec.json.Decoder()
