"""Which paths are remote, and how mirror paths are named back (no server needed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from stormlog_tui.remote.names import ShownStream, mirror_path, remote_host, shown_text
from stormlog_tui.remote.spec import RemoteSpec, parse_remote, split_paths


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("ssh://node-17/data/job", RemoteSpec("node-17", "/data/job")),
        ("ssh://alice@node-17:2222/data/job", RemoteSpec("node-17", "/data/job", "alice", 2222)),
        ("ssh://[::1]:22/x", RemoteSpec("::1", "/x", None, 22)),
        ("ssh://node-17/~/runs", RemoteSpec("node-17", "runs")),
        ("node-17:/data/job", RemoteSpec("node-17", "/data/job")),
        ("bob@node-17:runs/job", RemoteSpec("node-17", "runs/job", "bob")),
        ("node-17:", RemoteSpec("node-17", ".")),
    ],
)
def test_remote_paths_are_parsed_in_one_place(text: str, spec: RemoteSpec) -> None:
    assert parse_remote(text) == spec


@pytest.mark.parametrize("text", ["./a:b", "/abs/a:b", "job/rank-0", "plain", "a/b:c"])
def test_paths_that_merely_hold_a_colon_stay_local(text: str) -> None:
    assert parse_remote(text) is None


def test_an_existing_local_file_with_a_colon_stays_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run:1").write_text("[]")
    assert split_paths(["run:1", "node-a:/x"]) == (
        [Path("run:1")],
        [RemoteSpec("node-a", "/x")],
    )


@pytest.mark.parametrize(
    "text", ["ssh://node-17", "ssh://node-17:99999/x", "ssh://:22/x", "ssh://bad host/x"]
)
def test_a_bad_ssh_address_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"ssh://|host"):
        parse_remote(text)


def test_mirror_paths_are_shown_as_the_remote_paths(tmp_path: Path) -> None:
    spec = RemoteSpec("node-17", "/data/job")
    segment = mirror_path(spec, "/data/job", tmp_path) / "rank-0" / "segment-000001.jsonl"
    assert shown_text(f"{segment}:12: bad line") == (
        "node-17:/data/job/rank-0/segment-000001.jsonl:12: bad line"
    )
    assert remote_host(str(segment)) == "node-17"
    ported = RemoteSpec("node-9", "runs", "alice", 2222)
    home = mirror_path(ported, "runs", tmp_path) / "rank-1"
    assert shown_text(str(home)) == "ssh://alice@node-9:2222/~/runs/rank-1"
    assert shown_text(str(tmp_path / "elsewhere")) == str(tmp_path / "elsewhere")


def test_a_mirror_path_never_leaves_its_host_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'\.\.'"):
        mirror_path(RemoteSpec("node-17", "/data/../../etc"), "/data/../../etc", tmp_path)


def test_printed_output_names_the_remote_paths(tmp_path: Path) -> None:
    import io

    spec = RemoteSpec("node-3", "/j")
    buffer = io.StringIO()
    ShownStream(buffer).write(f'{{"path": "{mirror_path(spec, "/j", tmp_path)}/a.jsonl"}}')
    assert buffer.getvalue() == '{"path": "node-3:/j/a.jsonl"}'


def test_a_host_that_drops_is_retried_after_1_s_doubling_to_30_s() -> None:
    from stormlog_tui.remote.link import HostLink, HostStatus

    said: list[HostStatus] = []
    link = HostLink(RemoteSpec("node-17", "/x"), said.append)
    delays = []
    for _ in range(8):
        link.failed("connection refused")
        delays.append(round(link.retry_at - time.monotonic()))
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert said[-1].text(now=link.retry_at - 3.5) == (
        "node-17: unreachable (connection refused), retrying in 4 s"
    )
    link.failed("its host key changed ...", retry=False)
    assert link.waiting() and said[-1].text() == "node-17: unreachable: its host key changed ..."


def test_remote_files_are_named_by_their_host_in_the_warnings_and_the_record_view(
    tmp_path: Path,
) -> None:
    from stormlog_tui.view.record_view import RecordSource, where_label, where_text

    spec = RemoteSpec("node-17", "/data/job")
    segment = str(mirror_path(spec, "/data/job/rank-0/segment-000001.jsonl", tmp_path))
    assert where_label(segment, 12) == "node-17:rank-0/segment-000001.jsonl:12"
    source = RecordSource(segment, 12, None, None, f"error malformed-json: {segment}")
    shown = where_text(source).plain
    assert "node-17:/data/job/rank-0/segment-000001.jsonl" in shown
    assert str(tmp_path) not in shown


def test_no_two_hosts_share_a_mirror_folder(tmp_path: Path) -> None:
    specs = [
        RemoteSpec("node_2222", "/x"),
        RemoteSpec("node", "/x", port=2222),
        RemoteSpec("fe80::1:2222", "/x"),
        RemoteSpec("fe80::1", "/x", port=2222),
        RemoteSpec("fe80::1", "/x"),
        RemoteSpec("node", "/x", user="alice", port=2222),
    ]
    folders = [mirror_path(spec, "/x", tmp_path) for spec in specs]
    assert len(set(folders)) == len(specs)
    assert all(folder.parent.parent == tmp_path for folder in folders)
    for spec, folder in zip(specs, folders, strict=True):
        assert shown_text(str(folder / "a.jsonl")) == spec.shown("/x/a.jsonl")
