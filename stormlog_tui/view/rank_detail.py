"""Everything about one rank in words, for the rank detail panel: every outlier reason in
full, the onset, the OOM with its whole message, the peaks against the device total, the
alerts, the gaps and the collector (pure: Rich text, no Textual).

The lines wrap at the panel's width: nothing here needs horizontal scrolling to be read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from rich.text import Text

from stormlog_tui.view.chart_data import device_total
from stormlog_tui.view.detail_group import DetailGroup
from stormlog_tui.view.formats import (
    MISSING,
    bytes_or_dash,
    duration_or_dash,
    format_elapsed,
    rate_or_dash,
)
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rows.ranks import OUTLIER_STYLE, RankRow, alerts_label

LABEL_STYLE = "bold"


def _field(text: Text, label: str, value: str | Text) -> None:
    text.append(f"{label}: ", style=LABEL_STYLE)
    text.append_text(value if isinstance(value, Text) else Text(value))
    text.append("\n")


def shown_path(path: str) -> str:
    """``path`` below the current directory as a relative path (what a user types next),
    else as it is."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    return path if relative.startswith("..") else relative


def detail_row(rows: Sequence[RankRow], rank: int | None) -> RankRow | None:
    """The row of ``rank``; without one, the first outlier's (None when there is none)."""
    if rank is None:
        return next((row for row in rows if row.outlier), None)
    return next((row for row in rows if row.rank == rank), None)


def rank_detail_text(row: RankRow, group: DetailGroup) -> Text:
    """The rank detail panel's text of ``row``, a rank of ``group``."""
    span = group.end_ns - group.origin_ns

    def at(stamp_ns: int) -> str:
        return format_elapsed(stamp_ns - group.origin_ns, span)

    text = Text()
    sessions = [s for s in group.sessions if s.summary.rank == row.rank]
    for session in sessions:
        summary = session.summary
        where = literal(
            f"{summary.session_id} · host {summary.host or MISSING} · "
            f"pid {summary.pid} · {session.shown_status}"
        )
        _field(text, "Session", where)
    if row.outlier:
        since = f" since {at(row.onset_ns)}" if row.onset_ns is not None else ""
        text.append(f"⚠ diverges from its peers{since}\n", style=OUTLIER_STYLE)
        for reason in row.reasons:
            text.append("  • ")
            text.append_text(literal(reason.removeprefix(f"rank {row.rank}: ")))
            text.append("\n")
    else:
        text.append("in line with its peers\n", style="green")
    for session in sessions:
        oom = session.oom
        if oom is None:
            continue
        text.append(f"✖ OOM at {at(oom.timestamp_ns)}", style=OUTLIER_STYLE)
        sizes = oom.sizes_text()
        text.append(f": {sizes}\n" if sizes else "\n", style=OUTLIER_STYLE)
        text.append_text(literal(oom.message))
        text.append("\n")
        if oom.bundle is not None:
            _field(text, "Bundle", literal(shown_path(oom.bundle)))
    text.append("\n")
    track = next((t for t in group.tracks if t.rank == row.rank), None)
    total = device_total(track) if track is not None else None
    _field(
        text,
        "Peaks",
        f"allocated {bytes_or_dash(row.peak_allocated)} · reserved "
        f"{bytes_or_dash(row.peak_reserved)} · device used {bytes_or_dash(row.peak_used)}",
    )
    _field(
        text,
        "Device",
        f"total {bytes_or_dash(total)} · headroom at peak {bytes_or_dash(row.headroom_at_peak)}",
    )
    _field(text, "Growth of allocated", rate_or_dash(row.growth_bytes_per_s))
    _field(text, "Alerts", f"{alerts_label(row)} (w warning, c critical, e error)")
    _field(text, "Load warnings", str(row.warnings))
    last = at(row.last_seen_ns) if row.last_seen_ns is not None else MISSING
    _field(
        text,
        "Samples",
        f"{row.samples:,} · longest gap {duration_or_dash(row.longest_gap_ns)} · "
        f"collector degraded {duration_or_dash(row.collector_degraded_ns or None)} · "
        f"last record at {last}",
    )
    text.rstrip()
    return text
