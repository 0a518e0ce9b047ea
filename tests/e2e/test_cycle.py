"""The whole cycle end to end (issue #6): an ERP on MariaDB through ODBC, a spreadsheet and the
fake Salesforce, with overlapping messy customers (see ``cycle_world``), driven through
``run_cycle`` and ``crmhub run``. Every test checks the hub store (SQLite and PostgreSQL) and
what the ERP and Salesforce really hold."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crmhub.cli import output
from crmhub.cycle import run_cycle
from crmhub.store.locks import connection_lock
from crmhub.store.schema import outbox
from crmhub.sync import ledger_of, list_conflicts, resolve_conflict

from .cycle_world import (
    EXT,
    NOT_IN_SALESFORCE,
    PEOPLE,
    SHEET_ROWS,
    World,
    cli_app,
    crmhub_command,
    golden_of,
    live_goldens,
    store_url_of,
)

pytestmark = [pytest.mark.mariadb, pytest.mark.odbc]

PHONE_BY_PRIORITY = {
    "phones": {"rule": "source_priority", "sources": ["erp", "fiera", "salesforce"]}
}


@pytest.fixture
def engine(store_engine: Engine) -> Engine:
    return store_engine


def erp_writes(world: World) -> dict[str, object]:
    """The ERP import table by golden id, with each row's own change stamp."""
    return {gid: (row["telefono"], row["aggiornato"]) for gid, row in world.erp.rows().items()}


def test_the_first_cycle_merges_the_overlaps_and_publishes_both_ways(world, engine):
    project = world.project(store_url_of(engine))

    report = world.cycle(project, engine)

    goldens = live_goldens(engine)
    assert len(goldens) == PEOPLE
    mario = golden_of(engine, "erp", "C001")
    assert (
        golden_of(engine, "fiera", "F-1")
        == mario
        == golden_of(engine, "salesforce", world.sf_ids[0])
    )
    assert golden_of(engine, "erp", "C002") == golden_of(engine, "fiera", "F-2")  # Giulia
    assert golden_of(engine, "fiera", "F-3") == golden_of(
        engine, "salesforce", world.sf_ids[1]
    )  # Anna
    assert golden_of(engine, "erp", "C004") == golden_of(
        engine, "salesforce", world.sf_ids[2]
    )  # Niccolò
    # The ERP receives every golden record, once, normalised.
    rows = world.erp.rows()
    assert set(rows) == goldens
    assert (rows[mario]["nome"], rows[mario]["email"].casefold(), rows[mario]["telefono"]) == (
        "Mario",
        "mario.rossi@esempio.it",
        "+39021234567",
    )
    # Salesforce receives the customers it lacked, each once, carrying its golden id; the
    # Contacts a salesperson made are matched but left alone (no second Contact beside them).
    created = world.hub_contacts()
    assert set(created) == {
        golden_of(engine, "erp", "C002"),
        golden_of(engine, "erp", "C003"),
        golden_of(engine, "fiera", "F-4"),
    }
    assert len(world.contacts()) == 4 + 3
    assert all(world.contacts()[i][EXT] is None for i in world.sf_ids)
    assert {call.client for call in world.fake.writes} == {"crmhub"}
    erp_step, sf_step = report.publishes
    assert erp_step.report.outcomes["created"] == PEOPLE
    assert sf_step.report.outcomes["created"] == 3
    assert sf_step.report.plan.outcomes["unlinked"] == 4
    assert [e.golden_id for e in ledger_of(engine, "sf_contacts")] != []


def test_a_phone_changed_in_salesforce_reaches_the_erp_and_the_next_cycle_writes_nothing(
    world, engine
):
    project = world.project(store_url_of(engine))
    world.cycle(project, engine)
    second = world.cycle(project, engine)  # reads back what the first one wrote
    assert [s.report.sent for s in second.publishes] == [0, 0]
    giulia = golden_of(engine, "erp", "C002")
    (contact,) = [c for c in world.contacts().values() if c[EXT] == giulia]
    world.salesperson_edits(contact["Id"], Phone="+390119998877")
    writes_before = len(world.fake.writes)

    third = world.cycle(project, engine)

    assert world.erp.rows()[giulia]["telefono"] == "+390119998877"
    erp_step, sf_step = third.publishes
    assert (erp_step.report.sent, erp_step.report.outcomes["updated"]) == (1, 1)
    assert sf_step.report.sent == 0 and len(world.fake.writes) == writes_before
    assert ledger_of(engine, "erp_clienti", giulia)[-1].values == {"telefono": "+390119998877"}

    erp_before, contacts_before = erp_writes(world), world.contacts()
    ledger_before = len(ledger_of(engine, "erp_clienti")) + len(ledger_of(engine, "sf_contacts"))

    fourth = world.cycle(project, engine)

    assert [s.report.sent for s in fourth.publishes] == [0, 0]
    assert [s.report.plan.queued for s in fourth.publishes] == [0, 0]
    assert erp_writes(world) == erp_before  # not even the ON UPDATE stamp moved
    assert world.contacts() == contacts_before and len(world.fake.writes) == writes_before
    assert len(ledger_of(engine, "erp_clienti")) + len(ledger_of(engine, "sf_contacts")) == (
        ledger_before
    )


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_a_phone_typed_in_another_format_in_salesforce_is_not_a_conflict(world, engine):
    project = world.project(store_url_of(engine))
    world.cycle(project, engine)
    world.cycle(project, engine)
    giulia = golden_of(engine, "erp", "C002")
    contact = world.hub_contacts()[giulia]
    world.salesperson_edits(contact["Id"], Phone="+39 011 999 8877")
    writes_before = len(world.fake.writes)

    report = world.cycle(project, engine)

    assert world.erp.rows()[giulia]["telefono"] == "+390119998877"
    assert list_conflicts(engine, open_only=False) == []
    assert report.publishes[1].report.sent == 0 and len(world.fake.writes) == writes_before


@pytest.mark.parametrize(
    ("policy", "salesforce_keeps"), [("owner_wins", "hub"), ("manual", "target")]
)
def test_the_same_field_changed_in_both_systems_is_decided_by_the_policy_and_recorded(
    world, engine, policy, salesforce_keeps
):
    project = world.project(
        store_url_of(engine),
        survivorship={"default_rule": "most_recent", "fields": PHONE_BY_PRIORITY},
        sf_target={"fields": {"Phone": {"conflict": policy}}},
    )
    world.cycle(project, engine)
    giulia = golden_of(engine, "erp", "C002")
    (contact,) = [c for c in world.contacts().values() if c[EXT] == giulia]
    world.erp.execute("UPDATE clienti SET telefono = '011 5550000' WHERE codice = 'C002'")
    world.salesperson_edits(contact["Id"], Phone="+39 011 444 0000")

    report = world.cycle(project, engine)

    hub_value, target_value = "+390115550000", "+39 011 444 0000"
    assert world.erp.rows()[giulia]["telefono"] == hub_value  # the ERP is the phone's first source
    (conflict,) = list_conflicts(engine, target="sf_contacts", open_only=False)
    assert (conflict.golden_id, conflict.field, conflict.policy) == (giulia, "Phone", policy)
    assert conflict.hub_value == hub_value
    assert conflict.target_value in (target_value, "+390114440000")
    phone_in_salesforce = world.contacts()[contact["Id"]]["Phone"]
    expected = hub_value if salesforce_keeps == "hub" else target_value
    assert phone_in_salesforce == expected
    assert report.publishes[1].report.plan.conflicts[conflict.resolution] == 1
    if policy != "manual":
        assert not conflict.is_open and conflict.resolution == salesforce_keeps
        return
    assert conflict.is_open  # waits for a steward: nothing written meanwhile
    world.cycle(project, engine)
    assert world.contacts()[contact["Id"]]["Phone"] == target_value

    resolve_conflict(engine, conflict.id, "hub", actor="steward")
    world.cycle(project, engine)

    assert world.contacts()[contact["Id"]]["Phone"] == hub_value
    assert list_conflicts(engine, target="sf_contacts") == []


def outbox_statuses(engine: Engine, target: str) -> dict[str, int]:
    o = outbox.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(o.status, sa.func.count()).where(o.target == target).group_by(o.status)
        )
        return dict(rows.all())


def expected_in_salesforce(engine: Engine, visitors: int) -> set[str]:
    """The golden records the hub must create in Salesforce: those without a Contact there."""
    keys = [*NOT_IN_SALESFORCE, *(("fiera", f"V-{i}") for i in range(visitors))]
    return {golden_of(engine, connection, key) for connection, key in keys}


def test_a_throttling_storm_during_the_publish_delivers_every_record_exactly_once(world, engine):
    world.add_visitors(20)
    project = world.project(
        store_url_of(engine),
        salesforce={"max_wait_seconds": 0.03},  # the connector gives a throttled batch up quickly
        sf_target={
            "batch_size": 5,
            "retry": {"max_attempts": 50, "backoff_seconds": 0.01, "backoff_max_seconds": 0.05},
        },
    )
    throttled = world.fake.throttle_next(12, method="PATCH")  # 403 REQUEST_LIMIT_EXCEEDED
    unavailable = world.fake.unavailable_next(8, method="PATCH")  # then 503 SERVER_UNAVAILABLE

    report = world.cycle(project, engine, publish_retry_wait=30)

    assert throttled.spent and unavailable.spent
    sf_step = report.publishes[1].report
    assert sf_step.failed > 0, "the storm should have failed some batches"
    assert (sf_step.sent, sf_step.dead, sf_step.waiting) == (23, 0, 0)
    expected = expected_in_salesforce(engine, 20)
    assert set(world.hub_contacts()) == expected  # each exactly once (hub_contacts checks)
    assert len(world.contacts()) == 4 + 23
    assert sorted(e.golden_id for e in ledger_of(engine, "sf_contacts")) == sorted(expected)
    assert outbox_statuses(engine, "sf_contacts") == {"sent": 23}
    assert len(world.erp.rows()) == PEOPLE + 20

    after = world.cycle(project, engine)
    assert [s.report.sent for s in after.publishes] == [0, 0]
    assert len(world.contacts()) == 4 + 23


class BlockedSave:
    """A Salesforce validation rule that holds the ``nth`` Contact save until released, so a
    test can kill the client in the middle of a publish (the save then completes unseen)."""

    def __init__(self, nth: int) -> None:
        self.nth = nth
        self.saves = 0
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, record: Mapping[str, Any]) -> bool:
        self.saves += 1
        if self.saves == self.nth:
            self.reached.set()
            self.release.wait(60)
        return False  # never rejects


def test_a_cycle_killed_in_the_middle_of_its_publish_then_rerun_writes_every_record_once(
    world, engine
):
    world.add_visitors(20)
    project = world.project(store_url_of(engine), sf_target={"batch_size": 5})
    blocked = BlockedSave(nth=8)  # in the second batch of Contacts
    world.fake.reject_when("Contact", blocked, "never")
    world.sync_clock()
    process = subprocess.Popen(
        crmhub_command("--project", str(world.root), "run"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert blocked.reached.wait(60), process.stderr.read().decode() if process.poll() else ""
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        blocked.release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    half = world.hub_contacts()
    assert 5 < len(half) < 23, "the kill should have come in the middle of the publish"
    assert outbox_statuses(engine, "sf_contacts").get("pending", 0) > 0

    report = world.cycle(project, engine)

    expected = expected_in_salesforce(engine, 20)
    assert set(world.hub_contacts()) == expected  # each once: none lost, none doubled
    assert len(world.contacts()) == 4 + 23
    assert all(c["Email"] for c in world.hub_contacts().values())
    assert set(world.erp.rows()) == live_goldens(engine)
    assert set(outbox_statuses(engine, "sf_contacts")) <= {"sent", "withdrawn"}
    assert report.publishes[1].report.dead == 0
    again = world.cycle(project, engine)
    assert [s.report.sent for s in again.publishes] == [0, 0]


def run_cli(world: World, *args: str) -> Any:
    world.sync_clock()
    output.out.cache_clear()
    output.err.cache_clear()
    return CliRunner().invoke(cli_app(), ["--project", str(world.root), "run", *args])


def test_crmhub_run_goes_on_past_a_failing_connection_and_does_not_write_blind(
    world, engine, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")
    project = world.project(store_url_of(engine))
    world.cycle(project, engine)
    erp_before, contacts_before = world.erp.rows(), world.contacts()
    world.sheet.unlink()  # the spreadsheet export did not arrive
    world.fake.expire_sessions()  # and the Salesforce token was revoked
    world.erp.execute("UPDATE clienti SET telefono = '347 0000001' WHERE codice = 'C003'")

    result = run_cli(world, "--json")

    assert result.exit_code == 1, result.output
    steps = {(s["kind"], s["name"]): s for s in json.loads(result.stdout)["steps"]}
    statuses = {key: step["status"] for key, step in steps.items()}
    assert statuses == {
        ("ingest", "erp"): "succeeded",
        ("ingest", "fiera"): "failed",
        ("ingest", "salesforce"): "failed",
        ("match", "match"): "succeeded",
        ("publish", "erp_clienti"): "succeeded",
        ("publish", "sf_contacts"): "skipped",
    }
    assert "fiera.csv" in steps["ingest", "fiera"]["error"]
    assert "INVALID_SESSION_ID" in steps["ingest", "salesforce"]["error"]
    assert "could not be read" in steps["publish", "sf_contacts"]["error"]
    luca = golden_of(engine, "erp", "C003")
    assert steps["publish", "erp_clienti"]["counts"]["outcomes"] == {"updated": 1}
    assert world.erp.rows()[luca]["telefono"] == "+393470000001"  # what was read went on
    assert set(world.erp.rows()) == set(erp_before)  # nothing lost, nothing doubled
    assert world.contacts() == contacts_before  # not written blind

    world.write_sheet(SHEET_ROWS)
    monkeypatch.setenv("SF_TOKEN", world.fake.issue_token())
    result = run_cli(world)

    assert result.exit_code == 0, result.output
    assert "cycle: 6 of 6 steps succeeded" in result.stdout
    for title in ("Ingest", "Match and merge", "Publish", "sf_contacts", "erp_clienti"):
        assert title in result.stdout
    assert world.contacts()[world.hub_contacts()[luca]["Id"]]["Phone"] == "+393470000001"


def test_a_target_never_read_is_not_written_on_a_cycle_that_does_not_read_it(world, engine):
    project = world.project(store_url_of(engine))

    world.sync_clock()
    report = run_cycle(project, engine, connections=["erp"])

    erp_step, sf_step = report.publishes
    assert erp_step.ok and erp_step.report.outcomes["created"] == 4
    assert sf_step.status == "skipped" and "never been read" in sf_step.error
    assert world.fake.writes == [] and len(world.contacts()) == 4
    assert report.exit_code == 1


def test_steps_whose_lock_is_held_fail_with_exit_3_and_nothing_is_published_unmatched(
    world, engine
):
    project = world.project(store_url_of(engine))
    world.cycle(project, engine)
    writes_before, erp_before = len(world.fake.writes), erp_writes(world)

    with connection_lock(engine, "connection:erp"), connection_lock(engine, "match"):
        report = run_cycle(project, engine)

    by_name = {step.name: step for step in report.steps()}
    assert by_name["erp"].status == "failed" and by_name["erp"].exit_code == 3
    assert "lock" in by_name["erp"].error.lower()
    assert by_name["fiera"].ok and by_name["salesforce"].ok
    assert by_name["match"].status == "failed" and by_name["match"].exit_code == 3
    assert [s.status for s in report.publishes] == ["skipped", "skipped"]
    assert "match failed" in by_name["sf_contacts"].error
    assert report.exit_code == 3  # only locks were busy: try again later
    assert len(world.fake.writes) == writes_before and erp_writes(world) == erp_before
