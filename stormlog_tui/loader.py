"""Load every path given to the app into session rows (runs in a thread worker)."""

from __future__ import annotations

from pathlib import Path

from stormlog_core.dataset import load_dataset
from stormlog_tui.session_rows import LoadResult, row_from_session, sort_rows


def load_rows(paths: list[Path]) -> LoadResult:
    """Read sessions from ``paths`` with core's tolerant loader; problems become lines."""
    dataset = load_dataset(paths)
    problems = [
        f"{warning.location() or 'load'}: {warning.message}"
        for warning in dataset.warnings
        if warning.severity == "error"
    ]
    rows = [row_from_session(session) for session in dataset.sessions]
    return LoadResult(
        rows=sort_rows(rows),
        problems=problems,
        sources=len(dataset.targets),
        warnings=len(dataset.warnings),
    )
