"""``stormlog-tui --export jsonl|csv --output FILE PATH...``: an export without the UI.

The sessions exported are every loaded session, or with ``--session ID`` that session's
job (all its ranks, as the app opens it), narrowed to ``--rank LIST``; ``--from`` and
``--to`` bound the time window (seconds after the first record of those sessions, or ISO
8601 times). The loader's warnings go to standard error, one line each; the exit status
is ``--summary``'s: 0 when everything loaded, 1 when records were skipped, 2 when nothing
could be read (or nothing matched). ``FILE`` is never overwritten; ``-`` writes to
standard output. No Textual.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from stormlog_core.browse import Dataset, SessionData, counted, load_dataset, parse_instant
from stormlog_tui.export import export_records, write_records
from stormlog_tui.summary import EXIT_UNREADABLE, exit_code
from stormlog_tui.view.detail_group import group_of, session_problem
from stormlog_tui.view.safe_text import safe_text


@dataclass(frozen=True)
class ExportRequest:
    """What ``--export`` was asked for."""

    paths: Sequence[Path]
    fmt: str
    output: str
    session: str | None = None
    ranks: tuple[int, ...] | None = None
    start: str | None = None
    end: str | None = None


def chosen(dataset: Dataset, request: ExportRequest) -> list[SessionData]:
    """The sessions to export (see the module's doc); raises ``ValueError`` for an unknown
    session id."""
    sessions = list(dataset.sessions)
    if request.session is not None:
        found = dataset.sessions_named(request.session)
        if len(found) != 1:
            raise ValueError(session_problem(request.session, found))
        group = group_of(dataset, found[0].session_id)
        if group is None:
            raise ValueError(f"no session {safe_text(request.session)} in these paths")
        sessions = list(group.sessions)
    if request.ranks is not None:
        wanted = set(request.ranks)
        sessions = [s for s in sessions if s.summary.rank in wanted]
    return sessions


def _window(sessions: Sequence[SessionData], request: ExportRequest) -> tuple[int | None, ...]:
    starts = [int(s.series.timestamp_ns[0]) for s in sessions if len(s.series)]
    starts += [s.summary.started_at_ns for s in sessions if not len(s.series)]
    origin = min(starts, default=0)
    start = None if request.start is None else parse_instant(request.start, origin)
    end = None if request.end is None else parse_instant(request.end, origin)
    return start, end


def run_export(
    request: ExportRequest, err: TextIO, load: Callable[[list[Path]], Dataset] | None = None
) -> int:
    """Load (with ``load``: remote paths are synced first), export, report; return the exit
    status."""
    dataset = (load or load_dataset)(list(request.paths))
    for warning in dataset.warnings:
        where = safe_text(warning.location())
        err.write(f"{warning.severity}: {warning.code}: {where}: {safe_text(warning.message)}\n")
    sessions = chosen(dataset, request)
    if not sessions:
        err.write("stormlog-tui: nothing to export: no session matches\n")
        return EXIT_UNREADABLE
    start, end = _window(sessions, request)
    records = export_records(sessions, start, end)
    if request.output == "-":
        count = write_records(sys.stdout, records, request.fmt)
    else:
        newline = "" if request.fmt == "csv" else None
        with Path(request.output).open("x", newline=newline, encoding="utf-8") as handle:
            count = write_records(handle, records, request.fmt)
    err.write(f"exported {counted(count, 'record')} of {counted(len(sessions), 'session')}\n")
    return exit_code(dataset)
