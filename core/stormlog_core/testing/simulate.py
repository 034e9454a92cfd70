"""A simulated distributed training job that writes stormlog v3 telemetry.

Each rank is one process with one session, sampled by a CUDA tracker: a ``start`` record,
nested ``phase_enter``/``phase_exit`` records (``epoch-N`` > ``train``/``eval``/
``checkpoint``), one ``sample`` per interval, ``peak`` records, ``warning``/``critical``
alerts near the device limit, and a ``stop`` record. One rank can leak (allocated memory
grows steadily from an onset) and one rank's collector can fail for a while
(``collector_degraded``, a gap in samples, ``collector_recovered``). Everything is
deterministic from ``JobSpec.seed``.

``rank_records`` yields one rank's records in time order, ``write_job`` writes a whole job
as one sink per rank (``<parent>/rank-<r>/``) and ``LiveJob`` appends in real time.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from stormlog_core.testing.writer import SinkWriter

__all__ = [
    "JobSpec",
    "LiveJob",
    "RankIdentity",
    "job_records",
    "rank_identity",
    "rank_records",
    "write_job",
]

MiB = 1024 * 1024
GiB = 1024 * MiB
COLLECTOR = "stormlog.cuda_tracker"
SAMPLING_SOURCE = "torch.cuda.memory_allocated/reserved"
_CONTEXT_BYTES = 600 * MiB
_INNER_PHASES = (("train", 0.85), ("eval", 0.95), ("checkpoint", 1.0))


@dataclass(frozen=True)
class JobSpec:
    """Parameters of a simulated job; every field has a realistic default."""

    job_id: str = "llm-pretrain-4821"
    ranks: int = 8
    samples_per_rank: int = 240
    interval_ms: int = 500
    hosts: tuple[str, ...] = ("gpu-node-01", "gpu-node-02")
    gpus_per_host: int = 4
    start_ns: int = 1_718_000_000_000_000_000
    seed: int = 0
    device_total_bytes: int = 80 * GiB
    epochs: int = 3
    leak_rank: int | None = 3
    leak_onset: float = 0.3
    leak_peak_fraction: float = 0.97
    degraded_rank: int | None = 5
    degraded_window: tuple[float, float] = (0.5, 0.6)
    alert_every: int = 10

    def __post_init__(self) -> None:
        if self.ranks < 1 or self.samples_per_rank < 1 or self.interval_ms < 1:
            raise ValueError("ranks, samples_per_rank and interval_ms must be positive")
        if not self.hosts or self.gpus_per_host < 1:
            raise ValueError("hosts must not be empty and gpus_per_host must be positive")


@dataclass(frozen=True)
class RankIdentity:
    """Who a rank is: the session summary fields its sink starts with."""

    rank: int
    local_rank: int
    world_size: int
    host: str
    pid: int
    session_id: str
    started_at_ns: int
    job_id: str


def rank_identity(spec: JobSpec, rank: int) -> RankIdentity:
    """Return the identity of ``rank`` (host, pid, session id, start time)."""
    rng = random.Random(f"{spec.seed}:identity:{rank}")
    return RankIdentity(
        rank=rank,
        local_rank=rank % spec.gpus_per_host,
        world_size=spec.ranks,
        host=spec.hosts[(rank // spec.gpus_per_host) % len(spec.hosts)],
        pid=rng.randint(1000, 4_000_000),
        session_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        started_at_ns=spec.start_ns + rng.randint(0, 1500) * 1_000_000,
        job_id=spec.job_id,
    )


@dataclass
class _Memory:
    """One collector sample: allocator and device counters in bytes."""

    allocated: int
    reserved: int
    used: int
    total: int


@dataclass
class _RankState:
    """Mutable state of one rank's tracker while records are produced."""

    spec: JobSpec
    ident: RankIdentity
    rng: random.Random
    last: _Memory
    previous_allocated: int = 0
    peak: int = 0
    health: dict[str, Any] = field(default_factory=dict)
    phase_stack: list[tuple[str, str]] = field(default_factory=list)
    phase_sequence: int = 0
    alerts_above: dict[str, int] = field(default_factory=dict)


def _healthy() -> dict[str, Any]:
    """The collector-health metadata stormlog attaches to every record of a healthy rank."""
    return {
        "collector_health_status": "healthy",
        "telemetry_partial": False,
        "collector_partial_fields": [],
        "collector_last_error": None,
        "collector_consecutive_failures": 0,
        "collector_next_retry_epoch_s": None,
    }


def _record(
    state: _RankState,
    ts_ns: int,
    event_type: str,
    context: str,
    change: int = 0,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build one v3 record the way stormlog's CUDA tracker serialises a tracking event."""
    ident, mem = state.ident, state.last
    meta = dict(metadata or {})
    meta.update(state.health)
    meta.update(
        backend="cuda",
        supports_device_total=True,
        supports_device_free=True,
        sampling_source=SAMPLING_SOURCE,
    )
    return {
        "schema_version": 3,
        "session_id": ident.session_id,
        "timestamp_ns": ts_ns,
        "event_type": event_type,
        "collector": COLLECTOR,
        "sampling_interval_ms": state.spec.interval_ms,
        "pid": ident.pid,
        "host": ident.host,
        "job_id": ident.job_id,
        "rank": ident.rank,
        "local_rank": ident.local_rank,
        "world_size": ident.world_size,
        "device_id": ident.local_rank,
        "allocator_allocated_bytes": mem.allocated,
        "allocator_reserved_bytes": mem.reserved,
        "allocator_active_bytes": mem.allocated,
        "allocator_inactive_bytes": mem.reserved - mem.allocated,
        "allocator_change_bytes": change,
        "device_used_bytes": mem.used,
        "device_free_bytes": mem.total - mem.used,
        "device_total_bytes": mem.total,
        "context": context,
        "metadata": meta,
    }


def format_bytes(value: int) -> str:
    """Format a byte count like stormlog does (``12.34 GB``)."""
    amount = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(amount) < 1024:
            return f"{amount:.2f} {unit}"
        amount /= 1024
    return f"{amount:.2f} TB"


def _phase_at(spec: JobSpec, index: int) -> tuple[str, str]:
    """Return the (epoch, inner phase) that sample ``index`` belongs to."""
    per_epoch = max(1, spec.samples_per_rank // spec.epochs)
    epoch = min(index // per_epoch, spec.epochs - 1)
    position = (index - epoch * per_epoch) / per_epoch
    inner = next((name for name, end in _INNER_PHASES if position < end), "checkpoint")
    return f"epoch-{epoch + 1}", inner


def _activation_bytes(phase: str, index: int, rng: random.Random) -> float:
    """Activation memory on top of weights and optimizer state for one sample."""
    if phase == "train":
        return 30 * GiB * (0.35 + 0.65 * ((index % 6) / 5)) * rng.uniform(0.97, 1.03)
    if phase == "eval":
        return 9 * GiB * rng.uniform(0.9, 1.1)
    return 2 * GiB * rng.uniform(0.8, 1.2)


def _leak_bytes(spec: JobSpec, rank: int, index: int) -> float:
    """Memory leaked by ``rank`` up to sample ``index`` (zero on healthy ranks)."""
    if rank != spec.leak_rank:
        return 0.0
    onset = int(spec.samples_per_rank * spec.leak_onset)
    if index < onset:
        return 0.0
    room = spec.leak_peak_fraction * spec.device_total_bytes - 50 * GiB
    return max(0.0, room) * (index - onset) / max(1, spec.samples_per_rank - 1 - onset)


def _measure(spec: JobSpec, rank: int, index: int, rng: random.Random) -> _Memory:
    """Simulate one collector reading of ``rank`` at sample ``index``."""
    total = spec.device_total_bytes
    base = 22 * GiB + rank * 64 * MiB
    _, phase = _phase_at(spec, index)
    allocated = base + _activation_bytes(phase, index, rng) + _leak_bytes(spec, rank, index)
    allocated = min(allocated, total * 0.985 - _CONTEXT_BYTES)
    slack = rng.uniform(0.8, 2.0) * GiB
    reserved = min(-(-int(allocated + slack) // (2 * MiB)) * 2 * MiB, total - _CONTEXT_BYTES)
    reserved = max(reserved, int(allocated))
    return _Memory(int(allocated), reserved, reserved + _CONTEXT_BYTES, total)


def _phase_record(state: _RankState, ts_ns: int, action: str, name: str) -> dict[str, Any]:
    """A phase_enter/phase_exit record with stormlog's ``phase_scope`` metadata."""
    state.phase_sequence += 1
    if action == "enter":
        parent = state.phase_stack[-1][1] if state.phase_stack else None
        scope_id = f"{state.ident.session_id}:{state.phase_sequence}"
        state.phase_stack.append((name, scope_id))
        path = [entry[0] for entry in state.phase_stack]
    else:
        path = [entry[0] for entry in state.phase_stack]
        scope_id = state.phase_stack.pop()[1]
        parent = state.phase_stack[-1][1] if state.phase_stack else None
    scope = {
        "action": action,
        "name": name,
        "path": path,
        "depth": len(path),
        "scope_id": scope_id,
        "parent_scope_id": parent,
        "thread_id": 139_800_000_000_000 + state.ident.pid,
        "thread_name": "MainThread",
        "sequence": state.phase_sequence,
    }
    verb = "entered" if action == "enter" else "exited"
    context = f"Phase {verb}: {' > '.join(path)}"
    return _record(state, ts_ns, f"phase_{action}", context, metadata={"phase_scope": scope})


def _phase_changes(state: _RankState, ts_ns: int, index: int) -> Iterator[dict[str, Any]]:
    """Exit and enter phases so the stack matches the phase of sample ``index``."""
    wanted = list(_phase_at(state.spec, index))
    current = [entry[0] for entry in state.phase_stack]
    keep = 0
    while keep < len(current) and keep < len(wanted) and current[keep] == wanted[keep]:
        keep += 1
    for name in reversed(current[keep:]):
        yield _phase_record(state, ts_ns, "exit", name)
    for name in wanted[keep:]:
        yield _phase_record(state, ts_ns, "enter", name)


def _alerts(state: _RankState, ts_ns: int, change: int) -> Iterator[dict[str, Any]]:
    """Warning (>= 80 %) and critical (>= 95 %) alerts, repeated every ``alert_every``."""
    usage = state.last.allocated / state.last.total * 100
    level = "critical" if usage >= 95 else "warning" if usage >= 80 else None
    for name in ("warning", "critical"):
        if name != level:
            state.alerts_above.pop(name, None)
    if level is None:
        return
    count = state.alerts_above.get(level, 0)
    state.alerts_above[level] = count + 1
    if count % state.spec.alert_every == 0:
        prefix = "CRITICAL" if level == "critical" else "WARNING"
        meta = {"usage_percent": usage, "severity": level}
        context = f"{prefix}: Memory usage at {usage:.1f}%"
        yield _record(state, ts_ns, level, context, change, meta)


def _degraded(state: _RankState, ts_ns: int, samples_lost: int) -> dict[str, Any]:
    """The collector fails: health turns unhealthy and sampling pauses."""
    error = "nvmlDeviceGetMemoryInfo failed: NVML_ERROR_TIMEOUT"
    state.health = {
        **_healthy(),
        "collector_health_status": "unhealthy",
        "telemetry_partial": True,
        "collector_last_error": error,
        "collector_consecutive_failures": 1,
        "collector_next_retry_epoch_s": ts_ns / 1e9 + 1.0,
    }
    meta = {
        "collector_transition": "degraded",
        "collector_degraded_from": "healthy",
        "collector_degradation_reason": error,
        "collector_retry_delay_s": 1.0,
    }
    context = "Collector unavailable; telemetry paused until recovery."
    record = _record(state, ts_ns, "collector_degraded", context, metadata=meta)
    state.health["collector_consecutive_failures"] = max(1, samples_lost // 4)
    return record


def _recovered(state: _RankState, ts_ns: int) -> dict[str, Any]:
    """The collector answers again: health turns healthy."""
    meta = {
        "collector_transition": "recovered",
        "collector_recovered_from": state.health.get("collector_health_status", "unhealthy"),
        "collector_previous_error": state.health.get("collector_last_error"),
        "collector_previous_failure_count": state.health.get("collector_consecutive_failures"),
    }
    state.health = _healthy()
    context = "Collector recovered; full telemetry sampling resumed."
    return _record(state, ts_ns, "collector_recovered", context, metadata=meta)


def _degraded_range(spec: JobSpec, rank: int) -> range:
    """Sample indices the degraded rank loses (empty on other ranks)."""
    if rank != spec.degraded_rank:
        return range(0)
    first, last = spec.degraded_window
    return range(int(spec.samples_per_rank * first), int(spec.samples_per_rank * last))


def _sample_step(state: _RankState, index: int, ts_ns: int) -> Iterator[dict[str, Any]]:
    """Records of one tracker iteration: peak, alerts, then the sample itself."""
    state.last = _measure(state.spec, state.ident.rank, index, state.rng)
    change = state.last.allocated - state.previous_allocated
    state.previous_allocated = state.last.allocated
    if state.last.allocated > state.peak * 1.05:
        state.peak = state.last.allocated
        context = f"New peak memory: {format_bytes(state.peak)}"
        yield _record(state, ts_ns, "peak", context, change)
    yield from _alerts(state, ts_ns + 1000, change)
    yield _record(state, ts_ns + 2000, "sample", "Collected telemetry sample.")


def rank_records(spec: JobSpec, rank: int) -> Iterator[dict[str, Any]]:
    """Yield every record of ``rank``'s session in time order, from start to stop."""
    ident = rank_identity(spec, rank)
    rng = random.Random(f"{spec.seed}:memory:{rank}")
    base = 22 * GiB + rank * 64 * MiB
    start = _Memory(base, base + GiB, base + GiB + _CONTEXT_BYTES, spec.device_total_bytes)
    state = _RankState(spec, ident, rng, start, previous_allocated=base, health=_healthy())
    yield _record(state, ident.started_at_ns, "start", "Memory tracking started")
    lost = _degraded_range(spec, rank)
    interval_ns = spec.interval_ms * 1_000_000
    ts_ns = ident.started_at_ns
    for index in range(spec.samples_per_rank):
        ts_ns = ident.started_at_ns + (index + 1) * interval_ns + rng.randint(0, 3_000_000)
        if lost and index == lost.start:
            yield _degraded(state, ts_ns, len(lost))
        if index in lost:
            continue
        if lost and index == lost.stop:
            state.last = _measure(spec, rank, index, rng)
            yield _recovered(state, ts_ns)
        yield from _phase_changes(state, ts_ns - 1_000_000, index)
        yield from _sample_step(state, index, ts_ns)
    for name in reversed([entry[0] for entry in state.phase_stack]):
        yield _phase_record(state, ts_ns + 5000, "exit", name)
    yield _record(state, ts_ns + interval_ns // 2, "stop", "Memory tracking stopped")


def job_records(spec: JobSpec) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(rank, record)`` for every rank, merged in time order."""
    streams = [_keyed(spec, rank) for rank in range(spec.ranks)]
    for _, rank, record in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
        yield rank, record


def _keyed(spec: JobSpec, rank: int) -> Iterator[tuple[int, int, dict[str, Any]]]:
    for record in rank_records(spec, rank):
        yield record["timestamp_ns"], rank, record


def open_rank_writer(spec: JobSpec, parent: Path, rank: int, **options: Any) -> SinkWriter:
    """Create ``<parent>/rank-<rank>/`` and start the rank's session in it."""
    ident = rank_identity(spec, rank)
    writer = SinkWriter(parent / f"rank-{rank}", **options)
    writer.start_session(
        session_id=ident.session_id,
        started_at_ns=ident.started_at_ns,
        host=ident.host,
        pid=ident.pid,
        job_id=ident.job_id,
        rank=ident.rank,
        local_rank=ident.local_rank,
        world_size=ident.world_size,
    )
    return writer


def write_job(spec: JobSpec, parent: str | Path, **writer_options: Any) -> list[Path]:
    """Write the whole job, one completed sink per rank; return the sink directories."""
    parent = Path(parent)
    sinks = []
    for rank in range(spec.ranks):
        writer = open_rank_writer(spec, parent, rank, **writer_options)
        last_ns = rank_identity(spec, rank).started_at_ns
        for record in rank_records(spec, rank):
            writer.append(record)
            last_ns = record["timestamp_ns"]
        writer.close("completed", ended_at_ns=last_ns)
        sinks.append(writer.root)
    return sinks


LIVE_WRITER_OPTIONS: dict[str, Any] = {
    "rollover_max_events": 150,
    "retention_max_files": 8,
    "flush_every_events": 20,
}


class LiveJob:
    """Append a job's records in real time: record times are mapped onto the wall clock.

    ``backfill_samples`` samples are written at once (so there is something to see), the
    rest as their time comes. ``run`` is meant for a background thread; ``stop`` ends it
    early. Sessions are closed as completed once their ``stop`` record is written.
    """

    def __init__(
        self,
        spec: JobSpec,
        parent: str | Path,
        *,
        backfill_samples: int = 40,
        writer_options: dict[str, Any] | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.parent = Path(parent)
        offset_ns = backfill_samples * spec.interval_ms * 1_000_000
        self.spec = replace(spec, start_ns=clock_ns() - offset_ns)
        self._clock = clock_ns
        self._options = {**LIVE_WRITER_OPTIONS, **(writer_options or {})}
        self._writers: dict[int, SinkWriter] = {}
        self._stream = job_records(self.spec)
        self._pending: tuple[int, dict[str, Any]] | None = next(self._stream, None)
        self._stop = threading.Event()

    @property
    def done(self) -> bool:
        """True once every record was written and every session closed."""
        return self._pending is None

    def step(self) -> int:
        """Write every record whose time has come, flush, and return how many were written."""
        now, written, touched = self._clock(), 0, set()
        while self._pending is not None and self._pending[1]["timestamp_ns"] <= now:
            rank, record = self._pending
            self._write(rank, record)
            touched.add(rank)
            written += 1
            self._pending = next(self._stream, None)
        for rank in touched:
            if self._writers[rank].active_session_id is not None:
                self._writers[rank].flush()
        return written

    def _write(self, rank: int, record: dict[str, Any]) -> None:
        if rank not in self._writers:
            self._writers[rank] = open_rank_writer(self.spec, self.parent, rank, **self._options)
        writer = self._writers[rank]
        writer.append(record)
        if record["event_type"] == "stop":
            writer.close("completed", ended_at_ns=record["timestamp_ns"])

    def run(self, tick_s: float = 0.25) -> None:
        """Step until the job is done or ``stop`` is called."""
        while not self._stop.is_set():
            self.step()
            if self.done:
                return
            self._stop.wait(tick_s)

    def stop(self) -> None:
        """Ask ``run`` to return; sessions not yet stopped stay ``running``."""
        self._stop.set()
