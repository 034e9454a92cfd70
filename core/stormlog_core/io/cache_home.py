"""Where stormlog-tui keeps what it can rebuild: the one rule for the user's cache directory.

``$XDG_CACHE_HOME/stormlog-tui`` (``~/.cache/stormlog-tui`` when the variable is unset or
not an absolute path, as the XDG base directory specification says). Both caches live
below it: the SSH mirror (``remote/``) and the parsed closed segments (``segments/``).
Nothing is ever written next to the telemetry.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

#: The directory below the user's cache directory.
APP_DIR: Final = "stormlog-tui"


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/stormlog-tui`` (``~/.cache/stormlog-tui`` when the variable is
    unset, empty or relative). Raises ``RuntimeError`` when there is no home directory
    to fall back on."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = str(Path.home() / ".cache")
    return Path(base).absolute() / APP_DIR
