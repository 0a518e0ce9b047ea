"""Run one function on the other core while this process does something else.

Matching is mostly single-threaded Python and numpy; a full run has independent steps (the
u estimate from random pairs beside blocking and comparing the candidates). A forked child
computes the function on a copy-on-write view of this process's memory and pipes the
(small) result back. Forking is only safe while this process runs one thread (see
:mod:`crmhub.forking`: a progress display's thread steps aside), so with other threads
running, in a daemonic process (which may not have children) or without fork, the function
runs in this process when its result is asked for — the same result, later.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from crmhub.forking import fork_available, fork_window

T = TypeVar("T")


class BackgroundError(RuntimeError):
    """The function raised in the child; the message carries its traceback."""


class Background(Generic[T]):
    """The pending result of ``function(*args)``; :meth:`result` waits for it."""

    def __init__(self, function: Callable[..., T], *args: Any) -> None:
        self._function, self._args = function, args
        self._process: Any = None
        self._receive: Any = None
        if fork_available():
            with fork_window() as one_thread:
                if one_thread:
                    self._start_child()

    def _start_child(self) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(send, self._function, self._args))
        self._process.daemon = True
        self._process.start()
        send.close()

    def result(self) -> T:
        """The function's result (computed here if no child was started)."""
        if self._process is None:
            return self._function(*self._args)
        answer: tuple[bool, Any] | None
        try:
            answer = self._receive.recv()
        except EOFError:
            answer = None
        finally:
            self._receive.close()
            self._process.join()
        if answer is None:  # the child died without answering (killed, out of memory)
            return self._function(*self._args)
        ok, value = answer
        if not ok:
            raise BackgroundError(value)
        return value  # type: ignore[no-any-return]


def _child(send: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        answer: tuple[bool, Any] = (True, function(*args))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        answer = (False, traceback.format_exc())
    send.send(answer)
    send.close()
