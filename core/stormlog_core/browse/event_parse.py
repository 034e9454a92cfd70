"""The event columns of a parsed chunk, read from the lines in the parsing pass.

The non-sample lines of a buffer are decoded once more, in one msgspec call over all of
them, for the few metadata fields ``schema.event_fields`` reads (everything else is
skipped unread); the facts are worked out once per distinct (type, context, fields). Rows
that went through the exact path carry their metadata already and are taken as they are;
if the typed decoder refuses a line, the lines are read whole, one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np

from stormlog_core.browse.event_table import EventColumnsBuilder, duplicate_key
from stormlog_core.schema.event_fields import (
    METADATA_FIELDS,
    EventFields,
    event_fields,
    phase_scope_ids,
    scope_texts,
)
from stormlog_core.schema.rows import ANY_JSON

if TYPE_CHECKING:
    import numpy.typing as npt

    from stormlog_core.io.lines import RowLines


#: The metadata fields the browser reads; the rest of the object is skipped.
_Metadata: Any = msgspec.defstruct(
    "_Metadata", [(name, Any, msgspec.UNSET) for name in METADATA_FIELDS], gc=False
)
_FieldLine: Any = msgspec.defstruct("_FieldLine", [("metadata", _Metadata)], gc=False)
_FIELD_LINES = msgspec.json.Decoder(_FieldLine)


def _present(metadata: Any) -> dict[str, Any]:
    return {
        name: value
        for name in METADATA_FIELDS
        if (value := getattr(metadata, name)) is not msgspec.UNSET
    }


_ALL_FIELDS = attrgetter(*METADATA_FIELDS)
_SCOPE = METADATA_FIELDS.index("phase_scope")


class _FieldsMemo:
    """``event_fields`` once per distinct (type, context, metadata fields read): a chunk's
    phases, allocations and alerts repeat the same few."""

    def __init__(self) -> None:
        self._known: dict[Any, EventFields] = {}

    def fields(self, event_type: str, context: str | None, meta: Any) -> EventFields:
        values = _ALL_FIELDS(meta)
        scope = values[_SCOPE]
        if isinstance(scope, dict):
            path = scope.get("path")
            shape: Any = tuple(path) if isinstance(path, list) else ("", scope.get("name"))
            values = (*values[:_SCOPE], shape, *values[_SCOPE + 1 :])
        key = (event_type, context, values)
        try:
            found = self._known.get(key)
        except TypeError:  # an unhashable value: no memo
            return event_fields(event_type, _present(meta), context)
        if found is None:
            found = self._known[key] = event_fields(event_type, _present(meta), context)
        return found


def event_columns(
    rows: Sequence[Any], is_event: npt.NDArray[np.bool_], source: RowLines | None
) -> EventColumnsBuilder:
    """The event columns of ``rows`` (``is_event``: the non-sample ones); ``source`` says
    where each row's line is (None: a JSON document's records, which have no lines)."""
    builder = EventColumnsBuilder(len(rows))
    chosen = np.flatnonzero(is_event)
    if not len(chosen):
        return builder
    if source is None:
        for row in chosen.tolist():
            record = rows[row]
            metadata = getattr(record, "metadata", None)
            metadata = metadata if isinstance(metadata, dict) else {}
            builder.add_record(row, record.event_type, record.context, metadata)
        return builder
    lines = source.lines(chosen)
    offsets = source.offsets(chosen).tolist()
    typed: list[int] = []
    for position, row in enumerate(chosen.tolist()):
        record = rows[row]
        metadata = getattr(record, "metadata", None)
        if isinstance(metadata, dict):  # the exact path read it already
            fields = event_fields(record.event_type, metadata, record.context)
            builder.add(
                row,
                record.context,
                fields,
                line_key(lines[position]),
                offsets[position],
                None,
                phase_scope_ids(metadata),
            )
        else:
            typed.append(position)
    if typed:
        _add_typed(builder, rows, chosen, typed, lines, offsets)
    return builder


def line_key(line: bytes) -> int:
    """The duplicate key of a record read from a line: the line's bytes (see ``dedupe``)."""
    return duplicate_key(line)


def _add_typed(
    builder: EventColumnsBuilder,
    rows: Sequence[Any],
    chosen: npt.NDArray[np.intp],
    typed: list[int],
    lines: list[bytes],
    offsets: list[int],
) -> None:
    """Typed rows (their metadata skipped): the fields read from all their lines at once."""
    mine = [lines[position] for position in typed]
    try:
        metas = [item.metadata for item in _FIELD_LINES.decode_lines(b"\n".join(mine))]
    except (msgspec.MsgspecError, RecursionError):  # one by one, whole
        for position, line in zip(typed, mine, strict=True):
            whole = ANY_JSON.decode(line)
            metadata = whole.get("metadata") if isinstance(whole, dict) else None
            record = rows[int(chosen[position])]
            metadata = metadata if isinstance(metadata, dict) else {}
            fields = event_fields(record.event_type, metadata, record.context)
            scope = phase_scope_ids(metadata)
            key = line_key(line)
            builder.add(
                int(chosen[position]), record.context, fields, key, offsets[position], None, scope
            )
        return
    memo = _FieldsMemo().fields
    picked = chosen[typed].tolist()
    records = [rows[row] for row in picked]
    contexts = [record.context for record in records]
    facts = [
        memo(record.event_type, context, meta)
        for record, context, meta in zip(records, contexts, metas, strict=True)
    ]
    scopes: list[str | None] = []
    threads: list[str | None] = []
    for meta in metas:
        scope_id, thread = scope_texts(meta.phase_scope)
        scopes.append(scope_id)
        threads.append(thread)
    keys = list(map(line_key, mine))
    builder.add_many(picked, contexts, facts, keys, [offsets[p] for p in typed], scopes, threads)
