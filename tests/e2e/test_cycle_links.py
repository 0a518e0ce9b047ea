"""Matching across cycles (issues #4/#6), end to end in the ``cycle_world``: a Contact the hub
created in Salesforce stays with its golden record after a salesperson edits it, and a model
fitted on a first, partial cycle is refitted once the other systems are read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.store.schema import golden_records, source_records, xref

from .cycle_world import EXT, PEOPLE, ErpDatabase, World, erp_database, new_world

pytestmark = [pytest.mark.mariadb, pytest.mark.odbc]


@pytest.fixture(scope="module")
def erp_world() -> Iterator[ErpDatabase]:
    with erp_database() as database:
        yield database


@pytest.fixture
def world(erp_world: ErpDatabase, tmp_path: Path) -> Iterator[World]:
    with new_world(erp_world, tmp_path / "project") as made:
        yield made


def store_url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def golden_of(engine: Engine, connection: str, key: str) -> str:
    s, x = source_records.c, xref.c
    with engine.connect() as conn:
        return conn.execute(
            sa.select(x.golden_id)
            .join_from(xref, source_records, x.source_record_id == s.id)
            .where(s.connection == connection, s.source_key == key)
        ).scalar_one()


def live_goldens(engine: Engine) -> set[str]:
    g = golden_records.c
    with engine.connect() as conn:
        return set(conn.execute(sa.select(g.id).where(g.retired_at.is_(None))).scalars())


def test_a_contact_the_hub_created_stays_with_its_golden_record_when_edited(
    world: World, store_engine: Engine
):
    engine = store_engine
    project = world.project(store_url_of(engine))
    world.cycle(project, engine)
    luca = golden_of(engine, "erp", "C003")
    contact = world.hub_contacts()[luca]["Id"]
    second = world.cycle(project, engine)  # reads the hub's Contacts back
    assert second.match.report.pinned == 3
    assert golden_of(engine, "salesforce", contact) == luca

    world.salesperson_edits(contact, Phone="347 9990000", Email="l.verdi@altrove.example")
    third = world.cycle(project, engine)

    assert third.match.report.incremental
    assert golden_of(engine, "salesforce", contact) == luca
    assert len(live_goldens(engine)) == PEOPLE
    assert set(world.erp.rows()) == live_goldens(engine)  # no duplicate row in the ERP
    assert len(world.contacts()) == 4 + 3
    assert world.contacts()[contact][EXT] == luca
    assert world.erp.rows()[luca]["telefono"] == "+393479990000"  # the edit reached the ERP


def test_a_model_fitted_on_a_partial_first_cycle_is_refitted_when_all_systems_are_read(
    world: World, store_engine: Engine
):
    engine = store_engine
    project = world.project(store_url_of(engine))
    first = world.cycle(project, engine, connections=["erp"], targets=["erp_clienti"])
    assert first.match.report.model_fitted and first.match.report.records == 4

    second = world.cycle(project, engine)

    match = second.match.report
    assert match.model_fitted and match.model_fit_reason.startswith("live records grew from 4 to")
    mario = golden_of(engine, "erp", "C001")
    assert golden_of(engine, "fiera", "F-1") == mario
    assert golden_of(engine, "salesforce", world.sf_ids[0]) == mario
    assert len(live_goldens(engine)) == PEOPLE
    third = world.cycle(project, engine)
    assert third.match.report.incremental and not third.match.report.model_fitted
