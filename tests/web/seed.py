"""A small, realistic store for the workbench tests: source records from three systems,
candidate pairs (four waiting for review), golden records with lineage, events.

Rows go in through SQL on the store's tables, the way the ingest, the matcher and the golden
layer leave them; canonical records are built by ``canonical.Party`` so they have the real shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from canonical import Party
from crmhub.match.explain import PairExplanation
from crmhub.store.schema import (
    connection_state,
    events,
    golden_records,
    match_pairs,
    source_records,
    xref,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _orders(n: int) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"O-{i}",
            "ordered_at": f"2025-0{1 + i % 9}-1{i % 9}T10:00:00Z",
            "status": "delivered",
            "total": {"amount": "120.50", "currency": "EUR"},
        }
        for i in range(n)
    ]


def _interactions(n: int) -> list[dict[str, Any]]:
    return [
        {
            "kind": "call",
            "occurred_at": f"2025-10-0{1 + i % 9}T10:00:00Z",
            "direction": "inbound",
            "subject": f"call {i}",
        }
        for i in range(n)
    ]


# (connection, stream, key, what the mapping produced)
RECORDS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "erp",
        "customers",
        "C001",
        {
            "kind": "person",
            "person": {
                "given_name": "Mario",
                "family_name": "Rossi",
                "birth_date": "1980-01-01",
                "codice_fiscale": "RSSMRA80A01F205X",
            },
            "emails": ["mario.rossi@example.it"],
            "phones": ["02 1234567"],
            "addresses": [{"street": "Via Roma 1", "postcode": "20121", "city": "Milano"}],
            "consents": [
                {
                    "channel": "email",
                    "purpose": "newsletter",
                    "status": "opt_in",
                    "captured_at": "2025-03-01T10:00:00Z",
                }
            ],
            "orders": _orders(3),
        },
    ),
    (
        "shop",
        "customers",
        "S-77",
        {
            "kind": "person",
            "person": {"given_name": "Mario", "family_name": "Rossi"},
            "emails": ["Mario.Rossi@Example.it"],
            "phones": ["+39 02 1234567"],
            "interactions": _interactions(1),
        },
    ),
    (
        "erp",
        "customers",
        "C002",
        {
            "kind": "organization",
            "organization": {"legal_name": "Rossi Mario S.r.l.", "vat_id": "IT00743110157"},
        },
    ),
    (
        "shop",
        "customers",
        "S-78",
        {
            "kind": "organization",
            "organization": {"legal_name": "ROSSI MARIO SRL", "vat_id": "00743110157"},
            "phones": ["02 7654321"],
        },
    ),
    (
        "crm",
        "leads",
        "L-9",
        {
            "kind": "person",
            "person": {"given_name": "Giulia", "family_name": "Bianchi"},
            "emails": ["giulia.bianchi@example.com"],
        },
    ),
    (
        "erp",
        "customers",
        "C003",
        {
            "kind": "person",
            "person": {"given_name": "Giulia", "family_name": "Bianchi"},
            "emails": ["g.bianchi@example.com"],
            "orders": _orders(12),
        },
    ),
    (
        "crm",
        "leads",
        "L-10",
        {"kind": "person", "person": {"given_name": "Paolo", "family_name": "Verdi"}},
    ),
    (
        "shop",
        "customers",
        "S-90",
        {"kind": "person", "person": {"given_name": "Paolo", "family_name": "Verde"}},
    ),
]

EXPLANATION_PARTS = [
    {
        "comparison": "email",
        "level": "exact",
        "left_value": "mario.rossi@example.it",
        "right_value": "mario.rossi@example.it",
        "m": 0.9,
        "u": 0.001,
        "weight": 9.81,
        "tf_adjustment": 0.0,
    },
    {
        "comparison": "name",
        "level": "exact",
        "left_value": "mario rossi",
        "right_value": "mario rossi",
        "m": 0.8,
        "u": 0.01,
        "weight": 6.32,
        "tf_adjustment": -1.5,
    },
    {
        "comparison": "birth_date",
        "level": "missing",
        "left_value": "1980-01-01",
        "right_value": "",
        "m": None,
        "u": None,
        "weight": 0.0,
        "tf_adjustment": 0.0,
    },
    {
        "comparison": "phone",
        "level": "different",
        "left_value": "+39021234567",
        "right_value": "+39027654321",
        "m": 0.1,
        "u": 0.9,
        "weight": -3.17,
        "tf_adjustment": 0.0,
    },
]

# (index of A in RECORDS, index of B, probability, status)
PAIRS: list[tuple[int, int, float, str]] = [
    (0, 1, 0.85, "review"),  # Mario Rossi, history 3 orders + 1 interaction
    (2, 3, 0.95, "review"),  # Rossi Mario SRL, no history
    (4, 5, 0.70, "review"),  # Giulia Bianchi, 12 orders
    (6, 7, 0.55, "review"),  # Paolo Verdi / Verde
    (1, 4, 0.99, "merge"),  # not for review
]


@dataclass
class Seeded:
    """Ids of what was seeded, by name."""

    records: dict[str, int] = field(default_factory=dict)  # source key -> id
    pairs: dict[str, int] = field(default_factory=dict)  # "C001/S-77" -> pair id
    golden_mario: str = "01JGOLDENMARIO0000000000AA"
    golden_merged_away: str = "01JGOLDENMERGEDAWAY00000AA"
    golden_company: str = "01JGOLDENCOMPANY000000000A"


def canonical_of(fields: dict[str, Any], system: str, key: str) -> tuple[dict[str, Any], str]:
    """The stored canonical JSON of a mapped record, and its display name."""
    party = Party.from_source(
        {**fields, "provenance": {"system": system, "external_id": key}}, default_country="IT"
    )
    return party.model_dump(
        mode="json", exclude_none=True, exclude_defaults=True
    ), party.display_name


def _insert_records(conn: Connection, seeded: Seeded) -> None:
    for i, (connection, stream, key, fields) in enumerate(RECORDS):
        canonical, name = canonical_of(fields, connection, key)
        at = T0 + timedelta(minutes=i)
        seeded.records[key] = conn.execute(
            sa.insert(source_records)
            .values(
                connection=connection,
                stream=stream,
                source_key=key,
                raw={"id": key, **fields},
                raw_hash=f"{i:032x}",
                canonical=canonical,
                content_hash=f"{i:032x}",
                party_kind=canonical["kind"],
                display_name=name,
                source_updated_at=at,
                deleted=False,
                created_at=at,
                updated_at=at,
            )
            .returning(source_records.c.id)
        ).scalar_one()
    streams = {(c, s) for c, s, _, _ in RECORDS}
    conn.execute(
        sa.insert(connection_state),
        [
            {"connection": c, "stream": s, "state": {"cursor": "x"}, "updated_at": T0}
            for c, s in sorted(streams)
        ],
    )


def _insert_pairs(conn: Connection, seeded: Seeded) -> None:
    for n, (a, b, probability, status) in enumerate(PAIRS):
        a_id, b_id = seeded.records[RECORDS[a][2]], seeded.records[RECORDS[b][2]]
        a_id, b_id = min(a_id, b_id), max(a_id, b_id)
        explanation = {
            "left_id": str(a_id),
            "right_id": str(b_id),
            "prior_weight": -10.2,
            "match_weight": 1.26,
            "probability": probability,
            "parts": EXPLANATION_PARTS,
        }
        if n % 2 == 0:  # the stored shape of this release; the others as earlier ones stored
            explanation = PairExplanation.from_dict(explanation).to_dict()
        seeded.pairs[f"{RECORDS[a][2]}/{RECORDS[b][2]}"] = conn.execute(
            sa.insert(match_pairs)
            .values(
                a_id=a_id,
                b_id=b_id,
                score=probability * 20 - 5,
                probability=probability,
                explanation=explanation,
                status=status,
                created_at=T0,
            )
            .returning(match_pairs.c.id)
        ).scalar_one()


def _insert_golden(conn: Connection, seeded: Seeded) -> None:
    mario_id = seeded.records["C001"]
    canonical, _ = canonical_of(RECORDS[0][3], "erp", "C001")
    data = {k: v for k, v in canonical.items() if k != "provenance"}
    lineage: dict[str, Any] = {
        "display_name": {"rule": "source_priority", "sources": [mario_id], "value_from": mario_id},
        "person.given_name": {
            "rule": "source_priority",
            "sources": [mario_id],
            "value_from": mario_id,
        },
        "person.family_name": {
            "rule": "most_frequent",
            "sources": [mario_id],
            "value_from": mario_id,
        },
        "person.birth_date": {
            "rule": "steward_override",
            "sources": [],
            "actor": "anna",
            "reason": "ID card seen",
        },
        "emails[0]": {"rule": "validated", "sources": [mario_id], "value_from": mario_id},
        "phones[0]": {"rule": "most_recent", "sources": [mario_id], "value_from": mario_id},
    }
    conn.execute(
        sa.insert(golden_records),
        [
            {
                "id": seeded.golden_mario,
                "party_kind": "person",
                "data": data,
                "lineage": lineage,
                "version": 3,
                "redirect_to": None,
                "created_at": T0,
                "updated_at": T0,
            },
            {
                "id": seeded.golden_company,
                "party_kind": "organization",
                "data": {"kind": "organization", "display_name": "Rossi Mario S.r.l."},
                "lineage": {},
                "version": 1,
                "redirect_to": None,
                "created_at": T0,
                "updated_at": T0,
            },
        ],
    )
    conn.execute(
        sa.insert(golden_records).values(
            id=seeded.golden_merged_away,
            party_kind="person",
            data={"kind": "person"},
            lineage={},
            version=2,
            redirect_to=seeded.golden_mario,
            created_at=T0,
            updated_at=T0,
        )
    )
    conn.execute(
        sa.insert(xref),
        [
            {
                "source_record_id": mario_id,
                "golden_id": seeded.golden_mario,
                "linked_at": T0,
                "via": "matcher",
            },
            {
                "source_record_id": seeded.records["C002"],
                "golden_id": seeded.golden_company,
                "linked_at": T0,
                "via": "matcher",
            },
        ],
    )


def _insert_events(conn: Connection, seeded: Seeded) -> None:
    conn.execute(
        sa.insert(events),
        [
            {
                "at": T0,
                "actor": "matcher",
                "kind": "golden.created",
                "subject_type": "golden",
                "subject_id": seeded.golden_mario,
                "data": {"why": "new cluster"},
            },
            {
                "at": T0 + timedelta(days=1),
                "actor": "anna",
                "kind": "golden.override_set",
                "subject_type": "golden",
                "subject_id": seeded.golden_mario,
                "data": {"why": "ID card seen", "field": "person.birth_date"},
            },
            {
                "at": T0 + timedelta(days=3),
                "actor": "matcher",
                "kind": "golden.created",
                "subject_type": "golden",
                "subject_id": seeded.golden_company,
                "data": {},
            },
        ],
    )


def seed_store(engine: Engine) -> Seeded:
    """Fill a migrated, empty store; returns the ids."""
    seeded = Seeded()
    with engine.begin() as conn:
        _insert_records(conn, seeded)
        _insert_pairs(conn, seeded)
        _insert_golden(conn, seeded)
        _insert_events(conn, seeded)
    return seeded
