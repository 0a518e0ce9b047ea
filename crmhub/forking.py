"""When this process may fork: one home for the rule, and a way for a harmless thread to step
aside for the instant of a fork.

A fork copies the whole process but only the forking thread, and with it any lock another
thread holds at that instant: the child can hang on it. So crmhub forks (mapping workers,
the matcher's second core) only while this process runs one thread. A thread that only
draws a progress display need not cost the second core: it registers a *pause* with
:func:`pausing_for_forks` (stop the thread, wait for it, and restart it afterwards), and
:func:`fork_window` stops it around the fork.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

Pause = Callable[[], AbstractContextManager[None]]

_pauses: list[Pause] = []


@contextmanager
def pausing_for_forks(pause: Pause) -> Iterator[None]:
    """While inside, every :func:`fork_window` enters ``pause()`` (which must leave this
    process without the paused thread until it exits)."""
    _pauses.append(pause)
    try:
        yield
    finally:
        _pauses.remove(pause)


def fork_available() -> bool:
    """Whether forking could help at all: more than one CPU, ``fork`` exists, and this is not
    a daemonic process (a multiprocessing pool's worker may not start children)."""
    return (
        (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


@contextmanager
def fork_window() -> Iterator[bool]:
    """Pause the registered threads; yields whether this process now runs one thread (fork
    inside the block only if it does). The threads resume when the block ends."""
    with ExitStack() as paused:
        for pause in _pauses:
            paused.enter_context(pause())
        yield threading.active_count() == 1
