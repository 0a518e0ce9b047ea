"""The write ledger: every successful write to a target, append-only.

One entry per record written: the target, the target's id for the record (``external_id``),
the golden id it was written under, the operation, the values written, their hash and the
publish run. It is committed in the same transaction as the outbox row it settles, so a
record is either written and recorded, or (after a crash between the two) written, not
recorded and sent again: an upsert by the stable id, which changes nothing the second time.
``crmhub.sync.echo`` reads it to recognise the hub's own writes when they are read back.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store.schema import write_ledger
from crmhub.sync.batching import in_chunks
from crmhub.sync.values import values_hash

_L = write_ledger.c


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One write the hub made."""

    target: str
    golden_id: str
    external_id: str
    operation: str
    values: dict[str, Any]
    written_at: datetime
    run_id: int | None = None


def append(conn: Connection, entries: Sequence[LedgerEntry]) -> None:
    """Record ``entries`` in the current transaction."""
    if not entries:
        return
    conn.execute(
        sa.insert(write_ledger),
        [
            {
                "target": e.target,
                "golden_id": e.golden_id,
                "external_id": e.external_id,
                "operation": e.operation,
                "values": e.values,
                "values_hash": values_hash(e.values),
                "written_at": e.written_at,
                "run_id": e.run_id,
            }
            for e in entries
        ],
    )


_COLUMNS = (
    _L.target,
    _L.golden_id,
    _L.external_id,
    _L.operation,
    _L["values"],
    _L.written_at,
    _L.run_id,
)


def _entries_by(column: sa.Column[str]) -> sa.Select[Any]:
    return sa.select(_L.id, *_COLUMNS).where(
        _L.target.in_(sa.bindparam("targets", expanding=True)),
        column.in_(sa.bindparam("values", expanding=True)),
    )


# Built once: the ingest asks for every batch (why that matters: crmhub.ingest.mapper.tune_gc).
_ENTRIES_BY_GOLDEN_ID = _entries_by(_L.golden_id)
_ENTRIES_BY_EXTERNAL_ID = _entries_by(_L.external_id)


def entries_for(
    conn: Connection,
    targets: Collection[str],
    *,
    golden_ids: Collection[str] = (),
    external_ids: Collection[str] = (),
) -> list[LedgerEntry]:
    """The entries of ``targets`` written under ``golden_ids`` or to ``external_ids``, oldest
    first (each entry once)."""
    found: dict[int, LedgerEntry] = {}
    wanted = sorted(targets)
    for statement, values in (
        (_ENTRIES_BY_GOLDEN_ID, golden_ids),
        (_ENTRIES_BY_EXTERNAL_ID, external_ids),
    ):
        for chunk in in_chunks(values):
            for entry_id, *row in conn.execute(statement, {"targets": wanted, "values": chunk}):
                found[entry_id] = LedgerEntry(*row)
    return [found[i] for i in sorted(found)]


def ledger_of(engine: Engine, target: str, golden_id: str | None = None) -> list[LedgerEntry]:
    """Every entry of ``target`` (of one golden id if given), oldest first."""
    query = sa.select(*_COLUMNS).where(_L.target == target).order_by(_L.id)
    if golden_id is not None:
        query = query.where(_L.golden_id == golden_id)
    with engine.connect() as conn:
        return [LedgerEntry(*row) for row in conn.execute(query)]
