"""The seeded population (population.py) as source records in a real store, and a project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.config.project import Project, load_project
from crmhub.golden.decisions import write_decisions
from crmhub.store.engine import write_transaction
from crmhub.store.schema import golden_records, match_pairs, source_records, xref
from crmhub.store.types import utc_now
from tests.golden.conftest import SourceStore

from .population import Population, party_source

CONNECTION = "crm"


def make_project(root: Path, matching: str = "") -> Project:
    """A project in ``root`` with default settings (plus a ``matching:`` block if given)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "crmhub.yaml").write_text(f"version: 1\nproject: matchtest\n{matching}")
    return load_project(root)


def store_population(engine: Engine, population: Population) -> dict[str, int]:
    """Write every population record as a source record (key = its id); id by key."""
    rows = [
        (CONNECTION, r.id, party_source(population.values[r.id]), "2024-01-01")
        for r in population.records
    ]
    ids = SourceStore(engine).add_many(rows)
    return {r.id: sid for r, sid in zip(population.records, ids)}


def clusters_by_key(engine: Engine) -> set[frozenset[str]]:
    """The clusters of source keys the golden records hold."""
    t, x = source_records.c, xref.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.source_key, x.golden_id).join_from(source_records, xref))
        groups: dict[str, set[str]] = {}
        for key, golden_id in rows:
            groups.setdefault(golden_id, set()).add(key)
    return {frozenset(keys) for keys in groups.values()}


def golden_by_cluster(engine: Engine) -> dict[frozenset[str], Any]:
    """Each golden record's data, by the source keys it gathers (golden ids are random)."""
    t, x, g = source_records.c, xref.c, golden_records.c
    with engine.connect() as conn:
        keys: dict[str, set[str]] = {}
        for key, golden_id in conn.execute(
            sa.select(t.source_key, x.golden_id).join_from(source_records, xref)
        ):
            keys.setdefault(golden_id, set()).add(key)
        data = dict(conn.execute(sa.select(g.id, g.data).where(g.redirect_to.is_(None))).all())
    return {frozenset(members): data[golden_id] for golden_id, members in keys.items()}


def stored_pairs(engine: Engine) -> dict[tuple[int, int], tuple[float, str]]:
    """match_pairs as (a_id, b_id) -> (score, status)."""
    t = match_pairs.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.a_id, t.b_id, t.score, t.status)).all()
    return {(r.a_id, r.b_id): (r.score, r.status) for r in rows}


def decide(engine: Engine, a: int, b: int, decision: str) -> None:
    """A steward's decision on source records ``a`` and ``b``."""
    with write_transaction(engine) as conn:
        write_decisions(conn, [(min(a, b), max(a, b), decision)], "anna", "test", utc_now())
