"""A target's values seen in the hub's terms: its record as the ingest stored it, through the
target's reverse rules, so that a value typed in another format is not a change (and a real
edit still is)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.sdk import SourceRecord
from crmhub.ingest.builder import build_version
from crmhub.ingest.writer import NewVersion
from crmhub.sync import list_conflicts, load_target, plan_target, publish
from crmhub.sync.decide import decide, held_in_hub_terms
from crmhub.sync.golden import GoldenView
from crmhub.sync.reads import ReadLink, TargetRead
from crmhub.sync.records import TargetRecord
from crmhub.sync.targets import Target

from .conftest import ingest, person, salesforce_connection

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SALESFORCE = {
    "type": "salesforce",
    "config": {
        "instance_url": "https://acme.my.salesforce.com",
        "auth": {"method": "access_token", "access_token": "${SF_TOKEN}"},
        "objects": {"Contact": {}},
    },
    "streams": {"Contact": {"mapping": "mappings/sf_contact.yaml"}},
}
GIULIA = {"FirstName": "Giulia", "LastName": "Bianchi", "Email": "giulia@example.it"}
HUB_PHONE = "+390119998877"
TYPED = "+39 011 999 8877"


@pytest.fixture
def target(project_for: Any) -> Target:
    targets = {"sf": {"connection": "salesforce", "stream": "Contact", "id_field": "Hub_Id__c"}}
    return load_target(project_for({"salesforce": SALESFORCE}, targets), "sf")


def read_of(target: Target, raw: dict[str, Any], at: datetime = T0) -> TargetRead:
    """The read the ingest would store for ``raw`` (its canonical form made the real way)."""
    version = build_version(SourceRecord("Contact", "003A", raw), target.mapping, "h")
    assert isinstance(version, NewVersion), version
    return TargetRead("003A", raw, at, at, False, version.canonical)


def golden(phone: str, updated_at: datetime = T0) -> GoldenView:
    data = person("Giulia", "Bianchi", "giulia@example.it", phones=[phone])
    return GoldenView("g1", "person", data, updated_at, live=True)


def test_a_value_typed_in_another_format_is_seen_as_the_hub_writes_it(target: Target) -> None:
    read = read_of(target, {**GIULIA, "Phone": TYPED})
    desired = {**GIULIA, "Phone": HUB_PHONE}

    assert held_in_hub_terms(target, read, read.raw, desired) == {"Phone": HUB_PHONE}


def test_only_fields_that_differ_and_were_read_are_looked_at(target: Target) -> None:
    read = read_of(target, {**GIULIA, "Phone": TYPED})
    desired = {**GIULIA, "Phone": "+390114440000"}
    written_since = {**read.raw, "Phone": "+390115550000"}  # the hub's later write

    assert held_in_hub_terms(target, read, read.raw, GIULIA | {"Phone": TYPED}) == {}
    assert held_in_hub_terms(target, read, written_since, desired) == {}
    assert held_in_hub_terms(target, read, {**GIULIA, "Phone": ""}, desired) == {}
    assert held_in_hub_terms(target, None, read.raw, desired) == {}
    tombstone = TargetRead("003A", {}, T0, T0, True, None)
    assert held_in_hub_terms(target, tombstone, read.raw, desired) == {}


def test_a_const_reverse_rule_says_nothing_about_what_the_target_holds(project_for: Any) -> None:
    root = project_for.root
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    (root / "mappings/sf_const.yaml").write_text(
        "version: 1\nkind: {const: person}\nreverse:\n  Phone: {const: '+390119998877'}\n"
    )
    sf_const = {
        "connection": "salesforce",
        "stream": "Contact",
        "mapping": "mappings/sf_const.yaml",
    }
    target = load_target(project_for({"salesforce": SALESFORCE}, {"sf": sf_const}), "sf")
    assert "Phone" in target.read_fields  # the stream's own mapping reads it
    read = TargetRead("003A", {"Phone": "+39 02 1234"}, T0, T0, False, golden(HUB_PHONE).data)

    assert held_in_hub_terms(target, read, read.raw, {"Phone": HUB_PHONE}) == {}


BEFORE = "+390115550000"  # the phone the hub wrote, before the salesperson's edit


def decision_after_edit(target: Target, typed: str, hub_phone: str) -> Any:
    """The hub wrote BEFORE; then a salesperson typed ``typed`` in Salesforce, and the golden
    record became ``hub_phone``."""
    record = TargetRecord("g1", "003A", stored=True)
    record.note_written({**GIULIA, "Phone": BEFORE}, T0)
    read = read_of(target, {**GIULIA, "Hub_Id__c": "g1", "Phone": typed}, T0 + timedelta(hours=1))
    return decide(target, golden(hub_phone, T0 + timedelta(hours=2)), record, ReadLink(read), {})


def test_the_golden_value_made_from_an_edit_typed_in_another_format_is_in_sync(
    target: Target,
) -> None:
    decision = decision_after_edit(target, TYPED, HUB_PHONE)

    assert (decision.outcome, decision.change.conflicts) == ("in_sync", [])
    assert decision.record.base_target["Phone"] == HUB_PHONE


def test_a_real_edit_of_the_phone_is_still_a_change(target: Target) -> None:
    decision = decision_after_edit(target, "+39 011 444 0000", "+390116660000")

    (conflict,) = decision.change.conflicts
    assert (conflict.field, conflict.hub_value, conflict.target_value) == (
        "Phone",
        "+390116660000",
        "+39 011 444 0000",
    )
    assert decision.outcome == "update" and decision.change.payload == {"Phone": "+390116660000"}


def test_a_reformatting_alone_does_not_hold_up_the_hub_s_change(target: Target) -> None:
    decision = decision_after_edit(target, "+39 011 555 0000", HUB_PHONE)  # BEFORE, retyped

    assert decision.change.conflicts == []
    assert (decision.outcome, decision.change.payload) == ("update", {"Phone": HUB_PHONE})


# -- through the store and the real Salesforce connector (SQLite and PostgreSQL) ------------------


def test_a_phone_retyped_in_salesforce_is_in_sync_and_a_real_edit_is_still_a_conflict(
    project_for, fake, goldens, store_engine
):
    spec = {"connection": "salesforce", "stream": "Contact", "id_field": "Crmhub_Id__c"}
    spec["fields"] = {"Phone": {"conflict": "manual"}}
    project = project_for(
        {"salesforce": salesforce_connection(fake)}, {"sf": spec}, token=fake.token
    )
    gid = goldens.add(person("Mario", "Rossi", "mario@rossi.it", phones=[BEFORE]))
    publish(project, store_engine, "sf")
    (found,) = fake.find("Contact", "Crmhub_Id__c", gid)

    def salesperson_types(phone: str, golden_phone: str) -> Any:
        """A salesperson's edit, read by the ingest; the golden record becomes ``golden_phone``."""
        fake.touch("Contact", [found["Id"]], changes={"Phone": phone})
        ingest(project, store_engine, "salesforce", "Contact")
        goldens.change(gid, person("Mario", "Rossi", "mario@rossi.it", phones=[golden_phone]))
        return plan_target(project, store_engine, "sf")

    retyped = salesperson_types(TYPED, HUB_PHONE)  # the golden phone made from that edit
    edited = salesperson_types("+39 011 444 0000", "+390116660000")  # the ERP changed it too

    assert retyped.outcomes == {"in_sync": 1} and retyped.queued == 0 and not retyped.conflicts
    assert edited.conflicts == {"open": 1} and edited.queued == 0
    (conflict,) = list_conflicts(store_engine, target="sf")
    assert (conflict.field, conflict.hub_value) == ("Phone", "+390116660000")
