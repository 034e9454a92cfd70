"""The seed-compatible API's fast path: plain v3 rows decoded in one call, with identity
defaults resolved like stormlog; every other row takes the exact path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np

from stormlog_core.io.lines import Buffer
from stormlog_core.schema.row_checks import suspect_rows
from stormlog_core.schema.rows import COMPAT_ROWS

if TYPE_CHECKING:
    import numpy.typing as npt


def compat_rows(data: Buffer, count: int) -> tuple[list[Any], npt.NDArray[np.bool_]] | None:
    """Typed rows of ``count`` newline-terminated lines for the seed-compatible loader, and
    which of them need the exact path; None when any line does (then all lines take it).

    Counters stay Python ints in the rows; the mask only says which rows are plain v3.
    """
    try:
        rows = COMPAT_ROWS.decode_lines(data)
    except (msgspec.MsgspecError, OverflowError):
        return None
    if len(rows) != count:
        return None
    if not rows:
        return rows, np.zeros(0, dtype=bool)
    try:
        return rows, suspect_rows(rows, compat=True)
    except OverflowError:  # a 64-bit unsigned value: the exact path decides
        return None


def compat_fields(row: Any) -> dict[str, Any]:
    """The v3 event fields of a plain v3 row, identity defaults resolved like stormlog."""
    fields: dict[str, Any] = msgspec.structs.asdict(row)
    rank = row.rank if row.rank >= 0 else 0
    fields["rank"] = rank
    if row.local_rank < 0:
        fields["local_rank"] = rank
    if row.world_size < 1:
        fields["world_size"] = 1
    return fields
