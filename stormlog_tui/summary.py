"""``stormlog-tui --summary PATH... [--json | --csv] [--fail-on ...]``: print sessions and
warnings, no Textual.

Beyond the sessions table: every OOM (when, the message, the sizes it names, the bundle),
the top phases of each job or lone session by peak, and the sessions whose sink lost
history to retention. The JSON entries are core's (``session_report``, ``job_report``):
each session has ``oom``, ``coverage`` (null when not read from a sink) and ``phases``.

Text from the files (hosts, ids, messages) is printed as data: control characters and
other invisible formatting characters are shown as escapes, so a record cannot move the
cursor, change colours or retitle the terminal.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from stormlog_core.analysis import (
    all_job_stats,
    coverage_lines,
    job_report,
    oom_lines,
    phase_lines,
    session_report,
)
from stormlog_core.browse import Dataset, SessionData, counted, load_dataset
from stormlog_tui.view.formats import bytes_or_dash
from stormlog_tui.view.safe_text import safe_text

EXIT_OK = 0
EXIT_SKIPPED = 1
EXIT_UNREADABLE = 2

_COLUMNS = (
    ("session", 14),
    ("status", 11),
    ("host", 14),
    ("pid", 7),
    ("job", 12),
    ("rank", 9),
    ("events", 9),
    ("schema", 6),
    ("peak alloc", 11),
    ("peak resv", 11),
    ("peak used", 11),
    ("total", 11),
)


def _row(data: SessionData) -> list[str]:
    session = data.summary_dict()
    rank = f"{session['rank']}/{session['world_size']}"
    versions = ",".join(str(v) for v in session["schema_versions"]) or "-"
    return [
        safe_text(session["session_id"]),
        safe_text(data.shown_status),
        safe_text(session["host"]),
        str(session["pid"]),
        safe_text(session["job_id"] if session["job_id"] is not None else "-"),
        rank,
        str(session["event_count"]),
        versions,
        bytes_or_dash(session["peak_allocator_allocated_bytes"]),
        bytes_or_dash(session["peak_allocator_reserved_bytes"]),
        bytes_or_dash(session["peak_device_used_bytes"]),
        bytes_or_dash(session["device_total_bytes"]),
    ]


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_text(dataset: Dataset, out: TextIO) -> None:
    """The human-readable summary: one line per session, the jobs, then every warning."""
    sessions = counted(len(dataset.sessions), "session")
    out.write(f"{sessions}, {counted(len(dataset.warnings), 'warning')}\n\n")
    out.write("  ".join(_fit(name, w).ljust(w) for name, w in _COLUMNS).rstrip() + "\n")
    for session in dataset.sessions:
        cells = _row(session)
        line = "  ".join(_fit(c, w).ljust(w) for c, (_, w) in zip(cells, _COLUMNS, strict=True))
        out.write(line.rstrip() + "\n")
    for session in dataset.sessions:
        data = session.summary_dict()
        out.write(
            f"\n{safe_text(data['session_id'])}: started_at_ns={data['started_at_ns']} "
            f"ended_at_ns={data['ended_at_ns']} local_rank={data['local_rank']} "
            f"sources={len(session.sources)}"
        )
    out.write("\n")
    jobs = [stats for stats in all_job_stats(dataset.sessions) if stats.job.job_id is not None]
    if jobs:
        out.write("\njobs:\n")
    for stats in jobs:
        out.writelines(f"  {safe_text(line)}\n" for line in stats.summary_lines())
    _section(out, "ooms", oom_lines(dataset.sessions))
    _section(out, "phases (top by peak allocated inside)", phase_lines(dataset.sessions))
    _section(out, "history pruned", coverage_lines(dataset.sessions))
    if dataset.warnings:
        out.write("\nwarnings:\n")
    for warning in dataset.warnings:
        where = safe_text(warning.location())
        owner = f" [session {safe_text(warning.session_id)}]" if warning.session_id else ""
        out.write(
            f"  {warning.severity:<7} {warning.code:<22} {where}{owner}: "
            f"{safe_text(warning.message)}\n"
        )


def _section(out: TextIO, title: str, lines: list[str]) -> None:
    """A titled block of lines from core, escaped (they hold telemetry text)."""
    if lines:
        out.write(f"\n{title}:\n")
        out.writelines(f"  {safe_text(line)}\n" for line in lines)


def summary_json(dataset: Dataset) -> dict[str, Any]:
    """The ``--json`` document: sessions (with oom, coverage, phases), jobs and warnings."""
    return {
        "sessions": [session_report(session) for session in dataset.sessions],
        "jobs": [job_report(stats) for stats in all_job_stats(dataset.sessions)],
        "warnings": [warning.to_dict() for warning in dataset.warnings],
    }


def exit_code(dataset: Dataset) -> int:
    """0 when everything loaded, 1 when records were skipped, 2 when nothing was read."""
    if not dataset.sessions:
        return EXIT_UNREADABLE
    if any(warning.severity == "error" for warning in dataset.warnings):
        return EXIT_SKIPPED
    return EXIT_OK


#: ``--summary --csv``: one row per session; nested values (versions, OOM) flattened.
CSV_COLUMNS = (
    "session_id",
    "status",
    "recorded_status",
    "host",
    "pid",
    "job_id",
    "rank",
    "local_rank",
    "world_size",
    "started_at_ns",
    "ended_at_ns",
    "event_count",
    "schema_versions",
    "peak_allocator_allocated_bytes",
    "peak_allocator_reserved_bytes",
    "peak_device_used_bytes",
    "device_total_bytes",
    "stale",
    "outlier",
    "outlier_reasons",
    "oom_timestamp_ns",
    "oom_message",
    "oom_requested_bytes",
    "oom_free_bytes",
    "oom_bundle",
    "pruned_segments",
    "pruned_bytes",
    "rollups",
)


def print_csv(dataset: Dataset, out: TextIO) -> None:
    """One CSV row per session, in the order of the other formats, full ids."""
    from stormlog_tui.export import csv_cell  # the one rule for cells a sheet would run

    verdicts: dict[tuple[str | None, int | None], Any] = {
        (stats.job.job_id, rank.rank): stats.verdict(rank.rank)
        for stats in all_job_stats(dataset.sessions)
        if stats.job.job_id is not None
        for rank in stats.ranks
    }
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for session in dataset.sessions:
        report = session_report(session)
        oom, coverage = report["oom"] or {}, report["coverage"] or {}
        verdict = verdicts.get((session.summary.job_id, session.summary.rank))
        row: dict[str, Any] = {name: report.get(name) for name in CSV_COLUMNS}
        row |= {
            "status": session.shown_status,
            "recorded_status": report["status"],
            "schema_versions": ",".join(map(str, report["schema_versions"])),
            "outlier": verdict is not None and verdict.outlier,
            "outlier_reasons": "; ".join(verdict.reasons) if verdict else "",
            **{f"oom_{key}": oom.get(key) for key in ("timestamp_ns", "message", "bundle")},
            "oom_requested_bytes": oom.get("requested_bytes"),
            "oom_free_bytes": oom.get("free_bytes"),
            **{key: coverage.get(key) for key in ("pruned_segments", "pruned_bytes", "rollups")},
        }
        writer.writerow({name: csv_cell(value) for name, value in row.items()})


def run_summary(
    paths: Sequence[Path],
    as_json: bool,
    out: TextIO,
    *,
    as_csv: bool = False,
    gates: Sequence[str] = (),
    err: TextIO | None = None,
    load: Callable[[list[Path]], Dataset] | None = None,
) -> int:
    """Load ``paths`` (with ``load``: remote paths are synced first) and print the summary;
    return the exit code (3 when one of the ``gates`` finds something: each finding is a
    line on ``err``)."""
    dataset = (load or load_dataset)(list(paths))
    if as_json:
        json.dump(summary_json(dataset), out, indent=2, ensure_ascii=True, allow_nan=False)
        out.write("\n")
    elif as_csv:
        print_csv(dataset, out)
    else:
        print_text(dataset, out)
    status = exit_code(dataset)
    if gates and status != EXIT_UNREADABLE:
        from stormlog_tui.gates import EXIT_FOUND, findings

        found = findings(dataset, gates)
        if err is not None:
            err.writelines(line + "\n" for line in found)
        if found:
            return EXIT_FOUND
    return status
