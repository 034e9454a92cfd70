"""Non-sample records as columns, and one of them as an object when a row is shown.

A session's events (phases, allocations, alerts, collector transitions, OOMs...) are a
table of numpy columns: time, rank, file and line (and the line's byte offset), the two
counters the views show, the event type, kind, severity and context (codes into one table
of texts), and what ``schema.event_fields`` takes from the metadata (phase action, path,
scope and thread; collector health and reason; the duplicate key). The full metadata stays
in the file and is read back by line when a row is looked at (:class:`EventRecord`), so
400k events cost a few dozen bytes each, not a dict each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from stormlog_core.browse.duplicate_keys import record_bytes, stable_hash
from stormlog_core.browse.event_record import EventRecord
from stormlog_core.browse.series import source_id, source_path
from stormlog_core.schema.event_fields import EventFields, event_fields, phase_scope_ids
from stormlog_core.schema.taxonomy import ALERT_SEVERITIES, NEVER_ALERTS, EventKind

if TYPE_CHECKING:
    import numpy.typing as npt

#: Each column of an event table and its type (text columns hold codes of :data:`TEXTS`).
EVENT_COLUMNS: Final[dict[str, Any]] = {
    "timestamp_ns": np.int64,
    "session": np.int32,
    "rank": np.int32,
    "source": np.int32,
    "line": np.int64,
    "offset": np.int64,
    "allocated": np.float64,
    "device_used": np.float64,
    "etype": np.int32,
    "kind": np.int8,
    "severity": np.int32,
    "context": np.int32,
    "phase_action": np.int8,
    "phase_path": np.int32,
    "phase_key": np.int64,
    "phase_thread": np.int32,
    "health": np.int8,
    "degradation": np.int8,
    "reason": np.int32,
    "key": np.int64,
    "length": np.int32,
    "extra": object,
}
#: The columns a parsed chunk adds for its event rows (the others come from the chunk).
CHUNK_EVENT_COLUMNS: Final = (
    "offset",
    "kind",
    "severity",
    "context",
    "phase_action",
    "phase_path",
    "phase_key",
    "phase_thread",
    "health",
    "degradation",
    "reason",
    "key",
    "length",
    "extra",
)
#: What :meth:`EventTable.record` reads, and what a view filters and sorts on.
SHOWN_COLUMNS: Final = (
    "timestamp_ns",
    "session",
    "rank",
    "source",
    "line",
    "offset",
    "allocated",
    "device_used",
    "etype",
    "kind",
    "severity",
    "context",
    "phase_path",
    "reason",
    "extra",
)
#: Columns whose sample rows hold 0 (the others hold -1, or None).
ZERO_FILLED: Final = ("phase_action", "degradation")
#: Columns that hold text codes.
TEXT_COLUMNS: Final = (
    "session",
    "etype",
    "severity",
    "context",
    "phase_path",
    "phase_thread",
    "reason",
)


class Texts:
    """Distinct texts by code (-1 is None); codes never change for the life of the table."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._codes: dict[str, int] = {}
        self._ranks: npt.NDArray[np.int64] | None = None

    def code(self, text: str | None) -> int:
        """The code of ``text`` (added if new)."""
        if text is None:
            return -1
        code = self._codes.get(text)
        if code is None:
            code = self._codes[text] = len(self.values)
            self.values.append(text)
        return code

    def get(self, code: int) -> str | None:
        """The text of ``code``."""
        return None if code < 0 else self.values[code]

    def recode(self, local: Sequence[str], codes: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """Codes into ``local`` (another table's texts) turned into codes of this one."""
        if not len(local):
            return codes
        table = np.array([self.code(text) for text in local] + [-1], dtype=np.int32)
        return table[codes]  # -1 picks the last entry: None stays None

    def alphabetical(self) -> npt.NDArray[np.int64]:
        """Each code's rank in alphabetical order (index -1, None, ranks first)."""
        if self._ranks is None or len(self._ranks) != len(self.values) + 1:
            order = sorted(range(len(self.values)), key=self.values.__getitem__)
            ranks = np.empty(len(self.values) + 1, dtype=np.int64)
            ranks[np.array(order, dtype=np.int64)] = np.arange(1, len(order) + 1)
            ranks[-1] = 0
            self._ranks = ranks
        return self._ranks

    def matching(self, needle: str) -> npt.NDArray[np.bool_]:
        """Which codes hold ``needle`` (case-insensitive); index -1 (None) is False."""
        lowered = needle.lower()
        found = np.fromiter((lowered in t.lower() for t in self.values), bool, len(self.values))
        return np.append(found, False)


#: The texts of every event table of the process (contexts, types, paths: few distinct).
TEXTS: Final = Texts()


def event_texts() -> Texts:
    """The table of texts that event tables' text columns index."""
    return TEXTS


class EventColumnsBuilder:
    """The event columns of a chunk's rows: non-sample rows are added one by one (their
    facts, often the same object for many rows), the columns made at the end by
    :meth:`finish`, per distinct facts rather than per row."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.texts = Texts()
        self._rows: list[int] = []
        self._contexts: list[str | None] = []
        #: The distinct facts, and each row's index into them.
        self._distinct: list[EventFields] = []
        self._codes: list[int] = []
        self._scopes: list[str | None] = []
        self._threads: list[str | None] = []
        self._extras: dict[int, Any] = {}
        #: Rows' lines: duplicate keys, line lengths and byte offsets (see ``lines``).
        self._lines: list[tuple[npt.NDArray[Any], ...]] = []

    def add(
        self,
        row: int,
        context: str | None,
        fields: EventFields,
        extra: Any = None,
        scope: tuple[str | None, str | None] = (None, None),
    ) -> None:
        """Row ``row`` is a non-sample record with these facts (``scope``: its phase's
        scope id and thread; ``extra``: its metadata when it cannot be read back)."""
        self._rows.append(row)
        self._contexts.append(context)
        self._codes.append(len(self._distinct))
        self._distinct.append(fields)
        self._scopes.append(scope[0])
        self._threads.append(scope[1])
        if extra is not None or fields.oom is not None:
            self._extras[len(self._rows) - 1] = extra if extra is not None else fields.oom

    def add_many(
        self,
        rows: list[int],
        contexts: list[str | None],
        distinct: list[EventFields],
        codes: list[int],
        scopes: list[str | None],
        threads: list[str | None],
    ) -> None:
        """Many rows at once (as :meth:`add`, the lists side by side): row ``i`` has the
        facts ``distinct[codes[i]]``."""
        start, offset = len(self._rows), len(self._distinct)
        self._rows += rows
        self._contexts += contexts
        self._codes += codes if not offset else [code + offset for code in codes]
        self._distinct += distinct
        self._scopes += scopes
        self._threads += threads
        with_oom = [code for code, found in enumerate(distinct) if found.oom is not None]
        if with_oom:
            for position in np.flatnonzero(np.isin(codes, with_oom)).tolist():
                self._extras[start + position] = distinct[codes[position]].oom

    def lines(
        self,
        rows: npt.NDArray[Any],
        keys: npt.NDArray[np.int64],
        lengths: npt.NDArray[Any],
        offsets: npt.NDArray[np.int64],
    ) -> None:
        """Where the lines of ``rows`` are (byte offsets), their lengths and their
        duplicate keys (``duplicate_keys.UNKNOWN_KEY`` where not hashed)."""
        self._lines.append((np.asarray(rows), keys, lengths, offsets))

    def add_record(
        self,
        row: int,
        event_type: str,
        context: str | None,
        metadata: Mapping[str, Any],
    ) -> None:
        """Row ``row`` from a record held whole (no line to read it back from): its
        duplicate key is its type, context and metadata as stormlog writes them."""
        fields = event_fields(event_type, metadata, context)
        shape = record_bytes({"event_type": event_type, "context": context, "metadata": metadata})
        self.add(row, context, fields, dict(metadata), phase_scope_ids(metadata))
        one = np.array([row], dtype=np.int64)
        self.lines(one, np.array([stable_hash(shape)]), np.array([len(shape)]), np.array([-1]))

    def _per_fields(self) -> dict[str, npt.NDArray[Any]]:
        """The columns that come from the facts, made once per distinct facts."""
        distinct = self._distinct
        which = np.array(self._codes, dtype=np.int64)
        code = self.texts.code
        table: dict[str, npt.NDArray[Any]] = {
            "kind": np.array([int(f.kind) for f in distinct], np.int8),
            "severity": np.array([code(f.severity) for f in distinct], np.int32),
            "phase_action": np.array([f.phase_action for f in distinct], np.int8),
            "phase_path": np.array([code(f.phase_path) for f in distinct], np.int32),
            "health": np.array([f.health for f in distinct], np.int8),
            "degradation": np.array([int(f.degradation) for f in distinct], np.int8),
            "reason": np.array([code(f.reason) for f in distinct], np.int32),
        }
        return {name: values[which] for name, values in table.items()}

    def finish(self) -> dict[str, npt.NDArray[Any]]:
        """Full-length columns (sample rows hold -1, 0 or None)."""
        columns: dict[str, npt.NDArray[Any]] = {}
        for name in CHUNK_EVENT_COLUMNS:
            kind = EVENT_COLUMNS[name]
            fill: Any = None if kind is object else 0 if name in ZERO_FILLED else -1
            columns[name] = np.full(self.size, fill, dtype=kind)
        if not self._rows:
            return columns
        rows = np.array(self._rows, dtype=np.int64)
        code = self.texts.code
        values = self._per_fields()
        values["context"] = np.fromiter(map(code, self._contexts), np.int32, len(rows))
        values["phase_thread"] = np.fromiter(map(code, self._threads), np.int32, len(rows))
        values["phase_key"] = np.array(
            [0 if scope is None else stable_hash(scope.encode()) for scope in self._scopes],
            dtype=np.int64,
        )
        for name, column in values.items():
            columns[name][rows] = column
        for position, extra in self._extras.items():
            columns["extra"][rows[position]] = extra
        for where, keys, lengths, offsets in self._lines:
            columns["key"][where] = keys
            columns["length"][where] = lengths
            columns["offset"][where] = offsets
        return columns


class EventTable:
    """A session's (or a group's) non-sample events as columns, in time order."""

    def __init__(self, columns: Mapping[str, npt.NDArray[Any]] | None = None) -> None:
        if columns is None:
            columns = {name: np.zeros(0, dtype=kind) for name, kind in EVENT_COLUMNS.items()}
        self.columns: dict[str, npt.NDArray[Any]] = dict(columns)

    def __len__(self) -> int:
        return len(self.columns["timestamp_ns"])

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: int) -> EventRecord:
        return self.record(index)

    def __iter__(self) -> Iterator[EventRecord]:
        return (self.record(index) for index in range(len(self)))

    @property
    def times(self) -> npt.NDArray[np.int64]:
        """Event times (ns since the epoch)."""
        return self.columns["timestamp_ns"]

    @property
    def kinds(self) -> npt.NDArray[np.int8]:
        """Each event's :class:`EventKind` (as a small integer)."""
        return self.columns["kind"]

    def of_kind(self, *kinds: EventKind) -> npt.NDArray[np.bool_]:
        """Which events are of one of ``kinds``."""
        return np.isin(self.kinds, [int(kind) for kind in kinds])

    def texts_of(self, column: str) -> list[str | None]:
        """A text column as texts."""
        return [TEXTS.get(code) for code in self.columns[column].tolist()]

    def take(self, rows: npt.NDArray[Any]) -> EventTable:
        """The events at ``rows`` (a mask or indices), as a new table."""
        return EventTable({name: column[rows] for name, column in self.columns.items()})

    def record(self, index: int) -> EventRecord:
        """Event ``index`` as an object (its metadata read from its file when asked)."""
        c = self.columns
        extra = c["extra"][index]
        offset = int(c["offset"][index])
        kind = EventKind(int(c["kind"][index]))
        details = TEXTS.get(int(c["phase_path"][index])) or TEXTS.get(int(c["reason"][index]))
        if kind is EventKind.OOM and isinstance(extra, dict):
            reason = extra.get("oom_reason")
            details = reason if isinstance(reason, str) else details
        return EventRecord(
            session_id=TEXTS.get(int(c["session"][index])) or "",
            timestamp_ns=int(c["timestamp_ns"][index]),
            event_type=TEXTS.get(int(c["etype"][index])) or "",
            severity=TEXTS.get(int(c["severity"][index])) or "info",
            context=TEXTS.get(int(c["context"][index])),
            metadata=extra if offset < 0 and isinstance(extra, dict) else None,
            rank=int(c["rank"][index]),
            path=source_path(int(c["source"][index])),
            line=int(c["line"][index]),
            allocator_allocated_bytes=float(c["allocated"][index]),
            device_used_bytes=float(c["device_used"][index]),
            kind=kind,
            offset=offset,
            known=extra if isinstance(extra, dict) else None,
            details=details,
        )

    @staticmethod
    def concat(tables: Sequence[EventTable], columns: Sequence[str] | None = None) -> EventTable:
        """The events of ``tables`` one after the other (only ``columns``, when given: a
        view that shows rows needs :data:`SHOWN_COLUMNS`, not the duplicate keys)."""
        tables = [table for table in tables if len(table)]
        if not tables:
            return EventTable()
        if len(tables) == 1:
            return tables[0]
        names = EVENT_COLUMNS if columns is None else columns
        return EventTable(
            {name: np.concatenate([t.columns[name] for t in tables]) for name in names}
        )

    def merged(self, other: EventTable) -> EventTable:
        """These events and ``other``'s, in time order (stable: equal times keep order)."""
        both = EventTable.concat([self, other])
        if len(both) < 2 or not len(self) or not len(other):
            return both
        if other.times[0] >= self.times[-1]:
            return both
        return both.take(np.argsort(both.times, kind="stable"))

    def sorted(self) -> EventTable:
        """The same events in time order (stable)."""
        times = self.times
        if len(times) < 2 or bool(np.all(times[1:] >= times[:-1])):
            return self
        return self.take(np.argsort(times, kind="stable"))

    @classmethod
    def from_records(cls, records: Iterable[EventRecord]) -> EventTable:
        """A table of records held as objects (tests, documents)."""
        records = list(records)
        builder = EventColumnsBuilder(len(records))
        for row, record in enumerate(records):
            builder.add_record(row, record.event_type, record.context, record.metadata)
        columns = builder.finish()
        for name in ("context", "phase_path", "phase_thread", "reason"):
            columns[name] = TEXTS.recode(builder.texts.values, columns[name])
        columns.update(
            kind=np.array([int(r.kind) for r in records], dtype=np.int8),
            severity=np.array([TEXTS.code(r.severity) for r in records], np.int32),
            timestamp_ns=np.array([r.timestamp_ns for r in records], dtype=np.int64),
            session=np.array([TEXTS.code(r.session_id) for r in records], dtype=np.int32),
            rank=np.array([r.rank for r in records], dtype=np.int32),
            source=np.array([source_id(r.path) for r in records], dtype=np.int32),
            line=np.array([r.line for r in records], dtype=np.int64),
            allocated=np.array([r.allocator_allocated_bytes for r in records], dtype=np.float64),
            device_used=np.array([r.device_used_bytes for r in records], dtype=np.float64),
            etype=np.array([TEXTS.code(r.event_type) for r in records], dtype=np.int32),
        )
        return cls(columns).sorted()


def alert_counts(events: EventTable) -> dict[str, int]:
    """Events counted as alerts, by severity (``taxonomy.alert_severity`` over columns)."""
    may = ~events.of_kind(*NEVER_ALERTS)
    severity = events.columns["severity"]
    return {
        name: int(np.count_nonzero(may & (severity == TEXTS.code(name))))
        for name in ALERT_SEVERITIES
    }
