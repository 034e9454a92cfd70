"""Vectorized record checks over typed rows: which rows need the exact validation path.

The typed decoder accepts some rows that stormlog rejects or converts (v2, blank texts,
nulls outside v4, identity conflicts, device counters that disagree, v4 capability
denials); these checks find them column by column so only those rows go one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

import msgspec
import numpy as np

from stormlog_core.schema.fields import (
    CORE_COUNTERS,
    COUNTER_CAPABILITIES,
    COUNTERS,
)
from stormlog_core.schema.rows import CAPABILITIES

if TYPE_CHECKING:
    import numpy.typing as npt

INT64_MAX: Final = 2**63 - 1


EXACT_FLOAT_LIMIT: Final = float(2**53)


#: Fields stored in 64-bit columns, besides the timestamp.
RANGE_CHECKED: Final = (*COUNTERS, "rank", "local_rank", "world_size", "schema_version")


def _blank_rows(values: list[Any]) -> set[Any]:
    """The distinct values that are blank strings."""
    return {value for value in set(values) if isinstance(value, str) and not value.strip()}


class RowColumns:
    """Every column of a list of rows, read once."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = rows
        self.versions = int_column(rows, "schema_version")
        self.timestamps = int_column(rows, "timestamp_ns")
        self.counters = {name: float_column(rows, name) for name in COUNTERS}
        self.identity = _resolve_identity(
            *(int_column(rows, name) for name in ("rank", "local_rank", "world_size"))
        )
        self.texts = {
            name: list(map(attrgetter(name), rows))
            for name in ("session_id", "event_type", "job_id")
        }


def suspect_rows(
    rows: Sequence[Any],
    found: RowColumns | None = None,
    *,
    compat: bool = False,
    line_of: Callable[[int], bytes] | None = None,
) -> npt.NDArray[np.bool_]:
    """Rows the typed decoder accepted but that need the exact path (see module doc).

    ``compat`` rows are for the seed-compatible API: only v3 passes (v2 and v4 take the
    exact path, which converts or rejects them as stormlog does).
    """
    n = len(rows)
    found = found or RowColumns(rows)
    versions = found.versions
    # v2 resolves its session id from metadata: exact path
    bad = ~np.isin(versions, (3,) if compat else (3, 4))
    session_ids = found.texts["session_id"]
    if None in set(session_ids):
        bad |= np.fromiter((value is None for value in session_ids), bool, n)
    for name in ("session_id", "event_type", "collector", "host", "job_id"):
        values = found.texts[name] if name in found.texts else list(map(attrgetter(name), rows))
        blanks = _blank_rows(values)
        if blanks:
            bad |= np.fromiter((value in blanks for value in values), bool, n)
    counters = found.counters
    not_v4 = versions != 4
    for name in CORE_COUNTERS:
        bad |= not_v4 & np.isnan(counters[name])
    total = counters["device_total_bytes"]
    bad |= counters["device_used_bytes"] > total  # comparisons with NaN are False
    bad |= counters["device_free_bytes"] > total
    for name in COUNTERS:  # floats no longer compare exactly; past 64 bits is out of range
        bad |= np.abs(counters[name]) >= EXACT_FLOAT_LIMIT
    bad |= _identity_conflicts(*found.identity)
    if compat or np.all(not_v4 | bad):
        return bad
    assert line_of is not None, "v4 rows need their lines for the capability check"
    bad |= _capability_conflicts(~not_v4 & ~bad, counters, line_of)
    return bad


def _identity_conflicts(
    rank: npt.NDArray[np.int64], local: npt.NDArray[np.int64], world: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    single = world == 1
    conflict: npt.NDArray[np.bool_] = (rank >= world) | (local >= world)
    conflict |= single & ((rank != 0) | (local != 0))
    return conflict


def _resolve_identity(
    rank: npt.NDArray[np.int64], local: npt.NDArray[np.int64], world: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Defaults for absent identity: rank 0, local rank = rank, world size 1."""
    rank = np.where(rank < 0, 0, rank)
    local = np.where(local < 0, rank, local)
    world = np.where(world <= 0, 1, world)
    return rank, local, world


def _capability_conflicts(
    v4: npt.NDArray[np.bool_],
    counters: dict[str, npt.NDArray[np.float64]],
    line_of: Callable[[int], bytes],
) -> npt.NDArray[np.bool_]:
    """v4 rows whose memory_capabilities are malformed or deny a counter they report."""
    bad = np.zeros(len(v4), dtype=bool)
    for index in np.flatnonzero(v4):
        try:
            caps = CAPABILITIES.decode(line_of(int(index))).metadata.memory_capabilities
        except msgspec.MsgspecError:
            bad[index] = True
            continue
        texts = (caps.backend, caps.telemetry_collector, caps.sampling_source)
        if not all(text.strip() for text in texts):
            bad[index] = True
        else:
            bad[index] = _denied_counter(caps, counters, int(index))
    return bad


def _denied_counter(caps: Any, counters: dict[str, npt.NDArray[np.float64]], index: int) -> bool:
    for counter, capability in COUNTER_CAPABILITIES.items():
        if not np.isnan(counters[counter][index]) and not getattr(caps, capability):
            return True
    change_present = not np.isnan(counters["allocator_change_bytes"][index])
    return change_present and not caps.supports_allocator_allocated


def float_column(rows: Sequence[Any], name: str) -> npt.NDArray[np.float64]:
    """A counter as float64; null becomes NaN."""
    try:
        return np.fromiter(map(attrgetter(name), rows), np.float64, len(rows))
    except TypeError:  # a None somewhere
        return np.array(list(map(attrgetter(name), rows)), dtype=np.float64)


def int_column(rows: Sequence[Any], name: str) -> npt.NDArray[np.int64]:
    return np.fromiter(map(attrgetter(name), rows), np.int64, len(rows))
