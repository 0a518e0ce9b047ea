"""Helpers for the golden-record tests: canonical source records of Italian customers, put
in memory (for the pure survivorship tests) or in a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical.party import Party
from crmhub.golden import apply_clusters, golden_id_of_source
from crmhub.golden.sources import SourceView
from crmhub.store.schema import golden_records, source_records, xref


def when(text: str) -> datetime:
    """An aware UTC datetime from "2024-03-01" or "2024-03-01T10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def canonical(data: dict[str, Any], country: str = "IT") -> dict[str, Any]:
    """``data`` validated and dumped exactly as the ingest stores it."""
    party = Party.from_source(data, default_country=country)
    return party.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def view(
    sid: int,
    connection: str,
    data: dict[str, Any],
    updated: str | None,
    *,
    key: str | None = None,
    stream: str = "customers",
) -> SourceView:
    """An in-memory source record for the pure survivorship tests."""
    recency = when(updated).timestamp() if updated else float("-inf")
    return SourceView(sid, connection, stream, key or f"K{sid}", False, canonical(data), recency)


# Mario Rossi as three systems know him.
MARIO_ERP = {
    "person": {
        "given_name": "Mario",
        "family_name": "Rossi",
        "codice_fiscale": "RSSMRA80A01F205X",
        "birth_date": "01/01/1980",
    },
    "emails": ["mario.rossi@rossiferramenta.it"],
    "phones": ["02 8646 4521"],
    "addresses": [{"lines": ["Via Torino 45, 20123 Milano (MI)"], "purpose": "billing"}],
}
MARIO_SALESFORCE = {
    "person": {"given_name": "Mario", "family_name": "Rossi", "birth_date": "1980-01-10"},
    "emails": ["Mario.Rossi@RossiFerramenta.it"],
    "phones": ["+39 347 555 0101"],
    "consents": [
        {
            "channel": "email",
            "purpose": "marketing",
            "status": "opt_in",
            "captured_at": "2024-06-10T09:00:00Z",
            "source": "salesforce",
        }
    ],
}
MARIO_SHOP = {
    "person": {"given_name": "mario", "family_name": "ROSSI"},
    "emails": ["mario.rossi80@gmail.com", "mario.rossi@@gmail"],
    "phones": ["347 5550101"],
    "addresses": [{"lines": ["Via Torino 45, 20123 Milano"], "purpose": "shipping"}],
    "consents": [
        {
            "channel": "email",
            "purpose": "marketing",
            "status": "opt_out",
            "captured_at": "2024-09-01T18:30:00Z",
            "source": "shop",
        }
    ],
    "orders": [
        {
            "external_id": "#1001",
            "ordered_at": "2024-08-30T10:00:00Z",
            "total": {"amount": "89.90", "currency": "EUR"},
        }
    ],
}
GIULIA_SHOP = {
    "person": {"given_name": "Giulia", "family_name": "Bianchi"},
    "emails": ["giulia.bianchi@libero.it"],
}


def person(given: str, family: str, **extra: Any) -> dict[str, Any]:
    """A minimal person party."""
    return {"person": {"given_name": given, "family_name": family}, **extra}


class SourceStore:
    """Source records written straight into a store, as the ingest would leave them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self,
        connection: str,
        key: str,
        data: dict[str, Any],
        updated: str | None = "2024-01-01",
        *,
        stream: str = "customers",
    ) -> int:
        """Store a new source record; returns its id."""
        values = self._content(data, updated)
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    sa.insert(source_records)
                    .values(
                        connection=connection, stream=stream, source_key=key, raw=data, **values
                    )
                    .returning(source_records.c.id)
                ).scalar_one()
            )

    def add_many(self, rows: list[tuple[str, str, dict[str, Any], str]]) -> list[int]:
        """Store many (connection, key, data, updated) records in one statement; returns their ids."""
        values = [
            {
                "connection": c,
                "stream": "customers",
                "source_key": k,
                "raw": d,
                **self._content(d, u),
            }
            for c, k, d, u in rows
        ]
        t = source_records.c
        with self.engine.begin() as conn:
            conn.execute(sa.insert(source_records), values)
            ids = {
                (c, k): i for c, k, i in conn.execute(sa.select(t.connection, t.source_key, t.id))
            }
        return [ids[(c, k)] for c, k, _d, _u in rows]

    def change(self, sid: int, data: dict[str, Any], updated: str) -> None:
        """A new version of source record ``sid``."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(source_records)
                .where(source_records.c.id == sid)
                .values(raw=data, **self._content(data, updated))
            )

    def delete(self, sid: int) -> None:
        """Mark ``sid`` deleted at its source (a tombstone, as the ingest writer does)."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(source_records).where(source_records.c.id == sid).values(deleted=True)
            )

    def undelete(self, sid: int) -> None:
        """The source record is back."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(source_records).where(source_records.c.id == sid).values(deleted=False)
            )

    @staticmethod
    def _content(data: dict[str, Any], updated: str | None) -> dict[str, Any]:
        party = Party.from_source(data)
        at = when(updated) if updated else None
        return {
            "raw_hash": "0" * 32,
            "canonical": party.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
            "content_hash": party.content_hash(),
            "party_kind": party.kind.value,
            "display_name": party.display_name,
            "source_updated_at": at,
            "deleted": False,
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }


@pytest.fixture
def sources(store_engine: Engine) -> SourceStore:
    """Source records in the test's store."""
    return SourceStore(store_engine)


def golden_state(engine: Engine) -> dict[str, Any]:
    """Everything a golden record is, for exact comparisons: per record in use its kind, data,
    lineage, retirement and xref rows; per merged-away id its redirect."""
    g, x = golden_records.c, xref.c
    with engine.connect() as conn:
        links: dict[str, list[tuple[int, datetime, str]]] = {}
        for sid, gid, at, via in conn.execute(
            sa.select(x.source_record_id, x.golden_id, x.linked_at, x.via)
        ):
            links.setdefault(gid, []).append((sid, at, via))
        live, redirects = {}, {}
        for row in conn.execute(
            sa.select(g.id, g.party_kind, g.data, g.lineage, g.redirect_to, g.retired_at)
        ):
            if row.redirect_to is not None:
                redirects[row.id] = row.redirect_to
                assert row.id not in links, f"xref points at redirected golden record {row.id}"
            else:
                live[row.id] = {
                    "kind": row.party_kind,
                    "data": row.data,
                    "lineage": row.lineage,
                    "retired": row.retired_at is not None,
                    "xref": sorted(links.get(row.id, [])),
                }
    return {"live": live, "redirects": redirects}


def event_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """Every event as (id, kind, subject_id, actor, data), in order."""
    from crmhub.store.schema import events

    e = events.c
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(e.id, e.kind, e.subject_id, e.actor, e.data).order_by(e.id)
            )
        ]


@pytest.fixture
def records(store_engine: Engine, sources: SourceStore) -> tuple[dict[str, int], dict[str, str]]:
    """Source ids and golden ids: Mario in ERP+Salesforce (one golden record), Mario in the shop, Giulia in the shop."""
    ids = {
        "erp": sources.add("erp", "C001", MARIO_ERP, "2024-03-01"),
        "crm": sources.add("salesforce", "0035g00000A1", MARIO_SALESFORCE, "2024-06-10"),
        "shop": sources.add("shop", "7001", MARIO_SHOP, "2024-09-01"),
        "giulia": sources.add("shop", "7002", GIULIA_SHOP, "2024-09-02"),
    }
    apply_clusters(
        store_engine, [{ids["erp"], ids["crm"]}, {ids["shop"]}, {ids["giulia"]}], actor="matcher"
    )
    golden = {
        name: golden_id_of_source(store_engine, *where)
        for name, where in {
            "mario": ("erp", "customers", "C001"),
            "shop_mario": ("shop", "customers", "7001"),
            "giulia": ("shop", "customers", "7002"),
        }.items()
    }
    return ids, golden
