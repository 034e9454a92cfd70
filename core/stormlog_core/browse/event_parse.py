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

from stormlog_core.browse.duplicate_keys import chunk_keys
from stormlog_core.browse.event_table import EventColumnsBuilder
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


_FIELD_VALUES = tuple(attrgetter(name) for name in METADATA_FIELDS)
_SCOPE = METADATA_FIELDS.index("phase_scope")
_TYPE, _CONTEXT, _METADATA = attrgetter("event_type"), attrgetter("context"), attrgetter("metadata")
_SCOPE_ID, _THREAD = attrgetter("scope_id"), attrgetter("thread_name")
UNSET: Any = msgspec.UNSET


def _scope_shape(scope: Any) -> Any:
    """What of a ``phase_scope`` the facts depend on (its path and name), hashable."""
    path = scope.path
    return (tuple(path) if isinstance(path, list) else path, scope.name)


class _Scopes:
    """The ``phase_scope`` of each row: the rows that have one, and their parts."""

    def __init__(self, metas: list[Any]) -> None:
        self.values = list(map(_FIELD_VALUES[_SCOPE], metas))
        self.present = [
            i for i, scope in enumerate(self.values) if scope is not None and scope is not UNSET
        ]

    def shapes(self) -> list[Any]:
        """Each row's scope as the facts see it (:func:`_scope_shape`)."""
        shapes = list(self.values)
        for i in self.present:
            shapes[i] = _scope_shape(shapes[i])
        return shapes

    def texts(self) -> tuple[list[str | None], list[str | None]]:
        """Each row's phase scope id and thread name (None where it has none, or where
        it is not a text)."""
        ids: list[str | None] = [None] * len(self.values)
        threads: list[str | None] = [None] * len(self.values)
        chosen = [self.values[i] for i in self.present]
        for i, found, thread in zip(
            self.present, map(_SCOPE_ID, chosen), map(_THREAD, chosen), strict=True
        ):
            ids[i] = text_or_none(found)
            threads[i] = text_or_none(thread)
        return ids, threads


def _fact_codes(
    types: list[str], contexts: list[str | None], metas: list[Any], scopes: _Scopes
) -> tuple[list[EventFields], list[int]]:
    """``event_fields`` once per distinct (type, context, metadata fields read): a chunk's
    phases, allocations and alerts repeat the same few. Each row's facts are
    ``distinct[codes[row]]``."""
    columns = [
        scopes.shapes() if at == _SCOPE else list(map(get, metas))
        for at, get in enumerate(_FIELD_VALUES)
    ]
    index: dict[Any, int] = {}
    try:
        codes = [
            index.setdefault(key, len(index)) for key in zip(types, contexts, *columns, strict=True)
        ]
    except TypeError:  # an unhashable value (a list or an object): every row alone
        facts = [
            event_fields(kind, _present(meta), context)
            for kind, context, meta in zip(types, contexts, metas, strict=True)
        ]
        return facts, list(range(len(facts)))
    firsts = np.unique(np.array(codes), return_index=True)[1].tolist()
    distinct = [event_fields(types[i], _present(metas[i]), contexts[i]) for i in firsts]
    return distinct, codes


def event_columns(
    rows: Sequence[Any],
    times: npt.NDArray[np.int64],
    is_event: npt.NDArray[np.bool_],
    source: RowLines | None,
) -> EventColumnsBuilder:
    """The event columns of ``rows`` (``times``: their timestamps; ``is_event``: the
    non-sample ones); ``source`` says where each row's line is (None: a JSON document's
    records, which have no lines)."""
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
    keys = chunk_keys(times[chosen], chosen, source)
    builder.lines(chosen, keys, source.lengths(chosen), source.offsets(chosen))
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
        builder.add(row, record.context, fields, None, scope)
    if typed:
        _add_typed(builder, rows, chosen, typed)
    return builder


def _add_typed(
    builder: EventColumnsBuilder,
    rows: Sequence[Any],
    chosen: npt.NDArray[np.intp],
    typed: list[int],
) -> None:
    """Typed rows, whose metadata fields the row decoder read: the facts once per distinct
    (type, context, fields), the rest in lists."""
    picked = chosen[typed].tolist()
    records = list(map(rows.__getitem__, picked))
    contexts = list(map(_CONTEXT, records))
    metas = list(map(_METADATA, records))
    scopes = _Scopes(metas)
    distinct, codes = _fact_codes(list(map(_TYPE, records)), contexts, metas, scopes)
    ids, threads = scopes.texts()
    builder.add_many(picked, contexts, distinct, codes, ids, threads)
