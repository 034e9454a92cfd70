"""The live demo's sinks, written to the end, load identically in stormlog 0.3.9 and in ours,
and the browser's loader sees the same job."""

from __future__ import annotations

from pathlib import Path

from stormlog import telemetry as reference  # type: ignore[import-untyped]

from stormlog_core import telemetry as ours
from stormlog_core.browse.dataset import load_dataset
from stormlog_core.testing.simulate import LiveJob
from stormlog_tui.demo import DEMO_SPEC


def test_demo_sinks_load_the_same_in_stormlog_and_in_ours(tmp_path: Path) -> None:
    now = [1_760_000_000 * 10**9]
    job = LiveJob(DEMO_SPEC, tmp_path, backfill_samples=20, clock_ns=lambda: now[0])
    job.step()
    now[0] += 10**13  # let the simulated job run to its end
    job.run(tick_s=0)
    assert job.done
    sinks = sorted(tmp_path.glob("rank-*"))
    assert len(sinks) == DEMO_SPEC.ranks
    total = 0
    for sink in sinks:
        assert len(list(sink.glob("segment-*.jsonl"))) > 1  # rollover happened
        theirs = reference.load_telemetry_sessions(sink)
        mine = ours.load_telemetry_sessions(sink)
        assert [s.summary.status for s in theirs] == ["completed"]
        assert [vars(s.summary) for s in mine] == [vars(s.summary) for s in theirs]
        for a, b in zip(mine, theirs, strict=True):
            assert [ours.telemetry_event_to_dict(e) for e in a.events] == [
                reference.telemetry_event_to_dict(e) for e in b.events
            ]
            total += len(b.events)
    dataset = load_dataset([tmp_path])
    assert sum(session.event_count for session in dataset.sessions) == total
    assert {session.summary.status for session in dataset.sessions} == {"completed"}
    (gap,) = dataset.warnings  # the rank whose collector degrades stops sampling for a while
    assert gap.code == "sampling-gap"
    degraded = dataset.session(gap.session_id or "")
    assert degraded is not None and degraded.summary.rank == DEMO_SPEC.degraded_rank
