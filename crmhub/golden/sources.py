"""Source records as survivorship reads them, and references to them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmhub.golden.chunks import chunked
from crmhub.store.schema import source_records

UNKNOWN_TIME = float("-inf")  # a source that does not say when it changed ranks as the oldest


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a source record lives: its store id and its (connection, stream, key)."""

    id: int
    connection: str
    stream: str
    key: str


@dataclass(frozen=True, slots=True)
class SourceView:
    """One source record with what survivorship needs to rank its values.

    Attributes:
        canonical: the canonical party as stored (None for a tombstone).
        recency: ``source_updated_at`` as a POSIX timestamp, :data:`UNKNOWN_TIME` if unknown.
        content_hash, updated_at: as stored; with the identity and ``deleted`` they make the
            record's :class:`SourceStamp`.
    """

    id: int
    connection: str
    stream: str
    key: str
    deleted: bool
    canonical: dict[str, Any] | None
    recency: float
    content_hash: str | None = None
    updated_at: datetime | None = None

    @property
    def live(self) -> bool:
        """False for a tombstone (deleted at the source): it no longer contributes values."""
        return not self.deleted and self.canonical is not None

    @property
    def identity(self) -> tuple[str, str, str]:
        """(connection, stream, key): stable across stores, the last tie-breaker."""
        return (self.connection, self.stream, self.key)

    @property
    def ref(self) -> SourceRef:
        """This record as a :class:`SourceRef`."""
        return SourceRef(self.id, self.connection, self.stream, self.key)


def _recency(updated_at: datetime | None) -> float:
    return updated_at.timestamp() if updated_at is not None else UNKNOWN_TIME


_COLUMNS = (
    source_records.c.id,
    source_records.c.connection,
    source_records.c.stream,
    source_records.c.source_key,
    source_records.c.deleted,
    source_records.c.canonical,
    source_records.c.source_updated_at,
    source_records.c.content_hash,
)


def load_sources(conn: Connection, ids: Iterable[int]) -> dict[int, SourceView]:
    """The source records with ``ids`` (ids the store does not hold are simply absent)."""
    found: dict[int, SourceView] = {}
    for chunk in chunked(sorted(set(ids))):
        rows = conn.execute(sa.select(*_COLUMNS).where(source_records.c.id.in_(chunk)))
        for rid, connection, stream, key, deleted, canonical, updated_at, content_hash in rows:
            found[rid] = SourceView(
                rid,
                connection,
                stream,
                key,
                bool(deleted),
                canonical,
                _recency(updated_at),
                content_hash,
                updated_at,
            )
    return found


def load_refs(conn: Connection, ids: Iterable[int]) -> dict[int, SourceRef]:
    """(connection, stream, key) of the source records with ``ids``."""
    t = source_records.c
    found: dict[int, SourceRef] = {}
    for chunk in chunked(sorted(set(ids))):
        rows = conn.execute(
            sa.select(t.id, t.connection, t.stream, t.source_key).where(t.id.in_(chunk))
        )
        for rid, connection, stream, key in rows:
            found[rid] = SourceRef(rid, connection, stream, key)
    return found


@dataclass(frozen=True, slots=True)
class SourceStamp:
    """What identifies a source record's state without its content: enough to tell that a
    golden record's inputs did not change (``crmhub.golden.inputs``). A :class:`SourceView`
    has the same attributes."""

    id: int
    connection: str
    stream: str
    key: str
    deleted: bool
    content_hash: str | None
    updated_at: datetime | None


def load_source_stamps(conn: Connection, ids: Iterable[int]) -> dict[int, SourceStamp]:
    """The stamps of the source records with ``ids`` (ids the store does not hold are absent)."""
    t = source_records.c
    columns = (
        t.id,
        t.connection,
        t.stream,
        t.source_key,
        t.deleted,
        t.content_hash,
        t.source_updated_at,
    )
    found: dict[int, SourceStamp] = {}
    for chunk in chunked(sorted(set(ids))):
        for rid, connection, stream, key, deleted, content_hash, updated_at in conn.execute(
            sa.select(*columns).where(t.id.in_(chunk))
        ):
            found[rid] = SourceStamp(
                rid, connection, stream, key, bool(deleted), content_hash, updated_at
            )
    return found
