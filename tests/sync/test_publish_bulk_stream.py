"""Publishing streams: however many golden records a target takes, the hub holds only a page of
golden records while planning and a batch of outbox rows while writing, also when the records
go to Salesforce through Bulk API 2.0 jobs (the fake Salesforce on loopback, real connector).

"Held" is counted, not timed: at each probe the live objects of the sync's record types are
counted on the heap (``gc``), so a publish that read every outbox row or golden record before
writing would hold all of them at the first probe. Runs on a SQLite and a PostgreSQL store.
"""

from __future__ import annotations

import gc
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.builtin.salesforce.writer import Upsert
from connectors.testing.fake_salesforce import FakeSalesforce
from crmhub.config.connections import build_connector
from crmhub.config.project import Project
from crmhub.store.schema import golden_records
from crmhub.sync import plan_target, publish
from crmhub.sync.golden import GoldenView
from crmhub.sync.outbox import OutboxEntry

from .conftest import person, salesforce_connection

EXT = "Crmhub_Id__c"
RECORDS = 1_500
PAGE = 200  # golden records per plan chunk
BATCH = 300  # the target's batch_size: outbox rows per write call
JOB = 150  # the connection's bulk_job_size: two Bulk 2.0 jobs per write call
TRACKED = (GoldenView, OutboxEntry, Upsert)


class HeldProbe:
    """The most live objects of each tracked type seen at any probe."""

    def __init__(self) -> None:
        self.most: Counter[str] = Counter()
        self.probes = 0

    def probe(self) -> None:
        gc.collect()  # count what is reachable, not garbage waiting for the cycle collector
        live = Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, TRACKED))
        for name in (t.__name__ for t in TRACKED):
            self.most[name] = max(self.most[name], live[name])
        self.probes += 1


@pytest.fixture
def frozen_heap() -> Iterator[None]:
    """Objects alive before the test are left out of ``gc``'s scans (``gc.freeze``): a probe
    then only walks what the test made, which keeps it fast."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def add_goldens(engine: Engine, count: int) -> list[str]:
    """``count`` live golden persons written in one statement; their ids."""
    start = datetime.now(UTC) - timedelta(days=1)
    rows = []
    for n in range(count):
        data = person("Mario", "Rossi" + chr(97 + n % 26) + chr(97 + n // 26 % 26), f"m{n}@ro.it")
        at = start + timedelta(milliseconds=n)
        row = {"id": uuid.uuid4().hex, "party_kind": "person", "data": data, "lineage": {}}
        rows.append({**row, "version": 1, "created_at": at, "updated_at": at})
    with engine.begin() as conn:
        conn.execute(sa.insert(golden_records), rows)
    return [row["id"] for row in rows]


def bulk_project(project_for: Any, fake: FakeSalesforce) -> Project:
    connection = salesforce_connection(fake)
    connection["config"].update(
        bulk_threshold=100, bulk_job_size=JOB, bulk_poll_seconds=0.001, bulk_poll_max_seconds=0.01
    )
    target = {"connection": "salesforce", "stream": "Contact", "id_field": EXT, "batch_size": BATCH}
    return project_for({"salesforce": connection}, {"sf_contacts": target}, token=fake.token)


def probed_on_job_processing(fake: FakeSalesforce, probe: HeldProbe) -> None:
    """Probe while the fake processes the first row of each Bulk 2.0 job: the publisher is then
    waiting for that job, holding whatever it holds."""
    rows = iter(range(10**9))

    def rejects(record: Any) -> bool:
        if next(rows) % JOB == 0:
            probe.probe()
        return False

    fake.reject_when("Contact", rejects, "never")


def test_publish_through_bulk_jobs_holds_one_page_or_batch_not_every_record(
    project_for, fake, store_engine, frozen_heap
):
    project = bulk_project(project_for, fake)
    ids = add_goldens(store_engine, RECORDS)
    planning, writing = HeldProbe(), HeldProbe()

    plan = plan_target(
        project,
        store_engine,
        "sf_contacts",
        chunk_size=PAGE,
        on_progress=lambda _: planning.probe(),
    )
    assert plan.queued == RECORDS
    assert 0 < planning.most["GoldenView"] <= PAGE  # one page of golden records at a time
    assert planning.probes == -(-RECORDS // PAGE)

    probed_on_job_processing(fake, writing)
    with build_connector(project, "salesforce") as connector:
        report = publish(
            project,
            store_engine,
            "sf_contacts",
            plan=False,
            connector=connector,
            on_progress=lambda _: writing.probe(),
        )

    assert (report.sent, report.failed, report.dead) == (RECORDS, 0, 0)
    assert report.batches == RECORDS // BATCH
    assert len(fake.jobs) == RECORDS // JOB  # every record went through Bulk 2.0
    assert writing.probes >= RECORDS // BATCH + RECORDS // JOB  # every batch and every job
    assert writing.most["GoldenView"] == 0
    assert 0 < writing.most["OutboxEntry"] <= BATCH  # one batch of outbox rows at a time
    assert 0 < writing.most["Upsert"] <= JOB  # the connector: one job's records at a time
    contacts = fake.records("Contact")
    assert sorted(c[EXT] for c in contacts) == sorted(ids)  # each once, none missing
