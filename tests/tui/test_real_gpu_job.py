"""Pilot tests on the capture written by stormlog 0.3.9's own GPU tracker
(``tests/data/real_gpu_job``): rank 3 runs out of memory, rank 5's collector drops out.

What the screen says is compared with the records and the OOM message themselves (read by
``real_gpu_capture``), at 80x24 and 120x40.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

import pytest

from stormlog_core.analysis import all_job_stats
from stormlog_core.browse import format_bytes, load_dataset
from stormlog_tui.app import make_app
from stormlog_tui.screens import DetailScreen, RankScreen
from stormlog_tui.widgets import EventsView, MemoryChart, PhaseTable, RankTable, SessionsTable

from . import real_gpu_capture as raw
from .conftest import fixed_clock, loaded, screen_text
from .test_sessions_table import column

pytestmark = pytest.mark.anyio
SIZES = [(80, 24), (120, 40)]


def oom_ranks() -> list[int]:
    return sorted(int(rank) for rank, facts in raw.truth()["ranks"].items() if facts["oom"])


async def open_job(pilot: Any) -> DetailScreen:
    app = pilot.app
    await loaded(app, pilot)
    await pilot.press("enter")
    await loaded(app, pilot)
    assert isinstance(app.screen, DetailScreen)
    return app.screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_oom_rank_is_marked_oom_in_the_sessions_list(size: tuple[int, int]) -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        rows = [line for line in screen_text(app).splitlines() if "/8 " in line]
        assert len(rows) == 8
        marked = sorted(int(row.split()[2].split("/")[0]) for row in rows if "✖ OOM" in row)
        assert marked == oom_ranks() == [raw.truth()["leak_rank"]]
        assert sum("✔ completed" in row for row in rows) == 7
        table = app.screen.query_one(SessionsTable)
        await pilot.click(SessionsTable, offset=(3, 0))  # sort by status: the OOM first
        assert table.sort_column == 0
        assert column(table, "Status") == ["✖ OOM"] + ["✔ completed"] * 7


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_job_title_names_the_oom_with_its_sizes(size: tuple[int, int]) -> None:
    [rank] = oom_ranks()
    facts = raw.truth()["ranks"][str(rank)]
    asked, free = raw.oom_sizes(facts["oom"]["message"])
    at = (facts["oom_event"]["record"]["timestamp_ns"] - raw.origin_ns()) / 1e9
    expected = (
        f"✖ rank {rank} OOM at {at:.3f}s: tried to allocate {format_bytes(asked)}, "
        f"{format_bytes(free)} free"
    )
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        await open_job(pilot)
        screen = screen_text(app).splitlines()
        assert any(line.strip() == expected for line in screen[:4]), "\n".join(screen[:6])
        assert any(line.strip().startswith("job gpu-oom-run-8 · 8/8 ranks") for line in screen)


async def test_rank_table_counts_alerts_apart_from_load_warnings_and_degraded_time() -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_job(pilot)
        table = screen.query_one(RankTable)
        alerts = dict(zip(column(table, "Rank"), column(table, "Alerts"), strict=True))
        warn = dict(zip(column(table, "Rank"), column(table, "Warn"), strict=True))
        degraded = dict(zip(column(table, "Rank"), column(table, "Degraded"), strict=True))
        loaded_warnings = {w.session_id for w in app.dataset.warnings}  # type: ignore[union-attr]
        for label, cell in alerts.items():
            rank = int(label.strip(" ●⚠✖"))
            counts = raw.alert_counts(rank)
            parts = [f"{counts[t]}{t[0]}" for t in ("warning", "critical", "error") if counts[t]]
            oom = ["✖ OOM"] if rank in oom_ranks() else []
            assert cell == " ".join(oom + parts), (rank, cell)
            assert (rank in oom_ranks()) == ("✖" in label)
            session = raw.truth()["ranks"][str(rank)]["session_id"]
            assert warn[label] == ("1" if session in loaded_warnings else "0")  # never summed
        flaky = raw.truth()["flaky_collector_rank"]
        stamps = [  # the collector_degraded and collector_recovered records
            x.record["timestamp_ns"]
            for event in raw.truth()["ranks"][str(flaky)]["collector_health_events"]
            for x in raw.lines()
            if f"{x.path.parent.name}/{x.path.name}:{x.number}" == event["at"]
        ]
        seconds = (stamps[1] - stamps[0]) / 1e9
        cells = {label.strip(" ●⚠✖"): cell for label, cell in degraded.items()}
        assert cells.pop(str(flaky)) == f"{seconds:.1f} s" and seconds > 0.9
        assert set(cells.values()) == {"-"}  # the others were healthy


async def test_phases_tab_agrees_with_the_records_and_enter_zooms_on_the_worst_run() -> None:
    runs = raw.phase_runs()
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot)
        await pilot.press("v", "v")
        await loaded(app, pilot)
        table = screen.query_one(PhaseTable)
        assert table.has_focus
        paths = column(table, "Phase")
        assert sorted(paths) == sorted(runs)  # "train_step / forward" etc.
        counts = column(table, "Runs")
        assert {p: int(c) for p, c in zip(paths, counts, strict=True)} == {
            p: len(r) for p, r in runs.items()
        }
        text = screen_text(app)
        assert "Phases" in text and "train_step / forward" in text
        # forward: the rank whose median change is largest, and its run that grew most
        index = paths.index("train_step / forward")
        worst = column(table, "Worst rank (Δ)")[index]
        rank = int(worst.split()[0])
        start, end, change = max(raw.phase_runs(rank)["train_step / forward"], key=lambda r: r[2])
        assert change > 0
        full = screen.window
        await pilot.press(*["down"] * index, "enter")
        await loaded(app, pilot)
        window = screen.window
        assert window.start_ns <= start and window.end_ns >= end
        assert window.span_ns < full.span_ns / 3
        text = screen_text(app)
        assert f"train_step / forward (worst run on rank {rank})" in text  # the legend
        assert "(zoomed)" in text
        assert "#3e4c80" in app.export_screenshot()  # the worst run is shaded
        await pilot.press("0")
        await loaded(app, pilot)
        assert screen.window.is_full and "worst run on" not in screen_text(app)


async def test_the_phases_follow_the_charted_ranks() -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot)
        [rank] = oom_ranks()
        table = screen.query_one(RankTable)
        assert table.select_key(str(rank))
        await pilot.press("enter")  # chart this rank alone
        await loaded(app, pilot)
        phases = screen.query_one(PhaseTable)
        counts = dict(zip(column(phases, "Phase"), column(phases, "Runs"), strict=True))
        assert {p: int(c) for p, c in counts.items()} == {
            p: len(r) for p, r in raw.phase_runs(rank).items()
        }
        worst = column(phases, "Worst rank (Δ)")
        assert all(cell == "-" or cell.startswith(f"{rank} (") for cell in worst), worst


async def test_the_chart_shows_the_degraded_collector_apart_from_gaps() -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_job(pilot)
        text = screen_text(app)
        axis = next(line for line in text.splitlines() if "└" in line)
        assert "░" in axis
        assert "░ degraded" in text and "◆ collector" in text
        healthy = next(r for r in range(8) if r != raw.truth()["flaky_collector_rank"])
        await pilot.press("k", *str(healthy), "enter")  # a healthy rank alone
        await loaded(app, pilot)
        axis = next(line for line in screen_text(app).splitlines() if "└" in line)
        assert "░" not in axis


async def test_times_of_a_two_second_run_read_in_milliseconds() -> None:
    """On a 2 s capture, whole seconds would put every event at 0s, 1s or 2s."""
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot)
        leak = raw.truth()["leak_rank"]
        [line] = [x for x in screen_text(app).splitlines() if f"rank {leak} diverges" in x]
        since = re.search(r"since (\d+\.\d{3})s", line)
        assert since and 0 < float(since[1]) < 2.5, line
        events = screen.query_one(EventsView)
        times = column(events, "Time")
        assert times and all(re.fullmatch(r"\d\.\d{3}s", t) for t in times), times[:5]
        origin = raw.origin_ns()
        expected = {
            f"{(int(x.record['timestamp_ns']) - origin) / 1e9:.3f}s"
            for x in raw.lines()
            if x.record["event_type"] != "sample"
        }
        assert set(times) <= expected and len(set(times)) > 20
        gaps = column(screen.query_one(RankTable), "Longest gap")
        assert all(re.fullmatch(r"[\d.]+ (ms|s)", g) for g in gaps), gaps


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_device_total_is_labelled_on_its_own_row_with_round_ticks(
    size: tuple[int, int],
) -> None:
    totals = {line.record.get("device_total_bytes") for line in raw.lines()}
    [total] = [t for t in totals if isinstance(t, int)]  # every rank's GPU is the same size
    shown = format_bytes(total)
    assert shown == "24.0 GiB"
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        await open_job(pilot)
        await pilot.pause(0.3)
        text = screen_text(app)
        axis = [row for row in text.splitlines() if re.match(r"\s*[\d.]+[┤├]", row)]
        labels = [row.split("┤")[0].split("├")[0].strip() for row in axis]
        assert labels[0] == shown.split()[0] and labels[-1] == "0", labels
        [limit_row] = [row for row in axis if row.lstrip().startswith("24.0")]
        assert limit_row.count("─") > size[0] // 3  # the total's line is drawn on it
        rounds = [float(label) for label in reversed(labels[1:])]  # below the total, upwards
        steps = {b - a for a, b in itertools.pairwise(rounds)}
        assert len(steps) <= 1 and all(v % 5 == 0 for v in rounds), labels  # 0, 5, 10 ...
        assert f"total {shown}, headroom" in text


@pytest.mark.parametrize("how", ["key", "click"])
async def test_every_reason_and_the_whole_oom_read_in_full_at_80x24(how: str) -> None:
    """The title line cuts the reasons (+3 more); the rank details have them all, wrapped."""
    [stats] = all_job_stats(load_dataset([raw.CAPTURE]).sessions)
    leak = raw.truth()["leak_rank"]
    reasons = [r.removeprefix(f"rank {leak}: ") for r in stats.verdict(leak).reasons]
    assert len(reasons) > 1
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_job(pilot)
        [line] = [x for x in screen_text(app).splitlines() if f"rank {leak} diverges" in x]
        assert f"(+{len(reasons) - 1} more: i)" in line or line.rstrip().endswith("…")
        if how == "click":
            await pilot.click("#divergence")
        else:
            assert screen.query_one(RankTable).selected().rank == leak  # type: ignore[union-attr]
            await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, RankScreen)
        width = app.screen.query_one("#rank-body").size.width  # the text wraps to it
        lines = [x.plain for x in app.screen.body.wrap(app.console, width)]
        assert 60 < width <= 80 and all(len(x) <= width for x in lines)
        words = " ".join(" ".join(lines).split())
        for reason in reasons:
            assert reason in words
        message = raw.truth()["ranks"][str(leak)]["oom"]["message"]
        assert "".join(message.split()) in "".join(words.split())  # wrapped, not cut
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)  # the job, as it was


async def test_enter_on_the_oom_event_centres_the_chart_on_it_and_marks_it() -> None:
    [rank] = oom_ranks()
    oom = raw.truth()["ranks"][str(rank)]["oom"]
    [stamp] = [
        int(x.record["timestamp_ns"])
        for x in raw.of_rank(rank)
        if x.record["event_type"] == "error" and "oom_reason" in (x.record.get("metadata") or {})
    ]
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot)
        events = screen.query_one(EventsView)
        await pilot.press("v")
        events.set_kind("oom")
        await pilot.pause(0.3)
        assert column(events, "Type") == ["error"], oom
        await pilot.press("enter")
        await pilot.pause(0.5)
        window = screen.window
        assert not window.is_full and window.start_ns < stamp < window.end_ns
        middle = (window.start_ns + window.end_ns) / 2
        assert abs(stamp - middle) <= window.span_ns * 0.05  # centred on it
        chart = screen.query_one(MemoryChart)
        assert chart.data is not None and chart.data.strong is not None
        at = (stamp - raw.origin_ns()) / 1e9
        assert abs(chart.data.strong[0] - at) < 1e-6  # the mark is at the OOM
        assert f"error of rank {rank} at {at:.3f}s" in screen_text(app)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_legend_names_every_rank_and_mark_without_cutting_any(
    size: tuple[int, int],
) -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_job(pilot)
        await pilot.pause(0.3)
        legend = screen.query_one("#legend").render()
        text = str(legend)
        assert "…" not in text and text.count("\n") <= 1
        for word in ("▲ alert", "✖ OOM", "┃ onset", "◆ collector", "░ degraded", "total 24.0 GiB"):
            assert word in text, text
        assert all(f"━ {r}" in text or f"━ rank {r}" in text for r in range(8)), text


async def test_escape_goes_back_to_the_view_as_it_was_then_to_the_sessions() -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot)
        await pilot.press("plus")  # zoomed in on all ranks
        await pilot.pause()
        zoomed = screen.window
        assert not zoomed.is_full and screen.ranks is None
        await pilot.press("enter")  # the rank under the cursor, alone
        await pilot.pause()
        assert screen.ranks == (raw.truth()["leak_rank"],)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.ranks is None and screen.window == zoomed
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)


async def test_the_wall_clock_title_has_the_date_the_times_and_the_zone() -> None:
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_job(pilot)
        await pilot.press("c")
        await pilot.pause()
        [line] = [x for x in screen_text(app).splitlines() if "wall clock" in x]
        start = datetime.fromtimestamp(raw.origin_ns() / 1e9).astimezone()
        zone = start.strftime("%Z")
        found = re.search(
            r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d)–(\d\d:\d\d:\d\d\.\d) (\S+)", line
        )
        assert found, line
        assert found[1] == start.strftime("%Y-%m-%d") and found[4] == zone
        assert found[2] == start.strftime("%H:%M:%S.") + str(start.microsecond // 100_000)
        assert screen.wall_clock


async def test_the_sessions_are_listed_from_the_manifests_while_the_files_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parsing is held back: the manifests' sessions are on the screen, with their status
    and the records each manifest lists, and the status line says how far the load is."""
    import threading

    from stormlog_core.browse import read as read_module

    release = threading.Event()
    real = read_module.read_file

    def held(task: Any) -> Any:
        release.wait(10)
        return real(task)

    monkeypatch.setattr(read_module, "read_file", held)
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(SessionsTable)
        for _ in range(200):
            await pilot.pause(0.02)
            if table.row_count == 8:
                break
        text = screen_text(app)
        release.set()
        assert table.row_count == 8
        listed = sorted(str(facts["records"]) for facts in raw.truth()["ranks"].values())
        assert sorted(column(table, "Events")) == listed  # from the manifests
        assert "loading" in text
        await loaded(app, pilot)
        assert "loading" not in screen_text(app)
        assert sorted(column(table, "Events")) == listed  # from the files


async def test_at_80x24_each_table_says_once_what_it_hides() -> None:
    """A table's widths settle over a few layouts as the job view fills in: one note says
    the columns it finally hides, not one note per step covering the view."""
    app = make_app([raw.CAPTURE], clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_job(pilot)
        for _ in range(3):
            await pilot.pause(0.4)
            await loaded(app, pilot)
        said = [n.message for n in app._notifications if "narrow terminal" in n.message]
        assert said, "the rank table hides columns at 80 columns and says so"
        assert len(said) == len(set(said)) <= 2, said  # one a table: sessions, ranks
        table = app.screen.query_one(RankTable)
        names = [table.table_columns[index].label for index in sorted(table.hidden_columns)]
        assert any(f"+{len(names)} hidden: {', '.join(names)}" in note for note in said), said
