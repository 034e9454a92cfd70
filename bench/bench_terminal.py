"""Bytes per second the app writes to the terminal while it follows the live demo, per
screen: what a slow SSH link must carry.

    .venv/bin/python bench/bench_terminal.py [--size 120x40] [--seconds 30] [--refresh S]

The console script runs under ``script`` (which records every byte sent to the terminal)
inside a detached tmux of the given size, on ``--demo``: the sessions screen is measured
first, then ``enter`` opens the job and its view is measured. Goal (issue "Views you can
read at 80x24 and at 250x70, and over a slow SSH link"): the job view at 120x40 writes at
most 20 KB/s on average over 30 s, with live updates still redrawn every refresh interval.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = Path(sys.executable).parent / "stormlog-tui"
GOAL_BYTES_PER_S = 20_000
SETTLE_S = 6.0


def _tmux(socket_dir: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMUX_TMPDIR": socket_dir}
    return subprocess.run(["tmux", "-L", "bench", *args], env=env, text=True, capture_output=True)


def _rate(record: Path, seconds: float) -> float:
    start = record.stat().st_size
    time.sleep(seconds)
    return (record.stat().st_size - start) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x40", help="terminal COLUMNSxROWS")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured per screen")
    parser.add_argument("--refresh", type=float, help="passed on as --refresh")
    args = parser.parse_args()
    if not (shutil.which("tmux") and shutil.which("script")):
        print("needs tmux and script (util-linux)", file=sys.stderr)
        return 2
    columns, rows = args.size.split("x")
    with tempfile.TemporaryDirectory(prefix="bench-terminal-") as work:
        record = Path(work) / "terminal.bin"
        command = f"{CLI} --demo" + (f" --refresh {args.refresh}" if args.refresh else "")
        _tmux(work, "new-session", "-d", "-s", "b", "-x", columns, "-y", rows,
              f"script -q -f -c '{command}' {record}")  # fmt: skip
        try:
            time.sleep(SETTLE_S)
            sessions = _rate(record, args.seconds)
            _tmux(work, "send-keys", "-t", "b", "Enter")
            time.sleep(SETTLE_S)
            job = _rate(record, args.seconds)
            screen = _tmux(work, "capture-pane", "-p", "-t", "b").stdout
        finally:
            _tmux(work, "kill-server")
    if "job llm-pretrain-demo" not in screen:
        print("the job view did not open:\n" + screen, file=sys.stderr)
        return 2
    verdict = "PASS" if job <= GOAL_BYTES_PER_S else "FAIL"
    print(f"terminal {args.size}, live demo, {args.seconds:.0f} s per screen")
    print(f"  sessions screen  {sessions / 1000:7.1f} KB/s")
    print(f"  job view         {job / 1000:7.1f} KB/s   goal <= {GOAL_BYTES_PER_S / 1000:.0f} KB/s"
          f"   {verdict}")  # fmt: skip
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
