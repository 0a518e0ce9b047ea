"""Airflow retries a task that failed on an infrastructure fault, and the hub's own invariants
hold across the tries: what the first try committed stays, the retry goes on from there, and
nothing is stored or written twice. A configuration mistake is not retried at all."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

QUERY = r"/queryAll/?$"  # every keyset page is a queryAll of its own


def names(i: int) -> dict[str, str]:
    family = "Retry" + "abcdefgh"[i]
    return {"FirstName": "Anna", "LastName": family, "Email": f"anna.{family.lower()}@example.org"}


@contextmanager
def when(condition: Callable[[], bool], then: Callable[[], None]) -> Iterator[None]:
    """Run ``then`` once, in the background, as soon as ``condition`` holds."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if condition():
                then()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def test_an_ingest_that_fails_midway_is_retried_and_stores_every_record_once(
    airflow, hub_project, fake
):
    hub = hub_project(salesforce={"page_size": 2})
    fake.seed("Contact", 5, make=names)
    # The first page is answered; the second fails 3 times, which spends the connector's own
    # 3 attempts and fails the task; the task's retry finds the org answering again.
    fake.server.faults.slow_next(1, 0.0, method="GET", path=QUERY)
    fake.unavailable_next(3, method="GET", path=QUERY)

    run = airflow.run("crmhub_ingest_salesforce")

    assert str(run.state) == "success"
    assert airflow.tries(run, "sync") == 2
    (failed, retried) = hub.runs("sync")
    assert (failed[0], retried[0]) == ("failed", "succeeded")
    stored = hub.count("source_records", "connection = 'salesforce'")
    assert stored == 5
    with hub.engine.connect() as conn:
        keys = conn.execute(
            sa.text("SELECT source_key FROM source_records WHERE connection = 'salesforce'")
        ).scalars()
        assert len(set(keys)) == 5
    assert retried[2]["Contact"]["read"] >= 3  # the retry read what the first try could not


def test_a_publish_stopped_midway_is_retried_and_writes_every_contact_once(
    airflow, hub_project, fake
):
    # The allowance stops the connector past half of it: the publish stops after one record.
    hub = hub_project(
        salesforce={"api_usage_stop_at": 0.5, "api_usage_pause_at": 0.5},
        target={"batch_size": 1, "filter": {"has_source": "shop"}},
    )
    assert str(airflow.run("crmhub_ingest_shop").state) == "success"
    assert str(airflow.run("crmhub_match").state) == "success"
    fake.daily_limit = 2 * fake.api_usage + 1  # the first write's answer goes past half

    def publish_failed() -> bool:
        return any(status == "failed" for status, _, _ in hub.runs("publish"))

    def new_day() -> None:
        fake.daily_limit = 1_000_000

    with when(publish_failed, new_day):
        run = airflow.run("crmhub_publish_sf_contacts")

    assert str(run.state) == "success"
    assert airflow.tries(run, "publish") >= 2
    statuses = [status for status, _, _ in hub.runs("publish")]
    assert statuses[0] == "failed" and statuses[-1] == "succeeded"
    writes = [c for c in fake.writes if c.method == "PATCH"]
    contacts = fake.records("Contact")
    assert sorted(c["LastName"] for c in contacts) == ["Quartieri", "Zanardelli"]
    assert len({c["Crmhub_Id__c"] for c in contacts}) == 2  # each golden record once
    assert len(writes) == 2  # one record on each try: nothing was sent twice
    assert hub.count("outbox", "status = 'sent'") == 2
    assert hub.count("outbox", "status <> 'sent'") == 0


def test_a_configuration_mistake_fails_the_task_without_retrying(airflow, hub_project):
    hub = hub_project()
    (hub.root / "mappings" / "shop.yaml").write_text("version: 1\nfields: {nope: [}\n")

    run = airflow.run("crmhub_ingest_shop")

    assert str(run.state) == "failed"
    assert airflow.states(run) == {"sync": "failed", "announce": "upstream_failed"}
    assert airflow.tries(run, "sync") == 1  # ConfigInvalid: retrying cannot help
    assert hub.count("source_records") == 0
