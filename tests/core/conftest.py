"""Make ``tests/generators.py`` (as ``generators``) and ``core/`` importable from core tests."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _path in (_ROOT / "tests", _ROOT / "core"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
