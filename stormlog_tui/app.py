"""StormlogApp: the Textual app, and ``make_app``, the factory the CLI and tests share.

The app loads (a thread worker) and follows (the live bridge) the paths, and sets
:attr:`StormlogApp.shown` for every load and live update. Screens watch ``shown`` and
compute what they show from it in their own thread workers, so nothing heavy runs on the
event loop.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from datetime import datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.worker import get_current_worker

from stormlog_core.browse import Dataset, Follower
from stormlog_tui import __version__
from stormlog_tui.commands import StormlogCommands
from stormlog_tui.config import Settings
from stormlog_tui.live import LiveEvent, LiveFollower
from stormlog_tui.messages import (
    DatasetLoaded,
    DatasetPlanned,
    DatasetUpdated,
    ExportFinished,
    HostsChanged,
    LoadProgress,
)
from stormlog_tui.remote.names import shown_text
from stormlog_tui.screens import (
    SCREEN_STYLES,
    DetailScreen,
    HelpScreen,
    JobsScreen,
    SessionsScreen,
)
from stormlog_tui.screens.help_screen import HasHelp
from stormlog_tui.view.detail_group import group_key, session_problem
from stormlog_tui.view.literal import literal
from stormlog_tui.view.shown import Shown
from stormlog_tui.widgets.jobs_table import JobsTable
from stormlog_tui.widgets.sessions_table import SessionsTable

if TYPE_CHECKING:
    from stormlog_tui.remote.mirror import Mirror

DARK, LIGHT = "textual-dark", "textual-light"


class StormlogApp(App[None]):
    """Browse the telemetry sessions found under ``paths``."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["app.tcss", *SCREEN_STYLES]
    TITLE = "stormlog-tui"
    #: Not Textual's own commands too: they offered the theme and the screenshot again.
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {StormlogCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("j", "jobs", "Jobs", id="jobs"),
        Binding("t", "toggle_theme", "Theme", show=False, id="theme"),
        Binding("p", "save_svg", "Screenshot (SVG)", show=False, id="screenshot"),
        Binding("r", "reload", "Reload", show=False, id="reload"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
    ]

    #: What the screens show: set for every load and live update (None while loading).
    shown: var[Shown | None] = var(None, init=False)
    #: How the remote hosts are, for the status lines (none when every path is local).
    hosts: var[tuple[str, ...]] = var(())

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        follow: bool | None = None,
        poll_seconds: float | None = None,
        subtitle: str | None = None,
        session: str | None = None,
        ranks: tuple[int, ...] | None = None,
        clock: Callable[[], datetime] = datetime.now,
        settings: Settings | None = None,
        config_problems: Sequence[object] = (),
        remote: Mirror | None = None,
    ) -> None:
        super().__init__()
        #: The config file's settings (``theme``, ``metric``... see ``stormlog_tui.config``).
        self.settings = settings or Settings()
        self.config_problems = [str(problem) for problem in config_problems]
        self.paths = [Path(path) for path in paths]
        self.follow = follow
        self.poll_seconds = poll_seconds
        #: The mirror of the remote paths (None: every path is local).
        self.remote = remote
        self.follower = Follower(self.paths) if remote is None else _remote_follower(self, remote)
        self._stop_follow = asyncio.Event()
        self.initial_session = session
        self.initial_ranks = ranks
        self.clock = clock
        self.sub_title = literal(subtitle or ", ".join(str(path) for path in self.paths)).plain

    @property
    def dataset(self) -> Dataset | None:
        """The dataset shown, once loaded."""
        return self.shown.dataset if self.shown is not None else None

    def get_default_screen(self) -> Screen[None]:
        return SessionsScreen()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification, always shown literally: its text carries paths, ids and errors
        from the telemetry, and markup in them would style the toast or fail to parse. A
        mirror path in it ("loading failed: ...", "export failed: ...") is written as the
        remote path it mirrors, never as the cache."""
        del markup  # every caller's text is data
        message = shown_text(message)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        self.theme = LIGHT if self.settings.theme == "light" else DARK
        known = binding_ids()
        unknown = sorted(set(self.settings.keys) - known)
        self.set_keymap({k: v for k, v in self.settings.keys.items() if k in known})
        for problem in self.config_problems:
            self.notify(f"config: {problem}", severity="warning", timeout=12)
        if unknown:
            self.notify(
                f"config: [keys] {', '.join(unknown)}: no such binding; known: "
                + ", ".join(sorted(known)),
                severity="warning",
                timeout=12,
            )
        if self.remote is not None:
            remote = self.remote

            def say(_: object) -> None:
                self.post_message(HostsChanged([remote.status_summary()]))

            remote.on_status = say
        self.action_reload()

    def on_unmount(self) -> None:
        self._stop_follow.set()
        if self.remote is not None:  # a load waiting for a host that hangs: let it go
            self.remote.cancel()

    # ------------------------------------------------------------------ loading

    def action_reload(self) -> None:
        """Read every path again (in a thread); following restarts afterwards."""
        self._stop_follow.set()
        self.workers.cancel_group(self, "follow")
        self._load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()

        def post(message: LoadProgress | DatasetPlanned) -> None:
            if not worker.is_cancelled:
                self.post_message(message)

        try:
            dataset = self.follower.load(
                progress=lambda done, total: post(LoadProgress(done, total)),
                planned=lambda preview: post(DatasetPlanned(preview)),
            )
        except CancelledError:  # the program ends (the mirror's sync was stopped)
            return
        except Exception as error:  # a bug, not bad input: say so, never a traceback
            self.call_from_thread(self.notify, f"loading failed: {error}", severity="error")
            return
        if not worker.is_cancelled:
            self.post_message(DatasetLoaded(dataset))

    def on_load_progress(self, message: LoadProgress) -> None:
        if isinstance(screen := self.screen_stack[0], SessionsScreen):
            screen.show_progress(message.done, message.total)

    def on_dataset_planned(self, message: DatasetPlanned) -> None:
        """Show the sessions the manifests list while their files are read (first load)."""
        if self.shown is None:
            self._show(Shown(message.dataset, PREVIEW_MODE, self.clock()))

    def on_dataset_loaded(self, message: DatasetLoaded) -> None:
        first = self.shown is None or self.shown.mode == PREVIEW_MODE
        following = self.follow if self.follow is not None else self.follower.following()
        mode = "● live, loaded" if following else "loaded"
        self._show(Shown(message.dataset, mode, self.clock()))
        keep_out_of_gc(reloaded=not first)
        if following:
            self._stop_follow = asyncio.Event()
            self._follow()
        if first and self.initial_session is not None:
            self.open_session(self.initial_session, self.initial_ranks)

    @work(exclusive=True, group="follow", exit_on_error=False)
    async def _follow(self) -> None:
        """Follow the files: each coalesced batch of changes becomes a DatasetUpdated."""
        wake = asyncio.Event()
        if self.remote is not None:  # a poll of the hosts that changed the mirror: read it
            loop = asyncio.get_running_loop()

            def woken() -> None:
                loop.call_soon_threadsafe(wake.set)

            self.remote.on_change = woken
            self.remote.start()
        bridge = LiveFollower(
            self.follower,
            poll_seconds=self.poll_seconds,
            min_interval=self.settings.refresh_seconds,
            wake=wake,
        )
        try:
            async for event in bridge.updates(self._stop_follow):
                self.post_message(DatasetUpdated(self.follower.dataset, *live_status(event)))
        except Exception as error:  # keep the view; say that it is no longer live
            self.notify(f"live following stopped: {error}; press r to reload", severity="error")
            if self.shown is not None:  # and the status lines too, on every screen
                shown = self.shown
                self._show(Shown(shown.dataset, STOPPED_FOLLOWING, shown.at))

    def on_hosts_changed(self, message: HostsChanged) -> None:
        """A remote host's status changed: the status lines say it (the screens watch)."""
        self.hosts = tuple(message.hosts)

    def on_dataset_updated(self, message: DatasetUpdated) -> None:
        self._show(Shown(message.dataset, message.mode, message.at or self.clock()))

    def _show(self, shown: Shown) -> None:
        """Show a loaded or grown dataset (the screens watch ``shown``)."""
        self.shown = shown
        if self.remote is not None:
            self.on_hosts_changed(HostsChanged([self.remote.status_summary()]))

    # ------------------------------------------------------------------ navigation

    def open_session(
        self, session_id: str, ranks: tuple[int, ...] | None = None, *, cursor_first: bool = False
    ) -> None:
        """Open the detail of the job (or session) holding ``session_id``; the rank table's
        cursor starts on a diverging rank, else on the session's (``cursor_first``: on the
        session's rank in any case)."""
        found = self.dataset.sessions_named(session_id) if self.dataset else []
        if len(found) != 1:
            self.notify(session_problem(session_id, found), severity="error")
            return
        session = found[0]
        rank = session.summary.rank
        screen = DetailScreen(
            group_key(session), ranks, cursor_rank=rank, cursor_first=cursor_first
        )
        self.push_screen(screen)

    def on_sessions_table_session_chosen(self, message: SessionsTable.SessionChosen) -> None:
        self.open_session(message.session_id, cursor_first=message.cursor_first)

    def on_jobs_table_job_chosen(self, message: JobsTable.JobChosen) -> None:
        self.push_screen(DetailScreen(message.key))

    def action_jobs(self) -> None:
        """Open the jobs view."""
        if self.shown is None:
            self.notify("still loading …")
        elif not isinstance(self.screen, JobsScreen):
            self.push_screen(JobsScreen())

    def action_help(self) -> None:
        """Show every key."""
        if isinstance(self.screen, HelpScreen):
            return
        screen_sections = self.screen.help_sections() if isinstance(self.screen, HasHelp) else []
        self.push_screen(HelpScreen([("Everywhere", StormlogApp), *screen_sections]))

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_save_svg(self) -> None:
        """Save the screen as an SVG file in the current directory."""
        path = self.save_screenshot(path=str(Path.cwd()))
        self.notify(f"screenshot saved: {path}", timeout=6)

    def on_export_finished(self, message: ExportFinished) -> None:
        if message.path is None:
            self.notify(f"export failed: {message.error}", severity="error")
        else:
            self.notify(f"exported {message.count:,} records to {message.path}", timeout=8)


#: The mode of the sessions the manifests list before the first load finished.
PREVIEW_MODE = "loading"


def binding_ids() -> set[str]:
    """The ids a config file's ``[keys]`` can rebind: those of every binding of the app,
    its screens and its widgets (every class of ``stormlog_tui`` that has bindings)."""
    found: set[str] = set()
    pending: list[type] = [DOMNode]
    while pending:
        owner = pending.pop()
        pending.extend(owner.__subclasses__())
        if not owner.__module__.startswith("stormlog_tui."):
            continue
        for binding in owner.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id is not None:
                found.add(binding.id)
    return found


def keep_out_of_gc(*, reloaded: bool) -> None:
    """Take what is alive now (a freshly loaded dataset, the app) out of the cyclic garbage
    collector's way.

    A dataset lives until the next load and holds hundreds of thousands of objects; every
    full collection walked them all, stopping the event loop for up to 170 ms on a 512-rank
    job. :func:`gc.freeze` puts them out of reach: later collections skip them, and they
    are still freed when their last reference goes. A reload first collects everything
    once, so what the previous load left in reference cycles is not frozen for good.

    What stays in reach is mostly Textual's: the lines every widget keeps drawn (a line
    holds a dozen objects), 60,000 to 100,000 objects on a big job screen, so a full
    collection still stops the loop for 20-45 ms. They are made ten times rarer
    (:data:`FULL_COLLECTION_EVERY`): at the default, one came every few live updates, often
    in the middle of a repaint, which then blocked the loop for 60-100 ms.
    """
    if reloaded:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


#: Full collections wait for this many collections of the middle generation (Python's
#: default: 10). Memory held in reference cycles is freed that much later; acyclic objects
#: (almost all) are still freed at once.
FULL_COLLECTION_EVERY = 100


#: The status-line words once following failed (the data is as of the time after them).
STOPPED_FOLLOWING = "✖ not following (r reloads), data of"


def live_status(event: LiveEvent) -> tuple[str, datetime | None]:
    """The status-line words for a live update, and when data last arrived."""
    at = datetime.fromtimestamp(event.last_data_at) if event.last_data_at else None
    return f"● live ({event.mode}), last data", at


def make_app(
    paths: Sequence[str | Path],
    *,
    follow: bool | None = None,
    poll_seconds: float | None = None,
    subtitle: str | None = None,
    session: str | None = None,
    ranks: tuple[int, ...] | None = None,
    clock: Callable[[], datetime] = datetime.now,
    settings: Settings | None = None,
    config_problems: Sequence[object] = (),
    remote: Mirror | None = None,
) -> StormlogApp:
    """Build the app on ``paths``.

    ``follow``: None follows when some session is still running, True always, False never;
    ``poll_seconds`` polls instead of native file watching (NFS, Lustre); ``remote``
    mirrors the remote paths among ``paths`` (their mirror paths) before every load, and
    polls their hosts while following.
    """
    app = StormlogApp(
        [Path(path) for path in paths],
        follow=follow,
        poll_seconds=poll_seconds,
        subtitle=subtitle,
        session=session,
        ranks=ranks,
        clock=clock,
        settings=settings,
        config_problems=config_problems,
        remote=remote,
    )
    app.title = f"stormlog-tui {__version__}"
    return app


def _remote_follower(app: StormlogApp, remote: Mirror) -> Follower:
    from stormlog_tui.remote.follower import RemoteFollower  # asyncssh only when needed

    return RemoteFollower(app.paths, remote)
