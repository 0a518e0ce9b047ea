"""The quarantine: records that could not be stored, with their raw payload and the reason.

``replay`` maps the stored payloads again (after the mapping was fixed), so nothing is read twice
from the source. Problems found while *reading* (bad bytes, a short row) are not replayed: their
payload is incomplete, and they resolve themselves when the source delivers the record whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.sdk import SourceRecord
from crmhub.ingest.builder import build_version
from crmhub.ingest.counts import StreamCounts
from crmhub.ingest.hashing import raw_hash
from crmhub.ingest.pipeline import latest_per_key, place_version
from crmhub.ingest.writer import NewVersion, StreamWriter, WritePlan
from crmhub.mapping.compiler import CompiledMapping
from crmhub.store.engine import immediate_writes
from crmhub.store.schema import quarantine
from crmhub.store.types import utc_now

REPLAYABLE_STAGES = ("map", "validate")


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    id: int
    run_id: int
    connection: str
    stream: str
    source_key: str | None
    position: str | None
    stage: str
    reason: str
    raw: dict[str, Any]
    created_at: datetime
    resolved_at: datetime | None


def _entry(row: Any) -> QuarantineEntry:
    return QuarantineEntry(
        row.id, row.run_id, row.connection, row.stream, row.source_key, row.position, row.stage,
        row.reason, row.raw, row.created_at, row.resolved_at,
    )


def list_entries(
    engine: Engine, *, connection: str | None = None, stream: str | None = None,
    include_resolved: bool = False, limit: int = 100,
) -> list[QuarantineEntry]:
    q = quarantine.c
    query = sa.select(quarantine).order_by(q.id.desc()).limit(limit)
    if connection:
        query = query.where(q.connection == connection)
    if stream:
        query = query.where(q.stream == stream)
    if not include_resolved:
        query = query.where(q.resolved_at.is_(None))
    with engine.connect() as conn:
        return [_entry(row) for row in conn.execute(query)]


def get_entry(engine: Engine, entry_id: int) -> QuarantineEntry | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(quarantine).where(quarantine.c.id == entry_id)).first()
    return _entry(row) if row else None


def replay(
    engine: Engine, connection: str, stream: str, mapping: CompiledMapping, run_id: int,
    ids: list[int] | None = None,
) -> StreamCounts:
    """Map the open entries of one stream again and store those that now pass.

    An entry whose record was stored in a later run than the one that quarantined it is
    resolved without writing: the newer version wins.
    """
    counts = StreamCounts()
    q = quarantine.c
    query = sa.select(quarantine).where(
        q.connection == connection, q.stream == stream, q.resolved_at.is_(None),
        q.stage.in_(REPLAYABLE_STAGES), q.source_key.is_not(None),
    ).order_by(q.id)
    if ids:
        query = query.where(q.id.in_(ids))
    with engine.connect() as conn:
        conn = immediate_writes(conn)
        entries = [_entry(row) for row in conn.execute(query)]
        conn.rollback()
        writer = StreamWriter(conn, connection, stream, run_id)
        stored = writer.lookup([e.source_key for e in entries if e.source_key])
        conn.rollback()
        plan = WritePlan([], [], [], [], [], [])
        superseded: list[int] = []
        for entry in latest_per_key(entries, key=lambda e: e.source_key or ""):
            assert entry.source_key is not None
            existing = stored.get(entry.source_key)
            if existing and (existing.last_changed_run_id or 0) > entry.run_id:
                superseded.append(entry.id)
                continue
            record = SourceRecord(stream, entry.source_key, entry.raw, position=entry.position)
            result = build_version(record, mapping, raw_hash(entry.raw, mapping.fingerprint))
            counts.read += 1
            if not isinstance(result, NewVersion):
                counts.quarantined += 1
                continue  # still failing: the entry stays open as it is
            place_version(result, stored, plan, counts, echo_keys=set())
        with conn.begin():
            writer.apply(plan)
            if superseded:
                conn.execute(
                    sa.update(quarantine).where(q.id.in_(superseded))
                    .values(resolved_at=utc_now(), resolved_run_id=run_id)
                )
    return counts
