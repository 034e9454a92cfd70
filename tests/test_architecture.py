"""The shape of the code, checked from the code itself.

What a user of the codebase would notice break: an import cycle, a module or class grown
past reading size, a facade that silently gained or lost a name, the app reaching past the
facades into core's internals, and the strict seed-compatible API loading the browser.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"stormlog_core": ROOT / "core" / "stormlog_core", "stormlog_tui": ROOT / "stormlog_tui"}
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 250

# The only ways into core from the app.
APP_ENTRY_POINTS = frozenset(
    {"stormlog_core.browse", "stormlog_core.analysis", "stormlog_core.testing.simulate"}
)

BROWSE_ALL = [
    "COUNTERS",
    "SEVERITY_ORDER",
    "SHOWN_COLUMNS",
    "WORKERS_ENV",
    "Dataset",
    "Discovery",
    "EventKind",
    "EventRecord",
    "EventTable",
    "FollowUpdate",
    "Follower",
    "LoadWarning",
    "RecordLine",
    "Series",
    "SessionData",
    "SessionSummary",
    "Target",
    "Texts",
    "cache_home",
    "classify_event",
    "configure_cache",
    "counted",
    "discover",
    "is_sink_dir",
    "searched_dir",
    "telemetry_kind",
    "downsample_minmax",
    "event_texts",
    "format_bytes",
    "format_duration",
    "format_iso_utc",
    "format_rate",
    "format_signed_bytes",
    "gc_paused",
    "load_dataset",
    "parse_instant",
    "prepare_workers",
    "read_record",
    "release_free_memory",
    "session_records",
    "severity_of",
    "sources_of",
]
ANALYSIS_ALL = [
    "DegradedInterval",
    "Divergence",
    "Job",
    "JobStats",
    "IntervalArrays",
    "PhaseInterval",
    "PhaseStats",
    "RankStats",
    "RankTimeline",
    "all_job_stats",
    "coverage_lines",
    "degraded_intervals",
    "format_ranks",
    "group_jobs",
    "headroom_at_peak",
    "job_report",
    "job_stats",
    "oom_lines",
    "phase_lines",
    "interval_arrays",
    "phase_table",
    "rank_stats",
    "session_intervals",
    "session_report",
]


# ------------------------------------------------------------------------ import cycles


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Return the import cycles of ``graph`` (module -> modules it imports), each sorted.

    A cycle is a strongly connected component of more than one module, or a module that
    imports itself. An edge from a package to one of its own submodules is ignored: a
    facade re-exporting its children is not a cycle.
    """
    edges = {
        module: sorted({t for t in targets if t in graph and not t.startswith(module + ".")})
        for module, targets in graph.items()
    }
    return sorted(
        sorted(component)
        for component in _strongly_connected(edges)
        if len(component) > 1 or component[0] in edges[component[0]]
    )


def _strongly_connected(edges: Mapping[str, list[str]]) -> Iterator[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on deep graphs)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    yield component
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])


def import_graph(package: str) -> dict[str, set[str]]:
    """The direct imports between the modules of ``package``, as grimp reads them."""
    graph = grimp.build_graph(package, cache_dir=None)
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def test_the_cycle_finder_finds_a_cycle_and_ignores_facades() -> None:
    graph = {
        "pkg": {"pkg.a", "pkg.b"},  # a facade importing its children: not a cycle
        "pkg.a": {"pkg.b", "os"},  # outside the graph: ignored
        "pkg.b": {"pkg.c"},
        "pkg.c": {"pkg.a"},  # a -> b -> c -> a
        "pkg.d": {"pkg.d"},  # a module importing itself
        "pkg.e": {"pkg"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d"]]
    assert cycles({"x": {"y"}, "y": {"z"}, "z": set()}) == []
    chain = {f"m{i}": {f"m{i + 1}"} for i in range(5000)} | {"m5000": {"m0"}}
    assert len(cycles(chain)[0]) == 5001  # deep graphs need no recursion


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_cycle(package: str) -> None:
    assert cycles(import_graph(package)) == []


# ------------------------------------------------------------------------------ sizes


# Files over the limits today, each a strict xfail: it fails once the file is fixed, so
# the mark is removed with the fix. Never add to this list to make a new file pass.
OVER_THE_LIMITS_TODAY: dict[str, str] = {}


def python_files(package: str) -> list[Path]:
    return sorted(PACKAGES[package].rglob("*.py"))


def oversized(path: Path) -> list[str]:
    """The module if over MAX_MODULE_LINES, and its classes over MAX_CLASS_LINES."""
    source = path.read_text(encoding="utf-8")
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"module is {lines} lines")
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.ClassDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > MAX_CLASS_LINES:
                found.append(f"class {node.name} is {size} lines")
    return found


def _source_files() -> list[object]:
    """Every module of both packages, with the strict xfails of OVER_THE_LIMITS_TODAY."""
    params: list[object] = []
    for package in sorted(PACKAGES):
        for path in python_files(package):
            name = path.relative_to(ROOT).as_posix()
            reason = OVER_THE_LIMITS_TODAY.get(name)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(path, id=name, marks=marks))
    return params


def test_both_packages_have_sources() -> None:
    assert all(python_files(package) for package in PACKAGES)


def test_the_size_check_finds_a_long_module_and_a_long_class(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_CLASS_LINES))
    sample = tmp_path / "long.py"
    sample.write_text(f"class Long:\n{body}\n" + "y = 1\n" * (MAX_MODULE_LINES - MAX_CLASS_LINES))
    assert oversized(sample) == [
        f"module is {MAX_MODULE_LINES + 1} lines",
        f"class Long is {MAX_CLASS_LINES + 1} lines",
    ]


@pytest.mark.parametrize("path", _source_files())
def test_modules_and_classes_stay_readable(path: Path) -> None:
    assert oversized(path) == []


# ---------------------------------------------------------------------------- facades


@pytest.mark.parametrize(
    ("facade", "expected"),
    [("stormlog_core.browse", BROWSE_ALL), ("stormlog_core.analysis", ANALYSIS_ALL)],
)
def test_facades_export_exactly_the_pinned_names(facade: str, expected: list[str]) -> None:
    module = importlib.import_module(facade)
    assert sorted(module.__all__) == sorted(expected)
    assert len(set(module.__all__)) == len(module.__all__), "a name is listed twice"
    assert [name for name in module.__all__ if not hasattr(module, name)] == []


def core_imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every ``stormlog_core`` module a file imports, with its line.

    ``from stormlog_core.x import y`` imports ``stormlog_core.x.y`` when that is a module
    and ``stormlog_core.x`` otherwise.
    """
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "stormlog_core":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "stormlog_core":
                continue
            for alias in node.names:
                yield node.lineno, _imported_module(node.module, alias.name)


def _imported_module(package: str, name: str) -> str:
    """The module ``from package import name`` reaches: ``package.name`` if it is a
    submodule, ``package`` if ``name`` is one of its attributes (a facade's function
    may share its name with the submodule that defines it)."""
    value = getattr(importlib.import_module(package), name, None)
    if value is None:
        importlib.import_module(f"{package}.{name}")  # raises if neither
        return f"{package}.{name}"
    return value.__name__ if isinstance(value, ModuleType) else package


def test_the_core_import_reader_resolves_modules_and_names(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "import stormlog_core.schema.fields\n"
        "from stormlog_core import analysis, __version__\n"
        "from stormlog_core.browse import Dataset, discover\n"
        "from stormlog_core.browse import series\n"
        "from . import sibling\n"
    )
    assert list(core_imports(sample)) == [
        (2, "stormlog_core.schema.fields"),
        (3, "stormlog_core.analysis"),
        (3, "stormlog_core"),
        (4, "stormlog_core.browse"),
        (4, "stormlog_core.browse"),  # the facade's function, not the submodule
        (5, "stormlog_core.browse.series"),
    ]


def test_the_app_reaches_core_only_through_its_facades() -> None:
    reached = [
        f"{path.relative_to(ROOT).as_posix()}:{line}: {module}"
        for path in python_files("stormlog_tui")
        for line, module in core_imports(path)
        if module not in APP_ENTRY_POINTS
    ]
    assert reached == []


def test_the_seed_api_does_not_load_the_browser() -> None:
    code = (
        "import stormlog_core.telemetry, sys; "
        "print([m for m in sys.modules if m.startswith('stormlog_core.browse')])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
