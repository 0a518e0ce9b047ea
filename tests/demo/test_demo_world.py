"""The demo's world: the same for the same seed, the story cast where its stories need it,
and the mess real exports have."""

from __future__ import annotations

import re

from stdnum.it import codicefiscale, iva

from crmhub.demo.people import story_cast
from crmhub.demo.world import make_world, phone_as, strip_accents


def test_the_same_seed_makes_the_same_world_and_another_seed_another():
    assert make_world(40, 3) == make_world(40, 3)
    assert make_world(40, 3).spreadsheet != make_world(40, 4).spreadsheet


def test_size_counts_every_customer_and_each_is_in_at_least_one_system():
    world = make_world(50, 1)
    assert len(world.customers) == 50
    assert all(c.systems for c in world.customers)
    records = len(world.spreadsheet) + len(world.erp) + len(world.contacts) + len(world.accounts)
    assert records == sum(len(c.systems) for c in world.customers)


def test_the_story_cast_is_messed_up_as_its_stories_say():
    world = make_world(8, 0)
    rows = {world.refs["spreadsheet", r["ID"]]: r for r in world.spreadsheet}
    erp = {world.refs["erp", r["codice"]]: r for r in world.erp}
    contacts = dict(world.contacts)
    accounts = dict(world.accounts)
    assert {
        c.ref for c in story_cast() if set(c.systems) == {"spreadsheet", "erp", "salesforce"}
    } == {"mario-rossi", "brambilla"}
    assert (rows["mario-rossi"]["NOME"], rows["mario-rossi"]["TELEFONO"]) == ("MARIO", "3331234567")
    assert contacts["mario-rossi"]["Email"] == "Mario.Rossi@Example.com"
    assert (rows["nicolo-bianchi"]["NOME"], erp["nicolo-bianchi"]["nome"]) == ("NICOLO'", "Nicolò")
    assert contacts["giulia-verdi"]["FirstName"] == "Giula"
    assert rows["brambilla"]["AZIENDA"] == "OFFICINE MECCANICHE BRAMBILLA"
    assert erp["brambilla"]["ragione_sociale"].endswith("S.p.A.")
    assert accounts["brambilla"]["Name"].endswith("SpA")
    assert erp["gino-ferrari"]["telefono"] == rows["gianni-ferrari"]["TELEFONO"]
    assert erp["gino-ferrari"]["codice_fiscale"] != rows["gianni-ferrari"]["CODICE_FISCALE"]
    assert rows["anna-esposito"]["CONSENSO_MARKETING"] == "SI"
    assert contacts["anna-esposito"]["HasOptedOutOfEmail"] is True
    assert "luca-moretti" not in contacts and erp["luca-moretti"]["email"] is None


def test_identifiers_are_valid_and_phones_come_in_several_formats():
    world = make_world(200, 9)
    assert all(iva.is_valid(c.vat_id) for c in world.customers if c.vat_id)
    assert all(
        codicefiscale.is_valid(c.codice_fiscale) for c in world.customers if c.codice_fiscale
    )
    shapes = {re.sub(r"\d", "9", r["telefono"]) for r in world.erp if r["telefono"]}
    assert len(shapes) >= 4
    assert phone_as("+39 333 123 4567", 3) == "333-123-4567"
    assert strip_accents("Nicolò Càntù") == "Nicolo Cantu"
