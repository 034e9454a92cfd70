"""The words above the job screen's chart: its title line (what is shown, and the OOM when
a rank ran out of memory) and the line per diverging rank.

Times are time since the group's first record, as on the chart's axis, as precise as the
group's span calls for (``format_elapsed``); sizes use core's byte formatter. Telemetry
text (titles, reasons, messages) goes through ``literal``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from stormlog_tui.view.detail_group import DetailGroup, title_of
from stormlog_tui.view.formats import format_elapsed
from stormlog_tui.view.literal import literal
from stormlog_tui.view.rank_lists import ranks_label
from stormlog_tui.view.rows.ranks import RankRow
from stormlog_tui.view.ticks import elapsed_label, nice_step, wall_window
from stormlog_tui.view.time_window import TimeWindow

OOM_STYLE = "bold red"
#: The window's start and end are written as precisely as this many ticks across it.
HEADER_TICKS = 10


def _line() -> Text:
    return Text(no_wrap=True, overflow="ellipsis")


def oom_line(group: DetailGroup) -> Text | None:
    """``✖ rank 3 OOM at 1.345s: tried to allocate 1.2 GiB, 472.0 MiB free`` for the
    first OOM of the group (``(+1 more)`` when several ranks ran out); None without one."""
    ooms = sorted(
        (s.oom for s in group.sessions if s.oom is not None), key=lambda o: o.timestamp_ns
    )
    if not ooms:
        return None
    first = ooms[0]
    at = format_elapsed(first.timestamp_ns - group.origin_ns, group.end_ns - group.origin_ns)
    text = _line()
    text.append(f"✖ rank {first.rank} OOM at {at}", style=OOM_STYLE)
    sizes = first.sizes_text()
    if sizes:
        text.append(": " + sizes, style=OOM_STYLE)
    else:
        text.append_text(literal(f": {first.message}", OOM_STYLE))
    if len(ooms) > 1:
        text.append(f" (+{len(ooms) - 1} more)", style=OOM_STYLE)
    return text


def header_text(
    key: str,
    group: DetailGroup | None,
    window: TimeWindow,
    ranks: tuple[int, ...] | None,
    wall_clock: bool,
) -> Text:
    """``job llm · 8/8 ranks · showing all · 0s–2s · elapsed``, then the OOM line."""
    if group is None:
        return literal(title_of(key), "bold")
    text = literal(group.title, "bold")
    world = f"/{group.world_size}" if group.world_size else ""
    text.append(f" · {len(group.tracks)}{world} ranks · showing {ranks_label(ranks)}")
    step = min(1.0, nice_step(window.span_ns / 1e9, HEADER_TICKS))  # decimals when zoomed in
    if wall_clock:
        shown = wall_window(window.start_ns, window.end_ns, step)
    else:
        start = elapsed_label((window.start_ns - group.origin_ns) / 1e9, step)
        end = elapsed_label((window.end_ns - group.origin_ns) / 1e9, step)
        shown = f"{start}–{end}"
    text.append(f" · {shown}" + ("" if window.is_full else " (zoomed)"))
    text.append(" · wall clock" if wall_clock else " · elapsed")
    if group.ranks_missing:
        text.append(f" · missing ranks: {ranks_label(group.ranks_missing)}", style="bold red")
    oom = oom_line(group)
    return text if oom is None else Text("\n").join([text, oom])


def divergence_text(rows: Sequence[RankRow], group: DetailGroup) -> Text:
    """One line per outlier rank: why, and since when (from the rank statistics)."""
    lines = []
    for row in (r for r in rows if r.outlier):
        text = _line()
        text.append(f"⚠ rank {row.rank} diverges", style="bold red")
        if row.onset_ns is not None:
            since = format_elapsed(row.onset_ns - group.origin_ns, group.end_ns - group.origin_ns)
            text.append(f" since {since}", style="bold red")
        reasons = [r.removeprefix(f"rank {row.rank}: ") for r in row.reasons]
        more = f" (+{len(reasons) - 1} more: i)" if len(reasons) > 1 else ""
        text.append_text(literal(f": {reasons[0]}{more}" if reasons else ""))
        lines.append(text)
    return Text("\n").join(lines)
