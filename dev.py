#!/usr/bin/env python3
"""Set up a local environment and run the project: `python3 dev.py demo|test|check|bench`.

Needs only Python >= 3.10 and git. It creates `.venv/` next to this file (once), installs
both distributions in editable mode (`core/` and the app), with the tool versions pinned in
`constraints.txt`, and then runs the command:

    demo   launch stormlog-tui on the live demo (a simulated 8-rank job)
    test   lint (ruff), format check, types (mypy), import contracts, and the whole test suite
    bench  the benchmarks in bench/ (ratios against stormlog 0.3.9)

Extra arguments after the command go to the program it runs (pytest for `test`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CONSTRAINTS = ROOT / "constraints.txt"
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp(extras: str) -> str:
    digest = hashlib.sha256(extras.encode())
    for name in ("pyproject.toml", "core/pyproject.toml", CONSTRAINTS.name):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_env(extras: str = "") -> None:
    """Create the virtualenv and install the project, unless it is already current."""
    if sys.version_info < (3, 10):  # noqa: UP036 - dev.py may run on an older python3
        sys.exit("stormlog-tui needs Python >= 3.10")
    stamp_file = VENV / ".stormlog-stamp"
    wanted = _stamp(extras)
    if stamp_file.exists() and stamp_file.read_text() == wanted:
        return
    if not PY.exists():
        print("creating .venv ...", flush=True)
        try:
            venv.create(VENV, with_pip=True)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(
                f"could not create .venv ({error}). On Debian/Ubuntu install the venv "
                "module first: apt-get install python3-venv"
            )
    app = "." + (f"[{extras}]" if extras else "")
    cmd = [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    print(f"installing stormlog-core and stormlog-tui{f'[{extras}]' if extras else ''} ...")
    subprocess.run([*cmd, "--upgrade", "pip"], check=True, cwd=ROOT)
    pins = ["-c", str(CONSTRAINTS)]
    subprocess.run([*cmd, *pins, "-e", "./core", "-e", app], check=True, cwd=ROOT)
    stamp_file.write_text(wanted)


def run(*argv: str) -> int:
    print("$", " ".join(argv), flush=True)
    return subprocess.run(list(argv), cwd=ROOT).returncode


def ensure_tmux() -> None:
    """The end-to-end test drives the app in tmux; install it when we can (root + apt)."""
    if shutil.which("tmux"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing tmux for the end-to-end test ...", flush=True)
        quiet = {"stdout": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "tmux"], check=False, **quiet)
    if not shutil.which("tmux"):
        print("note: tmux is not installed; the end-to-end terminal test will be skipped")


def ensure_sshd() -> None:
    """The remote tests start a real OpenSSH server; install it when we can (root + apt)."""
    if Path("/usr/sbin/sshd").exists() and shutil.which("ssh-keygen"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing openssh-server for the remote (SSH) tests ...", flush=True)
        quiet = {"stdout": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "openssh-server", "openssh-client"],
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            **quiet,
        )
    if not Path("/usr/sbin/sshd").exists():
        print("note: sshd is not installed; the remote tests will fail as root on CI, else skip")


def cmd_test(args: list[str]) -> int:
    ensure_env("test")
    ensure_tmux()
    ensure_sshd()
    steps = [
        (str(BIN / "ruff"), "check", "."),
        (str(BIN / "ruff"), "format", "--check", "."),
        (str(BIN / "mypy"),),
        (str(BIN / "lint-imports"),),
        (str(PY), "-m", "pytest", "-n", "2", *args),
    ]
    failed = [" ".join(step[:2]) for step in steps if run(*step) != 0]
    if failed:
        print("FAILED:", ", ".join(failed))
        return 1
    return 0


def cmd_demo(args: list[str]) -> int:
    ensure_env()
    return run(str(BIN / "stormlog-tui"), "--demo", *args)


def cmd_bench(args: list[str]) -> int:
    ensure_env("test")
    return run(str(PY), str(ROOT / "bench" / "run.py"), *args)


COMMANDS = {"test": cmd_test, "check": cmd_test, "demo": cmd_demo, "bench": cmd_bench}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
