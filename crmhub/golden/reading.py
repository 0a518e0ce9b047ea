"""Reading golden records: by id (following redirects), their lineage and cross-references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.golden.fields import resolve_field_path
from crmhub.golden.records import current_row, load_members
from crmhub.golden.sources import SourceRef, load_refs
from crmhub.store.schema import source_records, xref


@dataclass(frozen=True, slots=True)
class GoldenRecord:
    """A golden record as it stands.

    Attributes:
        id: its id (where the redirects led, if ``requested_id`` was merged away).
        requested_id: the id asked for.
        data: the canonical party (valid for ``canonical.party.Party``).
        lineage: field path -> {rule, sources, value_from, ...} (source record ids).
        retired: no live source record is left; ``data`` is the last known.
        sources: every source record linked to it (tombstones included).
    """

    id: str
    requested_id: str
    party_kind: str | None
    data: dict[str, Any]
    lineage: dict[str, Any]
    version: int
    retired: bool
    created_at: datetime
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class FieldLineage:
    """Where one golden field's value came from.

    Attributes:
        path: the lineage key ("person.given_name", "emails[0]").
        rule: the survivorship rule that chose it, or ``steward_override``.
        sources: the source records holding the value.
        value_from: the source record whose exact value was taken (None for an override).
        details: anything else recorded (the steward's actor, reason and time).
    """

    path: str
    rule: str
    sources: tuple[SourceRef, ...]
    value_from: SourceRef | None
    details: dict[str, Any]


def golden_record(engine: Engine, golden_id: str) -> GoldenRecord:
    """The golden record ``golden_id`` stands for (merged-away ids lead to their survivor).

    Raises :class:`GoldenRecordNotFound` for an unknown id.
    """
    with engine.connect() as conn:
        row = current_row(conn, golden_id)
        links = load_members(conn, [row.id])[row.id]
        refs = load_refs(conn, [k.source_record_id for k in links])
    return GoldenRecord(
        id=row.id,
        requested_id=golden_id,
        party_kind=row.party_kind,
        data=row.data,
        lineage=row.lineage,
        version=row.version,
        retired=row.retired_at is not None,
        created_at=row.created_at,
        sources=tuple(refs[sid] for sid in sorted(refs)),
    )


def lineage(engine: Engine, golden_id: str, field: str | None = None) -> list[FieldLineage]:
    """The lineage of a golden record's fields, with source records named by (connection,
    stream, key); only ``field`` (and, for a list field, each of its elements) if given."""
    wanted = resolve_field_path(field) if field is not None else None
    with engine.connect() as conn:
        row = current_row(conn, golden_id)
        entries = {
            path: entry
            for path, entry in sorted(row.lineage.items())
            if wanted is None or path == wanted or path.startswith(f"{wanted}[")
        }
        ids = {
            sid
            for e in entries.values()
            for sid in [*e.get("sources", []), e.get("value_from")]
            if sid is not None
        }
        refs = load_refs(conn, ids)
    out = []
    for path, entry in entries.items():
        details = {k: v for k, v in entry.items() if k not in ("rule", "sources", "value_from")}
        source = entry.get("value_from")
        out.append(
            FieldLineage(
                path,
                str(entry["rule"]),
                tuple(refs[s] for s in entry.get("sources", []) if s in refs),
                refs.get(source) if source is not None else None,
                details,
            )
        )
    return out


def golden_id_of_source(engine: Engine, connection: str, stream: str, key: str) -> str | None:
    """The golden id of the source record (connection, stream, key), or None if it has none."""
    s, x = source_records.c, xref.c
    with engine.connect() as conn:
        return conn.execute(
            sa.select(x.golden_id)
            .join_from(xref, source_records, x.source_record_id == s.id)
            .where(s.connection == connection, s.stream == stream, s.source_key == key)
        ).scalar_one_or_none()
