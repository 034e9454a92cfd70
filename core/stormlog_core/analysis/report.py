"""What ``--summary`` says beyond the sessions table: the JSON entry of each session and
job (with its phases), and the text sections on OOMs, phases and pruned history.

JSON: a session's entry is :meth:`SessionData.summary_dict` (which holds ``oom`` and
``coverage``) plus ``phases``, one object per phase path sorted by peak allocated memory
inside the phase: ``path``, ``count``, ``total_ns``, ``peak_allocator_allocated_bytes``,
``median_change_bytes`` (:meth:`PhaseStats.to_dict`), plus ``median_ns`` and
``open_count`` (runs with no exit). A job's entry adds the same list over all its ranks,
with ``worst_rank`` and ``worst_rank_change_bytes`` (the rank whose median change is
largest, and that change).

Text: plain lines built with core's formatters. Telemetry text (ids, job ids, messages,
bundle paths, phase names) is in them as written: escape the lines before printing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from stormlog_core.analysis.job_stats import JobStats
from stormlog_core.analysis.jobs import Job, group_jobs
from stormlog_core.analysis.phases import PhaseStats, phase_table
from stormlog_core.browse.session_data import SessionData
from stormlog_core.schema.units import (
    counted,
    format_bytes,
    format_clock,
    format_duration,
    format_signed_bytes,
)

#: The text summary lists this many phases per job or session (the highest peaks).
TOP_PHASES: Final = 8
#: Phase paths longer than this are cut (with ``…``) in the text table.
_PATH_WIDTH: Final = 40
_MISSING: Final = "-"


# --- JSON ----------------------------------------------------------------------------------


def phase_dict(row: PhaseStats, *, with_worst_rank: bool = False) -> dict[str, Any]:
    """One entry of ``phases``: the pinned keys, the median duration and the open runs
    (and, over a job, the rank whose memory grew most in the phase)."""
    entry = {**row.to_dict(), "median_ns": row.median_ns, "open_count": row.open_count}
    if with_worst_rank:
        entry["worst_rank"] = row.worst_rank
        entry["worst_rank_change_bytes"] = row.worst_rank_change_bytes
    return entry


def session_report(session: SessionData) -> dict[str, Any]:
    """The session's entry of ``--summary --json``: its summary, OOM, coverage and phases."""
    return {
        **session.summary_dict(),
        "phases": [phase_dict(row) for row in phase_table([session])],
    }


def job_report(stats: JobStats) -> dict[str, Any]:
    """The job's entry of ``--summary --json``: its statistics and its phases over all ranks."""
    rows = phase_table(_sessions(stats.job))
    return {**stats.to_dict(), "phases": [phase_dict(row, with_worst_rank=True) for row in rows]}


def _sessions(job: Job) -> list[SessionData]:
    return [session for timeline in job.ranks for session in timeline.sessions]


# --- text ----------------------------------------------------------------------------------


def who(session: SessionData) -> str:
    """``rank 3 of job llm (session 0baef40e-…)``: the session, as a user finds it."""
    summary = session.summary
    job = f" of job {summary.job_id}" if summary.job_id is not None else ""
    return f"rank {summary.rank}{job} (session {summary.session_id})"


def oom_lines(sessions: Sequence[SessionData]) -> list[str]:
    """One line per session that ran out of memory, earliest first: who, when (UTC and
    seconds after the session started), the message, the sizes it names, the bundle."""
    ooms = sorted(
        ((session.oom, session) for session in sessions if session.oom is not None),
        key=lambda pair: (pair[0].timestamp_ns, pair[1].session_id),
    )
    lines = []
    for oom, session in ooms:
        after = (oom.timestamp_ns - session.summary.started_at_ns) / 1e9
        sizes = oom.sizes_text()
        bundle = f"bundle {oom.bundle}" if oom.bundle is not None else "no bundle found"
        when = f"{format_clock(oom.timestamp_ns)} ({after:.3f} s after its start)"
        lines.append(
            f"{who(session)} OOM at {when}: {oom.message}"
            + (f"; {sizes}" if sizes else "")
            + f"; {bundle}"
        )
    return lines


def coverage_lines(sessions: Sequence[SessionData]) -> list[str]:
    """One line per session whose sink lost its oldest segments to retention."""
    lines = []
    for session in sessions:
        coverage = session.coverage
        if coverage is None or not coverage.pruned:
            continue
        size = format_bytes(coverage.pruned_bytes) if coverage.pruned_bytes is not None else None
        source = (
            ""
            if coverage.rollups == "current"
            else f" (counted from the segment numbers: rollups.json is {coverage.rollups})"
        )
        lines.append(
            f"{who(session)}: {counted(coverage.pruned_segments or 0, 'segment')}"
            + f" ({size or 'size unknown'})"
            + f" pruned by retention{source}; peaks, phases and onsets cover only what was kept"
        )
    return lines


def phase_lines(sessions: Sequence[SessionData], top: int = TOP_PHASES) -> list[str]:
    """Per job (all its ranks) and per session without a job: its ``top`` phases by peak
    allocated memory inside them, as a table (a job's has the rank that grows most)."""
    lines: list[str] = []
    for job in group_jobs(sessions):
        members = _sessions(job)
        rows = phase_table(members)
        if not rows:
            continue
        in_job = job.job_id is not None
        title = (
            f"job {job.job_id}, {counted(len(job.ranks), 'rank')}" if in_job else who(members[0])
        )
        more = f" (top {top} of {len(rows)})" if len(rows) > top else ""
        lines.append(f"{title}{more}:")
        lines += [f"  {line}" for line in _phase_table_lines(rows[:top], in_job)]
    return lines


_HEADER: Final = ("phase", "runs", "total", "median", "peak", "median change", "worst rank")


def _phase_table_lines(rows: Sequence[PhaseStats], with_worst_rank: bool) -> list[str]:
    """The header and one line per row, each column as wide as its widest cell."""
    keep = len(_HEADER) if with_worst_rank else len(_HEADER) - 1
    table = [_HEADER[:keep], *(_phase_cells(row)[:keep] for row in rows)]
    table = [(_fit(line[0], _PATH_WIDTH), *line[1:]) for line in table]
    widths = [max(len(line[column]) for line in table) for column in range(keep)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]


def _phase_cells(row: PhaseStats) -> tuple[str, ...]:
    runs = f"{row.count}" + (f" ({row.open_count} open)" if row.open_count else "")
    worst = (
        _MISSING
        if row.worst_rank is None
        else f"{row.worst_rank} ({_signed_bytes(row.worst_rank_change_bytes)})"
    )
    return (
        row.path,
        runs,
        format_duration(row.total_ns),
        format_duration(row.median_ns),
        _bytes(row.peak_allocator_allocated_bytes),
        _signed_bytes(row.median_change_bytes),
        worst,
    )


def _bytes(value: int | None) -> str:
    return _MISSING if value is None else format_bytes(value)


def _signed_bytes(value: int | None) -> str:
    if value is None:
        return _MISSING
    return format_signed_bytes(value)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
