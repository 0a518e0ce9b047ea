"""Publishing golden records to a real ERP table on MariaDB, through the real ``sql`` connector:
only real changes are queued and written, twice is once, a crash is harmless, echoes are
recognised, deletions propagate as configured. Every test runs on a SQLite and a PostgreSQL
hub store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.sdk import SourceRecord, WriteResult
from crmhub.config.connections import build_connector
from crmhub.config.project import Project
from crmhub.store.schema import outbox, runs, source_records, write_ledger
from crmhub.sync import EchoFilter, ledger_of, list_outbox, plan_target, publish

from .conftest import ErpTarget, company, ingest

pytestmark = [pytest.mark.mariadb, pytest.mark.odbc]


def erp_project(project_for: Any, erp: ErpTarget, **target: Any) -> Project:
    spec = {"connection": "erp", "stream": "clienti", "id_field": "crmhub_id", **target}
    return project_for({"erp": erp.connection_config()}, {"erp_clienti": spec})


def outbox_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id))]


def test_first_publish_creates_every_record_with_its_fields(
    project_for, erp, goldens, store_engine
):
    project = erp_project(project_for, erp)
    acme = goldens.add(company("Acme Srl", "info@acme.it", "02 8646 4521"))
    beta = goldens.add(company("Beta Spa"))

    report = publish(project, store_engine, "erp_clienti")

    assert report.plan is not None and report.plan.outcomes["create"] == 2
    assert (report.sent, report.failed, report.dead, report.outcomes["created"]) == (2, 0, 0, 2)
    rows = erp.rows()
    assert rows[acme]["ragione_sociale"] == "Acme Srl"
    assert rows[acme]["email"] == "info@acme.it"
    assert rows[acme]["telefono"] == "+390286464521"
    assert rows[beta]["email"] is None and rows[beta]["attivo"] == "S"
    assert [e.values for e in ledger_of(store_engine, "erp_clienti", acme)] == [
        {
            "ragione_sociale": "Acme Srl",
            "email": "info@acme.it",
            "telefono": "+390286464521",
            "attivo": "S",
        }
    ]
    assert {r["status"] for r in outbox_rows(store_engine)} == {"sent"}


def test_only_the_changed_fields_are_queued_and_written(project_for, erp, goldens, store_engine):
    project = erp_project(project_for, erp)
    acme = goldens.add(company("Acme Srl", "info@acme.it", "02 8646 4521"))
    publish(project, store_engine, "erp_clienti")
    erp.execute("UPDATE clienti_hub SET fido = 1500 WHERE crmhub_id = ?", (acme,))  # not ours

    goldens.change(acme, company("Acme Srl", "amministrazione@acme.it", "02 8646 4521"))
    plan = plan_target(project, store_engine, "erp_clienti")

    assert plan.outcomes["update"] == 1 and plan.queued == 1
    (waiting,) = list_outbox(store_engine, statuses=["pending"])
    assert waiting.payload == {"email": "amministrazione@acme.it"}
    report = publish(project, store_engine, "erp_clienti")
    assert report.sent == 1 and report.outcomes["updated"] == 1
    row = erp.rows()[acme]
    assert row["email"] == "amministrazione@acme.it" and row["fido"] == 1500  # theirs kept
    assert ledger_of(store_engine, "erp_clienti", acme)[-1].values == {
        "email": "amministrazione@acme.it"
    }


def test_publishing_twice_writes_nothing_the_second_time(project_for, erp, goldens, store_engine):
    project = erp_project(project_for, erp)
    for n in range(5):
        goldens.add(company(f"Ditta {n} Srl", f"info{n}@ditta.it"))
    first = publish(project, store_engine, "erp_clienti")
    before = erp.rows()

    second = publish(project, store_engine, "erp_clienti")

    assert first.sent == 5
    assert second.plan is not None and second.plan.outcomes["in_sync"] == 5
    assert (second.plan.queued, second.due, second.sent) == (0, 0, 0)
    assert erp.rows() == before  # not even the ON UPDATE stamp moved
    assert len(ledger_of(store_engine, "erp_clienti")) == 5


def test_a_read_back_of_the_hub_s_own_writes_is_an_echo_and_in_sync(
    project_for, erp, goldens, store_engine
):
    project = erp_project(project_for, erp)
    acme = goldens.add(company("Acme Srl", "info@acme.it"))
    beta = goldens.add(company("Beta Spa", "info@beta.it"))
    publish(project, store_engine, "erp_clienti")
    ingest(project, store_engine, "erp", "clienti")  # the hub's first read of what it wrote
    goldens.change(acme, company("Acme Srl", "nuova@acme.it"))
    publish(project, store_engine, "erp_clienti")
    erp.execute("UPDATE clienti_hub SET telefono = '02 1234567' WHERE crmhub_id = ?", (beta,))

    with build_connector(project, "erp") as connector:
        read = [i for i in connector.read("clienti", None) if isinstance(i, SourceRecord)]
    echoes = EchoFilter.for_stream(project, "erp", "clienti")
    with store_engine.connect() as conn:
        found = echoes(conn, read)

    assert found == {acme}  # our update of Acme; Beta changed at the target
    before = changed_runs(store_engine)
    counts = ingest(project, store_engine, "erp", "clienti")
    assert (counts.echoes, counts.changed) == (1, 1)  # Acme is our echo, Beta a real change
    after = changed_runs(store_engine)
    assert after[acme_key(store_engine, acme)] == before[acme_key(store_engine, acme)]  # not a change
    again = plan_target(project, store_engine, "erp_clienti")
    assert again.outcomes["in_sync"] == 2 and again.queued == 0  # Beta's phone is theirs


def changed_runs(engine: Engine) -> dict[str, int]:
    s = source_records.c
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(s.source_key, s.last_changed_run_id)).all())


def acme_key(engine: Engine, golden_id: str) -> str:
    """The ERP's key of the row the hub wrote for ``golden_id``."""
    s = source_records.c
    with engine.connect() as conn:
        for key, raw in conn.execute(sa.select(s.source_key, s.raw)):
            if raw.get("crmhub_id") == golden_id:
                return key
    raise AssertionError(f"no stored ERP row carries {golden_id}")


def test_an_echo_needs_a_write_newer_than_what_was_read(project_for, erp, goldens, store_engine):
    project = erp_project(project_for, erp)
    acme = goldens.add(company("Acme Srl", "info@acme.it"))
    publish(project, store_engine, "erp_clienti")
    ingest(project, store_engine, "erp", "clienti")
    erp.execute("UPDATE clienti_hub SET email = 'info@acme.it' WHERE crmhub_id = ?", (acme,))

    with build_connector(project, "erp") as connector:
        read = [i for i in connector.read("clienti", None) if isinstance(i, SourceRecord)]
    with store_engine.connect() as conn:
        assert EchoFilter.for_stream(project, "erp", "clienti")(conn, read) == set()


class CrashAfterTheTargetWrote:
    """The real connector, with a process that dies after the target has written a batch but
    before the hub has recorded it (the window the outbox must survive)."""

    def __init__(self, inner: Any, crash_on_batch: int) -> None:
        self.inner = inner
        self.batches = 0
        self.crash_on_batch = crash_on_batch

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def write(self, stream: str, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        self.batches += 1
        results = list(self.inner.write(stream, records))  # the target holds them now
        if self.batches == self.crash_on_batch:
            raise SystemExit("killed")
        yield from results


def test_a_crash_between_the_target_s_write_and_the_ledger_then_a_rerun_writes_each_once(
    project_for, erp, goldens, store_engine
):
    project = erp_project(project_for, erp, batch_size=4)
    ids = [goldens.add(company(f"Ditta {n} Srl", f"info{n}@ditta.it")) for n in range(10)]
    with build_connector(project, "erp") as real, pytest.raises(SystemExit):
        publish(project, store_engine, "erp_clienti", connector=CrashAfterTheTargetWrote(real, 2))
    assert len(erp.rows()) == 8  # two batches reached the ERP...
    assert len(ledger_of(store_engine, "erp_clienti")) == 4  # ...one was recorded
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(runs.c.status).where(runs.c.kind == "publish")).scalar() == (
            "failed"
        )

    rerun = publish(project, store_engine, "erp_clienti")

    assert rerun.sent == 6 and rerun.outcomes == {"unchanged": 4, "created": 2}
    assert sorted(erp.rows()) == sorted(ids)  # each record once: the id is the table's key
    ledger = ledger_of(store_engine, "erp_clienti")
    assert sorted(e.golden_id for e in ledger) == sorted(ids)  # one entry per record
    with store_engine.connect() as conn:
        statuses = conn.execute(
            sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        )
        assert dict(statuses.all()) == {"sent": 10}
        assert conn.execute(sa.select(sa.func.count()).select_from(write_ledger)).scalar() == 10


def test_a_retired_golden_record_is_deactivated_and_comes_back_active(
    project_for, erp, goldens, store_engine
):
    project = erp_project(
        project_for, erp, deletions={"mode": "deactivate", "field": "attivo", "value": "N"}
    )
    acme = goldens.add(company("Acme Srl"))
    publish(project, store_engine, "erp_clienti")
    goldens.retire(acme)

    report = publish(project, store_engine, "erp_clienti")

    assert report.plan is not None and report.plan.outcomes["remove"] == 1
    assert erp.rows()[acme]["attivo"] == "N"
    assert publish(project, store_engine, "erp_clienti").sent == 0  # deactivated once
    with store_engine.begin() as conn:  # its source record is back
        conn.execute(
            sa.text("UPDATE golden_records SET retired_at = NULL WHERE id = :g"), {"g": acme}
        )
    back = publish(project, store_engine, "erp_clienti")
    assert back.sent == 1 and erp.rows()[acme]["attivo"] == "S"


def test_without_create_missing_only_records_the_target_has_are_written(
    project_for, erp, goldens, store_engine
):
    project = erp_project(project_for, erp, create_missing=False)
    goldens.add(company("Acme Srl"))

    report = publish(project, store_engine, "erp_clienti")

    assert report.plan is not None and report.plan.outcomes["not_created"] == 1
    assert report.sent == 0 and erp.rows() == {}


def test_the_filter_decides_which_golden_records_go_to_the_target(
    project_for, erp, goldens, store_engine
):
    project = erp_project(project_for, erp, filter={"has_source": "shop", "has": ["emails"]})
    wanted = goldens.add(company("Acme Srl", "info@acme.it"), sources=("erp", "shop"))
    goldens.add(company("Beta Spa", "info@beta.it"), sources=("erp",))
    goldens.add(company("Gamma Snc"), sources=("shop",))

    report = publish(project, store_engine, "erp_clienti")

    assert report.plan is not None and report.plan.outcomes == {"create": 1, "out_of_scope": 2}
    assert list(erp.rows()) == [wanted]


def test_a_dry_run_reports_the_changes_and_writes_nothing(project_for, erp, goldens, store_engine):
    project = erp_project(project_for, erp)
    acme = goldens.add(company("Acme Srl", "info@acme.it"))

    report = publish(project, store_engine, "erp_clienti", dry_run=True)

    assert report.dry_run and report.plan is not None
    assert [(c.golden_id, c.operation) for c in report.plan.changes] == [(acme, "upsert")]
    assert erp.rows() == {} and outbox_rows(store_engine) == []
