"""SIGTERM and SIGHUP end the program the way Ctrl-C does: cleanly.

Killed by their default action, the app would leave the terminal raw, without echo, on
the alternate screen with mouse reporting on, and the temporary directories (the demo's,
multiprocessing's ``pymp-*``) behind. Instead, a signal asks the running app to exit (its
driver then restores the terminal) or, outside the app, unwinds the stack like Ctrl-C, so
every ``finally`` and ``atexit`` runs. The exit status is ``128 + signal``, as a shell
reports a process killed by it (130 for Ctrl-C).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

#: The signals that mean "stop now": ``kill``, a closed SSH session.
GRACEFUL = (signal.SIGTERM, signal.SIGHUP)
EXIT_INTERRUPTED = 128 + signal.SIGINT


class Interrupted(BaseException):
    """Raised in the main thread by SIGTERM or SIGHUP outside the app's event loop.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception``
    swallows it and the worker pools' ``except BaseException`` stops the workers.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 plus the signal's number."""
        return 128 + self.signum


@contextmanager
def graceful_exit(exit_app: Callable[[int], None] | None = None) -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP stop the program cleanly.

    While an asyncio loop runs in the main thread (the app's), the signal calls
    ``exit_app(exit_code)`` on that loop; otherwise it raises :class:`Interrupted`.
    The previous handlers are restored on the way out.
    """

    def handler(signum: int, _frame: FrameType | None) -> None:
        asyncio = sys.modules.get("asyncio")  # not imported: no loop runs (``--summary``)
        try:
            loop = asyncio.get_running_loop() if asyncio is not None else None
        except RuntimeError:
            loop = None
        if loop is None or exit_app is None:
            raise Interrupted(signum)
        loop.call_soon_threadsafe(exit_app, 128 + signum)

    previous = {signum: signal.getsignal(signum) for signum in GRACEFUL}
    for signum in GRACEFUL:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
