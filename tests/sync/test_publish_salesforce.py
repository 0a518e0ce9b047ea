"""Publishing to the fake Salesforce through the real ``salesforce`` connector: failures retried
with backoff and given up without holding up the rest, a throttling storm survived with every
record delivered once, and each conflict policy deciding as configured. Every test runs on a
SQLite and a PostgreSQL hub store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.sdk import SourceRecord
from connectors.testing.fake_salesforce import FakeSalesforce, RecordError
from crmhub.config.connections import build_connector
from crmhub.config.project import Project
from crmhub.store.schema import outbox
from crmhub.sync import (
    EchoFilter,
    ledger_of,
    list_conflicts,
    list_outbox,
    plan_target,
    publish,
    resolve_conflict,
    retry_dead,
)

from .conftest import Goldens, ingest, person, salesforce_connection

EXT = "Crmhub_Id__c"
NO_WAIT = {"backoff_seconds": 0, "backoff_max_seconds": 0}


def sf_project(project_for: Any, fake: FakeSalesforce, **target: Any) -> Project:
    spec = {"connection": "salesforce", "stream": "Contact", "id_field": EXT, **target}
    return project_for(
        {"salesforce": salesforce_connection(fake)}, {"sf_contacts": spec}, token=fake.token
    )


def contact(fake: FakeSalesforce, golden_id: str) -> dict[str, Any]:
    (found,) = fake.find("Contact", EXT, golden_id)
    return found


def statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status))
        return dict(rows.all())


def family(n: int) -> str:
    """A family name of letters only, different for every ``n`` (digits are not a name)."""
    return "Numero" + chr(ord("a") + n // 26) + chr(ord("a") + n % 26)


def locked_when_family_is(name: str) -> Any:
    """A save that Salesforce answers UNABLE_TO_LOCK_ROW (retryable) for one family name."""

    def rejects(record: Mapping[str, Any]) -> bool:
        if record.get("LastName") == name:
            raise RecordError(
                "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"
            )
        return False

    return rejects


def test_a_record_that_keeps_failing_goes_dead_without_holding_up_the_others_then_is_retried(
    project_for, fake, goldens, store_engine
):
    project = sf_project(project_for, fake, retry={"max_attempts": 3, **NO_WAIT}, batch_size=2)
    ids = [goldens.add(person("Mario", family(n), f"mario{n}@rossi.it")) for n in range(5)]
    stuck = goldens.add(person("Anna", "Bloccato", "anna@bloccata.it"))
    fake.reject_when("Contact", locked_when_family_is("Bloccato"), "locked")

    first = publish(project, store_engine, "sf_contacts")
    assert (first.sent, first.failed, first.dead) == (5, 1, 0)  # the others went through
    assert all(contact(fake, gid)["Email"] for gid in ids)
    second = publish(project, store_engine, "sf_contacts")
    third = publish(project, store_engine, "sf_contacts")
    assert (second.sent, second.failed, second.dead) == (0, 1, 0)
    assert (third.sent, third.failed, third.dead) == (0, 0, 1)
    (dead,) = list_outbox(store_engine, statuses=["dead"])
    assert dead.golden_id == stuck and dead.attempts == 3
    assert "UNABLE_TO_LOCK_ROW" in (dead.last_error or "") and "gave up after 3" in dead.last_error
    assert publish(project, store_engine, "sf_contacts").sent == 0  # dead waits for a person

    fake.org.rules.clear()  # the lock is gone
    assert retry_dead(store_engine, target="sf_contacts", ids=[dead.id]) == 1
    after = publish(project, store_engine, "sf_contacts")

    assert after.sent == 1 and contact(fake, stuck)["LastName"] == "Bloccato"
    assert statuses(store_engine) == {"sent": 6}
    assert len(fake.records("Contact")) == 6


def test_a_record_the_target_refuses_for_good_is_dead_at_once(
    project_for, fake, goldens, store_engine
):
    project = sf_project(project_for, fake)
    goldens.add(person("Mario", "Rossi", "mario@rossi.it"))
    refused = goldens.add(person("Luca", "Verdi", "luca@verdi.it"))
    fake.reject_when("Contact", lambda r: r.get("LastName") == "Verdi", "Verdi is blocked")

    report = publish(project, store_engine, "sf_contacts")

    assert (report.sent, report.failed, report.dead) == (1, 0, 1)
    (dead,) = list_outbox(store_engine, statuses=["dead"])
    assert dead.golden_id == refused and dead.attempts == 1
    assert "Verdi is blocked" in (dead.last_error or "") and "not retryable" in dead.last_error


def test_retrying_something_that_is_not_dead_is_refused_and_changes_nothing(
    project_for, fake, goldens, store_engine
):
    project = sf_project(project_for, fake)
    goldens.add(person("Mario", "Rossi"))
    plan_target(project, store_engine, "sf_contacts")
    (pending,) = list_outbox(store_engine)

    from crmhub.sync import OutboxEntryNotFound

    with pytest.raises(OutboxEntryNotFound) as caught:
        retry_dead(store_engine, ids=[pending.id, 999_999])
    assert f"{pending.id} (pending)" in caught.value.message
    assert "999999 (no such row)" in caught.value.message
    assert statuses(store_engine) == {"pending": 1}


def test_a_throttling_storm_delivers_every_record_exactly_once(
    project_for, fake, goldens, store_engine, monkeypatch
):
    connection = salesforce_connection(fake)
    connection["config"]["max_wait_seconds"] = 0.03  # the connector gives up on a batch quickly
    project = project_for(
        {"salesforce": connection},
        {
            "sf_contacts": {
                "connection": "salesforce",
                "stream": "Contact",
                "id_field": EXT,
                "batch_size": 5,
                "retry": {"max_attempts": 50, "backoff_seconds": 0.01, "backoff_max_seconds": 0.05},
            }
        },
        token=fake.token,
    )
    ids = [goldens.add(person("Cliente", family(n), f"c{n}@esempio.it")) for n in range(30)]
    fake.throttle_next(60, method="PATCH")  # 403 REQUEST_LIMIT_EXCEEDED, 60 times in a row

    report = publish(project, store_engine, "sf_contacts", wait_for_retries=30)

    assert report.failed > 0, "the storm should have failed some batches"
    assert (report.sent, report.dead, report.waiting) == (30, 0, 0)
    records = fake.records("Contact")
    assert sorted(r[EXT] for r in records) == sorted(ids)  # each exactly once
    assert all(contact(fake, gid)["Email"] == f"c{n}@esempio.it" for n, gid in enumerate(ids))
    assert sorted(e.golden_id for e in ledger_of(store_engine, "sf_contacts")) == sorted(ids)
    assert publish(project, store_engine, "sf_contacts").sent == 0


# -- conflicts -----------------------------------------------------------------------------------


def _published_and_read(
    project: Project, fake: FakeSalesforce, goldens: Goldens, engine: Engine
) -> tuple[str, str]:
    """A golden person published to Salesforce and read back; (golden id, Salesforce Id)."""
    gid = goldens.add(person("Mario", "Rossi", "mario@rossi.it"))
    publish(project, engine, "sf_contacts")
    ingest(project, engine, "salesforce", "Contact")
    return gid, contact(fake, gid)["Id"]


def _target_changes(fake: FakeSalesforce, sf_id: str, project: Project, engine: Engine) -> None:
    fake.touch("Contact", [sf_id], changes={"Email": "mario.target@rossi.it"})
    ingest(project, engine, "salesforce", "Contact")


def _hub_changes(goldens: Goldens, gid: str) -> None:
    goldens.change(gid, person("Mario", "Rossi", "mario.hub@rossi.it"))


@pytest.mark.parametrize(
    ("fields", "hub_last", "resolution", "email"),
    [
        ({"Email": {"conflict": "hub_wins"}}, False, "hub", "mario.hub@rossi.it"),
        ({"emails": {"conflict": "target_wins"}}, True, "target", "mario.target@rossi.it"),
        ({"Email": {"owner": "hub", "conflict": "owner_wins"}}, False, "hub", "mario.hub@rossi.it"),
        ({"Email": {"conflict": "newest_wins"}}, True, "hub", "mario.hub@rossi.it"),
        ({"Email": {"conflict": "newest_wins"}}, False, "target", "mario.target@rossi.it"),
    ],
    ids=[
        "hub_wins",
        "target_wins",
        "owner_wins",
        "newest_wins-hub-last",
        "newest_wins-target-last",
    ],
)
def test_each_conflict_policy_decides_as_configured_and_is_recorded(
    project_for, fake, goldens, store_engine, fields, hub_last, resolution, email
):
    project = sf_project(project_for, fake, fields=fields)
    gid, sf_id = _published_and_read(project, fake, goldens, store_engine)
    if hub_last:
        _target_changes(fake, sf_id, project, store_engine)
        _hub_changes(goldens, gid)
    else:
        _hub_changes(goldens, gid)
        _target_changes(fake, sf_id, project, store_engine)

    report = publish(project, store_engine, "sf_contacts")

    assert report.plan is not None and dict(report.plan.conflicts) == {resolution: 1}
    assert contact(fake, gid)["Email"] == email
    (conflict,) = list_conflicts(store_engine, open_only=False)
    assert (conflict.golden_id, conflict.field, conflict.resolution) == (gid, "Email", resolution)
    assert (conflict.hub_value, conflict.target_value) == (
        "mario.hub@rossi.it",
        "mario.target@rossi.it",
    )
    assert conflict.resolved_by == "policy" and list_conflicts(store_engine) == []
    ingest(project, store_engine, "salesforce", "Contact")
    again = publish(project, store_engine, "sf_contacts")  # decided once, not again
    assert again.plan is not None and not again.plan.conflicts and again.sent == 0


def test_a_manual_conflict_waits_for_a_steward_then_the_choice_is_carried_out(
    project_for, fake, goldens, store_engine
):
    project = sf_project(project_for, fake, fields={"emails": {"conflict": "manual"}})
    gid, sf_id = _published_and_read(project, fake, goldens, store_engine)
    _hub_changes(goldens, gid)
    _target_changes(fake, sf_id, project, store_engine)

    first = publish(project, store_engine, "sf_contacts")
    second = publish(project, store_engine, "sf_contacts")

    assert first.plan is not None and dict(first.plan.conflicts) == {"open": 1}
    assert first.sent == 0 and second.sent == 0
    assert contact(fake, gid)["Email"] == "mario.target@rossi.it"
    (waiting,) = list_conflicts(store_engine)  # recorded once, though planned twice
    assert waiting.is_open and waiting.policy == "manual"

    resolve_conflict(store_engine, waiting.id, "hub", actor="anna")
    after = publish(project, store_engine, "sf_contacts")

    assert after.sent == 1 and contact(fake, gid)["Email"] == "mario.hub@rossi.it"
    assert list_conflicts(store_engine) == []
    (decided,) = list_conflicts(store_engine, open_only=False)
    assert (decided.resolution, decided.resolved_by) == ("hub", "anna")


def test_a_field_owned_by_the_target_is_only_set_when_the_hub_creates_the_record(
    project_for, fake, goldens, store_engine
):
    project = sf_project(project_for, fake, fields={"Phone": {"owner": "target"}})
    gid = goldens.add(person("Mario", "Rossi", phones=["02 8646 4521"]))
    publish(project, store_engine, "sf_contacts")
    assert contact(fake, gid)["Phone"] == "+390286464521"  # seeded on creation

    goldens.change(gid, person("Mario", "Rossi", phones=["02 1111 2222"]))
    report = publish(project, store_engine, "sf_contacts")

    assert report.sent == 0 and contact(fake, gid)["Phone"] == "+390286464521"


def test_a_field_owned_by_a_system_of_record_carries_that_system_s_value(
    project_for, fake, goldens, store_engine
):
    connections = {
        "salesforce": salesforce_connection(fake),
        "erp": {
            "type": "sql",
            "config": {
                "connection_string": "${ERP_ODBC}",
                "streams": {"clienti": {"table": "clienti", "key": ["codice"]}},
            },
        },
    }
    targets = {
        "sf_contacts": {
            "connection": "salesforce",
            "stream": "Contact",
            "id_field": EXT,
            "fields": {"Phone": {"owner": "erp"}},
        }
    }
    project = project_for(connections, targets, token=fake.token)
    erp_view = person("Mario", "Rossi", phones=["02 8646 4521"])
    gid = goldens.add(person("Mario", "Rossi", phones=["347 555 0101"]), sources=())
    goldens.link(gid, "erp", erp_view)

    publish(project, store_engine, "sf_contacts")

    assert contact(fake, gid)["Phone"] == "+390286464521"  # the ERP's, not the golden one


# -- echoes --------------------------------------------------------------------------------------


def _read_all(project: Project) -> list[SourceRecord]:
    with build_connector(project, "salesforce") as connector:
        return [i for i in connector.read("Contact", None) if isinstance(i, SourceRecord)]


def test_salesforce_reading_back_the_hub_s_writes_is_an_echo_and_a_user_s_edit_is_not(
    project_for, fake, goldens, store_engine
):
    project = sf_project(project_for, fake)
    mario = goldens.add(person("Mario", "Rossi", "mario@rossi.it"))
    anna = goldens.add(person("Anna", "Verdi", "anna@verdi.it"))
    theirs = fake.insert("Contact", {"FirstName": "Luca", "LastName": "Bianchi"})
    publish(project, store_engine, "sf_contacts")
    mario_id, anna_id = contact(fake, mario)["Id"], contact(fake, anna)["Id"]
    echoes = EchoFilter.for_stream(project, "salesforce", "Contact")

    with store_engine.connect() as conn:
        first = echoes(conn, _read_all(project))  # created by the hub, never read before
    ingest(project, store_engine, "salesforce", "Contact")
    fake.touch("Contact", [anna_id], changes={"Phone": "+39 02 1234567"})  # a user's edit
    goldens.change(mario, person("Mario", "Rossi", "m.rossi@rossi.it"))
    publish(project, store_engine, "sf_contacts")
    with store_engine.connect() as conn:
        second = echoes(conn, _read_all(project))

    assert first == {mario_id, anna_id}
    assert second == {mario_id}
    assert theirs not in first | second
