"""Coercion of record values with the reference's exact error messages."""

from __future__ import annotations

from typing import Any

from stormlog_core.errors import TelemetryRecordError


def fail(message: str) -> TelemetryRecordError:
    """Build the error raised for an invalid record."""
    return TelemetryRecordError(message)


def as_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, or raise ``<name> must be an integer``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise fail(f"{name} must be an integer")


def as_optional_int(value: Any, name: str) -> int | None:
    """Like :func:`as_int`, but ``None`` passes through."""
    return None if value is None else as_int(value, name)


def as_non_negative_int(value: Any, name: str) -> int:
    """An int that is >= 0."""
    number = as_int(value, name)
    if number < 0:
        raise fail(f"{name} must be >= 0")
    return number


def as_positive_int(value: Any, name: str) -> int:
    """An int that is >= 1."""
    number = as_int(value, name)
    if number <= 0:
        raise fail(f"{name} must be >= 1")
    return number


def as_text(value: Any, name: str, *, allow_none: bool = False) -> str | None:
    """A string; unless ``allow_none``, it must be present and not blank."""
    if value is None:
        if allow_none:
            return None
        raise fail(f"{name} must be a non-empty string")
    if not isinstance(value, str):
        raise fail(f"{name} must be a string")
    if not allow_none and not value.strip():
        raise fail(f"{name} must be a non-empty string")
    return value


def as_required_text(value: Any, name: str) -> str:
    """A non-blank string."""
    text = as_text(value, name)
    assert text is not None  # as_text raises for None unless allow_none
    return text


def as_optional_required_text(value: Any, name: str) -> str | None:
    """``None``, or a non-blank string."""
    return None if value is None else as_required_text(value, name)


def as_metadata(value: Any) -> dict[str, Any]:
    """A copy of the metadata object (a real ``dict``)."""
    if not isinstance(value, dict):
        raise fail("metadata must be an object")
    return dict(value)
