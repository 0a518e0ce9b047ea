"""Source records as survivorship reads them, and references to them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


_S = source_records.c
_IDENTITY = (_S.id, _S.connection, _S.stream, _S.source_key)


def _rows_by_id(conn: Connection, ids: Iterable[int], *columns: Any) -> Iterator[sa.Row[Any]]:
    """``columns`` of the source records with ``ids``, in chunks that fit one ``IN`` list."""
    for chunk in chunked(sorted(set(ids))):
        yield from conn.execute(sa.select(*columns).where(_S.id.in_(chunk)))


def load_sources(conn: Connection, ids: Iterable[int]) -> dict[int, SourceView]:
    """The source records with ``ids`` (ids the store does not hold are simply absent)."""
    rows = _rows_by_id(
        conn, ids, *_IDENTITY, _S.deleted, _S.canonical, _S.source_updated_at, _S.content_hash
    )
    return {
        rid: SourceView(
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
        for rid, connection, stream, key, deleted, canonical, updated_at, content_hash in rows
    }


def load_refs(conn: Connection, ids: Iterable[int]) -> dict[int, SourceRef]:
    """(connection, stream, key) of the source records with ``ids``."""
    return {row[0]: SourceRef(*row) for row in _rows_by_id(conn, ids, *_IDENTITY)}


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
    rows = _rows_by_id(conn, ids, *_IDENTITY, _S.deleted, _S.content_hash, _S.source_updated_at)
    return {
        rid: SourceStamp(rid, connection, stream, key, bool(deleted), content_hash, updated_at)
        for rid, connection, stream, key, deleted, content_hash, updated_at in rows
    }
