"""The count formatter every message uses: a count with its noun, never ``(s)``."""

from __future__ import annotations

from stormlog_core.browse import counted


def test_a_count_reads_as_english_with_thousands_separated() -> None:
    assert counted(1, "rank") == "1 rank"
    assert counted(0, "rank") == "0 ranks"
    assert counted(1_000_000, "session entry", "session entries") == "1,000,000 session entries"
    assert counted(1, "session entry", "session entries") == "1 session entry"
