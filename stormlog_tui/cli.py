"""The ``stormlog-tui`` command: ``stormlog-tui PATH...``, ``--demo``, or ``--summary``.

``--summary`` never imports Textual: it loads, prints and exits. Ctrl-C, SIGTERM and SIGHUP
end either cleanly (see :mod:`stormlog_tui.signals`), with the shell's ``128 + signal``
status. Every message that repeats a user-given path or argument prints it escaped.
"""

from __future__ import annotations

import argparse
import atexit
import io
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, cast

from stormlog_tui import __version__
from stormlog_tui.signals import EXIT_INTERRUPTED, Interrupted, graceful_exit
from stormlog_tui.view.safe_text import safe_text

if TYPE_CHECKING:
    from textual.app import App

    from stormlog_tui.remote.mirror import Mirror

EXIT_OK = 0
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with the arguments it repeats in errors escaped (they may hold ESC)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {safe_text(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exits with status 2 on bad usage, like argparse always does)."""
    parser = _Parser(
        prog="stormlog-tui",
        description="Browse Stormlog GPU-memory telemetry: JSON, JSONL files and sink "
        "directories (a parent directory is searched for one sink per rank).",
        epilog="exit status: 0 ok; 1 records were skipped (see the warnings); 2 usage error, "
        "or nothing could be read; 3 --fail-on found something; 128+N stopped by signal N "
        "(130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="what to open: a local path, or one on another host over SSH "
        "(ssh://[user@]host[:port]/path or host:/path)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="open a live simulated 8-rank job (temporary)"
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="print every session and warning, then exit (no UI); sessions in the app's "
        "order (running first, then most recent)",
    )
    parser.add_argument("--json", action="store_true", help="with --summary: print JSON")
    parser.add_argument(
        "--csv", action="store_true", help="with --summary: one CSV row per session"
    )
    parser.add_argument(
        "--fail-on",
        metavar="LIST",
        type=_gates,
        help="with --summary (or alone, printing only the findings): exit with status 3 "
        "when any of oom,outlier,alert,warning,stale is found, one line per finding on "
        "standard error",
    )
    parser.add_argument(
        "--export",
        choices=("jsonl", "csv"),
        help="write the records (whole: samples and events, metadata included) to --output "
        "and exit (no UI): JSONL that stormlog reads back, or CSV; with --session, --rank, "
        "--from, --to to choose; exit status as --summary",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="with --export: the file to write (never over an existing one; - for standard output)",
    )
    parser.add_argument(
        "--from",
        dest="start",
        metavar="T",
        help="with --export: from T (seconds after the first record, or an ISO 8601 time)",
    )
    parser.add_argument("--to", dest="end", metavar="T", help="with --export: up to T")
    parser.add_argument(
        "--session", metavar="ID", help="open this session (its job's ranks) right away"
    )
    parser.add_argument(
        "--rank",
        metavar="LIST",
        dest="ranks",
        help="with --session: chart these ranks, e.g. 0,3,5-7 (default: all); with "
        "--export: export only these ranks",
    )
    parser.add_argument(
        "--poll",
        metavar="SECONDS",
        type=_positive_seconds,
        help="follow by polling every SECONDS instead of native file watching "
        "(for NFS or Lustre, where other hosts' writes are not seen by inotify)",
    )
    parser.add_argument(
        "--refresh",
        metavar="SECONDS",
        type=_positive_seconds,
        help="redraw live updates at most every SECONDS (default 1; raise it over a slow "
        "SSH link: what arrives meanwhile is shown at once)",
    )
    parser.add_argument(
        "--workers",
        metavar="N",
        type=_workers,
        help="parse with N worker processes (default: every core this process may use; "
        "also the STORMLOG_TUI_WORKERS environment variable)",
    )
    parser.add_argument(
        "--no-follow",
        action="store_true",
        help="do not follow growing files (by default, paths with a running session are "
        "followed live)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="parse every file again: neither read nor write the cache of closed segments' "
        "parsed columns ($XDG_CACHE_HOME/stormlog-tui/segments; also STORMLOG_TUI_NO_CACHE=1)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="read settings from FILE instead of $XDG_CONFIG_HOME/stormlog-tui/config.toml",
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print the effective settings as a config file, then exit",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _run(args: argparse.Namespace) -> int:
    from stormlog_tui.config import load_settings

    settings, problems = load_settings(args.config)
    for problem in problems:  # never fatal: the defaults stand in
        print(f"stormlog-tui: config: {problem}", file=sys.stderr)
    if args.print_config:
        sys.stdout.write(settings.to_toml())
        return EXIT_OK
    from stormlog_core.browse import configure_cache

    configure_cache(enabled=not args.no_cache, max_bytes=settings.cache.get("max_bytes"))
    if args.refresh is not None:
        settings = replace(settings, refresh_seconds=args.refresh)
    if args.workers is not None:  # the one place the count is read, workers' own included
        from stormlog_core.browse import WORKERS_ENV

        os.environ[WORKERS_ENV] = str(args.workers)
    args.settings, args.config_problems = settings, problems
    if args.poll is None:
        args.poll = settings.poll_seconds
    paths, mirror = _open_paths(args.paths, args.poll)
    try:
        status = _run_on(args, paths, mirror)
    finally:
        if mirror is not None:
            mirror.close()
    if mirror is not None and (args.export or args.summary or args.fail_on):
        return _remote_status(status, mirror)
    return status


def _open_paths(texts: Sequence[str], poll: float | None) -> tuple[list[Path], Mirror | None]:
    """The paths to load: local ones as given, remote ones by their mirror (asyncssh is
    imported only when there is one)."""
    from stormlog_tui.remote.spec import parse_remote

    specs = [parse_remote(text) for text in texts]
    if not any(specs):
        return [Path(text) for text in texts], None
    from stormlog_tui.remote.mirror import Mirror

    mirror = Mirror([spec for spec in specs if spec is not None], poll_seconds=poll)
    paths = [
        mirror.path_of(spec) if spec is not None else Path(text)
        for text, spec in zip(texts, specs, strict=True)
    ]
    return paths, mirror


def _remote_status(status: int, mirror: Mirror) -> int:
    """Exit status 2, with the reasons, when no remote host could be read."""
    if mirror.any_read():
        return status
    reasons = "; ".join(safe_text(text) for text in mirror.unread_reasons())
    print(f"stormlog-tui: no remote host could be read: {reasons}", file=sys.stderr)
    return EXIT_USAGE


def _run_on(args: argparse.Namespace, paths: list[Path], mirror: Mirror | None) -> int:
    out, err, load = sys.stdout, sys.stderr, None
    if mirror is not None:
        from stormlog_tui.remote.follower import loader
        from stormlog_tui.remote.names import ShownStream

        out, err = cast(TextIO, ShownStream(out)), cast(TextIO, ShownStream(err))
        load = loader(mirror)
    if args.export:
        from stormlog_tui.headless_export import ExportRequest, run_export

        request = ExportRequest(
            paths,
            args.export,
            args.output,
            args.session,
            args.rank_list,
            args.start,
            args.end,
        )
        with graceful_exit():
            return _without_ui(run_export(request, err, load=load))
    if args.summary or args.fail_on:
        from stormlog_tui.summary import run_summary

        with graceful_exit():
            return _without_ui(
                run_summary(
                    paths,
                    args.json,
                    out if args.summary else io.StringIO(),
                    as_csv=args.csv,
                    gates=args.fail_on or (),
                    err=err,
                    load=load,
                )
            )
    from stormlog_core.browse import prepare_workers
    from stormlog_tui.app import make_app

    remote = set(mirror.paths) if mirror is not None else set()
    missing = [safe_text(path) for path in paths if path not in remote and not path.exists()]
    if missing:
        raise FileNotFoundError(f"no such file or directory: {', '.join(missing)}")
    app: App[None] | None = None

    def exit_app(code: int) -> None:
        if app is not None:
            app.exit(return_code=code)

    with graceful_exit(exit_app):
        prepare_workers()  # before the app takes over the terminal and standard error
        if args.demo:
            from stormlog_tui.demo import live_demo

            with live_demo() as parent:
                subtitle = "live demo (a simulated 8-rank job)"
                app = make_app(
                    [parent, *paths],
                    follow=True,
                    poll_seconds=args.poll,
                    subtitle=subtitle,
                    remote=mirror,
                    settings=args.settings,
                    config_problems=args.config_problems,
                )
                app.run()
        else:
            follow = False if args.no_follow else None
            app = make_app(
                paths,
                session=args.session,
                ranks=args.rank_list,
                follow=follow,
                poll_seconds=args.poll,
                settings=args.settings,
                config_problems=args.config_problems,
                remote=mirror,
                subtitle=", ".join(safe_text(text) for text in args.paths) if mirror else None,
            )
            app.run()
    return app.return_code or EXIT_OK


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of workers: {text!r}") from None
    if not 1 <= count <= 4096:
        raise argparse.ArgumentTypeError("must be between 1 and 4096")
    return count


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < seconds < 3600:
        raise argparse.ArgumentTypeError("must be between 0 and 3600 seconds")
    return seconds


def holds_telemetry(directory: Path) -> bool:
    """Whether ``directory`` has telemetry in it or below it (what core would load)."""
    from stormlog_core.browse import discover

    return bool(discover([directory]).targets)


def _default_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """No PATH: the current directory if it holds telemetry, else a usage error."""
    if args.paths or args.demo or args.print_config:
        return
    cwd = Path.cwd()
    if holds_telemetry(cwd):
        args.paths = [str(cwd)]
        return
    parser.error(
        f"no telemetry found in {safe_text(cwd)}: give a PATH (a sink directory, a JSON or JSONL "
        "file, or a directory of sinks), or try `stormlog-tui --demo`"
    )


def _gates(text: str) -> tuple[str, ...]:
    from stormlog_tui.gates import parse_gates

    try:
        return parse_gates(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _check_export(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.export and args.summary:
        parser.error("--export and --summary are separate runs")
    if args.export and not args.output:
        parser.error("--export needs --output FILE (or - for standard output)")
    if not args.export and (args.output or args.start or args.end):
        parser.error("--output, --from and --to go with --export")
    if args.export and args.output != "-" and Path(args.output).exists():
        parser.error(f"--output {args.output} exists: not overwritten")


def _rank_list(parser: argparse.ArgumentParser, text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    from stormlog_tui.view.rank_lists import parse_ranks

    try:
        return parse_ranks(text)
    except ValueError as error:
        parser.error(f"--rank: {error}")
    return None  # pragma: no cover - parser.error exits


#: Set when a mode without a UI (``--summary``, ``--export``) has written everything.
_DONE_WITHOUT_UI: list[bool] = []


def _without_ui(status: int) -> int:
    _DONE_WITHOUT_UI.append(True)
    return status


def console() -> None:
    """The ``stormlog-tui`` console script: :func:`main`, then the exit. After
    ``--summary`` or ``--export`` the process ends without freeing its heap one object at
    a time (a million records take a while to free, for nothing): the output is flushed
    and the exit handlers run first, so nothing is lost and no temporary file stays."""
    status = main()
    if not _DONE_WITHOUT_UI:
        sys.exit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: there is no one left to read it
        pass
    atexit._run_exitfuncs()
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 usage or input error,
    128 + N when stopped by signal N: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if (args.json or args.csv) and not args.summary:
            parser.error("--json and --csv go with --summary")
        if args.json and args.csv:
            parser.error("--json or --csv, not both")
        _check_export(parser, args)
        args.rank_list = _rank_list(parser, args.ranks)
        _default_paths(parser, args)
    except SystemExit as exit_:  # --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        return _run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Interrupted as interrupted:
        return interrupted.exit_code
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:
        message = str(error).strip().splitlines()
        detail = message[0] if message else type(error).__name__
        print(f"stormlog-tui: error: {safe_text(detail)}", file=sys.stderr)
        return EXIT_USAGE
