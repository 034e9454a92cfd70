"""The catalogue of load warnings: every problem the tolerant loader reports, by code.

A warning never stops a load: the record, line or file it names is skipped (or kept, for
``info``) and everything else still loads. Severities:

* ``error``: data was skipped (a record, a line, a file);
* ``warning``: data loaded, but something about it is suspicious or inconsistent;
* ``info``: expected situations worth knowing (a torn last line while a writer is active,
  segments pruned by retention).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

ERROR: Final = "error"
WARNING: Final = "warning"
INFO: Final = "info"
SEVERITY_ORDER: Final = {ERROR: 0, WARNING: 1, INFO: 2}

#: code -> (severity, what it means). The README's warning table is generated from this.
CATALOGUE: Final[dict[str, tuple[str, str]]] = {
    "malformed-json": (ERROR, "A line is not valid JSON; the line is skipped."),
    "not-an-object": (ERROR, "A line or array item is valid JSON but not an object; skipped."),
    "invalid-record": (
        ERROR,
        "A record fails validation (the message is stormlog's own); the record is skipped.",
    ),
    "unsupported-schema": (
        ERROR,
        "A record has a schema_version this browser does not know (it reads 2, 3 and 4).",
    ),
    "invalid-utf8": (ERROR, "A line holds bytes that are not UTF-8; the line is skipped."),
    "bom": (INFO, "The file starts with a UTF-8 byte-order mark; it is ignored."),
    "torn-line": (
        INFO,
        "The last line has no newline yet: a writer is still writing it, or was killed.",
    ),
    "out-of-range": (ERROR, "A value does not fit in 64 bits; the record is skipped."),
    "manifest-unreadable": (
        WARNING,
        "manifest.json cannot be read or is not a JSON object; segments are found by name.",
    ),
    "manifest-entry-invalid": (
        WARNING,
        "A session or segment entry of manifest.json is malformed and was ignored.",
    ),
    "session-elsewhere": (
        WARNING,
        "A session is in several of the paths given (a sink and its export, rotated files): it "
        "is shown from the one that holds most of its records; the others are not read into it.",
    ),
    "segment-missing": (
        INFO,
        "manifest.json lists a segment that is gone: deleted by retention (its events are lost).",
    ),
    "segment-lost": (
        WARNING,
        "A followed segment was deleted by retention before it could be read: its records are "
        "lost (counted from manifest.json when it says).",
    ),
    "poll-too-slow": (
        WARNING,
        "Following by polling, retention deletes segments about as fast as they are polled: "
        "some can vanish unread. Poll more often.",
    ),
    "file-rewritten": (
        WARNING,
        "A followed file was truncated, rewritten or replaced: its old records are dropped and "
        "it is read again from the start; other files are not reloaded.",
    ),
    "segment-unlisted": (WARNING, "A segment file on disk is not listed in manifest.json."),
    "count-mismatch": (
        WARNING,
        "manifest.json's event count for a closed segment disagrees with the file.",
    ),
    "session-empty": (INFO, "A session in manifest.json has no events in the files present."),
    "stale-session": (
        WARNING,
        "A session marked running whose files stopped growing: the writer may be dead.",
    ),
    "duplicate-records": (WARNING, "Identical records appear more than once; kept once."),
    "time-backwards": (
        WARNING,
        "Timestamps go backwards within a session; records are shown in time order.",
    ),
    "sampling-gap": (
        WARNING,
        "Samples stop for much longer than the sampling interval (collector stalled?).",
    ),
    "inconsistent-identity": (
        WARNING,
        "world_size or job_id differs between records or ranks of one session or job.",
    ),
    "csv-export": (
        ERROR,
        "A CSV export of stormlog telemetry: it cannot be read; open the JSON/JSONL/sink.",
    ),
    "not-telemetry": (ERROR, "The file is not stormlog telemetry (JSON, JSONL or sink)."),
    "not-regular-file": (
        ERROR,
        "A FIFO, socket, device or directory where a telemetry file was expected; not read.",
    ),
    "not-json": (ERROR, "A file whose first bytes cannot start JSON; it is not read further."),
    "line-too-long": (
        ERROR,
        "A line longer than the line limit (STORMLOG_TUI_MAX_LINE_BYTES); it is skipped.",
    ),
    "gave-up": (
        ERROR,
        "Too many consecutive unreadable lines: the rest of the file is not read.",
    ),
    "unreadable": (ERROR, "A file or directory cannot be read (permissions, I/O error)."),
    "vanished": (WARNING, "A file disappeared while it was being read."),
    "skipped-file": (
        INFO,
        "A .json or .jsonl file in a searched directory that is not telemetry; not read.",
    ),
    "follow-error": (
        ERROR,
        "A file could not be read while following; the other files are still followed.",
    ),
    "history-pruned": (
        INFO,
        "Retention deleted a sink's oldest segments: statistics cover only what was kept.",
    ),
    "no-records": (WARNING, "A file that is empty or holds only whitespace: no records."),
    "jsonl-in-json": (INFO, "A .json file that holds JSON Lines; it is read as JSONL."),
    "empty-directory": (INFO, "A directory holds no telemetry files."),
}


@dataclass(frozen=True)
class LoadWarning:
    """One problem found while loading: where it is, and what it means."""

    severity: str
    code: str
    message: str
    path: str | None = None
    line: int | None = None
    session_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by ``--summary --json``."""
        return asdict(self)

    def location(self) -> str:
        """``path:line`` (or just the path), for display."""
        if self.path is None:
            return ""
        return self.path if self.line is None else f"{self.path}:{self.line}"


def make_warning(
    code: str,
    message: str,
    path: str | None = None,
    line: int | None = None,
    session_id: str | None = None,
) -> LoadWarning:
    """A warning whose severity comes from the catalogue."""
    severity = CATALOGUE.get(code, (WARNING, ""))[0]
    return LoadWarning(severity, code, message, path, line, session_id)


def sort_warnings(warnings: list[LoadWarning]) -> list[LoadWarning]:
    """Most severe first, then by file and line."""
    return sorted(
        warnings,
        key=lambda w: (SEVERITY_ORDER.get(w.severity, 9), w.path or "", w.line or 0, w.code),
    )


#: Codes of warnings that each stand for one skipped record or line.
RECORD_CODES: Final = frozenset(
    {"malformed-json", "not-an-object", "invalid-record", "unsupported-schema", "invalid-utf8"}
    | {"out-of-range"}
)
