"""Records a target holds for the hub (carrying the golden id in the target's id_field) stay
in that golden record, in incremental and full runs, on SQLite and PostgreSQL; a steward's
"different" decision still wins; unknown ids are ignored with a log line."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crmhub.config.project import Project
from crmhub.golden.decisions import DIFFERENT
from crmhub.match.clustering import StewardDecisions
from crmhub.match.job import run_match
from crmhub.match.matched_state import golden_ids_of
from crmhub.match.pins import Pin, Pins, unsatisfied, with_pins
from crmhub.match.store import load_steward_decisions
from crmhub.store.engine import write_transaction
from crmhub.store.schema import golden_records, source_records, steward_decisions
from crmhub.store.types import utc_now
from tests.golden.conftest import SourceStore

from .population import Population
from .stored_population import decide, make_project, store_population

ID_FIELD = "Crmhub_Id__c"
TARGET = """connections:
  sf:
    type: file
    config:
      streams:
        Contact: {path: contacts.csv, key: [Id]}
targets:
  sf_contacts:
    connection: sf
    stream: Contact
    id_field: Crmhub_Id__c
"""

ORIGIN: dict[str, Any] = {
    "person": {"given_name": "Zebedeo", "family_name": "Quaglierini", "birth_date": "1971-05-04"},
    "emails": ["zebedeo.quaglierini@erp.example"],
    "phones": ["+39 02 9998877"],
    "addresses": [
        {"street": "Via Tortona", "house_number": "31", "postcode": "20144", "city": "Milano"}
    ],
}
#: What a salesperson made of the hub's Contact: another phone and e-mail, no birth date.
EDITED: dict[str, Any] = {
    "person": {"given_name": "Zebedeo", "family_name": "Quaglierini"},
    "emails": ["zq@vendite.example"],
    "phones": ["+39 347 1234567"],
}


class World:
    """The population and a customer held by the ERP (two records) in one store."""

    def __init__(self, engine: sa.Engine, project: Project, population: Population) -> None:
        self.engine, self.project = engine, project
        self.sources = SourceStore(engine)
        store_population(engine, population)
        self.origin = self.sources.add("erp", "C001", ORIGIN, stream="clienti")
        self.origin_too = self.sources.add("erp", "C001-bis", ORIGIN, stream="clienti")
        first = run_match(project, engine)
        assert not first.incremental
        self.golden = self.golden_of(self.origin)
        assert self.golden_of(self.origin_too) == self.golden

    def golden_of(self, sid: int) -> str:
        return golden_ids_of(self.engine, [sid])[sid]

    def hub_contact(self, data: dict[str, Any], hub_id: str | None) -> int:
        """A Contact the hub wrote into the target, read back (``hub_id`` in its payload)."""
        sid = self.sources.add("sf", "003A", data, stream="Contact")
        self.set_hub_id(sid, data, hub_id)
        return sid

    def set_hub_id(self, sid: int, data: dict[str, Any], hub_id: str | None) -> None:
        raw = {**data, "Id": "003A", ID_FIELD: hub_id}
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(source_records).where(source_records.c.id == sid).values(raw=raw)
            )

    def edit(self, sid: int, data: dict[str, Any], hub_id: str | None) -> None:
        self.sources.change(sid, data, "2024-03-01")
        self.set_hub_id(sid, data, hub_id)


@pytest.fixture
def world(store_engine: sa.Engine, population: Population, tmp_path: Path) -> World:
    return World(store_engine, make_project(tmp_path / "p", TARGET), population)


def test_a_hub_record_stays_in_its_golden_record_after_an_edit(world: World):
    contact = world.hub_contact(ORIGIN, world.golden)
    report = run_match(world.project, world.engine)
    assert report.incremental and report.pinned == 1
    assert world.golden_of(contact) == world.golden

    world.edit(contact, EDITED, world.golden)  # the phone edit that used to split it away
    report = run_match(world.project, world.engine)

    assert report.incremental and report.changed == 1
    assert world.golden_of(contact) == world.golden
    assert world.golden_of(world.origin) == world.golden
    full = run_match(world.project, world.engine, full=True)
    assert full.model_fitted and full.pinned == 1
    assert world.golden_of(contact) == world.golden
    assert run_match(world.project, world.engine).golden_events == 0  # settled
    # system-made: nothing a steward would see as a decision
    assert load_steward_decisions(world.engine).ids() == set()
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(steward_decisions)).scalar() == 0


def test_without_the_hub_id_the_same_edit_splits_it_away(world: World):
    """The control: the edit above is enough to split a record that carries no hub id."""
    contact = world.hub_contact(ORIGIN, None)
    run_match(world.project, world.engine)
    assert world.golden_of(contact) == world.golden

    world.edit(contact, EDITED, None)
    report = run_match(world.project, world.engine)

    assert report.pinned == 0
    assert world.golden_of(contact) != world.golden


def test_a_new_hub_record_joins_its_golden_record_whatever_it_scores(world: World):
    contact = world.hub_contact(EDITED, world.golden)
    report = run_match(world.project, world.engine)
    assert report.incremental and report.pinned == 1
    assert world.golden_of(contact) == world.golden


def test_a_merged_away_golden_id_leads_to_its_survivor(world: World):
    old_id = "01OLDGOLDENMERGEDAWAY00000"
    with write_transaction(world.engine) as conn:  # what a merge leaves of the loser
        conn.execute(
            sa.insert(golden_records).values(
                id=old_id,
                party_kind="person",
                data={},
                lineage={},
                redirect_to=world.golden,
                created_at=utc_now(),
                updated_at=utc_now(),
            )
        )
    contact = world.hub_contact(EDITED, old_id)
    assert run_match(world.project, world.engine).pinned == 1
    assert world.golden_of(contact) == world.golden


def test_a_steward_different_decision_beats_the_pin(world: World, caplog):
    contact = world.hub_contact(ORIGIN, world.golden)
    run_match(world.project, world.engine)
    assert world.golden_of(contact) == world.golden

    decide(world.engine, contact, world.origin, DIFFERENT)
    with caplog.at_level(logging.INFO, logger="crmhub.match.pins"):
        report = run_match(world.project, world.engine)
        full = run_match(world.project, world.engine, full=True, refit=False)

    assert (report.pinned, report.pins_overruled) == (0, 1)
    assert (full.pinned, full.pins_overruled) == (0, 1)
    assert world.golden_of(contact) != world.golden
    assert world.golden_of(world.origin) == world.golden_of(world.origin_too)
    assert "a steward decided" in caplog.text


@pytest.mark.parametrize("hub_id", ["not-a-golden-id", "01ZZZZZZZZZZZZZZZZZZZZZZZZ"])
def test_an_unknown_hub_id_is_ignored_with_a_log_line(world: World, hub_id: str, caplog):
    contact = world.hub_contact(EDITED, hub_id)
    with caplog.at_level(logging.WARNING, logger="crmhub.match.pins"):
        report = run_match(world.project, world.engine)
    assert report.pinned == 0
    assert world.golden_of(contact) != world.golden  # matched like any other record
    assert hub_id in caplog.text and f"record {contact}" in caplog.text


def test_a_pin_is_refused_when_a_steward_keeps_its_records_apart_even_through_a_same():
    members = {"G": frozenset({1, 2, 10}), "H": frozenset({5})}
    pins = Pins((Pin(10, 1, "G"), Pin(20, 5, "H"), Pin(30, 5, "H")), members)
    decisions = StewardDecisions.from_pairs(
        same=[("20", "21")],  # 20 is the same customer as 21 ...
        different=[("21", "5"), ("10", "7")],  # ... whom a steward keeps apart from 5
    )

    kept = pins.kept(decisions)

    assert kept == [Pin(10, 1, "G"), Pin(30, 5, "H")]
    merged = with_pins(decisions, kept)
    assert merged.must_link == {("20", "21"), ("1", "10"), ("30", "5")}
    assert merged.cannot_link == decisions.cannot_link
    assert unsatisfied(kept, {10: "G", 1: "G", 30: "X", 5: "H"}) == [Pin(30, 5, "H")]
