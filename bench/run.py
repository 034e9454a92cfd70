"""Benchmarks of stormlog-tui's loaders against stormlog 0.3.9, printed as ratios.

    python bench/run.py [--quick] [--only NAME[,NAME...]] [--out DIR]
    python3 dev.py bench [same options]

Measurements (NAME): ``load`` (browser load of the whole job: time and peak memory),
``process`` (the same on 100k as whole ``python -c`` processes), ``compat`` (the
seed-compatible ``load_telemetry_sessions`` per rank dir, and a check that its results are
identical to the reference's), ``downsample`` (1M points to 400 buckets), ``summary``
(``stormlog-tui --summary`` as a whole process) and ``cache`` (a reopen of the finished
job with a warm segment cache against ``--no-cache``). ``--quick`` uses the 100k job only.

Every measurement but ``cache`` runs with ``STORMLOG_TUI_NO_CACHE=1``: they measure
parsing, and never write the user's cache; ``cache`` uses a private ``XDG_CACHE_HOME``
under the output directory.

Every measurement runs in a fresh process (see probes.py) so peak memory is clean; ours runs
three times (median time, highest peak) when that is cheap, the reference once. Wall-clock
targets live here and only here: the tests never assert times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import make_mix  # noqa: E402
from make_sinks import DEFAULT_OUT, RANKS, ensure_job  # noqa: E402

PROBES = BENCH / "probes.py"
PY = sys.executable
MEASUREMENTS = ("load", "process", "summary-json", "compat", "downsample", "summary", "cache")
#: Ours is repeated while the runs so far took less than this many seconds in total.
CHEAP_SECONDS = 30.0


@dataclass
class Row:
    """One line of the final table."""

    name: str
    ours: str
    reference: str
    ratio: str
    target: str
    passed: bool | None  # None: not applicable (skipped)
    note: str = ""


@dataclass
class Context:
    """What the measurements share: options, job directories, reference results."""

    quick: bool
    out: Path
    #: Jobs with stormlog's record mix, written by its sink (else the simulator's jobs).
    mix: bool = True
    rows: list[Row] = field(default_factory=list)
    _jobs: dict[str, Path] = field(default_factory=dict)
    _references: dict[str, dict[str, Any]] = field(default_factory=dict)

    def job(self, size: str) -> Path:
        if size not in self._jobs:
            if self.mix:
                self._jobs[size] = make_mix.ensure_job(f"mix-{size}", self.out)
            else:
                self._jobs[size] = ensure_job(size, self.out)
        return self._jobs[size]

    def rank_dirs(self, size: str) -> list[str]:
        return [str(self.job(size) / f"rank-{rank}") for rank in range(RANKS)]

    def reference(self, size: str) -> dict[str, Any]:
        """stormlog 0.3.9 on every rank dir of ``size``: run once, shared by load and compat."""
        if size not in self._references:
            print(f"  reference: stormlog 0.3.9 load_telemetry_sessions x {RANKS} ({size}) ...")
            self._references[size] = run_probe(["reference", *self.rank_dirs(size)])
            _detail("reference", self._references[size])
        return self._references[size]

    def big(self) -> str:
        return "100k" if self.quick else "1m"


# ---------------------------------------------------------------- running processes


def tree_memory_kib(root: int) -> int:
    """Memory of ``root`` and all its descendants now (Linux /proc: their PSS), in KiB."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read()
                parents[int(entry)] = int(stat.rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier += children
    return sum(_pss_kib(pid) for pid in tree)


def _pss_kib(pid: int) -> int:
    """The proportional set size of ``pid``: a page shared by forked workers and their
    parent counts once over the tree, not once per process (resident size, when the
    kernel gives no PSS)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def run_process(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str, int]:
    """Run ``argv`` to the end; return wall seconds, stdout and the peak tree RSS (KiB)."""
    peak = [0]
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            if os.path.isdir("/proc"):
                peak[0] = max(peak[0], tree_memory_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... failed ({proc.returncode}):\n{stderr}")
    return wall, stdout, peak[0]


def run_probe(args: list[str]) -> dict[str, Any]:
    """Run one probe of probes.py in a fresh interpreter and return its result."""
    wall, stdout, tree_peak = run_process([PY, str(PROBES), *args])
    line = next(x for x in reversed(stdout.splitlines()) if x.startswith("BENCH-RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
    result.update(process_seconds=wall, tree_peak_kib=tree_peak)
    return result


def repeat(runner: Callable[[], dict[str, Any]], times: int = 3) -> dict[str, Any]:
    """Run ``runner`` up to ``times`` times (fewer when slow): median time, highest peak."""
    results: list[dict[str, Any]] = []
    while len(results) < times:
        results.append(runner())
        if sum(r["seconds"] for r in results) > CHEAP_SECONDS:
            break
    merged = dict(results[-1])
    merged["seconds"] = statistics.median(r["seconds"] for r in results)
    merged["all_seconds"] = [round(r["seconds"], 3) for r in results]
    for key in ("peak_kib", "tree_peak_kib", "maxrss_self_kib", "maxrss_children_kib"):
        if key in merged:
            merged[key] = max(r[key] for r in results)
    return merged


def _detail(label: str, result: dict[str, Any]) -> None:
    shown = {k: v for k, v in result.items() if k not in ("sha256",)}
    if "sha256" in result:
        shown["sha256"] = result["sha256"][:12]
    print(f"    {label}: {json.dumps(shown, default=str)}")


# ---------------------------------------------------------------- formatting


def _s(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _speedup_row(name: str, ours: float, ref: float, target: float, note: str = "") -> Row:
    ratio = ref / ours if ours > 0 else float("inf")
    return Row(name, _s(ours), _s(ref), f"{ratio:.1f}x", f">= {target:g}x", ratio >= target, note)


# ---------------------------------------------------------------- measurements


def measure_load(ctx: Context) -> None:
    """a. Browser load (load_dataset + stats) of the whole job vs the reference per rank."""
    size = ctx.big()
    job = ctx.job(size)
    print(f"[load] load_dataset([{job}]) + stats(), fresh process each run ...")
    ours = repeat(lambda: run_probe(["dataset", str(job)]))
    _detail("ours", ours)
    ref = ctx.reference(size)
    note = f"{ours['events']:,} vs {ref['events']:,} events"
    ctx.rows.append(_speedup_row(f"load {size}: time", ours["seconds"], ref["seconds"], 25, note))
    ours_peak, ref_peak = _peak(ours), _peak(ref)
    fraction = ours_peak / ref_peak
    how = (
        f"max of rusage self+children ({_mib(ours['peak_kib'])} vs {_mib(ref['peak_kib'])}) "
        f"and the sampled process-tree PSS ({_mib(ours['tree_peak_kib'])} vs "
        f"{_mib(ref['tree_peak_kib'])})"
    )
    ctx.rows.append(
        Row(
            f"load {size}: peak memory",
            _mib(ours_peak),
            _mib(ref_peak),
            f"{fraction:.3f}",
            "<= 0.100",
            fraction <= 0.10,
            how,
        )
    )


def _peak(result: dict[str, Any]) -> int:
    """Peak memory in KiB: rusage (never misses a spike, but takes only the largest child)
    or the 50 ms samples of the whole tree (adds up workers alive at the same time)."""
    return max(result["peak_kib"], result["tree_peak_kib"])


def _python_c(code: str) -> list[str]:
    return [PY, "-c", code]


def measure_process(ctx: Context) -> None:
    """b. The 100k load as whole processes: interpreter start-up, imports, load, stats."""
    job = str(ctx.job("100k"))
    ours_code = (
        "from stormlog_core.browse.dataset import load_dataset; "
        f"ds = load_dataset([{job!r}]); [s.stats() for s in ds.sessions]"
    )
    ref_code = (
        "from pathlib import Path; from stormlog.telemetry import load_telemetry_sessions; "
        f"[load_telemetry_sessions(p) for p in sorted(Path({job!r}).glob('rank-*'))]"
    )
    print("[process] python -c '<load 100k>' end to end ...")
    ours = statistics.median(run_process(_python_c(ours_code))[0] for _ in range(3))
    ref = run_process(_python_c(ref_code))[0]
    print(f"    ours {ours:.3f} s, reference {ref:.3f} s")
    ctx.rows.append(_speedup_row("load 100k: whole process", ours, ref, 10))


def measure_summary_json(ctx: Context) -> None:
    """f. ``stormlog-tui --summary --json JOB`` as a whole process (workers included) vs
    a whole process loading every rank dir with stormlog 0.3.9's load_telemetry_sessions."""
    targets = {"100k": (10.0, 0.2), "1m": (25.0, 0.1)}
    script = _console_script()
    if script is None:
        ctx.rows.append(Row("summary --json", "-", "-", "-", "-", None, "no console script"))
        return
    for size in ["100k"] if ctx.quick else ["100k", "1m"]:
        job = str(ctx.job(size))
        ref_code = (
            "from pathlib import Path; from stormlog.telemetry import load_telemetry_sessions; "
            f"[load_telemetry_sessions(p) for p in sorted(Path({job!r}).glob('rank-*'))]"
        )
        print(f"[summary-json] {script} --summary --json {job} vs stormlog 0.3.9 ...")
        runs = [run_process([script, "--summary", "--json", job]) for _ in range(3)]
        ours = statistics.median(run[0] for run in runs)
        ours_peak = max(run[2] for run in runs)
        ref, _, ref_peak = run_process(_python_c(ref_code))
        print(f"    ours {[round(r[0], 3) for r in runs]} s, reference {ref:.3f} s")
        speed, memory = targets[size]
        ctx.rows.append(_speedup_row(f"summary --json {size}: whole process", ours, ref, speed))
        fraction = ours_peak / max(ref_peak, 1)
        ctx.rows.append(
            Row(
                f"summary --json {size}: peak memory",
                _mib(ours_peak),
                _mib(ref_peak),
                f"{fraction:.3f}",
                f"<= {memory:.3f}",
                fraction <= memory,
                "sampled PSS of the process tree (workers included, shared pages once), 50 ms",
            )
        )


def measure_compat(ctx: Context) -> None:
    """c. Seed-compatible load_telemetry_sessions per rank dir; results must be identical."""
    for size in ["100k"] if ctx.quick else ["100k", "1m"]:
        print(f"[compat] stormlog_core.telemetry.load_telemetry_sessions x {RANKS} ({size}) ...")
        dirs = ctx.rank_dirs(size)
        ours = repeat(lambda dirs=dirs: run_probe(["compat", *dirs]))
        _detail("ours", ours)
        ref = ctx.reference(size)
        memory = f"peak memory {_mib(_peak(ours))} vs {_mib(_peak(ref))}"
        ctx.rows.append(
            _speedup_row(f"compat {size}: time", ours["seconds"], ref["seconds"], 4, memory)
        )
        same = all(ours[key] == ref[key] for key in ("sessions", "events", "sha256"))
        how = f"{ours['sessions']} sessions, {ours['events']:,} events, sampled event dicts"
        ctx.rows.append(
            Row(
                f"compat {size}: identical",
                ours["sha256"][:8],
                ref["sha256"][:8],
                "same" if same else "DIFFERENT",
                "identical",
                same,
                how,
            )
        )


def measure_downsample(ctx: Context) -> None:
    """d. downsample_minmax of 1M points to 400 buckets (median), extremes must survive."""
    print("[downsample] downsample_minmax(1M points, 400 buckets) ...")
    result = run_probe(["downsample", "1000000", "400"])
    _detail("ours", result)
    ms = result["seconds"] * 1e3
    runs = f"median of {result['runs']} runs (3 series)"
    ctx.rows.append(Row("downsample 1M -> 400", f"{ms:.2f} ms", "-", "-", "< 20 ms", ms < 20, runs))
    kept = all(result["extremes_kept"].values())
    names = ", ".join(result["extremes_kept"])
    ctx.rows.append(Row("downsample: max/min kept", str(kept), "-", "-", "all series", kept, names))


def _console_script() -> str | None:
    local = Path(PY).parent / "stormlog-tui"
    return str(local) if local.exists() else shutil.which("stormlog-tui")


def measure_summary(ctx: Context) -> None:
    """e. ``stormlog-tui --summary JOB`` as a whole process."""
    size = ctx.big()
    name = f"stormlog-tui --summary {size}"
    script = _console_script()
    if script is None:
        ctx.rows.append(Row(name, "-", "-", "-", "< 3 s", None, "skipped: no console script"))
        return
    helptext = subprocess.run([script, "--help"], capture_output=True, text=True).stdout
    if "--summary" not in helptext:
        print("[summary] skipped: stormlog-tui has no --summary flag yet")
        ctx.rows.append(Row(name, "-", "-", "-", "< 3 s", None, "skipped: no --summary flag yet"))
        return
    job = str(ctx.job(size))
    print(f"[summary] {script} --summary {job} ...")
    runs = [run_process([script, "--summary", job]) for _ in range(3)]
    seconds = statistics.median(run[0] for run in runs)
    peak = max(run[2] for run in runs)
    print(f"    runs {[round(run[0], 3) for run in runs]} s, sampled tree peak {_mib(peak)}")
    ctx.rows.append(Row(name, _s(seconds), "-", "-", "< 3 s", seconds < 3, f"peak {_mib(peak)}"))


#: A warm reopen of the 1M job against ``--no-cache`` (issue #11). At 100k most of a warm
#: run is the interpreter starting and importing, which no cache shortens: the row says
#: the ratio with and without that start-up, and is not judged.
CACHE_TARGET = 5.0


def measure_cache(ctx: Context) -> None:
    """g. A reopen of the finished big job: ``stormlog-tui --summary --json JOB`` with a
    warm segment cache vs ``--no-cache``, each run a fresh process, the cache in a private
    ``XDG_CACHE_HOME``; the outputs must be identical."""
    size = ctx.big()
    name = f"cache {size}: warm reopen"
    script = _console_script()
    if script is None:
        ctx.rows.append(Row(name, "-", "-", "-", "-", None, "skipped: no console script"))
        return
    job = str(ctx.job(size))
    home = ctx.out / "xdg-cache"
    shutil.rmtree(home, ignore_errors=True)
    env = {key: value for key, value in os.environ.items() if key != "STORMLOG_TUI_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(home)
    argv = [script, "--summary", "--json", job]
    print(f"[cache] {' '.join(argv[1:])}: warm cache vs --no-cache, fresh processes ...")
    filled, first, _ = run_process(argv, env)  # parses and fills the cache
    warm = [run_process(argv, env) for _ in range(3)]
    parsed = [run_process([script, "--no-cache", *argv[1:]], env) for _ in range(3)]
    entries = list((home / "stormlog-tui" / "segments").glob("*.seg"))
    stored = sum(entry.stat().st_size for entry in entries)
    print(
        f"    filling {filled:.3f} s; warm {[round(r[0], 3) for r in warm]} s; "
        f"--no-cache {[round(r[0], 3) for r in parsed]} s; "
        f"{len(entries)} entries, {stored / 2**20:,.1f} MiB"
    )
    ours = statistics.median(run[0] for run in warm)
    reference = statistics.median(run[0] for run in parsed)
    imports = "import stormlog_tui.cli, stormlog_tui.summary, stormlog_core.browse"
    start = statistics.median(run_process(_python_c(imports), env)[0] for _ in range(3))
    net = (reference - start) / max(ours - start, 1e-3)
    note = (
        f"reference = --no-cache; {len(entries)} entries, {stored / 2**20:,.1f} MiB; "
        f"start-up and imports {_s(start)}, without them {net:.1f}x"
    )
    row = _speedup_row(name, ours, reference, CACHE_TARGET, note)
    if size != "1m":
        row.passed = None  # the target is the 1M job's
    ctx.rows.append(row)
    outputs = {first} | {run[1] for run in warm + parsed}
    same = len(outputs) == 1
    verdict = "same" if same else "DIFFERENT"
    how = "--summary --json output of every run, cached or not"
    ctx.rows.append(Row(f"cache {size}: identical", "-", "-", verdict, "identical", same, how))
    shutil.rmtree(home, ignore_errors=True)


RUNNERS: dict[str, Callable[[Context], None]] = {
    "load": measure_load,
    "process": measure_process,
    "summary-json": measure_summary_json,
    "compat": measure_compat,
    "downsample": measure_downsample,
    "summary": measure_summary,
    "cache": measure_cache,
}


# ---------------------------------------------------------------- the table


def print_table(rows: list[Row]) -> None:
    verdicts = {True: "PASS", False: "FAIL", None: "SKIP"}
    header = ("measurement", "ours", "reference", "ratio", "target", "result")
    cells = [header] + [
        (r.name, r.ours, r.reference, r.ratio, r.target, verdicts[r.passed]) for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print()
    for index, row in enumerate(cells):
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(padded).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    notes = [(r.name, r.note) for r in rows if r.note]
    if notes:
        print()
        for name, note in notes:
            print(f"  {name}: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 100k job only")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help=", ".join(MEASUREMENTS)
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where jobs are cached")
    parser.add_argument(
        "--simulated",
        action="store_true",
        help="the simulator's sample-heavy jobs (make_sinks.py) instead of stormlog's mix",
    )
    args = parser.parse_args(argv)
    only = [name for value in args.only for name in value.split(",") if name]
    unknown = sorted(set(only) - set(MEASUREMENTS))
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(unknown)}")
    ctx = Context(quick=args.quick, out=args.out, mix=not args.simulated)
    os.environ["STORMLOG_TUI_NO_CACHE"] = "1"  # the others measure parsing (cache: its own)
    started = time.perf_counter()
    mode = "quick (100k)" if args.quick else "full (100k and 1M)"
    mode += ", simulated jobs" if args.simulated else ", stormlog's record mix (make_mix.py)"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {mode}")
    for name in MEASUREMENTS:
        if not only or name in only:
            RUNNERS[name](ctx)
    print_table(ctx.rows)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 1 if any(row.passed is False for row in ctx.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
