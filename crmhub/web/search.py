"""Finding customers by name, e-mail, phone, VAT id, codice fiscale or external id.

The query is normalised the way the ingest normalised the stored values (the canonical
normalisers: an e-mail's match key, a phone in E.164, a VAT id with its country prefix, an
upper-case codice fiscale), then looked up in ``source_records``; hits lead to their golden
record through ``xref``.

Cost, per key:

* external id: an equality on ``source_key`` for each known (connection, stream) - probes of
  the unique index (connection, stream, source_key).
* e-mail, phone, VAT id, codice fiscale: exact matches inside the canonical JSON (PostgreSQL:
  ``canonical @> fragment``; SQLite: a text scan for the quoted value, then ``json_extract``
  / ``json_each`` on the rows it leaves). These scan source_records: no index is added, to
  keep the ingest's write path as fast as it is.
* name: a case-insensitive substring of ``display_name`` (a scan of one short column).

Every search is *bounded*: at most ``limit`` hits, and on PostgreSQL a statement timeout
(``WebSettings.search_timeout_ms``) cancels a search that would take longer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from canonical.normalise.codice_fiscale import normalise_codice_fiscale
from canonical.normalise.email import normalise_email
from canonical.normalise.phone import normalise_phone
from canonical.normalise.vat import normalise_vat
from crmhub.store.schema import connection_state, source_records, xref
from crmhub.web.errors import InvalidInput

MIN_NAME_LENGTH = 2
MAX_QUERY_LENGTH = 200
Predicate = sa.ColumnElement[bool]

# What a query looks like, for the "any key" search.
_CF_SHAPE = re.compile(
    r"[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}"
    r"[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]"
)
_VAT_SHAPE = re.compile(r"(?:[A-Za-z]{2})?[0-9 .]{8,15}")
_PHONE_SHAPE = re.compile(r"\+?[0-9 ()./-]{6,20}")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A source record found, with the golden record it belongs to and the key that found it."""

    source_id: int
    connection: str
    stream: str
    source_key: str
    display_name: str
    party_kind: str | None
    golden_id: str | None
    found_by: str


def _has_substring(column: sa.ColumnElement[Any], text: str) -> Predicate:
    """``column LIKE '%text%'`` with LIKE's wildcards in ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


class _Json:
    """Exact-match predicates inside ``source_records.canonical`` for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self.canonical = source_records.c.canonical

    def _contains(self, fragment: dict[str, Any]) -> Predicate:
        from sqlalchemy.dialects.postgresql import JSONB

        return self.canonical.op("@>")(sa.bindparam(None, fragment, type_=JSONB()))

    def _mentions(self, value: str) -> Predicate:
        """SQLite: the stored JSON text contains ``value`` as a JSON string. A cheap text scan
        that lets the exact JSON test below run on a handful of rows, not on every row."""
        return _has_substring(
            sa.cast(self.canonical, sa.Text), json.dumps(value, ensure_ascii=False)
        )

    def at(self, path: tuple[str, ...], value: str) -> Predicate:
        """The value at ``path`` (objects, then a leaf key) equals ``value``."""
        if self.postgres:
            fragment: Any = value
            for key in reversed(path):
                fragment = {key: fragment}
            return self._contains(fragment)
        return sa.and_(
            self._mentions(value),
            sa.func.json_extract(self.canonical, "$." + ".".join(path)) == value,
        )

    def in_list(self, list_field: str, leaf: str, value: str) -> Predicate:
        """Some element of the list ``list_field`` has ``leaf`` equal to ``value``."""
        if self.postgres:
            return self._contains({list_field: [{leaf: value}]})
        each = sa.func.json_each(self.canonical, f"$.{list_field}").table_valued("value")
        return sa.and_(
            self._mentions(value),
            sa.exists(
                sa.select(sa.literal(1))
                .select_from(each)
                .where(sa.func.json_extract(each.c.value, f"$.{leaf}") == value)
            ),
        )


@dataclass(frozen=True, slots=True)
class SearchKey:
    """One way to search: a label, how the query is normalised, and how records are matched
    (predicates tried in order until one finds something)."""

    name: str
    label: str
    normalise: Callable[[str], str | None]
    matches: Callable[[Connection, _Json, str], list[Predicate]]


def _email(q: str) -> str | None:
    result = normalise_email(q)
    return result.match_key if result.valid else None


def _phone(q: str) -> str | None:
    result = normalise_phone(q)
    return result.value if result.valid else None


def _vat(q: str) -> str | None:
    result = normalise_vat(q)
    return result.value if result.valid else None


def _codice_fiscale(q: str) -> str | None:
    result = normalise_codice_fiscale(q)
    return result.value if result.valid else None


def _stripped(q: str) -> str | None:
    return q.strip() or None


def _name(q: str) -> str | None:
    text = " ".join(q.split()).lower()
    return text if len(text) >= MIN_NAME_LENGTH else None


def _name_matches(_conn: Connection, _j: _Json, text: str) -> list[Predicate]:
    return [_has_substring(sa.func.lower(source_records.c.display_name), text)]


def _known_streams(conn: Connection) -> list[tuple[str, str]]:
    c = connection_state.c
    return [tuple(r) for r in conn.execute(sa.select(c.connection, c.stream))]  # type: ignore[misc]


def _external_id(conn: Connection, _j: _Json, value: str) -> list[Predicate]:
    """``source_key = value``: first spelt per known (connection, stream), so that the unique
    index serves it; only when that finds nothing, as a scan (a stream without saved state)."""
    s = source_records.c
    scan = s.source_key == value
    streams = _known_streams(conn)
    if not streams:
        return [scan]
    probe = sa.or_(
        *(sa.and_(s.connection == c, s.stream == st, s.source_key == value) for c, st in streams)
    )
    return [probe, scan]


def _email_matches(_conn: Connection, j: _Json, key: str) -> list[Predicate]:
    return [
        sa.or_(
            j.in_list("emails", "match_key", key), j.at(("organization", "pec", "match_key"), key)
        )
    ]


def _phone_matches(_conn: Connection, j: _Json, e164: str) -> list[Predicate]:
    return [j.in_list("phones", "value", e164)]


def _vat_matches(_conn: Connection, j: _Json, vat: str) -> list[Predicate]:
    # Identifiers keep a VAT id with its prefix (EU_VAT) or without it (IT_PIVA).
    return [
        sa.or_(
            j.at(("organization", "vat_id", "value"), vat),
            j.in_list("identifiers", "value", vat),
            j.in_list("identifiers", "value", vat[2:]),
        )
    ]


def _cf_matches(_conn: Connection, j: _Json, code: str) -> list[Predicate]:
    return [
        sa.or_(
            j.at(("person", "codice_fiscale", "value"), code),
            j.at(("organization", "tax_code", "value"), code),
            j.in_list("identifiers", "value", code),
        )
    ]


#: The search keys, in the order the page offers them.
SEARCH_KEYS: dict[str, SearchKey] = {
    key.name: key
    for key in (
        SearchKey("name", "name", _name, _name_matches),
        SearchKey("email", "e-mail", _email, _email_matches),
        SearchKey("phone", "phone", _phone, _phone_matches),
        SearchKey("vat", "VAT id", _vat, _vat_matches),
        SearchKey("cf", "codice fiscale", _codice_fiscale, _cf_matches),
        SearchKey("external_id", "external id", _stripped, _external_id),
    )
}


def guess_keys(query: str) -> list[str]:
    """The keys worth trying for a query typed without saying what it is."""
    q = query.strip()
    if "@" in q:
        return ["email", "external_id"]
    keys = []
    if _CF_SHAPE.fullmatch(q.replace(" ", "")):
        keys.append("cf")
    if _VAT_SHAPE.fullmatch(q) and _vat(q):
        keys.append("vat")
    if _PHONE_SHAPE.fullmatch(q) and _phone(q):
        keys.append("phone")
    keys.append("external_id")
    if not any(k in keys for k in ("cf", "vat", "phone")):
        keys.append("name")
    return keys


def search(
    engine: Engine, query: str, *, key: str = "any", limit: int, timeout_ms: int
) -> list[SearchHit]:
    """Source records matching ``query`` by ``key`` (a :data:`SEARCH_KEYS` name or "any"),
    at most ``limit``, ordered by name. :class:`InvalidInput` for a query that cannot be a
    value of the key asked for."""
    query = query.strip()
    if not query:
        return []
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"the search text has {len(query)} characters; at most {MAX_QUERY_LENGTH}",
            hint="search by one name, e-mail, phone or id",
        )
    if key != "any" and key not in SEARCH_KEYS:
        raise InvalidInput(
            f"unknown search key {key!r}", hint=f"use one of: any, {', '.join(SEARCH_KEYS)}"
        )
    wanted = guess_keys(query) if key == "any" else [key]
    normalised = {k: SEARCH_KEYS[k].normalise(query) for k in wanted}
    usable = {k: v for k, v in normalised.items() if v}
    if not usable:
        label = SEARCH_KEYS[key].label if key != "any" else "anything searchable"
        raise InvalidInput(
            f"{query!r} is not a valid {label}", hint="check the value, or search by another key"
        )
    json = _Json(engine.dialect.name)
    hits: dict[int, SearchHit] = {}
    with engine.begin() as conn:
        if json.postgres:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        for name, value in usable.items():
            for matches in SEARCH_KEYS[name].matches(conn, json, value):
                found = _run(conn, matches, name, limit)
                for hit in found:
                    hits.setdefault(hit.source_id, hit)
                if found:  # a later predicate is a slower fallback for the same key
                    break
    return sorted(hits.values(), key=lambda h: (h.display_name.lower(), h.source_id))[:limit]


def _run(conn: Connection, matches: Predicate, found_by: str, limit: int) -> list[SearchHit]:
    s = source_records.c
    try:
        rows = conn.execute(
            sa.select(
                s.id,
                s.connection,
                s.stream,
                s.source_key,
                s.display_name,
                s.party_kind,
                xref.c.golden_id,
            )
            .outerjoin(xref, xref.c.source_record_id == s.id)
            .where(matches, sa.not_(s.deleted))
            .order_by(s.id)
            .limit(limit)
        ).all()
    except sa.exc.OperationalError as exc:
        if "statement timeout" in str(exc.orig) or "canceling statement" in str(exc.orig):
            raise InvalidInput(
                "the search took too long and was stopped",
                hint="search by e-mail, phone or id, or type more of the name",
            ) from None
        raise
    return [
        SearchHit(
            r.id,
            r.connection,
            r.stream,
            r.source_key,
            r.display_name or "",
            r.party_kind,
            r.golden_id,
            found_by,
        )
        for r in rows
    ]
