"""The ``runs`` table: one row per sync/match/merge/publish run, from start to finish.

A run that dies without finishing stays ``running``; the next run started on the same
host notices that its process is gone and marks it ``interrupted``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store.engine import write_transaction
from crmhub.store.errors import RunStateError
from crmhub.store.processes import is_dead_local_process, this_host, this_pid
from crmhub.store.schema import RUN_FINAL_STATUSES, RUN_KINDS, runs
from crmhub.store.types import utc_now

log = logging.getLogger(__name__)


def start_run(engine: Engine, kind: str, connection: str | None = None) -> int:
    """Record a new ``running`` run of ``kind`` (for ``connection``, if any) and return its id.

    Runs left ``running`` by a process of this host that no longer exists are marked
    ``interrupted`` first.
    """
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown run kind {kind!r}; expected one of {', '.join(RUN_KINDS)}")
    with write_transaction(engine) as conn:
        _interrupt_dead_runs(conn)
        return conn.execute(
            sa.insert(runs)
            .values(
                kind=kind,
                connection=connection,
                status="running",
                started_at=utc_now(),
                host=this_host(),
                pid=this_pid(),
            )
            .returning(runs.c.id)
        ).scalar_one()


def finish_run(
    engine: Engine,
    run_id: int,
    status: str,
    counts: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Close run ``run_id`` with a final ``status``, its ``counts`` and, if it failed, ``error``.

    Raises :class:`RunStateError` if the run does not exist or is no longer running.
    """
    if status not in RUN_FINAL_STATUSES:
        raise ValueError(
            f"run {run_id} cannot finish as {status!r}; "
            f"expected one of {', '.join(RUN_FINAL_STATUSES)}"
        )
    with write_transaction(engine) as conn:
        updated = conn.execute(
            sa.update(runs)
            .where(runs.c.id == run_id, runs.c.status == "running")
            .values(
                status=status,
                finished_at=utc_now(),
                counts=dict(counts) if counts is not None else None,
                error=error,
            )
        ).rowcount
        if updated == 1:
            return
        current = conn.execute(sa.select(runs.c.status).where(runs.c.id == run_id)).scalar()
    if current is None:
        raise RunStateError(f"run {run_id} does not exist", hint="pass the id start_run() returned")
    raise RunStateError(
        f"run {run_id} is already {current}, it cannot finish again as {status!r}",
        hint="a run is finished exactly once; an interrupted run was ended by a later run",
    )


def interrupt_dead_runs(engine: Engine) -> list[int]:
    """Mark ``interrupted`` the runs left ``running`` by dead processes of this host; return ids."""
    with write_transaction(engine) as conn:
        return _interrupt_dead_runs(conn)


def _interrupt_dead_runs(conn: Connection) -> list[int]:
    candidates = conn.execute(
        sa.select(runs.c.id, runs.c.host, runs.c.pid).where(
            runs.c.status == "running", runs.c.host == this_host()
        )
    ).all()
    dead = [row for row in candidates if is_dead_local_process(row.host, row.pid)]
    for row in dead:
        log.warning(
            "run %s (pid %s) ended without finishing; marking it interrupted", row.id, row.pid
        )
        conn.execute(
            sa.update(runs)
            .where(runs.c.id == row.id, runs.c.status == "running")
            .values(
                status="interrupted",
                finished_at=utc_now(),
                error=f"process {row.pid} on {row.host} ended without finishing this run",
            )
        )
    return [row.id for row in dead]
