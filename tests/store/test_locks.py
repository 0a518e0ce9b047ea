"""connection_lock: one holder at a time, across threads and processes, with clear refusals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from crmhub.store import LockBusy, connection_lock
from crmhub.store.processes import this_host
from crmhub.store.schema import locks
from crmhub.store.types import utc_now

HOLDER_SCRIPT = Path(__file__).with_name("lock_holder.py")


@pytest.fixture
def lock_name() -> str:
    # Advisory locks are per database, shared by every test schema: keep names unique.
    return f"shop-{uuid.uuid4().hex[:8]}"


class HolderProcess:
    """lock_holder.py running in a child process."""

    def __init__(self, url: str, name: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HOLDER_SCRIPT), url, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line.startswith("held "), f"lock holder did not start: {line!r}"
        self.pid = self.process.pid
        self.name = name

    def release(self) -> None:
        self.process.communicate("stop\n", timeout=30)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def holder_process(store_url: str, store_engine, lock_name: str) -> Iterator[HolderProcess]:
    holder = HolderProcess(store_url, lock_name)
    yield holder
    if holder.process.poll() is None:
        holder.kill()


def _pid_of_a_finished_process() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _try_in_thread(engine, name: str, wait: float) -> LockBusy | None:
    """Try the lock from another thread: None if it was acquired (and released), else the refusal."""

    def attempt() -> LockBusy | None:
        try:
            with connection_lock(engine, name, wait=wait):
                return None
        except LockBusy as refusal:
            return refusal

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(attempt).result(timeout=wait + 30)


def test_second_holder_in_another_thread_is_refused_naming_the_holder(store_engine, lock_name):
    with connection_lock(store_engine, lock_name) as me:
        refusal = _try_in_thread(store_engine, lock_name, wait=0)

    assert isinstance(refusal, LockBusy)
    message = str(refusal)
    assert lock_name in message
    assert (
        f"host {this_host()}, pid {os.getpid()}, since {me.since:%Y-%m-%d %H:%M:%S} UTC" in message
    )
    assert "hint:" in message
    assert _try_in_thread(store_engine, lock_name, wait=0) is None  # free again afterwards


def test_second_holder_in_another_process_is_refused_naming_it(store_engine, holder_process):
    name = holder_process.name
    with (
        pytest.raises(LockBusy, match=f"pid {holder_process.pid}") as caught,
        connection_lock(store_engine, name),
    ):
        pass
    assert caught.value.holder.startswith(f"host {this_host()}, pid {holder_process.pid}")

    holder_process.release()
    with connection_lock(store_engine, name, wait=10):
        pass


def test_waiting_acquires_once_the_holder_releases(store_engine, lock_name):
    got_it, released = threading.Event(), threading.Event()

    def hold_briefly() -> None:
        with connection_lock(store_engine, lock_name):
            got_it.set()
            time.sleep(0.4)
        released.set()

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    got_it.wait(10)
    started = time.monotonic()
    with connection_lock(store_engine, lock_name, wait=10):
        assert released.is_set()
    holder.join()
    assert 0.1 < time.monotonic() - started < 5


def test_waiting_gives_up_after_the_timeout(store_engine, lock_name):
    with connection_lock(store_engine, lock_name):
        started = time.monotonic()
        refusal = _try_in_thread(store_engine, lock_name, wait=0.5)
        waited = time.monotonic() - started
    assert isinstance(refusal, LockBusy)
    assert 0.5 <= waited < 5


def test_lock_of_a_killed_process_is_taken_over(store_engine, holder_process):
    name = holder_process.name
    holder_process.kill()
    # SQLite: the row names a dead pid of this host. PostgreSQL: the session ended with it.
    with connection_lock(store_engine, name, wait=10) as me, store_engine.connect() as conn:
        owner = conn.execute(sa.select(locks.c.owner).where(locks.c.name == name)).scalar()
    assert owner == me.owner


def test_leftover_row_of_a_dead_process_does_not_block(store_engine, lock_name):
    dead_pid = _pid_of_a_finished_process()
    with store_engine.begin() as conn:
        conn.execute(
            sa.insert(locks).values(
                name=lock_name,
                owner="crashed",
                host=this_host(),
                pid=dead_pid,
                acquired_at=utc_now(),
            )
        )
    with connection_lock(store_engine, lock_name, wait=0) as me, store_engine.connect() as conn:
        row = conn.execute(sa.select(locks).where(locks.c.name == lock_name)).one()
    assert (row.owner, row.pid) == (me.owner, os.getpid())


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_sqlite_lock_of_another_host_is_respected(store_engine, lock_name):
    # A pid on another machine cannot be checked, so its lock stands until removed.
    with store_engine.begin() as conn:
        conn.execute(
            sa.insert(locks).values(
                name=lock_name, owner="elsewhere", host="batch-7", pid=1, acquired_at=utc_now()
            )
        )
    with (
        pytest.raises(LockBusy, match="host batch-7, pid 1") as caught,
        connection_lock(store_engine, lock_name),
    ):
        pass
    assert f"DELETE FROM locks WHERE name = '{lock_name}'" in str(caught.value)


def test_different_names_do_not_exclude_each_other(store_engine, lock_name):
    with connection_lock(store_engine, lock_name), connection_lock(store_engine, lock_name + "-b"):
        assert isinstance(_try_in_thread(store_engine, lock_name + "-b", wait=0), LockBusy)


def test_lock_is_released_when_the_block_raises(store_engine, lock_name):
    with pytest.raises(RuntimeError), connection_lock(store_engine, lock_name):
        raise RuntimeError("run failed")
    assert _try_in_thread(store_engine, lock_name, wait=0) is None
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(locks)).scalar_one() == 0


def test_negative_wait_is_refused(store_engine, lock_name):
    with (
        pytest.raises(ValueError, match="wait must be"),
        connection_lock(store_engine, lock_name, wait=-1),
    ):
        pass
