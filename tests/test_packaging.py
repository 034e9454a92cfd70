"""What a wheel ships: every stylesheet the app loads (a missing one fails at start-up of
an installed app, never in an editable checkout)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_stylesheet_is_package_data() -> None:
    text = (ROOT / "pyproject.toml").read_text()  # tomllib is 3.11+; the project runs on 3.10
    section = text.split("[tool.setuptools.package-data]", 1)[1]
    found = re.search(r"^stormlog_tui = (\[.*?\])", section, re.M)
    assert found, "no package-data for stormlog_tui in pyproject.toml"
    patterns = ast.literal_eval(found[1])
    package = ROOT / "stormlog_tui"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    sheets = set(package.rglob("*.tcss"))
    assert sheets and sheets <= shipped, sorted(str(p) for p in sheets - shipped)
