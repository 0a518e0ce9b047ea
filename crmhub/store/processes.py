"""Who we are (host, pid) and whether a process recorded by another run is still alive.

Locks and runs record the host and pid that own them, so that a crashed process's lock
can be taken over and its run marked interrupted. Liveness can only be judged for
processes on this host; anything recorded by another host is assumed alive.
"""

from __future__ import annotations

import os
import socket
from functools import cache


@cache
def this_host() -> str:
    """The name this machine records in locks and runs."""
    return socket.gethostname()


def this_pid() -> int:
    """The id of the current process (not cached: it changes across fork)."""
    return os.getpid()


def process_is_alive(pid: int) -> bool:
    """True if a process with ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # It exists but belongs to another user.
        return True
    return True


def is_dead_local_process(host: str | None, pid: int | None) -> bool:
    """True only when (host, pid) names a process on this host that no longer exists."""
    if host != this_host() or pid is None:
        return False
    return not process_is_alive(pid)
