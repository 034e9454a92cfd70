"""One record of a telemetry file, read back by its line number (what a warning names).

The record view of the app shows the raw record behind a warning: line ``N`` of file ``F``,
pretty-printed. The file is opened read-only and without blocking (``open_regular``: a
FIFO or a device is refused), read in bounded chunks up to that line, and the line itself
is never read past the line limit (``max_line_bytes``): a huge or endless line is refused,
not loaded. Nothing here raises for what is on disk: a file that is gone, a line that does
not exist or is too long, bytes that are not UTF-8 and text that is not JSON are said in
:attr:`RecordLine.problem`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from stormlog_core.io.files import NotRegularFile, open_regular
from stormlog_core.io.lines import BOM, max_line_bytes
from stormlog_core.schema.units import counted

#: Bytes read at a time while looking for the line.
CHUNK_BYTES: Final = 1 << 20


@dataclass(frozen=True)
class RecordLine:
    """Line ``line`` (1-based) of ``path``: its text, the record it holds, or why not."""

    path: str
    line: int
    #: The line as read (UTF-8, undecodable bytes replaced), None when it could not be read.
    text: str | None = None
    #: The JSON value the line holds, None when it holds none.
    record: Any = None
    #: Why there is no line, or no JSON in it (None: the record was read).
    problem: str | None = None

    @property
    def is_json(self) -> bool:
        """True when the line held a JSON value."""
        return self.text is not None and self.problem is None

    def pretty(self) -> str | None:
        """The record indented (keys as written), or the raw line when it is not JSON."""
        if not self.is_json:
            return self.text
        try:
            return json.dumps(self.record, indent=2, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):
            return self.text


def read_record(path: str | Path, line: int, limit: int | None = None) -> RecordLine:
    """Read line ``line`` (1-based) of ``path`` and the JSON record on it.

    ``limit`` (default: the project's line limit) bounds the bytes of the line; lines
    before it are skipped chunk by chunk, never held whole.
    """
    name = str(path)
    if line < 1:
        return RecordLine(name, line, problem=f"there is no line {line}")
    limit = max_line_bytes() if limit is None else limit
    try:
        with open_regular(path) as handle:
            raw, problem = _read_line(handle, line, limit)
    except FileNotFoundError:
        return RecordLine(name, line, problem="the file is gone (deleted or moved)")
    except NotRegularFile as error:
        return RecordLine(name, line, problem=str(error))
    except OSError as error:
        return RecordLine(name, line, problem=f"cannot read the file: {error.strerror or error}")
    if raw is None:
        return RecordLine(name, line, problem=problem)
    return _parsed(name, line, raw)


def _read_line(handle: BinaryIO, line: int, limit: int) -> tuple[bytes | None, str | None]:
    """The bytes of line ``line`` (without its newline), or None and why."""
    seen = 1  # the number of the line the next byte belongs to
    partial = False  # line ``seen`` has bytes (before ``line`` is reached)
    kept = bytearray()
    while chunk := handle.read(CHUNK_BYTES):
        start = 0
        while seen < line:
            found = chunk.find(b"\n", start)
            if found < 0:
                partial = partial or start < len(chunk)
                start = len(chunk)
                break
            seen, start, partial = seen + 1, found + 1, False
        if seen < line:
            continue
        end = chunk.find(b"\n", start)
        kept += chunk[start : end if end >= 0 else len(chunk)]
        if len(kept) > limit:
            return None, f"line {line} is longer than the line limit ({limit:,} bytes); not read"
        if end >= 0:
            return bytes(kept), None
    if seen == line and kept:
        return bytes(kept), None  # the last line, without a newline
    lines = (seen if partial else seen - 1) if seen < line else line - 1
    return None, f"there is no line {line}: the file has {counted(lines, 'line')}"


def _parsed(name: str, line: int, raw: bytes) -> RecordLine:
    if line == 1 and raw.startswith(BOM):
        raw = raw[len(BOM) :]
    raw = raw.removesuffix(b"\r")
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return RecordLine(name, line, text, problem=f"line {line} is empty")
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as error:
        return RecordLine(name, line, text, problem=f"line {line} is not valid JSON: {error}")
    return RecordLine(name, line, text, record)


def line_bytes_at(path: str | Path, offset: int, limit: int | None = None) -> bytes | None:
    """The bytes of the line that starts at byte ``offset`` of ``path`` (without its
    newline), or None when it cannot be read (gone, not a regular file, over ``limit``)."""
    limit = max_line_bytes() if limit is None else limit
    try:
        with open_regular(path) as handle:
            handle.seek(offset)
            kept = bytearray()
            while len(kept) <= limit:
                chunk = handle.read(min(CHUNK_BYTES, limit + 1 - len(kept)) or 1)
                if not chunk:
                    break
                end = chunk.find(b"\n")
                if end >= 0:
                    kept += chunk[:end]
                    break
                kept += chunk
    except (OSError, NotRegularFile):
        return None
    return None if len(kept) > limit else bytes(kept)


def read_line_at(path: str | Path, offset: int, limit: int | None = None) -> Any:
    """The JSON value on the line that starts at byte ``offset`` of ``path``, or None when
    it cannot be read (gone, too long, not JSON). For a shown event's full record."""
    kept = line_bytes_at(path, offset, limit)
    if kept is None:
        return None
    try:
        return json.loads(kept.removeprefix(BOM).decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None
