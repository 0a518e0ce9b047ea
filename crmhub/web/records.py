"""Source records as the workbench shows them: who said what, from which system, when."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store.schema import source_records, xref
from crmhub.web.errors import NotFound


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record as a source system gave it, with its canonical form and its golden id."""

    id: int
    connection: str
    stream: str
    source_key: str
    display_name: str
    party_kind: str | None
    canonical: dict[str, Any]
    raw: dict[str, Any]
    source_updated_at: datetime | None
    updated_at: datetime
    deleted: bool
    golden_id: str | None

    @property
    def label(self) -> str:
        """``connection/stream/key``: how the record is named on screen."""
        return f"{self.connection}/{self.stream}/{self.source_key}"


def load_records(conn: Connection, ids: Collection[int]) -> dict[int, SourceRecord]:
    """The source records ``ids`` (those that exist) by id."""
    if not ids:
        return {}
    s = source_records.c
    rows = conn.execute(
        sa.select(source_records, xref.c.golden_id)
        .outerjoin(xref, xref.c.source_record_id == s.id)
        .where(s.id.in_(sorted(set(ids))))
    )
    found = {}
    for row in rows:
        m = row._mapping
        found[m["id"]] = SourceRecord(
            id=m["id"],
            connection=m["connection"],
            stream=m["stream"],
            source_key=m["source_key"],
            display_name=m["display_name"] or "",
            party_kind=m["party_kind"],
            canonical=m["canonical"] or {},
            raw=m["raw"] or {},
            source_updated_at=m["source_updated_at"],
            updated_at=m["updated_at"],
            deleted=bool(m["deleted"]),
            golden_id=m["golden_id"],
        )
    return found


def source_record(engine: Engine, record_id: int) -> SourceRecord:
    """The source record ``record_id``; :class:`NotFound` if there is none."""
    with engine.connect() as conn:
        found = load_records(conn, [record_id]).get(record_id)
    if found is None:
        raise NotFound(
            f"no source record with id {record_id}",
            hint="search for the customer by name, e-mail or external id",
        )
    return found
