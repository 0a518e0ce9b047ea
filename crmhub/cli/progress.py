"""The commands' live progress display: a transient Rich progress on stderr whose refresh
thread steps aside whenever crmhub forks (:mod:`crmhub.forking`).

Rich's own refresh thread would run for the whole command, and a process running a second
thread does not fork: ``crmhub match`` would lose its second core and ``crmhub sync`` would
start its mapping workers through the slower forkserver. This display refreshes from a
thread of its own that stops for the instant of a fork, and runs none when stderr is not a
terminal (nothing would be drawn).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import Progress, ProgressColumn

from crmhub.cli.output import err
from crmhub.forking import pausing_for_forks

REFRESHES_PER_SECOND = 8


class _Ticker:
    """Refreshes a display from a thread that can be paused."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="crmhub-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No refresh thread inside (it restarts after, if it was running)."""
        running = self._thread is not None
        self.stop()
        try:
            yield
        finally:
            if running:
                self.start()

    def _run(self) -> None:
        while not self._stop.wait(1 / REFRESHES_PER_SECOND):
            self._progress.refresh()


@contextmanager
def live_progress(*columns: str | ProgressColumn) -> Iterator[Progress]:
    """A transient progress display with ``columns`` on stderr, for the block's duration."""
    console = err()
    progress = Progress(*columns, console=console, transient=True, auto_refresh=False)
    ticker = _Ticker(progress)
    with progress, pausing_for_forks(ticker.paused):
        if console.is_terminal:
            ticker.start()
        try:
            yield progress
        finally:
            ticker.stop()
