"""A customer (golden record) as the customer page shows it: every field with its lineage.

Each value is one line with the survivorship rule that chose it and the source records that
hold it (the page expands a line to show them). Lists are grouped into sections: contact
points, identifiers, consents, credit, orders, interactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store.schema import golden_records, xref
from crmhub.web.audit import Event, events_about
from crmhub.web.display import element_text, text_of
from crmhub.web.errors import NotFound
from crmhub.web.records import SourceRecord, load_records

MAX_REDIRECTS = 50
EVENTS_SHOWN = 50

#: Sections of the page: title -> the list fields shown in it, in order.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Contact points": ("emails", "phones", "addresses", "web"),
    "Identifiers": ("identifiers",),
    "Consents": ("consents",),
    "Credit": ("credit",),
    "Orders": ("orders",),
    "Interactions": ("interactions",),
    "Relationships": ("relationships",),
}
NESTED = ("person", "organization")
NOT_SHOWN = ("provenance", "issues", "kind")


@dataclass(frozen=True, slots=True)
class FieldLine:
    """One value of the golden record and where it came from."""

    path: str
    text: str
    rule: str | None
    sources: list[SourceRecord]
    value_from: SourceRecord | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CustomerView:
    """What the customer page shows."""

    id: str
    requested_id: str
    party_kind: str | None
    display_name: str
    version: int
    retired: bool
    created_at: datetime
    updated_at: datetime
    identity: list[FieldLine]
    sections: dict[str, list[FieldLine]]
    sources: list[SourceRecord]
    events: list[Event] = field(default_factory=list)


def _current(conn: Connection, golden_id: str) -> Any:
    """The golden row ``golden_id`` stands for, following merge redirects."""
    wanted = golden_id
    for _ in range(MAX_REDIRECTS):
        row = conn.execute(
            sa.select(golden_records).where(golden_records.c.id == wanted)
        ).one_or_none()
        if row is None:
            raise NotFound(
                f"no customer with golden id {golden_id!r}",
                hint="search for the customer by name, e-mail, phone or VAT id",
            )
        if row.redirect_to is None:
            return row
        wanted = row.redirect_to
    raise NotFound(
        f"golden id {golden_id!r} redirects more than {MAX_REDIRECTS} times",
        hint="the redirect chain is broken; report it",
    )


def _lineage_ids(lineage: dict[str, Any]) -> set[int]:
    ids: set[int] = set()
    for entry in lineage.values():
        if isinstance(entry, dict):
            ids.update(int(s) for s in entry.get("sources") or [])
            if entry.get("value_from") is not None:
                ids.add(int(entry["value_from"]))
    return ids


def _line(
    path: str, text: str, lineage: dict[str, Any], refs: dict[int, SourceRecord]
) -> FieldLine:
    entry = lineage.get(path) or {}
    sources = [refs[int(s)] for s in entry.get("sources") or [] if int(s) in refs]
    value_from = entry.get("value_from")
    details = {k: v for k, v in entry.items() if k not in ("rule", "sources", "value_from")}
    return FieldLine(
        path,
        text,
        entry.get("rule"),
        sources,
        refs.get(int(value_from)) if value_from is not None else None,
        details,
    )


def _identity(
    data: dict[str, Any], lineage: dict[str, Any], refs: dict[int, SourceRecord]
) -> list[FieldLine]:
    lines = []
    listed = {name for names in SECTIONS.values() for name in names}
    for key, value in data.items():
        if key in listed or key in NOT_SHOWN:
            continue
        if key in NESTED and isinstance(value, dict):
            lines += [
                _line(f"{key}.{leaf}", text_of(v), lineage, refs) for leaf, v in value.items()
            ]
        else:
            lines.append(_line(key, text_of(value), lineage, refs))
    return lines


def customer_view(engine: Engine, golden_id: str) -> CustomerView:
    """The customer ``golden_id`` (a merged-away id shows its survivor); :class:`NotFound`
    for an unknown id."""
    with engine.connect() as conn:
        row = _current(conn, golden_id)
        member_ids = list(
            conn.execute(
                sa.select(xref.c.source_record_id).where(xref.c.golden_id == row.id)
            ).scalars()
        )
        lineage = row.lineage if isinstance(row.lineage, dict) else {}
        refs = load_records(conn, set(member_ids) | _lineage_ids(lineage))
    data = row.data if isinstance(row.data, dict) else {}
    sections = {
        title: [
            _line(f"{name}[{i}]", element_text(name, element), lineage, refs)
            for name in names
            for i, element in enumerate(data.get(name) or [])
        ]
        for title, names in SECTIONS.items()
    }
    return CustomerView(
        id=row.id,
        requested_id=golden_id,
        party_kind=row.party_kind,
        display_name=text_of(data.get("display_name")) or row.id,
        version=row.version,
        retired=row.retired_at is not None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        identity=_identity(data, lineage, refs),
        sections=sections,
        sources=[refs[i] for i in sorted(member_ids) if i in refs],
        events=events_about(engine, "golden", [row.id], limit=EVENTS_SHOWN),
    )
