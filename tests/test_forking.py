"""crmhub.forking: a registered thread steps aside for a fork; an unregistered one blocks it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from crmhub.forking import fork_window, pausing_for_forks


class _Idler:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.pauses = 0

    def start(self) -> None:
        self.stop.clear()
        self.thread = threading.Thread(target=self.stop.wait)
        self.thread.start()

    def halt(self) -> None:
        assert self.thread is not None
        self.stop.set()
        self.thread.join()

    @contextmanager
    def paused(self) -> Iterator[None]:
        self.pauses += 1
        self.halt()
        try:
            yield
        finally:
            self.start()


def test_a_registered_thread_is_paused_for_the_window_only() -> None:
    idler = _Idler()
    idler.start()
    before = threading.active_count()
    try:
        with pausing_for_forks(idler.paused), fork_window():
            assert threading.active_count() == before - 1
        assert threading.active_count() == before and idler.pauses == 1
        with fork_window():  # unregistered again: left running
            assert threading.active_count() == before
        assert idler.pauses == 1
    finally:
        idler.halt()


def test_an_unregistered_thread_closes_the_window() -> None:
    other = threading.Event()
    thread = threading.Thread(target=other.wait)
    thread.start()
    try:
        with fork_window() as one_thread:
            assert not one_thread
    finally:
        other.set()
        thread.join()
