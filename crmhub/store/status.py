"""A snapshot of the store for ``crmhub status``: revision, table sizes, runs, connections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store.engine import masked_url
from crmhub.store.migrate import current_revision, head_revision
from crmhub.store.schema import (
    connection_state,
    events,
    golden_records,
    match_pairs,
    outbox,
    quarantine,
    runs,
    source_records,
    steward_decisions,
    write_ledger,
    xref,
)

# The tables whose row counts the status shows, in display order.
COUNTED_TABLES: tuple[sa.Table, ...] = (
    source_records,
    quarantine,
    golden_records,
    xref,
    match_pairs,
    steward_decisions,
    events,
    outbox,
    write_ledger,
)


@dataclass(frozen=True)
class RunSummary:
    """One row of ``runs``."""

    id: int
    kind: str
    connection: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any] | None
    error: str | None
    host: str
    pid: int


@dataclass(frozen=True)
class ConnectionStatus:
    """What the store knows about one connection: its stream states and its latest run."""

    connection: str
    stream_states: dict[str, Any] = field(default_factory=dict)
    state_updated_at: datetime | None = None
    last_run: RunSummary | None = None


@dataclass(frozen=True)
class StoreStatus:
    """The store at a glance. Only ``revision``/``head`` are filled for an out-of-date store."""

    url: str
    revision: str | None
    head: str
    table_counts: dict[str, int] = field(default_factory=dict)
    recent_runs: list[RunSummary] = field(default_factory=list)
    connections: list[ConnectionStatus] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        """True when the store is migrated to the revision this crmhub needs."""
        return self.revision == self.head


def store_status(engine: Engine, recent: int = 10) -> StoreStatus:
    """Read the store's status; ``recent`` is how many of the latest runs to include."""
    revision, head = current_revision(engine), head_revision()
    url = masked_url(engine.url)
    if revision != head:
        return StoreStatus(url=url, revision=revision, head=head)
    with engine.connect() as conn:  # one transaction: a consistent snapshot
        return StoreStatus(
            url=url,
            revision=revision,
            head=head,
            table_counts=_table_counts(conn),
            recent_runs=_recent_runs(conn, recent),
            connections=_connections(conn),
        )


def _table_counts(conn: Connection) -> dict[str, int]:
    return {
        table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in COUNTED_TABLES
    }


def _run_summary(row: sa.Row) -> RunSummary:
    return RunSummary(**{name: getattr(row, name) for name in RunSummary.__dataclass_fields__})


def _recent_runs(conn: Connection, limit: int) -> list[RunSummary]:
    rows = conn.execute(sa.select(runs).order_by(runs.c.id.desc()).limit(limit))
    return [_run_summary(row) for row in rows]


def _connections(conn: Connection) -> list[ConnectionStatus]:
    latest_ids = (
        sa.select(sa.func.max(runs.c.id))
        .where(runs.c.connection.is_not(None))
        .group_by(runs.c.connection)
    )
    last_runs = {
        row.connection: _run_summary(row)
        for row in conn.execute(sa.select(runs).where(runs.c.id.in_(latest_ids)))
    }
    states: dict[str, dict[str, Any]] = {}
    updated: dict[str, datetime] = {}
    for row in conn.execute(sa.select(connection_state)):
        states.setdefault(row.connection, {})[row.stream] = row.state
        updated[row.connection] = max(row.updated_at, updated.get(row.connection, row.updated_at))
    return [
        ConnectionStatus(
            connection=name,
            stream_states=states.get(name, {}),
            state_updated_at=updated.get(name),
            last_run=last_runs.get(name),
        )
        for name in sorted(states.keys() | last_runs.keys())
    ]
