"""Reading JSON and JSONL files: fast decoding with the standard library's exact semantics.

msgspec decodes; whenever it refuses a document, the standard library decides, so values
and error messages are the same as ``json.loads`` (NaN, huge numbers, BOMs, ...). Lines are
numbered the way ``str.splitlines`` splits them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import msgspec

from stormlog_core.errors import TelemetryFileError
from stormlog_core.io.files import NotRegularFile, open_regular

_decode = msgspec.json.Decoder().decode

#: Bytes that ``str.splitlines`` treats as line ends besides ``\n``.
_OTHER_LINE_BREAKS: Final = (
    b"\r",
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\x1d",
    b"\x1e",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
)


def loads(data: bytes | str) -> Any:
    """``json.loads`` semantics, decoded by msgspec when it agrees."""
    try:
        return _decode(data)
    except (msgspec.DecodeError, RecursionError):
        pass
    text = data if isinstance(data, str) else data.decode("utf-8")
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("JSON document is nested too deeply") from exc


def read_bytes(path: Path) -> bytes:
    """The file's bytes; unreadable files raise ``ValueError`` naming the path."""
    try:
        with open_regular(path) as handle:
            return handle.read()
    except FileNotFoundError:
        raise
    except NotRegularFile as exc:
        raise TelemetryFileError(str(exc)) from exc
    except IsADirectoryError as exc:
        raise TelemetryFileError(f"{path} is a directory, not a telemetry file") from exc
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise TelemetryFileError(f"Cannot read {path}: {reason}") from exc


def line_of_offset(data: bytes, offset: int) -> int:
    """1-based line number (``str.splitlines`` numbering) of a byte offset in UTF-8 data."""
    prefix = data[:offset].decode("utf-8", errors="replace")
    return len((prefix + "x").splitlines())


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 text with universal newlines, as ``open(path, encoding="utf-8").read()`` gives.

    Invalid UTF-8 raises ``ValueError`` naming the file and line.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_of_offset(data, exc.start)
        raise TelemetryFileError(
            f"Invalid UTF-8 in {path} at line {line}: byte 0x{data[exc.start]:02x}"
        ) from exc
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def has_only_newline_breaks(data: bytes) -> bool:
    """True when ``\\n`` is the only line break in the data (the fast path applies)."""
    marks = _OTHER_LINE_BREAKS if not data.isascii() else _OTHER_LINE_BREAKS[:6]
    return not any(mark in data for mark in marks)  # one-byte marks scan at memchr speed


def iter_lines(data: bytes, text: str | None) -> Iterator[tuple[int, bytes | str, bool]]:
    """``(line_number, line, is_last_without_newline)`` for each line of a JSONL file.

    ``text`` (the decoded file) is used when the data holds line breaks other than ``\\n``;
    otherwise lines are split on the bytes directly.
    """
    if text is not None and not has_only_newline_breaks(data):
        lines: list[Any] = text.splitlines(keepends=True)
        count = len(lines)
        for index, line in enumerate(lines, start=1):
            yield index, line, index == count and not line.endswith("\n")
        return
    parts = data.split(b"\n")
    torn = parts[-1]
    for index in range(len(parts) - 1):
        yield index + 1, parts[index], False
    if torn:
        yield len(parts), torn, True


def is_blank(line: bytes | str) -> bool:
    """A line that holds only white space (Unicode white space, as ``str.strip`` sees it)."""
    if isinstance(line, bytes):
        stripped = line.lstrip()
        if not stripped:
            return True
        if 0x20 < stripped[0] < 0x80:  # a visible ASCII character: not blank
            return False
        line = stripped.decode("utf-8", errors="replace")
    return not line.strip()
