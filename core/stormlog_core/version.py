"""The version of stormlog-core (the root package re-exports it; it imports nothing)."""

from __future__ import annotations

from typing import Final

__version__: Final = "0.1.0"
