"""Echo suppression: recognising, among records read from a target, the hub's own writes.

When the ingest reads back a record the hub wrote and it holds exactly what the write ledger
says the hub wrote (on top of what the hub had last read), it is an echo: no new information,
and the golden/match stage must not see it as a change (invariant 3, "Echo-free").

Where it plugs in (``crmhub.ingest.pipeline.ingest_stream``)::

    echoes = EchoFilter.for_stream(project, connection, stream)     # once per stream
    for batch in _batches(...):
        stored = writer.lookup(keys)
        echo_keys = echoes(conn, batch.records) if echoes else set()   # same transaction
        conn.rollback()
        ...

and a record whose key is in ``echo_keys`` is stored (raw *and* canonical, so the store
holds what the target holds) without moving ``last_changed_run_id``: the match and golden
stages, which pick up changed records, never see it. A tombstone of a record the hub itself
deleted is an echo too.

A record is an echo when (1) the ledger has a write of it newer than the version the hub had
stored, and (2) every field that matters agrees with what the hub expects the target to hold
now: the stored version with the ledger's later writes applied in order. Fields that matter
are the fields the hub writes and those the stream's mapping reads, except the hub's id field
and ``source_updated_at`` fields (a target stamps those on every write). Values are compared
as ``crmhub.sync.values.same_value`` does (``"1500.00"`` is ``1500``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.sdk import SourceRecord
from crmhub.config.project import Project
from crmhub.store.schema import source_records
from crmhub.sync.batching import in_chunks
from crmhub.sync.diff import DELETE
from crmhub.sync.ledger import LedgerEntry, entries_for
from crmhub.sync.targets import Target, targets_of_stream
from crmhub.sync.values import same_value

_S = source_records.c


@dataclass(frozen=True, slots=True)
class _Stored:
    raw: dict[str, Any]
    read_at: datetime


class EchoFilter:
    """Finds the echoes of the hub's writes in batches read from one stream of one connection."""

    def __init__(self, connection: str, stream: str, targets: Sequence[Target]) -> None:
        self.connection = connection
        self.stream = stream
        self.targets = tuple(targets)
        self.id_fields = tuple(sorted({t.id_field for t in targets if t.id_field}))
        compared = set().union(*(t.read_fields | set(t.fields) for t in targets))
        self.compared = frozenset(compared - set(self.id_fields))
        # Built once: it runs per batch of an ingest (why: ``crmhub.ingest.mapper.tune_gc``).
        self._stored_statement = sa.select(_S.source_key, _S.raw, _S.updated_at, _S.deleted).where(
            _S.connection == connection,
            _S.stream == stream,
            _S.source_key.in_(sa.bindparam("keys", expanding=True)),
        )

    @classmethod
    def for_stream(cls, project: Project, connection: str, stream: str) -> EchoFilter:
        """The filter for ``stream`` of ``connection``: empty (falsy) when no target writes it."""
        return cls(connection, stream, targets_of_stream(project, connection, stream))

    def __bool__(self) -> bool:
        return bool(self.targets)

    def __call__(self, conn: Connection, records: Sequence[SourceRecord]) -> set[str]:
        """The keys of ``records`` that are echoes of the hub's own writes."""
        if not self.targets or not records:
            return set()
        hub_ids = {r.key: hub_id for r in records if (hub_id := self._hub_id(r))}
        entries = entries_for(
            conn,
            [t.name for t in self.targets],
            golden_ids=set(hub_ids.values()),
            external_ids={r.key for r in records},
        )
        if not entries:
            return set()
        stored = self._stored(conn, [r.key for r in records])
        by_golden: dict[str, list[LedgerEntry]] = {}
        by_external: dict[str, list[LedgerEntry]] = {}
        for entry in entries:
            by_golden.setdefault(entry.golden_id, []).append(entry)
            by_external.setdefault(entry.external_id, []).append(entry)
        echoes = set()
        for record in records:
            mine = by_external.get(record.key, []) or by_golden.get(hub_ids.get(record.key, ""), [])
            if mine and self._is_echo(record, mine, stored.get(record.key)):
                echoes.add(record.key)
        return echoes

    def _hub_id(self, record: SourceRecord) -> str | None:
        for name in self.id_fields:
            value = record.data.get(name)
            if value not in (None, ""):
                return str(value).strip()
        return None

    def _stored(self, conn: Connection, keys: list[str]) -> dict[str, _Stored]:
        found = {}
        for chunk in in_chunks(keys):
            for key, raw, updated_at, deleted in conn.execute(
                self._stored_statement, {"keys": chunk}
            ):
                found[key] = _Stored({} if deleted else raw or {}, updated_at)
        return found

    def _is_echo(
        self, record: SourceRecord, entries: list[LedgerEntry], stored: _Stored | None
    ) -> bool:
        since = [e for e in entries if stored is None or e.written_at > stored.read_at]
        if not since:
            return False
        if record.deleted:
            return since[-1].operation == DELETE
        expected = dict(stored.raw) if stored is not None else {}
        for entry in since:
            expected.update(entry.values)
        return all(same_value(record.data.get(f), expected.get(f)) for f in self.compared)
