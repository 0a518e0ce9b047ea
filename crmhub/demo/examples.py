"""What the demo shows after its cycle: the golden records of the story cast, each with the
source records it was merged from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.demo.world import World
from crmhub.store.schema import golden_records, source_records, xref
from crmhub.sync.filters import consent_status


@dataclass(frozen=True)
class Example:
    """One golden record: the story it tells, its values and its sources
    (``connection key`` each, in reading order)."""

    story: str
    golden_id: str
    name: str
    email: str | None
    phone: str | None
    marketing_email: str | None
    sources: tuple[str, ...]


def _first(values: list[dict[str, Any]] | None) -> str | None:
    return str(values[0].get("value") or values[0].get("raw")) if values else None


def golden_sources(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """Live golden id -> its live source records as (connection, key)."""
    s, x, g = source_records.c, xref.c, golden_records.c
    query = (
        sa.select(x.golden_id, s.connection, s.source_key)
        .join_from(xref, source_records, x.source_record_id == s.id)
        .join(golden_records, g.id == x.golden_id)
        .where(g.redirect_to.is_(None), g.retired_at.is_(None), s.deleted.is_(False))
        .order_by(s.id)
    )
    found: dict[str, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for gid, connection, key in conn.execute(query):
            found.setdefault(gid, []).append((connection, key))
    return found


def goldens_by_ref(world: World, sources: dict[str, list[tuple[str, str]]]) -> dict[str, set[str]]:
    """Customer ref -> the golden ids holding one of its records."""
    found: dict[str, set[str]] = {}
    for gid, keys in sources.items():
        for key in keys:
            ref = world.refs.get(key)
            if ref:
                found.setdefault(ref, set()).add(gid)
    return found


def story_examples(engine: Engine, world: World) -> list[Example]:
    """The story cast's golden records, in the cast's order."""
    sources = golden_sources(engine)
    by_ref = goldens_by_ref(world, sources)
    chosen = [
        (c.story, gid) for c in world.customers if c.story for gid in sorted(by_ref.get(c.ref, ()))
    ]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(golden_records.c.id, golden_records.c.data).where(
                golden_records.c.id.in_([gid for _, gid in chosen])
            )
        )
        data = dict(rows.all())
    return [_example(story, gid, data[gid], sources[gid], world) for story, gid in chosen]


def _source(key: tuple[str, str], world: World) -> str:
    mark = "" if key in world.refs else " (the hub's own write)"
    return f"{key[0]} {key[1]}{mark}"


def _example(
    story: str, gid: str, data: dict[str, Any], sources: list[tuple[str, str]], world: World
) -> Example:
    return Example(
        story=story,
        golden_id=gid,
        name=str(data.get("display_name") or ""),
        email=_first(data.get("emails")),
        phone=_first(data.get("phones")),
        marketing_email=consent_status(data.get("consents") or [], "email", "marketing"),
        sources=tuple(_source(key, world) for key in sources),
    )
