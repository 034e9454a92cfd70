"""Loading over SSH from a real sshd: a job split over two hosts is the job loaded locally;
refused host keys, missing paths and the command line (issue #15)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from remote.sshd import Sshd
from stormlog_core.browse import load_dataset
from stormlog_core.testing.simulate import JobSpec, write_job
from stormlog_tui.remote.follower import load_with_mirror
from stormlog_tui.remote.mirror import Mirror
from stormlog_tui.remote.names import host_dir, shown_path
from stormlog_tui.remote.spec import RemoteSpec, split_paths
from stormlog_tui.summary import summary_json

pytestmark = pytest.mark.remote

ROOT = Path(__file__).resolve().parents[2]


def split_job(base: Path) -> tuple[Path, Path]:
    """An 8-rank job, ranks 0-3 under ``a/job`` and 4-7 under ``b/job``; rank 2 has a bad
    line (a warning with a file and a line)."""
    write_job(JobSpec(ranks=8, samples_per_rank=30, seed=5), base / "all")
    first, second = base / "a" / "job", base / "b" / "job"
    for rank in range(8):
        target = first if rank < 4 else second
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(base / "all" / f"rank-{rank}", target / f"rank-{rank}")
    with (first / "rank-2" / "segment-000001.jsonl").open("ab") as handle:
        handle.write(b"{this is not json\n")
    return first, second


def as_local(document: object, mirror: Mirror) -> str:
    """The JSON of ``document`` with the mirror's host directories taken out: the mirror of
    ``node-a:/x`` is ``<cache>/node-a/x``, and the remote host here is this machine."""
    text = json.dumps(document, sort_keys=True)
    for root in mirror.roots:
        text = text.replace(str(host_dir(root.spec)), "")
    return text


def test_a_job_on_two_hosts_loads_as_the_same_job_loaded_locally(
    tmp_path: Path, ssh_client: Path
) -> None:
    first, second = split_job(tmp_path / "data")
    local = load_dataset([first, second])
    _, specs = split_paths([f"node-a:{first}", f"ssh://node-b{second}"])
    mirror = Mirror(specs)
    try:
        remote = load_with_mirror(mirror.paths, mirror)
    finally:
        mirror.close()
    assert [s.text() for s in mirror.statuses()] == ["node-a: connected", "node-b: connected"]
    document = summary_json(remote)
    assert len(document["sessions"]) == 8
    [job] = document["jobs"]
    assert job["ranks_present"] == list(range(8)) and job["ranks_missing"] == []
    assert as_local(document, mirror) == as_local(summary_json(local), mirror)
    [bad] = [w for w in remote.warnings if w.code == "malformed-json"]
    assert bad.path is not None
    where = f"{shown_path(bad.path)}:{bad.line}"
    assert where == f"node-a:{first}/rank-2/segment-000001.jsonl:{bad.line}"


def _mirror_files(cache: Path) -> list[Path]:
    return [path for path in cache.rglob("*") if path.is_file()] if cache.exists() else []


@pytest.mark.parametrize("case", ["changed", "unknown", "checking-off-in-config"])
def test_a_changed_or_unknown_host_key_is_refused_and_nothing_is_read(
    tmp_path: Path, ssh_client: Path, sshd: Sshd, case: str
) -> None:
    first, _ = split_job(tmp_path / "data")
    known = ssh_client / ".ssh" / "known_hosts"
    if case == "changed":  # another server's key under this server's name
        other = Sshd(tmp_path / "other")
        known.write_text(f"[127.0.0.1]:{sshd.port} {other.host_key_line}\n")
    elif case == "unknown":
        known.write_text("")
    else:  # known_hosts checking cannot be turned off: ~/.ssh/known_hosts is read
        known.write_text("")
        config = ssh_client / ".ssh" / "config"
        config.write_text("Host *\n  UserKnownHostsFile none\n\n" + config.read_text())
    mirror = Mirror([RemoteSpec("node-a", str(first))])
    try:
        dataset = load_with_mirror(mirror.paths, mirror)
    finally:
        mirror.close()
    [status] = mirror.status_texts()
    assert status.startswith("node-a: unreachable: its host key")
    assert ("changed" if case == "changed" else "not in known_hosts") in status
    assert "refused, nothing read" in status
    assert dataset.sessions == []
    assert _mirror_files(tmp_path / "cache") == []
    [warning] = dataset.warnings
    assert warning.path is not None
    assert shown_path(warning.path) == f"node-a:{first}"
    assert "cannot be read over SSH: its host key" in shown_path(warning.message)


def _cli(
    *args: str, home: Path, cache: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    env.pop("SSH_AUTH_SOCK", None)
    return subprocess.run(
        [sys.executable, "-m", "stormlog_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=cwd or ROOT,
    )


def test_summary_json_of_ssh_scp_and_local_paths_mixed(tmp_path: Path, ssh_client: Path) -> None:
    first, second = split_job(tmp_path / "data")
    third = tmp_path / "local-job"
    write_job(JobSpec(ranks=2, samples_per_rank=10, seed=9, job_id="local-one"), third)
    result = _cli(
        "--summary",
        "--json",
        f"ssh://node-a{first}",
        f"node-b:{second}",
        str(third),
        home=ssh_client,
        cache=tmp_path / "cache",
    )
    assert result.returncode == 1, result.stderr  # the bad line: records were skipped
    document = json.loads(result.stdout)
    assert len(document["sessions"]) == 10
    jobs = {job["job_id"]: len(job["ranks_present"]) for job in document["jobs"]}
    assert jobs == {"llm-pretrain-4821": 8, "local-one": 2}
    [bad] = [w for w in document["warnings"] if w["code"] == "malformed-json"]
    assert bad["path"] == f"node-a:{first}/rank-2/segment-000001.jsonl"
    assert "cache" not in result.stdout and "Traceback" not in result.stderr


def test_a_missing_remote_path_is_named_with_its_host(tmp_path: Path, ssh_client: Path) -> None:
    result = _cli("--summary", "node-a:/no/such/job", home=ssh_client, cache=tmp_path / "cache")
    assert result.returncode == 2
    assert "node-a:/no/such/job: no such file or directory" in result.stdout
    assert result.stderr == ""  # the host was read: nothing to say of it
    assert "cache" not in result.stdout


def test_no_host_reachable_exits_2_with_the_reason(tmp_path: Path, ssh_client: Path) -> None:
    (ssh_client / ".ssh" / "known_hosts").write_text("")
    first = tmp_path / "data"
    write_job(JobSpec(ranks=1, samples_per_rank=5), first)
    result = _cli("--summary", f"node-a:{first}", home=ssh_client, cache=tmp_path / "cache")
    assert result.returncode == 2
    assert "no remote host could be read: node-a: its host key is not in" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_reads_the_records_through_ssh(tmp_path: Path, ssh_client: Path) -> None:
    first, second = split_job(tmp_path / "data")
    output = tmp_path / "job.jsonl"
    result = _cli(
        "--export",
        "jsonl",
        "--output",
        str(output),
        f"node-a:{first}",
        f"node-b:{second}",
        home=ssh_client,
        cache=tmp_path / "cache",
    )
    assert result.returncode == 1, result.stderr
    local = tmp_path / "local.jsonl"
    _cli(
        "--export", "jsonl", "--output", str(local), str(first), str(second),
        home=ssh_client, cache=tmp_path / "cache",
    )  # fmt: skip
    assert output.read_bytes() == local.read_bytes()
    assert f"node-a:{first}/rank-2/segment-000001.jsonl" in result.stderr


def test_remote_file_names_are_printed_as_data(tmp_path: Path, ssh_client: Path) -> None:
    first = tmp_path / "data"
    write_job(JobSpec(ranks=1, samples_per_rank=5), first)
    (first / "evil\x1b[2J.jsonl").write_bytes(b'{"schema_version": 3, "event_type"\n')
    result = _cli("--summary", f"node-a:{first}", home=ssh_client, cache=tmp_path / "cache")
    assert "\x1b" not in result.stdout + result.stderr
    assert f"node-a:{first}/evil\\x1b[2J.jsonl" in result.stdout


def test_a_host_behind_a_jump_host_is_reached_through_proxyjump(
    tmp_path: Path, ssh_client: Path, sshd: Sshd
) -> None:
    first, _ = split_job(tmp_path / "data")
    config = ssh_client / ".ssh" / "config"
    config.write_text(
        config.read_text()
        + f"\nHost behind-jump\n  HostName 127.0.0.1\n  Port {sshd.port}\n  User root\n"
        f"  IdentityFile {sshd.client_key}\n  ProxyJump node-a\n"
    )
    mirror = Mirror([RemoteSpec("behind-jump", str(first))])
    try:
        dataset = load_with_mirror(mirror.paths, mirror)
    finally:
        mirror.close()
    assert mirror.status_texts() == ["behind-jump: connected"]
    assert len(dataset.sessions) == 4


def test_a_host_that_is_down_is_named_with_the_reason(
    tmp_path: Path, ssh_client: Path, sshd: Sshd
) -> None:
    first, _ = split_job(tmp_path / "data")
    sshd.stop()
    result = _cli("--summary", f"node-a:{first}", home=ssh_client, cache=tmp_path / "cache")
    assert result.returncode == 2
    assert "no remote host could be read: node-a: connection refused" in result.stderr
    assert f"node-a:{first}: cannot be read over SSH: connection refused" in result.stdout
    assert f"node-a:{first}: node-a:{first}" not in result.stdout  # the path said once
    assert "retrying" not in result.stdout + result.stderr


def test_what_was_mirrored_before_is_shown_when_the_host_is_down(
    tmp_path: Path, ssh_client: Path, sshd: Sshd
) -> None:
    first, _ = split_job(tmp_path / "data")
    specs = [RemoteSpec("node-a", str(first))]
    mirror = Mirror(specs)
    try:
        load_with_mirror(mirror.paths, mirror)
    finally:
        mirror.close()
    sshd.stop()
    later = Mirror(specs)  # the next run: the host is down
    try:
        dataset = load_with_mirror(later.paths, later)
    finally:
        later.close()
    assert len(dataset.sessions) == 4
    [down] = [w for w in dataset.warnings if w.code == "unreadable"]
    assert down.path is not None and shown_path(down.path) == f"node-a:{first}"
    assert down.message == (
        "cannot be read over SSH: connection refused (what was mirrored before is shown)"
    )


def test_a_one_shot_sync_reads_every_file_to_its_end(
    tmp_path: Path, ssh_client: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No cap on the catch-up rounds of --summary / --export: a poll's share that is small
    next to the files (here 512 bytes, 2 rounds at most for the app) still reads all."""
    first, _ = split_job(tmp_path / "data")
    monkeypatch.setattr("stormlog_tui.remote.copies.PER_FILE_BYTES", 512)
    monkeypatch.setattr("stormlog_tui.remote.mirror._CATCH_UP_ROUNDS", 2)
    mirror = Mirror([RemoteSpec("node-a", str(first))])
    try:
        dataset = load_with_mirror(mirror.paths, mirror)
    finally:
        mirror.close()
    for path in first.rglob("*.jsonl"):
        copy = mirror.paths[0] / path.relative_to(first)
        assert copy.read_bytes() == path.read_bytes()
    assert not [w for w in dataset.warnings if "incomplete" in w.message]


def test_a_one_shot_sync_stopped_early_is_an_error(tmp_path: Path, ssh_client: Path) -> None:
    """A root not read to the end (here: the byte cap) fails the run, naming the root."""
    first, _ = split_job(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "stormlog_tui", "--summary", f"node-a:{first}"],
        capture_output=True,
        text=True,
        env={
            **os.environ, "HOME": str(ssh_client), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "STORMLOG_TUI_REMOTE_MAX_BYTES": "20000",
        },
        timeout=60,
        cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert f"incomplete copy of node-a:{first}: the byte cap" in result.stdout


def test_an_unknown_jump_host_key_is_refused_naming_the_jump_host(
    tmp_path: Path, ssh_client: Path, sshd: Sshd
) -> None:
    """The jump host is checked as the target is: a config turning known_hosts off (here
    for every host) does not let an unknown jump host key through."""
    first, _ = split_job(tmp_path / "data")
    jump = Sshd(tmp_path / "jump")  # its key is not in known_hosts
    jump.start()
    try:
        config = ssh_client / ".ssh" / "config"
        config.write_text(
            "Host *\n  UserKnownHostsFile none\n\n"
            + config.read_text()
            + f"\nHost the-jump\n  HostName 127.0.0.1\n  Port {jump.port}\n  User root\n"
            f"  IdentityFile {jump.client_key}\n"
            f"\nHost behind-jump\n  HostName 127.0.0.1\n  Port {sshd.port}\n  User root\n"
            f"  IdentityFile {sshd.client_key}\n  ProxyJump the-jump\n"
        )
        mirror = Mirror([RemoteSpec("behind-jump", str(first))])
        try:
            dataset = load_with_mirror(mirror.paths, mirror)
        finally:
            mirror.close()
    finally:
        jump.stop()
    [status] = mirror.status_texts()
    assert status.startswith("behind-jump: unreachable: jump host the-jump: its host key")
    assert "not in known_hosts" in status and "`ssh the-jump`" in status
    assert dataset.sessions == []


def test_a_file_name_that_is_not_utf8_hides_nothing_and_is_shown_escaped(
    tmp_path: Path, ssh_client: Path
) -> None:
    first = tmp_path / "data"
    write_job(JobSpec(ranks=1, samples_per_rank=5), first)
    with open(os.path.join(os.fsencode(first), b"bad\xff.jsonl"), "wb") as handle:
        handle.write(b"{not json\n")
    result = _cli("--summary", f"node-a:{first}", home=ssh_client, cache=tmp_path / "cache")
    assert "1 session" in result.stdout, result.stdout
    assert "cannot search this directory" not in result.stdout
    assert f"node-a:{first}/bad\\udcff.jsonl" in result.stdout
    assert "Traceback" not in result.stderr
