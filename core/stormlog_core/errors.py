"""The exceptions stormlog_core raises.

Every error is a ``ValueError`` so callers written against ``stormlog.telemetry`` keep
working::

    ValueError
    └── StormlogError                 root of everything raised on purpose here
        ├── TelemetryRecordError      a record fails validation or conversion
        └── TelemetryFileError        a file or directory cannot be read as telemetry
                                      (message names the path, and the line if any)

A missing path raises the built-in ``FileNotFoundError``, as the reference does.
"""

from __future__ import annotations


class StormlogError(ValueError):
    """Root of the errors raised by stormlog_core."""


class TelemetryRecordError(StormlogError):
    """A telemetry record is invalid; the message is the reference's exact wording."""


class TelemetryFileError(StormlogError):
    """A telemetry file or directory cannot be read; the message names path and line."""


__all__ = ["StormlogError", "TelemetryFileError", "TelemetryRecordError"]
