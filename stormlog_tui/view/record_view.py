"""What the record view shows: where a record is (file, line, its session) and the record
itself, pretty-printed and shown literally.

A record view is opened on a load warning (from the warnings panel) or on an event (from
the events view). The record is read back from its file by core (``read_record``, in a
worker); here its text becomes lines of a ``Text``, each escaped by ``safe_text`` (never
markup, control characters made visible), cut after :data:`MAX_LINES` lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text

from stormlog_core.browse import EventRecord, LoadWarning, RecordLine, SessionData
from stormlog_tui.remote.names import remote_host, shown_path, shown_text
from stormlog_tui.view.safe_text import safe_text

#: At most this many lines and characters of a record are shown (a line may hold
#: megabytes of JSON).
MAX_LINES = 2000
MAX_CHARS = 200_000
#: Labels of the facts above the record, padded to one width.
_LABEL_WIDTH = 8


@dataclass(frozen=True)
class RecordSource:
    """Where a record is, and what it is shown for."""

    path: str | None
    line: int | None
    session_id: str | None
    #: The session in words (``rank 3/8 · job llm · host vm``), None when not loaded.
    session: str | None
    #: Why the record is shown: the warning or the event, in words.
    about: str
    #: The rank of the session, where the job opens with the cursor.
    rank: int | None = None

    @property
    def short_where(self) -> str:
        """``rank-5/segment-000001.jsonl:85`` (the file's folder and name, and the line)."""
        return "no file" if self.path is None else where_label(self.path, self.line)


def common_folder(paths: Iterable[str | None]) -> str | None:
    """The deepest folder holding every one of ``paths`` (None when there are none)."""
    folders = {str(Path(shown_path(p)).parent) for p in paths if p is not None}
    if not folders:
        return None
    try:
        return os.path.commonpath(sorted(folders))
    except ValueError:  # relative and absolute paths mixed
        return None


def where_label(path: str, line: int | None, base: str | None = None) -> str:
    """Where a record is, short: the path below ``base`` when that tells more than the file's
    folder and name (``deep-record/sink/segment-000001.jsonl:6`` beside other ``sink/``
    folders), else the folder and name (``rank-5/segment-000001.jsonl:85``); then the line.
    A file mirrored from another host is named there (``node-17:rank-5/segment-...``)."""
    host, path = remote_host(path), shown_path(path)
    name = Path(path)
    short = f"{name.parent.name}/{name.name}" if name.parent.name else name.name
    if base is not None:
        try:
            below = name.relative_to(base)
        except ValueError:
            below = None
        if below is not None and len(below.parts) > 2:
            short = str(below)
    if host is not None and not short.startswith(host):
        short = f"{host}:{short}"
    return short if line is None else f"{short}:{line}"


def _session_words(
    sessions: Sequence[SessionData], session_id: str | None
) -> tuple[str | None, int | None]:
    session = next((s for s in sessions if s.session_id == session_id), None)
    if session is None:
        return None, None
    summary = session.summary
    parts = []
    if summary.rank is not None:
        world = f"/{summary.world_size}" if summary.world_size is not None else ""
        parts.append(f"rank {summary.rank}{world}")
    if summary.job_id is not None:
        parts.append(f"job {summary.job_id}")
    parts.append(f"host {summary.host}")
    return " · ".join(parts), summary.rank


def warning_source(warning: LoadWarning, sessions: Sequence[SessionData]) -> RecordSource:
    """The record a load warning names (``sessions``: those loaded, to say whose it is)."""
    words, rank = _session_words(sessions, warning.session_id)
    about = f"{warning.severity} {warning.code}: {warning.message}"
    return RecordSource(warning.path, warning.line, warning.session_id, words, about, rank)


def event_source(event: EventRecord, sessions: Sequence[SessionData]) -> RecordSource:
    """The record an event was read from (``sessions``: those loaded, to say whose it is)."""
    words, _ = _session_words(sessions, event.session_id)
    about = f"{event.event_type} event ({event.kind.label}, {event.severity})"
    return RecordSource(event.path, event.line, event.session_id, words, about, event.rank)


def where_text(source: RecordSource) -> Text:
    """The facts above the record: file, line, session and why it is shown."""
    rows = [
        ("file", source.path or "- (this warning names no file)"),
        ("line", str(source.line) if source.line is not None else "-"),
        ("session", _session_line(source)),
        ("about", source.about),
    ]
    text = Text()
    for index, (label, value) in enumerate(rows):
        if index:
            text.append("\n")
        text.append(f"{label:<{_LABEL_WIDTH}}", style="bold")
        text.append(safe_text(shown_text(value)))  # a mirrored file: its remote path
    return text


def _session_line(source: RecordSource) -> str:
    if source.session_id is None:
        return "- (about a file, not one session)"
    if source.session is None:
        return f"{source.session_id} (not loaded now)"
    return f"{source.session_id} · {source.session}"


def unread_reason(source: RecordSource) -> str | None:
    """Why no record can be read for ``source`` (None: it names a file and a line)."""
    if source.path is None:
        return "This warning names no file: there is no record to show."
    if source.line is None:
        return "This warning is about the whole file, not one line: there is no record to show."
    return None


def record_body(record: RecordLine, max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS) -> Text:
    """The record pretty-printed (or the raw line, or why it cannot be shown), literally."""
    text = Text()
    if record.problem is not None:
        text.append(safe_text(f"Cannot show the record: {record.problem}."), style="bold yellow")
    pretty = record.pretty()
    if pretty is None:
        return text
    lines = pretty[:max_chars].split("\n")
    if record.problem is not None:
        text.append("\nThe line as it is in the file:\n", style="dim")
    text.append("\n".join(safe_text(line) for line in lines[:max_lines]))
    if len(lines) > max_lines or len(pretty) > max_chars:
        text.append("\n… the rest is not shown (too long)", style="dim")
    return text
