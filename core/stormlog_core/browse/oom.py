"""Out-of-memory errors: the OOM of a session, its message and sizes, and its bundle.

Stormlog's tracker records an OOM as an ``error`` event with ``metadata.oom_reason`` (the
exception type) and then writes a flight-recorder bundle (``oom_dump_<UTC>_<pid>_<backend>
_<n>/`` with ``manifest.json``, ``metadata.json``, ``events.json``, ``environment.json``)
whose ``metadata.json`` holds the exception's message, the one a user needs ("CUDA out of
memory. Tried to allocate 1.00 GiB. GPU 2 has a total capacity of 24.00 GiB of which
272.00 MiB is free"). Bundles are linked to sessions by ``session_id``, else by pid and
host. Sizes are parsed from PyTorch's and TensorFlow's messages when present.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from stormlog_core.browse.event_record import EventRecord
from stormlog_core.browse.event_table import EventTable
from stormlog_core.io.files import read_limited
from stormlog_core.schema.taxonomy import EventKind
from stormlog_core.schema.units import format_bytes

BUNDLE_PREFIX: Final = "oom_dump_"
_BUNDLE_FILE_LIMIT: Final = 4 * 1024 * 1024
_UNITS: Final = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_SIZE: Final = r"([\d.]+)\s*(B|KiB|MiB|GiB|TiB)"
#: PyTorch: "Tried to allocate 1.00 GiB" ... "of which 272.00 MiB is free".
_TORCH_REQUESTED: Final = re.compile(r"[Tt]ried to allocate " + _SIZE)
_TORCH_FREE: Final = re.compile(r"of which " + _SIZE + r" (?:is )?free")
#: TensorFlow: "OOM when allocating tensor with shape[1024,1024] and type float".
_TF_TENSOR: Final = re.compile(
    r"OOM when allocating tensor with shape\[([\d,\s]*)\] and type (\w+)"
)
_TF_DTYPE_BYTES: Final = {
    "float": 4, "float32": 4, "half": 2, "float16": 2, "bfloat16": 2, "double": 8,
    "float64": 8, "int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8, "bool": 1,
}  # fmt: skip


@dataclass(frozen=True)
class OomBundle:
    """One flight-recorder bundle: where it is and what its metadata says."""

    path: str
    session_id: str | None
    pid: int | None
    host: str | None
    message: str | None
    reason: str | None


@dataclass(frozen=True)
class OomReport:
    """The OOM of one session (its first OOM event), with what its bundle adds."""

    timestamp_ns: int
    message: str
    requested_bytes: int | None
    free_bytes: int | None
    bundle: str | None
    rank: int

    def sizes_text(self) -> str:
        """``tried to allocate 1.2 GiB, 472.0 MiB free``: what the message names (may be
        empty); the app's title line and ``--summary`` both say it so."""
        parts = []
        if self.requested_bytes is not None:
            parts.append(f"tried to allocate {format_bytes(self.requested_bytes)}")
        if self.free_bytes is not None:
            parts.append(f"{format_bytes(self.free_bytes)} free")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The ``oom`` object of ``--summary --json``."""
        return {
            "timestamp_ns": self.timestamp_ns,
            "message": self.message,
            "requested_bytes": self.requested_bytes,
            "free_bytes": self.free_bytes,
            "bundle": self.bundle,
        }


def oom_sizes(message: str) -> tuple[int | None, int | None]:
    """Requested and free bytes named by a PyTorch or TensorFlow OOM message (or None)."""
    requested = _size(_TORCH_REQUESTED.search(message))
    free = _size(_TORCH_FREE.search(message))
    tensor = _TF_TENSOR.search(message)
    if requested is None and tensor is not None:
        dims = [int(d) for d in tensor[1].replace(" ", "").split(",") if d]
        width = _TF_DTYPE_BYTES.get(tensor[2].lower())
        if width is not None:
            requested = width
            for dim in dims:
                requested *= dim
    return requested, free


def _size(match: re.Match[str] | None) -> int | None:
    if match is None:
        return None
    return round(float(match[1]) * _UNITS[match[2]])


def read_bundle(directory: Path) -> OomBundle | None:
    """A bundle's facts from its ``metadata.json`` (else ``manifest.json``); None if neither
    can be read as an object."""
    facts: dict[str, Any] = {}
    for name in ("manifest.json", "metadata.json"):
        try:
            payload = json.loads(read_limited(directory / name, _BUNDLE_FILE_LIMIT))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(payload, dict):
            facts.update(payload)
    if not facts:
        return None
    raw = facts.get("session")
    session: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return OomBundle(
        path=str(directory),
        session_id=_text(facts.get("session_id")) or _text(session.get("session_id")),
        pid=_int(session.get("pid")),
        host=_text(session.get("host")),
        message=_text(facts.get("exception_message")),
        reason=_text(facts.get("reason")),
    )


def find_bundles(roots: Iterable[Path], max_depth: int = 4) -> list[OomBundle]:
    """Bundles in or below ``roots`` (a root may be a bundle itself), each once."""
    found: dict[str, OomBundle] = {}
    for root in roots:
        for directory in _bundle_dirs(root, max_depth):
            bundle = read_bundle(directory)
            if bundle is not None:
                found.setdefault(str(directory.resolve()), bundle)
    return list(found.values())


def _bundle_dirs(root: Path, depth: int) -> Iterable[Path]:
    if root.name.startswith(BUNDLE_PREFIX):
        yield root
        return
    if depth <= 0:
        return
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return
    for child in children:
        yield from _bundle_dirs(child, depth - 1)


def session_oom(
    events: EventTable,
    session_id: str,
    pid: int | None,
    host: str | None,
    bundles: Sequence[OomBundle],
) -> OomReport | None:
    """The first OOM event of a session, with the message and bundle of its bundle."""
    rows = np.flatnonzero(events.of_kind(EventKind.OOM))
    if not len(rows):
        return None
    first = events.record(int(rows[0]))
    bundle = _bundle_for(first, session_id, pid, host, bundles)
    message = (bundle.message if bundle else None) or _event_message(first)
    requested, free = oom_sizes(message)
    return OomReport(
        timestamp_ns=first.timestamp_ns,
        message=message,
        requested_bytes=requested,
        free_bytes=free,
        bundle=bundle.path if bundle else _text(first.metadata.get("oom_dump_path")),
        rank=first.rank,
    )


def _bundle_for(
    event: EventRecord,
    session_id: str,
    pid: int | None,
    host: str | None,
    bundles: Sequence[OomBundle],
) -> OomBundle | None:
    named = _text(event.metadata.get("oom_dump_path"))
    for bundle in bundles:
        if named and Path(named).name == Path(bundle.path).name:
            return bundle
    if named and Path(named).is_dir():  # a bundle outside the opened paths
        return read_bundle(Path(named))
    by_id = [b for b in bundles if b.session_id == session_id]
    if by_id:
        return by_id[0]
    if pid is None:
        return None
    return next(
        (b for b in bundles if b.session_id is None and (b.pid, b.host) == (pid, host)), None
    )


def _event_message(event: EventRecord) -> str:
    reason = _text(event.metadata.get("oom_reason"))
    parts = [part for part in (event.context, reason) if part]
    return ": ".join(dict.fromkeys(parts)) or event.event_type


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
