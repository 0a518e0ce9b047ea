"""N golden records written straight into a store, as the golden stage leaves them, fast.

Every record is a real canonical person (``canonical.Party``, as the store keeps one): a given
and a family name, an e-mail and an Italian mobile number, all different from one record to the
next. Only ``golden_records`` is written: a target without a ``has_source`` filter needs nothing
else of a golden record (see tests/sync/conftest.py ``Goldens`` for the full shape).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical import Party
from crmhub.store.schema import golden_records

GIVEN = ("Mario", "Giulia", "Luca", "Francesca", "Marco", "Chiara", "Paolo", "Sara", "Andrea",
         "Elena", "Giuseppe", "Anna", "Stefano", "Laura", "Davide", "Silvia")  # fmt: skip
FAMILY = ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
          "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa")  # fmt: skip
MOBILE = ("320", "328", "333", "339", "340", "345", "347", "348", "349", "366", "380", "392")
INSERT_CHUNK = 5_000


def _letters(n: int) -> str:
    """A run of lowercase letters, different for every ``n`` (names hold no digits)."""
    out = ""
    while True:
        n, rest = divmod(n, 26)
        out = chr(ord("a") + rest) + out
        if n == 0:
            return out


def person(n: int) -> dict[str, Any]:
    """The ``n``-th canonical person, exactly as the store keeps one."""
    given = GIVEN[n % len(GIVEN)]
    family = f"{FAMILY[n // len(GIVEN) % len(FAMILY)]}{_letters(n)}".title()
    source = {
        "person": {"given_name": given, "family_name": family},
        "emails": [f"{given.lower()}.{n}@example.it"],
        "phones": [f"+39 {MOBILE[n % len(MOBILE)]} {n % 10_000_000:07d}"],
    }
    party = Party.from_source(source, default_country="IT")
    return party.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def contact_values(data: dict[str, Any]) -> list[Any]:
    """FirstName, LastName, Email, Phone the reverse mapping makes of a canonical person."""
    return [
        data["person"]["given_name"],
        data["person"]["family_name"],
        data["emails"][0]["value"],
        data["phones"][0]["value"],
    ]


def _rows(count: int, start: datetime) -> Iterator[dict[str, Any]]:
    for n in range(count):
        at = start + timedelta(microseconds=n)
        data = person(n)
        yield {
            "id": uuid.UUID(int=n + 1, version=4).hex,
            "party_kind": data.get("kind"),
            "data": data,
            "lineage": {},
            "version": 1,
            "created_at": at,
            "updated_at": at,
        }


def insert_goldens(engine: Engine, count: int) -> dict[str, list[Any]]:
    """Insert ``count`` live golden records; golden id -> the Contact values expected for it."""
    expected: dict[str, list[Any]] = {}
    chunk: list[dict[str, Any]] = []
    start = datetime.now(UTC) - timedelta(days=1)
    for row in _rows(count, start):
        expected[row["id"]] = contact_values(row["data"])
        chunk.append(row)
        if len(chunk) == INSERT_CHUNK:
            _insert(engine, chunk)
            chunk = []
    if chunk:
        _insert(engine, chunk)
    return expected


def _insert(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(golden_records), rows)
