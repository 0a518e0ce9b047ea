from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crmhub.ingest.pipeline import IngestOptions, ingest_stream
from crmhub.mapping.compiler import CompiledMapping
from crmhub.mapping.loader import load_mapping
from crmhub.store import finish_run, start_run
from crmhub.store.schema import connection_state, quarantine, source_records

MAPPING = """
version: 1
kind: {from: TIPO, lookup: {P: person, A: organization}, strict_lookup: true}
defaults: {country: IT}
fields:
  person.given_name: {from: NOME, when: {field: TIPO, equals: P}}
  person.family_name: {from: COGNOME, when: {field: TIPO, equals: P}}
  person.birth_date: {from: DATA_NASCITA, transform: [{date: "%d/%m/%Y"}], when: {field: TIPO, equals: P}}
  organization.legal_name: {from: RAGIONE_SOCIALE, when: {field: TIPO, equals: A}}
  emails:
    - {raw: EMAIL}
  phones:
    - {raw: TELEFONO}
"""


def write_mapping(directory: Path, text: str = MAPPING) -> CompiledMapping:
    path = directory / "mapping.yaml"
    path.write_text(text)
    return load_mapping(path)


@pytest.fixture
def mapping(tmp_path: Path) -> CompiledMapping:
    return write_mapping(tmp_path)


def sync(engine: sa.Engine, system: Any, mapping: CompiledMapping, **options: Any):  # type: ignore[no-untyped-def]
    run_id = start_run(engine, "sync", "crm")
    try:
        counts = ingest_stream(engine, system, "crm", "customers", mapping, run_id, IngestOptions(**options))
    except BaseException:
        finish_run(engine, run_id, "failed", error="test")
        raise
    finish_run(engine, run_id, "succeeded", counts.as_dict())
    return counts


def stored(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    """Every stored record by key: what a comparison of two stores needs."""
    t = source_records.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.source_key, t.content_hash, t.deleted, t.canonical, t.raw))
        return {r.source_key: {"hash": r.content_hash, "deleted": r.deleted, "canonical": r.canonical,
                               "raw": r.raw} for r in rows}


def open_quarantine(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(quarantine).where(quarantine.c.resolved_at.is_(None))))


def saved_state(engine: sa.Engine) -> dict[str, Any] | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(connection_state.c.state)).scalar_one_or_none()
