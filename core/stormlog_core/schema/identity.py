"""Distributed identity (job_id, rank, local_rank, world_size) of a telemetry record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from stormlog_core.schema.coerce import (
    as_non_negative_int,
    as_optional_required_text,
    as_positive_int,
    fail,
)

#: Launcher environment groups, first match wins: (rank, local rank, world size).
RANK_ENV_GROUPS: Final = (
    ("RANK", "LOCAL_RANK", "WORLD_SIZE"),
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_SIZE"),
    ("SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS"),
)
JOB_ID_ENV_KEYS: Final = ("TORCHELASTIC_RUN_ID", "SLURM_JOB_ID")


def _env_job_id(env: Mapping[str, str]) -> str | None:
    for key in JOB_ID_ENV_KEYS:
        value = env.get(key)
        if value is not None and value.strip():
            return value.strip()
    return None


def _env_int(value: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise fail(f"{name} must be an integer") from exc


def _identity_from_env(env: Mapping[str, str] | None) -> dict[str, Any]:
    """Identity from launcher variables; every value is None when nothing matches."""
    if env is None:
        return {"job_id": None, "rank": None, "local_rank": None, "world_size": None}
    job_id = _env_job_id(env)
    for rank_key, local_key, size_key in RANK_ENV_GROUPS:
        raw_rank, raw_size = env.get(rank_key), env.get(size_key)
        if raw_rank is None or raw_size is None:
            continue
        raw_local = env.get(local_key)
        if raw_local is None or not raw_local.strip():
            raw_local = raw_rank
        rank = _env_int(raw_rank, "rank")
        local_rank = _env_int(raw_local, "local_rank")
        world_size = _env_int(raw_size, "world_size")
        return {
            "job_id": job_id,
            "rank": as_non_negative_int(rank, "rank"),
            "local_rank": as_non_negative_int(local_rank, "local_rank"),
            "world_size": as_positive_int(world_size, "world_size"),
        }
    return {"job_id": job_id, "rank": None, "local_rank": None, "world_size": None}


def _check_consistency(rank: int, local_rank: int, world_size: int) -> None:
    if rank >= world_size:
        raise fail("rank must be < world_size")
    if local_rank >= world_size:
        raise fail("local_rank must be < world_size")
    if world_size == 1 and rank != 0:
        raise fail("rank must be 0 when world_size is 1")
    if world_size == 1 and local_rank != 0:
        raise fail("local_rank must be 0 when world_size is 1")


def resolve_distributed_identity(
    *,
    job_id: Any = None,
    rank: Any = None,
    local_rank: Any = None,
    world_size: Any = None,
    metadata: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Normalize distributed identity from explicit values, then metadata, then ``env``."""
    from_metadata = dict(metadata or {})
    raw = {
        "job_id": job_id,
        "rank": rank,
        "local_rank": local_rank,
        "world_size": world_size,
    }
    for key, value in raw.items():
        if value is None:
            raw[key] = from_metadata.get(key)
    if raw["rank"] is None or raw["local_rank"] is None or raw["world_size"] is None:
        inferred = _identity_from_env(env)
        for key, value in raw.items():
            if value is None:
                raw[key] = inferred[key]
    elif raw["job_id"] is None and env is not None:
        raw["job_id"] = _env_job_id(env)
    if raw["world_size"] is None:
        raw["world_size"] = 1
    if raw["rank"] is None:
        raw["rank"] = 0
    if raw["local_rank"] is None:
        raw["local_rank"] = raw["rank"]
    job = as_optional_required_text(raw["job_id"], "job_id")
    rank_value = as_non_negative_int(raw["rank"], "rank")
    local_value = as_non_negative_int(raw["local_rank"], "local_rank")
    size_value = as_positive_int(raw["world_size"], "world_size")
    _check_consistency(rank_value, local_value, size_value)
    return {"job_id": job, "rank": rank_value, "local_rank": local_value, "world_size": size_value}
