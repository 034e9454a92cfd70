"""``--fail-on oom,outlier,alert,warning,stale``: questions a CI job asks of a run.

Each finding is one line on standard error (``oom: rank 3 of job x (session ...): CUDA out
of memory...``), printed once; any finding makes the exit status 3. No Textual.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

from stormlog_core.analysis import JobStats, all_job_stats
from stormlog_core.browse import Dataset, EventKind, SessionData
from stormlog_tui.view.safe_text import safe_text

GATES: Final = ("oom", "outlier", "alert", "warning", "stale")
EXIT_FOUND: Final = 3


def parse_gates(text: str) -> tuple[str, ...]:
    """``oom,alert`` -> ``("oom", "alert")``; raises ``ValueError`` naming an unknown one."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in GATES]
    if unknown or not names:
        raise ValueError(
            f"unknown gate {', '.join(map(repr, unknown)) or repr(text)}: "
            f"choose from {','.join(GATES)}"
        )
    return names


def _who(session: SessionData) -> str:
    summary = session.summary
    job = f" of job {summary.job_id}" if summary.job_id is not None else ""
    rank = f"rank {summary.rank}{job}" if summary.rank is not None else "session"
    return f"{rank} (session {summary.session_id})"


def _ooms(dataset: Dataset) -> Iterable[str]:
    for session in dataset.sessions:
        if session.oom is not None:
            yield f"oom: {_who(session)}: {session.oom.message}"


def _outliers(jobs: Sequence[JobStats]) -> Iterable[str]:
    for stats in jobs:
        for rank in stats.outliers:
            reasons = "; ".join(stats.verdict(rank).reasons) or f"rank {rank} differs"
            yield f"outlier: job {stats.job.job_id}: {reasons}"


def _alerts(dataset: Dataset) -> Iterable[str]:
    for session in dataset.sessions:
        events = session.events
        alerts = events.take(events.of_kind(EventKind.ALERT))
        counts = Counter(alerts.texts_of("severity"))
        if counts:
            said = ", ".join(f"{n} {severity}" for severity, n in sorted(counts.items()))
            yield f"alert: {_who(session)}: {said}"


def _warnings(dataset: Dataset) -> Iterable[str]:
    for warning in dataset.warnings:
        if warning.severity in ("warning", "error"):
            yield f"warning: {warning.code}: {warning.location()}: {warning.message}"


def _stale(dataset: Dataset) -> Iterable[str]:
    for session in dataset.sessions:
        if session.stale:
            yield f"stale: {_who(session)}: running, but its files stopped growing"


def findings(dataset: Dataset, gates: Sequence[str]) -> list[str]:
    """One escaped line per finding of the chosen ``gates``, in the order of ``GATES``."""
    jobs = all_job_stats(dataset.sessions) if "outlier" in gates else []
    found = {
        "oom": lambda: _ooms(dataset),
        "outlier": lambda: _outliers([j for j in jobs if j.job.job_id is not None]),
        "alert": lambda: _alerts(dataset),
        "warning": lambda: _warnings(dataset),
        "stale": lambda: _stale(dataset),
    }
    lines = [line for gate in GATES if gate in gates for line in found[gate]()]
    return [safe_text(line) for line in dict.fromkeys(lines)]
