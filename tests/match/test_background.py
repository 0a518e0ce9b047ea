"""Background: a function's result computed in a forked child, or here when forking is unsafe."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from crmhub.match.background import Background, BackgroundError
from tests.fresh_interpreter import run_python


def _pid_and_sum(values: np.ndarray) -> tuple[int, float]:
    return os.getpid(), float(values.sum())


def _fail() -> None:
    raise ValueError("no u today")


ONE_THREAD_PROBE = """
import os, numpy as np
from crmhub.match.background import Background
from tests.match.test_background import _pid_and_sum
pid, total = Background(_pid_and_sum, np.arange(10.0)).result()
print(pid != os.getpid(), total)
"""


def test_the_result_comes_from_a_child_when_one_thread_runs() -> None:
    # in a fresh interpreter: the test runner itself may run other threads (pytest-xdist)
    result = run_python(ONE_THREAD_PROBE)
    assert result.stdout.split() == ["True", "45.0"], result.stdout + result.stderr


def test_an_error_in_the_child_is_raised_with_its_traceback() -> None:
    with pytest.raises((BackgroundError, ValueError), match="no u today"):
        Background(_fail).result()


def test_with_other_threads_running_the_function_runs_here() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pid, total = Background(_pid_and_sum, np.arange(4.0)).result()
    finally:
        stop.set()
        other.join()
    assert (pid, total) == (os.getpid(), 6.0)


def _background_in_pool_worker(values: np.ndarray) -> tuple[int, float]:
    return Background(_pid_and_sum, values).result()


def test_in_a_pool_worker_the_function_runs_in_the_worker() -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pid, total = pool.apply(_background_in_pool_worker, (np.arange(3.0),))
        worker_pid = pool.apply(os.getpid)
    assert (pid, total) == (worker_pid, 3.0)


def _killed_in_child(parent: int) -> int:
    if os.getpid() != parent:
        os._exit(9)  # as if killed: no answer
    return 7


def test_a_child_that_dies_without_answering_is_replaced_by_a_call_here() -> None:
    assert Background(_killed_in_child, os.getpid()).result() == 7
