"""Matching across cycles (issues #4/#6), end to end in the ``cycle_world``: a Contact the hub
created in Salesforce stays with its golden record after a salesperson edits it, and a model
fitted on a first, partial cycle is refitted once the other systems are read."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from .cycle_world import EXT, PEOPLE, World, golden_of, live_goldens, store_url_of

pytestmark = [pytest.mark.mariadb, pytest.mark.odbc]


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
