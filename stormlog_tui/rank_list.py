"""Rank lists as typed by users: ``0,3,5-7`` <-> ``(0, 3, 5, 6, 7)`` (no Textual here)."""

from __future__ import annotations

from collections.abc import Iterable

MAX_RANK = 1_000_000


def parse_ranks(text: str) -> tuple[int, ...] | None:
    """``"0,3,5-7"`` -> ``(0, 3, 5, 6, 7)``; ``""`` or ``"all"`` -> None (every rank).

    Raises ValueError with a readable message on anything else.
    """
    text = text.strip().lower()
    if text in ("", "all", "*"):
        return None
    ranks: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise ValueError(f"not a rank or a range: {part!r} (try 0,3,5-7)") from None
        if first < 0 or last < first or last > MAX_RANK:
            raise ValueError(f"bad rank range: {part!r}")
        ranks.update(range(first, last + 1))
    if not ranks:
        raise ValueError("no rank given (try 0,3,5-7)")
    return tuple(sorted(ranks))


def format_ranks(ranks: Iterable[int] | None) -> str:
    """``(0, 3, 5, 6, 7)`` -> ``"0,3,5-7"``; None -> ``"all"``."""
    if ranks is None:
        return "all"
    ordered = sorted(set(ranks))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        end = index
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        first, last = ordered[index], ordered[end]
        parts.append(str(first) if first == last else f"{first}-{last}")
        index = end + 1
    return ",".join(parts)
