"""Rank lists: parsing what users type (``0,3,5-7``) and writing lists the one way core does.

Writing is core's :func:`stormlog_core.analysis.format_ranks` (``0, 3, 5-7``), so the app,
``--summary`` and the job notes show a list of ranks alike; the parser accepts that output.
"""

from __future__ import annotations

from collections.abc import Iterable

from stormlog_core.analysis import format_ranks

MAX_RANK = 1_000_000
#: What a rank selection of None (every rank) is called.
ALL_RANKS = "all"


def parse_ranks(text: str) -> tuple[int, ...] | None:
    """``"0,3,5-7"`` -> ``(0, 3, 5, 6, 7)``; ``""`` or ``"all"`` -> None (every rank).

    Spaces are ignored, so core's ``"0, 3, 5-7"`` reads back. Raises ValueError with a
    readable message on anything else.
    """
    text = text.strip().lower()
    if text in ("", ALL_RANKS, "*"):
        return None
    ranks: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        ranks.update(_rank_range(part))
    if not ranks:
        raise ValueError("no rank given (try 0,3,5-7)")
    return tuple(sorted(ranks))


def _rank_range(part: str) -> range:
    low, dash, high = part.partition("-")
    try:
        first = int(low)
        last = int(high) if dash else first
    except ValueError:
        raise ValueError(f"not a rank or a range: {part!r} (try 0,3,5-7)") from None
    if first < 0 or last < first or last > MAX_RANK:
        raise ValueError(f"bad rank range: {part!r}")
    return range(first, last + 1)


def ranks_label(ranks: Iterable[int] | None) -> str:
    """``(0, 3, 5, 6, 7)`` -> ``"0, 3, 5-7"`` (core's format); None -> ``"all"``."""
    return ALL_RANKS if ranks is None else format_ranks(sorted(set(ranks)))
