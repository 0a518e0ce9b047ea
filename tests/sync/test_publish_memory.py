"""What no built-in connector offers, through a plugin target (``plugin_site``): deletions that
propagate as deletes, and a connector that breaks the one-result-per-record contract. Every test
runs on a SQLite and a PostgreSQL hub store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.sdk import registry
from crmhub.config.project import Project
from crmhub.store.schema import golden_records, target_records
from crmhub.sync import ledger_of, list_outbox, publish
from crmhub.sync.publish import NO_RESULT

from .conftest import company

PLUGIN_SITE = Path(__file__).with_name("plugin_site")
MEMORY_MAPPING = """\
version: 1
kind: {const: organization}
reverse:
  name: organization.legal_name
  email: emails[primary].value
"""


@pytest.fixture(autouse=True)
def memory_target_plugin() -> Iterator[Any]:
    """``type: memory_target`` installed as pip would, for one test; its systems emptied."""
    sys.path.insert(0, str(PLUGIN_SITE))
    registry.refresh()
    import crmhub_sync_test_target as plugin

    plugin.SYSTEMS.clear()
    yield plugin
    sys.path.remove(str(PLUGIN_SITE))
    registry.refresh()


def memory_project(project_for: Any, **target: Any) -> Project:
    connection = {"type": "memory_target", "config": {"system": "crm"}}
    spec = {"connection": "crm", "stream": "customers", "mapping": "mappings/memory.yaml", **target}
    project = project_for({"crm": connection}, {"crm_customers": spec})
    (project.root / "mappings/memory.yaml").write_text(MEMORY_MAPPING, encoding="utf-8")
    return project


def test_a_retired_or_merged_away_golden_record_is_deleted_from_the_target_once(
    project_for, goldens, store_engine, memory_target_plugin
):
    project = memory_project(project_for, deletions="delete")
    acme = goldens.add(company("Acme Srl", "info@acme.it"))
    beta = goldens.add(company("Beta Spa"))
    gamma = goldens.add(company("Gamma Snc"))
    publish(project, store_engine, "crm_customers")
    rows = memory_target_plugin.SYSTEMS["crm"]
    assert sorted(rows) == sorted([acme, beta, gamma])

    goldens.retire(acme)
    with store_engine.begin() as conn:  # Beta merged into Gamma
        conn.execute(
            sa.update(golden_records).where(golden_records.c.id == beta).values(redirect_to=gamma)
        )
    report = publish(project, store_engine, "crm_customers")

    assert report.plan is not None and report.plan.outcomes == {"remove": 2, "in_sync": 1}
    assert sorted(rows) == [gamma]
    assert [e.operation for e in ledger_of(store_engine, "crm_customers", acme)] == [
        "upsert",
        "delete",
    ]
    with store_engine.connect() as conn:
        removed = conn.execute(
            sa.select(target_records.c.golden_id).where(target_records.c.removed_at.is_not(None))
        )
        assert sorted(removed.scalars()) == sorted([acme, beta])
    again = publish(project, store_engine, "crm_customers")
    assert again.plan is not None and again.sent == 0 and again.plan.outcomes["remove"] == 0

    with store_engine.begin() as conn:  # Acme has a live source again
        conn.execute(
            sa.update(golden_records).where(golden_records.c.id == acme).values(retired_at=None)
        )
    back = publish(project, store_engine, "crm_customers")
    assert back.outcomes == {"created": 1} and rows[acme]["name"] == "Acme Srl"


def test_with_deletions_ignored_the_target_keeps_the_record(project_for, goldens, store_engine):
    project = memory_project(project_for)
    acme = goldens.add(company("Acme Srl"))
    publish(project, store_engine, "crm_customers")
    goldens.retire(acme)

    report = publish(project, store_engine, "crm_customers")

    assert report.plan is not None and report.plan.outcomes == {"out_of_scope": 1}
    assert report.sent == 0


def test_records_a_connector_gives_no_result_for_are_retried_not_lost(
    project_for, goldens, store_engine
):
    project = memory_project(project_for)
    project.config.connections["crm"].config["answer_only"] = 2  # a connector breaking the contract
    ids = [goldens.add(company(name)) for name in ("Acme Srl", "Beta Spa", "Gamma Snc")]

    report = publish(project, store_engine, "crm_customers")

    assert (report.sent, report.failed) == (2, 1)
    (waiting,) = list_outbox(store_engine, statuses=["failed"])
    assert waiting.golden_id in ids and waiting.last_error == NO_RESULT
