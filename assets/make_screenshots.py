"""Write the README's screenshots (SVG) of the browser on the committed demo capture.

.venv/bin/python assets/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from stormlog_tui.app import make_app

HERE = Path(__file__).resolve().parent
DEMO = HERE / "demo"
OUT = HERE / "screenshots"
SHOTS: Sequence[tuple[str, tuple[int, int], Sequence[str]]] = (
    ("sessions", (120, 32), ()),
    ("job", (120, 40), ("enter",)),
    ("leaking-rank", (120, 40), ("enter", "enter")),
    ("events", (120, 40), ("enter", "v", "f")),
    ("wide", (250, 70), ("enter",)),
)


async def shoot(name: str, size: tuple[int, int], keys: Sequence[str]) -> None:
    app = make_app([DEMO], subtitle="assets/demo", clock=lambda: datetime(2024, 6, 10, 12))
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.save_screenshot(f"{name}.svg", str(OUT))


def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    OUT.mkdir(exist_ok=True)
    for name, size, keys in SHOTS:
        asyncio.run(shoot(name, size, keys))
        print(OUT / f"{name}.svg")


if __name__ == "__main__":
    main()
