"""What the sync reads of golden records: their content, whether they are live, and which
connections their live source records come from.

Golden records are read a page at a time in id order. A page covers every golden id between
its first and last id, so everything else the plan needs about the page (sync state, reads,
outbox rows, conflicts) is read with one range condition per table (``IdRange.covers``)
instead of long ``IN (...)`` lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from crmhub.store.schema import golden_records, source_records, xref

_G, _S, _X = golden_records.c, source_records.c, xref.c


@dataclass(frozen=True, slots=True)
class GoldenView:
    """One golden record as a target sees it.

    ``live`` is False for a record merged into another (``redirect_to``) or retired (no live
    source left): the target should no longer hold it. ``sources`` lists the connections of its
    live source records (loaded only when a filter needs them).
    """

    id: str
    kind: str | None
    data: dict[str, Any]
    updated_at: datetime
    live: bool
    sources: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class IdRange:
    """The golden ids from ``first`` to ``last``, both included."""

    first: str
    last: str

    def covers(self, column: Any) -> ColumnElement[bool]:
        """The condition "``column`` is in this range"."""
        return column.between(self.first, self.last)


@dataclass(frozen=True, slots=True)
class GoldenPage:
    """Consecutive golden records (merged-away and retired ones included), in id order."""

    records: list[GoldenView]
    ids: IdRange


def load_page(conn: Connection, after: str, size: int, *, with_sources: bool) -> GoldenPage | None:
    """Up to ``size`` golden records with ids above ``after``; None past the last one."""
    rows = conn.execute(
        sa.select(_G.id, _G.party_kind, _G.data, _G.updated_at, _G.redirect_to, _G.retired_at)
        .where(_G.id > after)
        .order_by(_G.id)
        .limit(size)
    ).all()
    if not rows:
        return None
    ids = IdRange(rows[0].id, rows[-1].id)
    sources = _live_source_connections(conn, ids) if with_sources else {}
    records = [
        GoldenView(
            gid, kind, data or {}, updated_at, redirect_to is None and retired_at is None,
            frozenset(sources.get(gid, ())),
        )
        for gid, kind, data, updated_at, redirect_to, retired_at in rows
    ]  # fmt: skip
    return GoldenPage(records, ids)


def _live_source_connections(conn: Connection, ids: IdRange) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    rows = conn.execute(
        sa.select(_X.golden_id, _S.connection)
        .join_from(xref, source_records, _X.source_record_id == _S.id)
        .where(ids.covers(_X.golden_id), _S.deleted.is_(False))
        .distinct()
    )
    for gid, connection in rows:
        found.setdefault(gid, set()).add(connection)
    return found


def system_of_record_values(
    conn: Connection, ids: IdRange, connections: frozenset[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """(golden id, connection) -> the canonical record of that connection's live source record
    linked to the golden record (the most recently updated one, if it has several)."""
    if not connections:
        return {}
    found: dict[tuple[str, str], tuple[datetime, dict[str, Any]]] = {}
    rows = conn.execute(
        sa.select(_X.golden_id, _S.connection, _S.canonical, _S.updated_at)
        .join_from(xref, source_records, _X.source_record_id == _S.id)
        .where(
            ids.covers(_X.golden_id),
            _S.connection.in_(sorted(connections)),
            _S.deleted.is_(False),
        )
    )
    for gid, connection, canonical, updated_at in rows:
        current = found.get((gid, connection))
        if canonical is not None and (current is None or updated_at > current[0]):
            found[(gid, connection)] = (updated_at, canonical)
    return {key: canonical for key, (_, canonical) in found.items()}
