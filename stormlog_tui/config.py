"""Settings from ``$XDG_CONFIG_HOME/stormlog-tui/config.toml`` (or ``--config FILE``).

::

    theme = "dark"            # or "light"
    metric = "allocated"      # the job chart's first metric: allocated, reserved, used
    time_axis = "elapsed"     # or "wall_clock"
    poll_seconds = 2.0        # follow by polling (as --poll) instead of native watching
    refresh_seconds = 1.0     # live updates redraw at most this often (as --refresh)

    [keys]                    # a binding's id = the keys that run it ("q,ctrl+q")
    quit = "q,ctrl+q"

    [cache]                   # the cache of closed segments' parsed columns
    max_bytes = 2147483648    # its bound (STORMLOG_TUI_CACHE_MAX_BYTES wins; 0: off)

A bad file never stops the program: a syntax error, an unknown key or a value of the wrong
kind is a problem naming the file and its line, and the defaults stand for what it could
not give. Command-line options win over the file. No Textual here.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from stormlog_tui.view.metrics import METRICS
from stormlog_tui.view.safe_text import safe_text

THEMES: Final = ("dark", "light")
TIME_AXES: Final = ("elapsed", "wall_clock")
#: The settings that are TOML tables.
TABLES: Final = ("keys", "cache")
#: Biggest config file read: anything larger is not a hand-written config.
MAX_BYTES: Final = 1 << 20


@dataclass(frozen=True)
class Settings:
    """The effective settings (defaults, then the file, then the command line)."""

    theme: str = "dark"
    metric: str = "allocated"
    time_axis: str = "elapsed"
    poll_seconds: float | None = None
    refresh_seconds: float = 1.0
    keys: Mapping[str, str] = field(default_factory=dict)
    #: The ``[cache]`` table: ``max_bytes``, the segment cache's bound.
    cache: Mapping[str, int] = field(default_factory=dict)

    def to_toml(self) -> str:
        """The settings as a config file (``--print-config``)."""
        lines = []
        for name, value in asdict(self).items():
            if name in TABLES or value is None:
                continue
            lines.append(f"{name} = {_toml_value(value)}")
        for name in TABLES:
            table: Mapping[str, object] = getattr(self, name)
            if table:
                lines += ["", f"[{name}]"]
                lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in sorted(table.items())]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ConfigProblem:
    """Something in a config file that was not used, and where."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{safe_text(self.path)}:{self.line}" if self.line else safe_text(self.path)
        return f"{where}: {safe_text(self.message)}; ignored"


def default_path() -> Path:
    """``$XDG_CONFIG_HOME/stormlog-tui/config.toml`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stormlog-tui" / "config.toml"


def load_settings(path: Path | None = None) -> tuple[Settings, list[ConfigProblem]]:
    """The settings in ``path`` (the default path when None; a missing default file is
    no problem, a missing ``--config FILE`` is)."""
    explicit = path is not None
    path = path or default_path()
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Settings(), ([ConfigProblem(path, None, "no such file")] if explicit else [])
    except OSError as error:
        return Settings(), [ConfigProblem(path, None, f"cannot read: {error.strerror}")]
    if len(data) > MAX_BYTES:
        return Settings(), [ConfigProblem(path, None, "larger than 1 MiB")]
    try:
        text = data.decode("utf-8")
        table = tomllib.loads(text)
    except UnicodeDecodeError:
        return Settings(), [ConfigProblem(path, None, "not UTF-8 text")]
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        line = int(found[1]) if found else None
        return Settings(), [ConfigProblem(path, line, f"not valid TOML: {error}")]
    return _settings(table, path, text)


def _settings(
    table: Mapping[str, Any], path: Path, text: str
) -> tuple[Settings, list[ConfigProblem]]:
    problems: list[ConfigProblem] = []
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        line = _line_of(text, key)
        if key not in known:
            problems.append(ConfigProblem(path, line, f"unknown setting {key!r}"))
            continue
        reason = _check(key, value)
        if reason is not None:
            problems.append(ConfigProblem(path, line, f"{key}: {reason}"))
            continue
        values[key] = dict(value) if key in TABLES else value
    return replace(Settings(), **values), problems


def _check(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be ``key``'s (None: it can)."""
    choices = {"theme": THEMES, "metric": tuple(METRICS), "time_axis": TIME_AXES}
    if key in choices:
        if value not in choices[key]:
            return f"must be one of {', '.join(choices[key])}, not {value!r}"
        return None
    if key in ("poll_seconds", "refresh_seconds"):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or not 0 < value < 3600:
            return f"must be a number of seconds between 0 and 3600, not {value!r}"
        return None
    if key == "cache":
        return _check_cache(value)
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        return 'must be a table of binding id = "keys" (e.g. quit = "q,ctrl+q")'
    return None


def _check_cache(value: Any) -> str | None:
    """Why ``value`` cannot be the ``[cache]`` table (None: it can)."""
    if not isinstance(value, dict) or set(value) - {"max_bytes"}:
        return "must be a table with max_bytes = a number of bytes"
    bound = value.get("max_bytes", 0)
    if not isinstance(bound, int) or isinstance(bound, bool) or bound < 0:
        return f"max_bytes must be a whole number of bytes >= 0, not {bound!r}"
    return None


def _line_of(text: str, key: str) -> int | None:
    """The line where ``key`` is set (or its ``[table]`` starts)."""
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|\"?{re.escape(key)}\"?\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)
