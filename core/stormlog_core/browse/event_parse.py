"""The event columns of a parsed chunk, read from the lines in the parsing pass.

The row decoder already read the few metadata fields ``schema.event_fields`` uses (the rest
of the metadata is skipped unread, see ``schema.rows.EventMetadata``); here the facts are
worked out once per distinct (type, context, fields), and each line's duplicate key is
its checksum, taken on the buffer without copying the line. Rows that went through the
exact path carry their metadata as a dict and are taken as they are.
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
    text_or_none,
)
from stormlog_core.schema.rows import SCOPE_FIELDS, EventMetadata

if TYPE_CHECKING:
    import numpy.typing as npt

    from stormlog_core.io.lines import RowLines


def _set_fields(struct: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: value for name in names if (value := getattr(struct, name)) is not msgspec.UNSET}


def _present(metadata: Any) -> dict[str, Any]:
    """The metadata fields a line has, as a mapping (its scope one too)."""
    found = _set_fields(metadata, METADATA_FIELDS)
    scope = found.get("phase_scope")
    if scope is not None:
        found["phase_scope"] = _set_fields(scope, SCOPE_FIELDS)
    return found


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
        if scope is not None and scope is not msgspec.UNSET:
            path = scope.path
            shape: Any = tuple(path) if isinstance(path, list) else ("", path, scope.name)
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
    keys = source.each_line(chosen, duplicate_key)
    offsets = source.offsets(chosen).tolist()
    typed: list[int] = []
    for position, row in enumerate(chosen.tolist()):
        record = rows[row]
        metadata = getattr(record, "metadata", None)
        if isinstance(metadata, EventMetadata):
            typed.append(position)
            continue
        metadata = metadata if isinstance(metadata, dict) else {}  # the exact path's
        fields = event_fields(record.event_type, metadata, record.context)
        scope = phase_scope_ids(metadata)
        builder.add(row, record.context, fields, keys[position], offsets[position], None, scope)
    if typed:
        _add_typed(builder, rows, chosen, typed, keys, offsets)
    return builder


def _add_typed(
    builder: EventColumnsBuilder,
    rows: Sequence[Any],
    chosen: npt.NDArray[np.intp],
    typed: list[int],
    keys: list[int],
    offsets: list[int],
) -> None:
    """Typed rows, whose metadata fields the row decoder read: the facts once per distinct
    (type, context, fields), the rest in lists."""
    memo = _FieldsMemo().fields
    picked = chosen[typed].tolist()
    records = [rows[row] for row in picked]
    contexts = [record.context for record in records]
    metas = [record.metadata for record in records]
    facts = [
        memo(record.event_type, context, meta)
        for record, context, meta in zip(records, contexts, metas, strict=True)
    ]
    scopes: list[str | None] = []
    threads: list[str | None] = []
    for meta in metas:
        scope = meta.phase_scope
        if scope is None or scope is msgspec.UNSET:
            scopes.append(None)
            threads.append(None)
        else:
            scopes.append(text_or_none(scope.scope_id))
            threads.append(text_or_none(scope.thread_name))
    builder.add_many(
        picked,
        contexts,
        facts,
        [keys[p] for p in typed],
        [offsets[p] for p in typed],
        scopes,
        threads,
    )
