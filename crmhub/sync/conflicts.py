"""The ``conflicts`` table: every field both the hub and a target changed since the last sync.

Each conflict is recorded with both values, the policy and its resolution (``hub``,
``target``, or ``open`` for a steward). An open conflict is recorded once: planning again
with the same two values adds nothing; new values supersede it (the old row is closed and a
new one opened); a field found in sync again closes it as settled. A steward resolves an open
conflict with :func:`resolve_conflict`, which moves the field's sync base so that the next
plan carries out the choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.errors import UsageError
from crmhub.store.engine import write_transaction
from crmhub.store.schema import conflicts
from crmhub.store.types import utc_now
from crmhub.sync.diff import ConflictCase
from crmhub.sync.errors import ConflictNotFound
from crmhub.sync.golden import IdRange
from crmhub.sync.policies import HUB, OPEN, TARGET
from crmhub.sync.records import load_target_records, save_target_records
from crmhub.sync.values import same_value

_C = conflicts.c
DECIDED_BY_POLICY = "policy"
SUPERSEDED = "superseded"
SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class ConflictEntry:
    """One ``conflicts`` row."""

    id: int
    target: str
    golden_id: str
    field: str
    hub_value: Any
    target_value: Any
    policy: str
    resolution: str
    at: datetime
    resolved_at: datetime | None
    resolved_by: str | None

    @property
    def is_open(self) -> bool:
        """Waiting for a steward."""
        return self.resolution == OPEN and self.resolved_at is None


_COLUMNS = (
    _C.id,
    _C.target,
    _C.golden_id,
    _C.field,
    _C.hub_value,
    _C.target_value,
    _C.policy,
    _C.resolution,
    _C.at,
    _C.resolved_at,
    _C.resolved_by,
)
_OPEN = (_C.resolution == OPEN, _C.resolved_at.is_(None))


def open_conflicts(
    conn: Connection, target: str, ids: IdRange
) -> dict[tuple[str, str], ConflictEntry]:
    """The open conflicts of ``target`` for the golden ids in ``ids``, by (golden id, field)."""
    rows = conn.execute(
        sa.select(*_COLUMNS).where(_C.target == target, ids.covers(_C.golden_id), *_OPEN)
    )
    entries = [ConflictEntry(*row) for row in rows]
    return {(e.golden_id, e.field): e for e in entries}


def _is_repeat(entry: ConflictEntry | None, case: ConflictCase) -> bool:
    return (
        entry is not None
        and case.resolution == OPEN
        and same_value(entry.hub_value, case.hub_value)
        and same_value(entry.target_value, case.target_value)
    )


def record_conflicts(
    conn: Connection,
    target: str,
    cases: Sequence[tuple[str, ConflictCase]],
    already_open: dict[tuple[str, str], ConflictEntry],
    settled: Sequence[tuple[str, str]],
    now: datetime,
) -> int:
    """Record (golden id, case) conflicts and close the open ones ``settled`` lists; returns
    how many conflicts were recorded (repeats of an open conflict are not)."""
    rows, closing = [], [(already_open[key].id, SETTLED) for key in settled if key in already_open]
    for golden_id, case in cases:
        entry = already_open.get((golden_id, case.field))
        if _is_repeat(entry, case):
            continue
        if entry is not None:
            closing.append((entry.id, SUPERSEDED))
        decided = case.resolution != OPEN
        rows.append(
            {
                "target": target,
                "golden_id": golden_id,
                "field": case.field,
                "hub_value": case.hub_value,
                "target_value": case.target_value,
                "policy": case.policy.value,
                "resolution": case.resolution,
                "at": now,
                "resolved_at": now if decided else None,
                "resolved_by": DECIDED_BY_POLICY if decided else None,
            }
        )
    if closing:
        conn.execute(
            sa.update(conflicts)
            .where(_C.id == sa.bindparam("b_id"))
            .values(resolved_at=now, resolved_by=sa.bindparam("b_by")),
            [{"b_id": i, "b_by": by} for i, by in closing],
        )
    if rows:
        conn.execute(sa.insert(conflicts), rows)
    return len(rows)


def list_conflicts(
    engine: Engine, *, target: str | None = None, open_only: bool = True, limit: int = 50
) -> list[ConflictEntry]:
    """Conflicts, newest first: only the open ones unless ``open_only`` is False."""
    query = sa.select(*_COLUMNS).order_by(_C.id.desc()).limit(limit)
    if target is not None:
        query = query.where(_C.target == target)
    if open_only:
        query = query.where(*_OPEN)
    with engine.connect() as conn:
        return [ConflictEntry(*row) for row in conn.execute(query)]


def resolve_conflict(engine: Engine, conflict_id: int, choice: str, actor: str) -> ConflictEntry:
    """A steward's decision on open conflict ``conflict_id``: ``hub`` (the next publish writes
    the hub's value) or ``target`` (the target's value stands). Returns the conflict as it was."""
    if choice not in (HUB, TARGET):
        raise UsageError(
            f"a conflict is settled by keeping 'hub' or 'target', not {choice!r}",
            hint="--keep hub writes the hub's value; --keep target lets the target's stand",
        )
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(*_COLUMNS).where(_C.id == conflict_id, *_OPEN)).first()
        if row is None:
            raise ConflictNotFound(
                f"no open conflict {conflict_id}", hint="see `crmhub conflicts list`"
            )
        entry = ConflictEntry(*row)
        record = load_target_records(conn, entry.target, [entry.golden_id])[entry.golden_id]
        hub_base = entry.hub_value if choice == TARGET else record.base_hub.get(entry.field)
        record.move_base(entry.field, hub_base, entry.target_value)
        now = utc_now()
        save_target_records(conn, entry.target, [record], now)
        conn.execute(
            sa.update(conflicts)
            .where(_C.id == conflict_id)
            .values(resolution=choice, resolved_at=now, resolved_by=actor)
        )
    return entry
