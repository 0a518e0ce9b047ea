"""The outbox: changes waiting to be written to targets, one row per record and target.

Life of a row: ``pending`` -> ``sent`` (written; its ledger entry is committed with it), or
``failed`` (a retryable failure: tried again from ``next_attempt_at``, with doubling backoff)
-> ... -> ``dead`` after ``retry.max_attempts`` attempts, or at once when the target said
retrying cannot help. ``dead`` rows wait for ``crmhub outbox retry``; they never hold up the
others. A newer desired state replaces the one still waiting for the same record
(coalescing); a change that is no longer needed is withdrawn (its row deleted).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.config.models import RetryPolicy
from crmhub.errors import UsageError
from crmhub.store.engine import write_transaction
from crmhub.store.schema import OUTBOX_OPEN_STATUSES, OUTBOX_STATUSES, outbox
from crmhub.store.types import utc_now
from crmhub.sync.batching import in_chunks
from crmhub.sync.diff import Change
from crmhub.sync.errors import OutboxEntryNotFound
from crmhub.sync.golden import IdRange
from crmhub.sync.values import values_hash

_O = outbox.c
DUE_STATUSES = ("pending", "failed")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One outbox row."""

    id: int
    target: str
    golden_id: str
    external_id: str | None
    operation: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


_COLUMNS = (
    _O.id,
    _O.target,
    _O.golden_id,
    _O.external_id,
    _O.operation,
    _O.payload,
    _O.status,
    _O.attempts,
    _O.next_attempt_at,
    _O.last_error,
    _O.created_at,
    _O.updated_at,
)


def _entries(rows: Iterable[Any]) -> list[OutboxEntry]:
    return [OutboxEntry(*row) for row in rows]


def open_entries(conn: Connection, target: str, ids: IdRange) -> dict[str, OutboxEntry]:
    """The rows of ``target`` not yet sent, for the golden ids in ``ids``, by golden id."""
    rows = conn.execute(
        sa.select(*_COLUMNS).where(
            _O.target == target, ids.covers(_O.golden_id), _O.status.in_(OUTBOX_OPEN_STATUSES)
        )
    )
    return {e.golden_id: e for e in _entries(rows)}


@dataclass(slots=True)
class QueueCounts:
    """What coalescing did to the outbox."""

    queued: int = 0  # new rows, and rows whose change was replaced
    kept: int = 0  # the same change was already waiting
    withdrawn: int = 0  # a waiting change no longer needed


def _same_change(entry: OutboxEntry, change: Change) -> bool:
    return entry.operation == change.operation and values_hash(entry.payload) == values_hash(
        change.payload
    )


def enqueue(
    conn: Connection,
    target: str,
    changes: Sequence[tuple[str, str | None, Change]],
    waiting: dict[str, OutboxEntry],
    now: datetime,
) -> QueueCounts:
    """Put each (golden id, external id, change) in the outbox, coalescing with ``waiting``."""
    counts = QueueCounts()
    inserts, replaces, withdrawn = [], [], []
    for golden_id, external_id, change in changes:
        entry = waiting.get(golden_id)
        if change.operation is None:
            if entry is not None:
                withdrawn.append(entry.id)
            continue
        if entry is not None and _same_change(entry, change):
            counts.kept += 1
            continue
        row = {
            "operation": change.operation,
            "payload": change.payload,
            "external_id": external_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": None,
            "last_error": None,
            "updated_at": now,
        }
        if entry is None:
            inserts.append({**row, "target": target, "golden_id": golden_id, "created_at": now})
        else:
            replaces.append({**row, "b_id": entry.id})
    if inserts:
        conn.execute(sa.insert(outbox), inserts)
    if replaces:
        values = {k: sa.bindparam(k) for k in replaces[0] if k != "b_id"}
        conn.execute(
            sa.update(outbox).where(_O.id == sa.bindparam("b_id")).values(values), replaces
        )
    for chunk in in_chunks(withdrawn):
        conn.execute(sa.delete(outbox).where(_O.id.in_(chunk)))
    counts.queued = len(inserts) + len(replaces)
    counts.withdrawn = len(withdrawn)
    return counts


def due_entries(
    conn: Connection, target: str, *, after_id: int, limit: int, now: datetime
) -> list[OutboxEntry]:
    """Up to ``limit`` rows of ``target`` due for writing, with ids above ``after_id``."""
    due = sa.or_(_O.next_attempt_at.is_(None), _O.next_attempt_at <= now)
    rows = conn.execute(
        sa.select(*_COLUMNS)
        .where(_O.target == target, _O.status.in_(DUE_STATUSES), due, _O.id > after_id)
        .order_by(_O.id)
        .limit(limit)
    )
    return _entries(rows)


def count_due(conn: Connection, target: str, now: datetime) -> int:
    """How many rows of ``target`` are due now."""
    due = sa.or_(_O.next_attempt_at.is_(None), _O.next_attempt_at <= now)
    query = sa.select(sa.func.count()).where(_O.target == target, _O.status.in_(DUE_STATUSES), due)
    return int(conn.execute(query).scalar_one())


def next_retry_at(conn: Connection, target: str) -> datetime | None:
    """When the earliest failed row of ``target`` is due again (None: no failed row)."""
    query = sa.select(sa.func.min(_O.next_attempt_at)).where(
        _O.target == target, _O.status == "failed"
    )
    return conn.execute(query).scalar_one_or_none()


def backoff(policy: RetryPolicy, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, capped."""
    seconds = policy.backoff_seconds * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, policy.backoff_max_seconds))


def mark_sent(conn: Connection, entries: Sequence[OutboxEntry], now: datetime) -> None:
    """The rows were written."""
    if not entries:
        return
    conn.execute(
        sa.update(outbox)
        .where(_O.id == sa.bindparam("b_id"))
        .values(
            status="sent",
            attempts=sa.bindparam("b_attempts"),
            last_error=None,
            next_attempt_at=None,
            updated_at=now,
        ),
        [{"b_id": e.id, "b_attempts": e.attempts + 1} for e in entries],
    )


def failure_status(policy: RetryPolicy, attempts: int, retryable: bool) -> str:
    """``failed`` (tried again later) or ``dead`` after a failed attempt number ``attempts``."""
    return "failed" if retryable and attempts < policy.max_attempts else "dead"


def mark_failed(
    conn: Connection,
    failures: Sequence[tuple[OutboxEntry, str, bool]],
    policy: RetryPolicy,
    now: datetime,
) -> dict[str, int]:
    """Record failed attempts (entry, reason, retryable); returns counts by new status."""
    counts = {"failed": 0, "dead": 0}
    rows = []
    for entry, reason, retryable in failures:
        attempts = entry.attempts + 1
        status = failure_status(policy, attempts, retryable)
        counts[status] += 1
        if status == "dead":
            why = "not retryable" if not retryable else f"gave up after {attempts} attempts"
            reason = f"{reason} ({why})"
        retry_at = now + backoff(policy, attempts) if status == "failed" else None
        rows.append(
            {
                "b_id": entry.id,
                "b_status": status,
                "b_attempts": attempts,
                "b_error": reason,
                "b_next": retry_at,
            }
        )
    if rows:
        conn.execute(
            sa.update(outbox)
            .where(_O.id == sa.bindparam("b_id"))
            .values(
                status=sa.bindparam("b_status"),
                attempts=sa.bindparam("b_attempts"),
                last_error=sa.bindparam("b_error"),
                next_attempt_at=sa.bindparam("b_next"),
                updated_at=now,
            ),
            rows,
        )
    return counts


def retry_dead(
    engine: Engine, *, target: str | None = None, ids: Collection[int] = (), all_: bool = False
) -> int:
    """Give dead rows (``ids``, or with ``all_`` every dead row, of ``target`` if given) a new
    set of attempts; returns how many. Unknown ids or rows that are not dead change nothing
    and raise ``OutboxEntryNotFound`` naming them."""
    if not ids and not all_:
        raise OutboxEntryNotFound(
            "name the outbox rows to retry, or ask for all dead rows",
            hint="crmhub outbox retry 12 15, or crmhub outbox retry --all",
        )
    chosen = [_O.status == "dead"]
    if target is not None:
        chosen.append(_O.target == target)
    with write_transaction(engine) as conn:
        if ids:
            _require_dead(conn, ids, target)
            chosen.append(_O.id.in_(sorted(set(ids))))
        result = conn.execute(
            sa.update(outbox)
            .where(*chosen)
            .values(status="pending", attempts=0, next_attempt_at=None, updated_at=utc_now())
        )
        return int(result.rowcount)


def _require_dead(conn: Connection, ids: Collection[int], target: str | None) -> None:
    rows = conn.execute(sa.select(_O.id, _O.status, _O.target).where(_O.id.in_(sorted(set(ids)))))
    found = {row.id: row for row in rows}
    wrong = []
    for entry_id in sorted(set(ids)):
        row = found.get(entry_id)
        if row is None:
            wrong.append(f"{entry_id} (no such row)")
        elif row.status != "dead":
            wrong.append(f"{entry_id} ({row.status})")
        elif target is not None and row.target != target:
            wrong.append(f"{entry_id} (target {row.target})")
    if wrong:
        raise OutboxEntryNotFound(
            f"cannot retry outbox row(s) {', '.join(wrong)}: only dead rows can be retried",
            hint="see them with `crmhub outbox list --status dead`",
        )


def list_outbox(
    engine: Engine,
    *,
    target: str | None = None,
    statuses: Collection[str] = (),
    limit: int = 50,
) -> list[OutboxEntry]:
    """Outbox rows, newest first, of ``target`` and ``statuses`` when given."""
    unknown = sorted(set(statuses) - set(OUTBOX_STATUSES))
    if unknown:
        raise UsageError(
            f"unknown outbox status {', '.join(repr(s) for s in unknown)}",
            hint=f"statuses: {', '.join(OUTBOX_STATUSES)}",
        )
    query = sa.select(*_COLUMNS).order_by(_O.id.desc()).limit(limit)
    if target is not None:
        query = query.where(_O.target == target)
    if statuses:
        query = query.where(_O.status.in_(sorted(statuses)))
    with engine.connect() as conn:
        return _entries(conn.execute(query))
