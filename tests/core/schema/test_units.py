"""The count formatter every message uses: a count with its noun, never ``(s)``."""

from __future__ import annotations

from stormlog_core.browse import counted


def test_a_count_reads_as_english_with_thousands_separated() -> None:
    assert counted(1, "rank") == "1 rank"
    assert counted(0, "rank") == "0 ranks"
    assert counted(1_000_000, "session entry", "session entries") == "1,000,000 session entries"
    assert counted(1, "session entry", "session entries") == "1 session entry"


def test_durations_are_rounded_before_their_unit_is_chosen() -> None:
    from stormlog_core.browse import format_duration

    assert format_duration(999_700_000) == "1.0 s"  # not "1e+03 ms"
    assert format_duration(999_999) == "1 ms"
    assert format_duration(53_600_000) == "53.6 ms"
    assert format_duration(59_970_000_000) == "1m00s"  # not "60.0 s"
    assert format_duration(3_725 * 10**9) == "1h02m"
