"""The generated DAGs run under Airflow (``dag.test()`` on a migrated metadata database): ingest
two CSV connections, match and merge, publish to a fake Salesforce whose token comes from an
Airflow connection; then the store and the fake hold exactly what the jobs promise, and the golden
records are those the same jobs make without Airflow (partitioned or not)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SHOP = "x-crmhub://airflowtest/source_records/shop"
GOLDEN = "x-crmhub://airflowtest/golden_records"


def test_ingest_match_and_publish_dags_end_to_end(airflow, hub_project, fake):
    hub = hub_project()

    for connection in ("legacy_crm", "shop"):
        run = airflow.run(f"crmhub_ingest_{connection}")
        assert str(run.state) == "success"
        assert airflow.states(run) == {"sync": "success", "announce": "success"}
    assert hub.count("source_records") == 22  # 20 from the demo export + 2 from the shop
    assert hub.count("quarantine") == 1  # the demo's impossible birth date
    (event,) = airflow.asset_events(SHOP)
    assert event["new"] == 2 and event["run_id"] > 0

    match = airflow.run("crmhub_match")
    assert str(match.state) == "success"
    assert airflow.states(match) == {"match": "success", "announce": "success"}
    reference = hub_project.without_airflow(["legacy_crm", "shop"])
    assert hub.clusters() == reference.clusters()  # the same golden records as the CLI's jobs
    goldens = hub.count("golden_records", "retired_at IS NULL")
    assert 15 <= goldens < 22  # duplicates were merged
    (golden_event,) = airflow.asset_events(GOLDEN)
    assert golden_event["golden_created"] == goldens

    publish = airflow.run("crmhub_publish_sf_contacts")
    assert str(publish.state) == "success"
    with hub.engine.connect() as conn:
        persons = set(
            conn.execute(
                sa.text(
                    "SELECT id FROM golden_records "
                    "WHERE party_kind = 'person' AND retired_at IS NULL"
                )
            ).scalars()
        )
    contacts = fake.records("Contact")
    assert sorted(c["Crmhub_Id__c"] for c in contacts) == sorted(persons)  # each exactly once
    assert hub.count("outbox", "status = 'sent'") == len(persons)
    assert hub.count("outbox", "status <> 'sent'") == 0
    assert {"Quartieri", "Zanardelli"} <= {c["LastName"] for c in contacts}

    # A rerun on unchanged sources stores nothing and does not wake the match up.
    again = airflow.run("crmhub_ingest_shop")
    assert airflow.states(again) == {"sync": "success", "announce": "skipped"}
    assert len(airflow.asset_events(SHOP)) == 1
    assert hub.count("source_records") == 22


def test_partitioned_match_maps_a_task_per_partition_and_gives_the_same_clusters(
    airflow, hub_project
):
    hub = hub_project()
    document = yaml.safe_load((hub.root / "crmhub.yaml").read_text(encoding="utf-8"))
    document["matching"] = {**document.get("matching", {}), "partitions": 2}
    (hub.root / "crmhub.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    for connection in ("legacy_crm", "shop"):
        assert str(airflow.run(f"crmhub_ingest_{connection}").state) == "success"

    match = airflow.run("crmhub_match")

    assert str(match.state) == "success"
    assert airflow.states(match) == {
        "plan_partitions": "success",
        "score_partition[0]": "success",
        "score_partition[1]": "success",
        "finish": "success",
        "announce": "success",
    }
    reference = hub_project.without_airflow(["legacy_crm", "shop"])  # one process, unpartitioned
    assert hub.clusters() == reference.clusters()
    assert any(len(cluster) > 1 for cluster in hub.clusters())
