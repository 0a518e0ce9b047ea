"""Per-connection run locks: two runs of the same connection never interleave.

PostgreSQL: a session advisory lock on a stable 64-bit hash of the name, held on a
dedicated connection for the duration, so the server releases it if the process dies.
A row in ``locks`` records who holds it, for the message a waiting run shows.

SQLite: the row in ``locks`` *is* the lock. A row left by a process on this host that no
longer exists is taken over; a row from another host is respected until removed.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine

from crmhub.store.engine import write_transaction
from crmhub.store.errors import LockBusy
from crmhub.store.processes import is_dead_local_process, this_host, this_pid
from crmhub.store.schema import locks
from crmhub.store.types import utc_now

log = logging.getLogger(__name__)

_FIRST_POLL_S = 0.05
_MAX_POLL_S = 1.0

_BUSY_HINTS: dict[str, str] = {
    "postgresql": (
        "wait for that run to finish, or pass a longer wait; if its process is gone, "
        "PostgreSQL releases the lock when that database session ends"
    ),
    "sqlite": (
        "wait for that run to finish, or pass a longer wait; a lock left by a dead process on "
        "this host is taken over automatically, one from another host must be removed by hand "
        "(DELETE FROM locks WHERE name = '<name>') once you are sure that run is gone"
    ),
}


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock: the process (host, pid) and since when."""

    host: str
    pid: int | None
    since: datetime | None
    owner: str | None = None

    def describe(self) -> str:
        """E.g. ``host web-1, pid 4242, since 2026-11-20 10:00:00 UTC``."""
        parts = [f"host {self.host}", f"pid {self.pid if self.pid is not None else 'unknown'}"]
        if self.since is not None:
            parts.append(f"since {self.since:%Y-%m-%d %H:%M:%S} UTC")
        return ", ".join(parts)


class _LockBackend(Protocol):
    acquired_at: datetime | None

    def try_acquire(self) -> LockHolder | None:
        """Take the lock and return None, or return who holds it."""

    def release(self) -> None:
        """Give the lock back (and free any resource held for it)."""


@contextmanager
def connection_lock(engine: Engine, name: str, wait: float | None = 0) -> Iterator[LockHolder]:
    """Hold the lock ``name`` for the duration of the ``with`` block.

    ``wait`` is how long to keep trying, in seconds: 0 tries once, None waits for ever.
    Raises :class:`LockBusy` naming the holder when the lock is still taken after that.
    Yields the :class:`LockHolder` describing this process.
    """
    if wait is not None and wait < 0:
        raise ValueError(f"wait must be >= 0 seconds or None, not {wait}")
    me = LockHolder(host=this_host(), pid=this_pid(), since=None, owner=uuid.uuid4().hex)
    backend = _backend_for(engine, name, me)
    _acquire(backend, engine, name, wait)
    try:
        yield replace(me, since=backend.acquired_at)
    finally:
        backend.release()


def advisory_lock_key(name: str) -> int:
    """The signed 64-bit PostgreSQL advisory lock key for lock ``name`` (stable across runs)."""
    digest = hashlib.blake2b(f"crmhub.lock:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _backend_for(engine: Engine, name: str, me: LockHolder) -> _LockBackend:
    if engine.dialect.name == "postgresql":
        return _PostgresAdvisoryLock(engine, name, me)
    return _SqliteRowLock(engine, name, me)


def _acquire(backend: _LockBackend, engine: Engine, name: str, wait: float | None) -> None:
    """Poll ``backend`` until it takes the lock; on giving up (or any error) free what it holds."""
    try:
        holder = _poll(backend, wait)
    except BaseException:
        backend.release()
        raise
    if holder is not None:
        backend.release()
        raise LockBusy(
            f"lock {name!r} is held by another run ({holder.describe()})",
            holder=holder.describe(),
            hint=_BUSY_HINTS[engine.dialect.name].replace("<name>", name),
        )


def _poll(backend: _LockBackend, wait: float | None) -> LockHolder | None:
    """None once the lock is taken, or the holder still in the way when ``wait`` runs out."""
    deadline = None if wait is None else time.monotonic() + wait
    delay = _FIRST_POLL_S
    while (holder := backend.try_acquire()) is not None:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return holder
        time.sleep(delay if remaining is None else min(delay, remaining))
        delay = min(delay * 2, _MAX_POLL_S)
    return None


def _holder_from_row(row: sa.Row) -> LockHolder:
    return LockHolder(host=row.host, pid=row.pid, since=row.acquired_at, owner=row.owner)


def _lock_row(me: LockHolder, name: str, acquired_at: datetime) -> dict[str, object]:
    return {
        "name": name,
        "owner": me.owner,
        "host": me.host,
        "pid": me.pid,
        "acquired_at": acquired_at,
    }


class _SqliteRowLock:
    """The lock is the row in ``locks``; BEGIN IMMEDIATE makes check-and-insert atomic."""

    def __init__(self, engine: Engine, name: str, me: LockHolder) -> None:
        self._engine, self._name, self._me = engine, name, me
        self.acquired_at: datetime | None = None

    def try_acquire(self) -> LockHolder | None:
        with write_transaction(self._engine) as conn:
            row = conn.execute(sa.select(locks).where(locks.c.name == self._name)).first()
            if row is not None:
                if not is_dead_local_process(row.host, row.pid):
                    return _holder_from_row(row)
                log.warning(
                    "taking over lock %r from dead process (host %s, pid %s)",
                    self._name,
                    row.host,
                    row.pid,
                )
                conn.execute(
                    sa.delete(locks).where(locks.c.name == self._name, locks.c.owner == row.owner)
                )
            acquired_at = utc_now()
            conn.execute(sa.insert(locks).values(_lock_row(self._me, self._name, acquired_at)))
        self.acquired_at = acquired_at
        return None

    def release(self) -> None:
        if self.acquired_at is None:
            return
        with self._engine.begin() as conn:
            conn.execute(
                sa.delete(locks).where(locks.c.name == self._name, locks.c.owner == self._me.owner)
            )
        self.acquired_at = None


# Who holds an advisory lock, when the holder has not (yet) written its row in `locks`.
_PG_ADVISORY_HOLDER = sa.text(
    """
    SELECT a.pid, coalesce(a.client_hostname, host(a.client_addr), 'local socket') AS client,
           a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = :classid AND l.objid = :objid
    """
)


class _PostgresAdvisoryLock:
    """A session advisory lock on a dedicated connection; the ``locks`` row is informative."""

    def __init__(self, engine: Engine, name: str, me: LockHolder) -> None:
        self._engine, self._name, self._me = engine, name, me
        self._key = advisory_lock_key(name)
        self._conn: Connection | None = None
        self.acquired_at: datetime | None = None

    def try_acquire(self) -> LockHolder | None:
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = self._conn.execute(sa.select(sa.func.pg_try_advisory_lock(self._key))).scalar()
        if not got:
            return self._current_holder(self._conn)
        self.acquired_at = utc_now()
        statement = pg_insert(locks).values(_lock_row(self._me, self._name, self.acquired_at))
        self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[locks.c.name],
                set_={c: statement.excluded[c] for c in ("owner", "host", "pid", "acquired_at")},
            )
        )
        return None

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if self.acquired_at is not None:
                conn.execute(
                    sa.delete(locks).where(
                        locks.c.name == self._name, locks.c.owner == self._me.owner
                    )
                )
                conn.execute(sa.select(sa.func.pg_advisory_unlock(self._key)))
        except sa.exc.DBAPIError:
            # Ending the session is what frees the advisory lock if unlocking failed.
            conn.invalidate()
            raise
        finally:
            self.acquired_at = None
            conn.close()

    def _current_holder(self, conn: Connection) -> LockHolder:
        row = conn.execute(sa.select(locks).where(locks.c.name == self._name)).first()
        if row is not None:
            return _holder_from_row(row)
        unsigned = self._key & 0xFFFF_FFFF_FFFF_FFFF
        session = conn.execute(
            _PG_ADVISORY_HOLDER, {"classid": unsigned >> 32, "objid": unsigned & 0xFFFF_FFFF}
        ).first()
        if session is None:  # released between our attempt and this look-up
            return LockHolder(host="unknown (just released)", pid=None, since=None)
        return LockHolder(
            host=f"{session.client} (PostgreSQL backend pid {session.pid})",
            pid=None,
            since=session.backend_start,
        )
