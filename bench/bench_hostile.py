"""Hostile and huge inputs: `stormlog-tui --summary --json` on each, time and peak memory.

    .venv/bin/python bench/bench_hostile.py [--only NAME,...] [--keep DIR]

Each input is made in a temporary directory beside the 37 good records written by stormlog's
own sink shape (a copy of `tests/data/real/job_elastic-run-42/rank0`), then the console
script runs under `/usr/bin/time -v` with a 10 s limit. Printed per input: seconds, peak
resident memory, the warning codes, and how many of the good records were loaded. Goals
(issue "Hostile and huge inputs"): every run returns within 10 s under 500 MB with a
warning naming the path, and every good record is still loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SINK = ROOT / "tests" / "data" / "real" / "job_elastic-run-42" / "rank0"
CLI = Path(sys.executable).parent / "stormlog-tui"
GiB = 1 << 30


def _sink(base: Path) -> Path:
    target = base / "sink"
    shutil.copytree(SINK, target)
    return target


def _good_lines() -> list[str]:
    return (SINK / "segment-000001.jsonl").read_text().splitlines()


def fifo_segment(base: Path) -> None:
    os.mkfifo(_sink(base) / "segment-000002.jsonl")


def fifo_manifest(base: Path) -> None:
    sink = _sink(base)
    (sink / "manifest.json").unlink()
    os.mkfifo(sink / "manifest.json")


def fifo_in_tree(base: Path) -> None:
    _sink(base)
    os.mkfifo(base / "stray.jsonl")


def _link_manifest(base: Path, device: str) -> None:
    sink = _sink(base)
    (sink / "manifest.json").unlink()
    os.symlink(device, sink / "manifest.json")


def urandom_manifest(base: Path) -> None:
    _link_manifest(base, "/dev/urandom")


def zero_manifest(base: Path) -> None:
    _link_manifest(base, "/dev/zero")


def zero_segment(base: Path) -> None:
    os.symlink("/dev/zero", _sink(base) / "segment-000002.jsonl")


def _big_file(path: Path, block: Callable[[], bytes], size: int) -> None:
    with path.open("wb") as handle:
        while handle.tell() < size:
            handle.write(block())


def random_gib(base: Path) -> None:
    _sink(base)
    _big_file(base / "random.jsonl", lambda: os.urandom(1 << 20), GiB)


def zeros_gib(base: Path) -> None:
    _sink(base)
    _big_file(base / "zeros.jsonl", lambda: bytes(1 << 24), GiB)


def tiny_lines(base: Path) -> None:
    _sink(base)
    _big_file(base / "tiny.jsonl", lambda: b"1\n{}\n" * 500_000, 25_000_000)  # 10M lines


def _manifest(base: Path, update: Callable[[dict], None]) -> None:
    sink = _sink(base)
    manifest = json.loads((sink / "manifest.json").read_text())
    update(manifest)
    (sink / "manifest.json").write_text(json.dumps(manifest, separators=(",", ":")))


def million_sessions(base: Path) -> None:
    _manifest(base, lambda m: m["sessions"].extend({} for _ in range(1_000_000)))


def million_segments(base: Path) -> None:
    _manifest(base, lambda m: m["segments"].extend({"filename": "s"} for _ in range(1_000_000)))


def huge_rank(base: Path) -> None:
    _manifest(base, lambda m: m["sessions"][0].update(rank=10**30, world_size=10**31))


def deep_record(base: Path) -> None:
    sink = _sink(base)
    lines = _good_lines()
    record = json.loads(lines[5])
    record["metadata"] = {"x": "DEEP"}
    deep = json.dumps(record).replace('"DEEP"', '{"a":' * 100_000 + "1" + "}" * 100_000)
    lines.insert(5, deep)
    (sink / "segment-000001.jsonl").write_text("\n".join(lines) + "\n")
    _fix_count(sink, +1)


def _fix_count(sink: Path, delta: int) -> None:
    manifest = json.loads((sink / "manifest.json").read_text())
    manifest["segments"][0]["event_count"] += delta
    (sink / "manifest.json").write_text(json.dumps(manifest))


def long_first_context(base: Path) -> None:
    lines = _good_lines()
    first = json.loads(lines[0])
    first = {"context": "x" * 1_000_000, **{k: v for k, v in first.items() if k != "context"}}
    (base / "long.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")


def line_200mb(base: Path) -> None:
    _sink(base)
    record = json.loads(_good_lines()[3])
    record["context"] = "y" * 200_000_000
    (base / "huge-line.jsonl").write_text(json.dumps(record) + "\n")


CASES: dict[str, Callable[[Path], None]] = {
    "fifo-segment": fifo_segment,
    "fifo-manifest": fifo_manifest,
    "fifo-in-tree": fifo_in_tree,
    "urandom-manifest": urandom_manifest,
    "zero-manifest": zero_manifest,
    "zero-segment": zero_segment,
    "random-1GiB": random_gib,
    "zeros-1GiB": zeros_gib,
    "10M-tiny-lines": tiny_lines,
    "1M-sessions": million_sessions,
    "1M-segments": million_segments,
    "huge-rank": huge_rank,
    "deep-record": deep_record,
    "long-first-context": long_first_context,
    "200MB-line": line_200mb,
}


def run(name: str, base: Path) -> str:
    CASES[name](base)
    command = ["/usr/bin/time", "-v", str(CLI), "--summary", "--json", str(base)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return f"{name:20} TIMEOUT (over 10 s)"
    seconds = _field(done.stderr, r"Elapsed \(wall clock\) time.*: (?:(\d+):)?([\d.]+)")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1]) / 1024
    try:
        document = json.loads(done.stdout)
    except ValueError:
        return f"{name:20} exit {done.returncode}, no JSON: {done.stderr.splitlines()[:1]}"
    codes = sorted({f"{w['severity']}:{w['code']}" for w in document["warnings"]})
    events = sum(s["event_count"] for s in document["sessions"])
    where = f"exit {done.returncode}  {events:3d} rec"
    return f"{name:20} {seconds:6.2f} s {rss:7.0f} MiB  {where}  {', '.join(codes)}"


def _field(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        return float("nan")
    return int(match[1] or 0) * 60 + float(match[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="make each input in DIR/<name> and leave it there"
    )
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(CASES)
    print(f"{'input':20} {'time':>8} {'peak RSS':>11}  (good records: 37 in the sink)")
    for name in names:
        if args.keep is not None:
            base = args.keep / name
            base.mkdir(parents=True)
            print(run(name, base), flush=True)
            continue
        with tempfile.TemporaryDirectory(prefix="hostile-") as temporary:
            print(run(name, Path(temporary)), flush=True)


if __name__ == "__main__":
    main()
