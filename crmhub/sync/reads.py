"""What the hub last read from a target: the stored source records of the target's stream that
stand for each golden record.

A target record stands for a golden record when it is the one the hub wrote (its key is the
external id the write returned) or when it carries the golden id in the target's
``id_field``. A record merely linked by the matcher (xref) that does not carry the hub's id
is *unlinked*: writing by the stable id would create a second record beside it, so the plan
leaves such golden records alone and reports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmhub.store.schema import source_records, target_records, xref
from crmhub.sync.golden import IdRange

_S, _T, _X = source_records.c, target_records.c, xref.c
_COLUMNS = (_S.source_key, _S.raw, _S.updated_at, _S.source_updated_at, _S.deleted, _S.canonical)


@dataclass(frozen=True, slots=True)
class TargetRead:
    """The stored version of one record of the target's stream.

    ``read_at`` is when the hub stored this version; ``changed_at`` when the target says it
    last changed (its own stamp, else ``read_at``); ``canonical`` the record as the ingest
    mapped it (None for a tombstone or a quarantined record): what ``raw`` says in the hub's
    terms.
    """

    key: str
    raw: dict[str, Any]
    read_at: datetime
    changed_at: datetime
    deleted: bool
    canonical: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ReadLink:
    """The read standing for a golden record, or why there is none."""

    read: TargetRead | None
    unlinked: TargetRead | None = None  # a matched target record without the hub's id


def _read(row: Any) -> TargetRead:
    key, raw, updated_at, source_updated_at, deleted, canonical = row
    changed_at = source_updated_at or updated_at
    return TargetRead(key, raw or {}, updated_at, changed_at, bool(deleted), canonical or None)


def load_reads(
    conn: Connection, target: str, connection: str, stream: str, ids: IdRange
) -> tuple[dict[str, list[TargetRead]], dict[str, TargetRead]]:
    """For the golden ids in ``ids``: (golden id -> reads of the stream linked to it by xref,
    golden id -> the read whose key is the external id ``target_records`` holds for it)."""
    in_stream = (_S.connection == connection, _S.stream == stream)
    linked: dict[str, list[TargetRead]] = {}
    rows = conn.execute(
        sa.select(_X.golden_id, *_COLUMNS)
        .join_from(xref, source_records, _X.source_record_id == _S.id)
        .where(ids.covers(_X.golden_id), *in_stream)
    )
    for gid, *row in rows:
        linked.setdefault(gid, []).append(_read(row))
    rows = conn.execute(
        sa.select(_T.golden_id, *_COLUMNS)
        .join_from(
            target_records, source_records, sa.and_(_S.source_key == _T.external_id, *in_stream)
        )
        .where(_T.target == target, ids.covers(_T.golden_id))
    )
    by_external_id = {gid: _read(row) for gid, *row in rows}
    return linked, by_external_id


def _newest(reads: list[TargetRead]) -> TargetRead | None:
    return max(reads, key=lambda r: (not r.deleted, r.read_at)) if reads else None


def link_read(
    golden_id: str,
    linked: list[TargetRead],
    by_external_id: TargetRead | None,
    id_field: str | None,
) -> ReadLink:
    """The read that stands for ``golden_id`` among its candidates (see the module docs)."""
    if by_external_id is not None:
        return ReadLink(by_external_id)
    carrying = [r for r in linked if id_field and str(r.raw.get(id_field) or "") == golden_id]
    if carrying:
        return ReadLink(_newest(carrying))
    strangers = [r for r in linked if not r.deleted]
    return ReadLink(None, unlinked=_newest(strangers))
