"""A real OpenSSH server for the remote tests: ``/usr/sbin/sshd`` on 127.0.0.1 and a free
port, with a throwaway host key, a throwaway client key and its own ``sshd_config``; and a
client side (a temporary HOME with ``.ssh/config``, ``known_hosts`` and the key) that never
touches the real ``~/.ssh``.

When sshd cannot be started, the tests fail when running as root on CI (``CI`` set: the
CI installs openssh-server, so a skip there would hide a missing feature), and are skipped
with the reason elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SSHD = Path("/usr/sbin/sshd")


def unavailable(reason: str) -> None:
    """Fail on CI as root (the feature must be tested there), skip elsewhere."""
    if os.environ.get("CI") and os.geteuid() == 0:
        pytest.fail(f"the remote tests need sshd: {reason}")
    pytest.skip(f"the remote tests need sshd: {reason}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], list(children.get(pid, []))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children.get(child, []))
    return found


def keygen(path: Path) -> str:
    """A new ed25519 key at ``path``; returns the public key line."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class Sshd:
    """One sshd instance; :meth:`start`, :meth:`stop` and :meth:`start` again on the same
    port (a server that goes away and comes back)."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.host_key_line = keygen(self.directory / "host_ed25519")
        self.client_key = self.directory / "client_ed25519"
        public = keygen(self.client_key)
        (self.directory / "authorized_keys").write_text(public + "\n")
        self.config = self.directory / "sshd_config"
        self.config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.directory / 'host_ed25519'}",
                    f"PidFile {self.directory / 'sshd.pid'}",
                    f"AuthorizedKeysFile {self.directory / 'authorized_keys'}",
                    "StrictModes no",
                    "UsePAM no",
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "Subsystem sftp internal-sftp",
                    "LogLevel ERROR",
                    "MaxStartups 100",
                    "",
                ]
            )
        )

    def start(self) -> None:
        """Start sshd and wait until it answers (fails or skips when it cannot)."""
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / "sshd.log").open("ab"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.directory / "sshd.log").read_text(errors="replace")
                unavailable(f"sshd exited with {self.process.returncode}: {log[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)
        unavailable("sshd did not answer within 10 s")

    def stop(self) -> None:
        """Kill sshd and the processes serving its connections (a server that dies)."""
        if self.process is None:
            return
        family = [self.process.pid, *descendants(self.process.pid)]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.host_key_line}\n"


def check_sshd() -> None:
    """Fail (CI, root) or skip when the server cannot run here at all."""
    if not SSHD.exists():
        unavailable(f"{SSHD} is missing (apt-get install openssh-server)")
    if shutil.which("ssh-keygen") is None:
        unavailable("ssh-keygen is missing (apt-get install openssh-client)")
    if os.geteuid() != 0:
        unavailable("sshd runs as root here (not root: skipped)")


def client_home(home: Path, servers: dict[str, Sshd]) -> Path:
    """A HOME whose ``.ssh/config`` names each server by its alias, with the known hosts
    and the client key; returns HOME."""
    ssh = home / ".ssh"
    ssh.mkdir(parents=True, exist_ok=True)
    blocks = []
    lines = set()
    for alias, server in servers.items():
        blocks.append(
            f"Host {alias}\n  HostName 127.0.0.1\n  Port {server.port}\n  User root\n"
            f"  IdentityFile {server.client_key}\n  IdentitiesOnly yes\n"
        )
        lines.add(server.known_hosts_line())
    (ssh / "config").write_text("\n".join(blocks))
    (ssh / "known_hosts").write_text("".join(sorted(lines)))
    return home


_HANGING_SFTP = '''\
"""OpenSSH's sftp-server behind a relay that stops passing requests on while the file
named by the first argument exists: a host whose sshd answers while its SFTP hangs."""
import os, subprocess, sys, threading, time

marker = sys.argv[1]
parent = os.getppid()
server = subprocess.Popen(
    ["/usr/lib/openssh/sftp-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
)


def requests():
    while True:
        data = os.read(0, 65536)
        if not data:
            break
        while os.path.exists(marker):
            if os.getppid() != parent:  # the session is gone: hang no longer, end
                server.kill()
                os._exit(0)
            time.sleep(0.1)
        os.write(server.stdin.fileno(), data)
    server.stdin.close()


threading.Thread(target=requests, daemon=True).start()
while True:
    data = os.read(server.stdout.fileno(), 65536)
    if not data:
        break
    os.write(1, data)
'''


def hang_sftp_on(server: Sshd, marker: Path) -> None:
    """Serve SFTP on ``server`` through a relay that hangs while ``marker`` exists (call
    before :meth:`Sshd.start`)."""
    script = server.directory / "hanging_sftp.py"
    script.write_text(_HANGING_SFTP)
    command = f"Subsystem sftp {sys.executable} {script} {marker}"
    server.config.write_text(
        server.config.read_text().replace("Subsystem sftp internal-sftp", command)
    )
