"""The DAG folder parsed by Airflow's own DagBag: no import error, and the DAGs, schedules, pools,
assets and retries that crmhub.yaml asks for; mistakes in the setup are import errors that say
what to fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

DAGS = Path(__file__).resolve().parents[2] / "dags"
PROJECT_ASSETS = "x-crmhub://airflowtest"


def parse() -> object:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def edit_project(root: Path, change) -> None:
    path = root / "crmhub.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def uris(assets) -> set[str]:
    return {asset.uri for asset in assets}


@pytest.mark.postgres
def test_the_dag_folder_parses_into_the_configured_dags(hub_project):
    hub_project()
    bag = parse()

    assert bag.import_errors == {}
    assert set(bag.dags) == {
        "crmhub_ingest_legacy_crm",
        "crmhub_ingest_shop",
        "crmhub_ingest_salesforce",
        "crmhub_match",
        "crmhub_publish_sf_contacts",
    }
    legacy = bag.dags["crmhub_ingest_legacy_crm"]
    assert legacy.schedule == "@daily"
    assert bag.dags["crmhub_ingest_shop"].schedule == "*/30 * * * *"
    assert bag.dags["crmhub_ingest_salesforce"].schedule is None  # manual runs only
    sync = legacy.task_dict["sync"]
    assert sync.pool == "crmhub_legacy_crm"
    assert sync.retries == 4 and sync.retry_exponential_backoff == 2.0
    assert sync.retry_delay == timedelta(seconds=1)  # CRMHUB_AIRFLOW_RETRY_DELAY_SECONDS
    assert sync.max_retry_delay == timedelta(seconds=2)
    assert type(sync.retry_policy).__name__ == "CrmhubRetryPolicy"
    assert uris(legacy.task_dict["announce"].outlets) == {
        f"{PROJECT_ASSETS}/source_records/legacy_crm"
    }
    assert legacy.task_dict["announce"].upstream_task_ids == {"sync"}

    match = bag.dags["crmhub_match"]
    assert type(match.timetable.asset_condition).__name__ == "AssetAny"
    assert uris(match.timetable.asset_condition.objects) == {
        f"{PROJECT_ASSETS}/source_records/{name}" for name in ("legacy_crm", "shop", "salesforce")
    }
    assert set(match.task_dict) == {"match", "announce"}
    assert uris(match.task_dict["announce"].outlets) == {f"{PROJECT_ASSETS}/golden_records"}

    publish = bag.dags["crmhub_publish_sf_contacts"]
    assert publish.timetable.asset_condition.uri == f"{PROJECT_ASSETS}/golden_records"
    assert publish.task_dict["publish"].pool == "crmhub_salesforce"  # the target's connection
    for dag in bag.dags.values():
        assert dag.max_active_runs == 1 and not dag.catchup and "crmhub" in dag.tags


@pytest.mark.postgres
def test_partitioned_matching_maps_one_task_per_partition(hub_project):
    hub = hub_project()
    edit_project(hub.root, lambda d: d.setdefault("matching", {}).update(partitions=4))

    match = parse().dags["crmhub_match"]

    assert set(match.task_dict) == {"plan_partitions", "score_partition", "finish", "announce"}
    score = match.task_dict["score_partition"]
    assert type(score).__name__ == "_MappedOperator" or score.is_mapped
    assert score.upstream_task_ids == {"plan_partitions"}
    assert match.task_dict["finish"].upstream_task_ids == {"score_partition"}
    assert match.task_dict["finish"].trigger_rule == "none_failed"


@pytest.mark.postgres
def test_a_target_with_its_own_schedule_and_a_disabled_one(hub_project):
    hub = hub_project()

    def change(document):
        target = document["targets"]["sf_contacts"]
        target["schedule"] = "0 6 * * *"
        document["targets"]["old_crm"] = {**target, "enabled": False}

    edit_project(hub.root, change)
    bag = parse()

    assert bag.dags["crmhub_publish_sf_contacts"].schedule == "0 6 * * *"
    assert "crmhub_publish_old_crm" not in bag.dags


@pytest.mark.postgres
def test_a_worker_running_one_task_builds_only_that_dag(hub_project, monkeypatch):
    hub_project()
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "crmhub_ingest_shop")

    assert set(parse().dags) == {"crmhub_ingest_shop"}


@pytest.mark.postgres
def test_the_project_can_come_from_an_airflow_variable(hub_project, monkeypatch):
    hub = hub_project()
    monkeypatch.delenv("CRMHUB_PROJECT")
    monkeypatch.setenv("AIRFLOW_VAR_CRMHUB_PROJECT", str(hub.root))

    bag = parse()

    assert bag.import_errors == {} and "crmhub_ingest_shop" in bag.dags


def test_without_a_project_the_import_error_says_how_to_name_one(monkeypatch):
    monkeypatch.delenv("CRMHUB_PROJECT", raising=False)

    errors = parse().import_errors

    (message,) = errors.values()
    assert "do not know which project to run" in message
    assert "CRMHUB_PROJECT" in message and "crmhub_project" in message


def test_a_wrong_crmhub_yaml_is_an_import_error_naming_its_line(tmp_path, monkeypatch):
    (tmp_path / "crmhub.yaml").write_text(
        "project: broken\nconnections:\n  erp:\n    type: file\n    schedule: '61 * * * *'\n"
    )
    monkeypatch.setenv("CRMHUB_PROJECT", str(tmp_path))

    (message,) = parse().import_errors.values()

    assert "crmhub.yaml:5" in message and "minute field" in message


def test_parsing_50_connections_takes_well_under_a_second_of_cpu(tmp_path, monkeypatch):
    import time

    connections = {
        f"source_{i:02d}": {
            "type": "file",
            "config": {"streams": {"customers": {"path": f"data/{i}.csv", "key": ["id"]}}},
            "schedule": "*/15 * * * *",
            "max_parallel": 2,
            "streams": {"customers": {"mapping": "mappings/customers.yaml"}},
        }
        for i in range(50)
    }
    document = {"project": "fifty", "connections": connections}
    (tmp_path / "crmhub.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("CRMHUB_PROJECT", str(tmp_path))
    # Warm, as in the dag-processor, which imports what a DAG file imports before it forks a
    # parser ([dag_processor] parsing_pre_import_modules); bench/airflow_parse.py measures cold.
    parse()

    started = time.process_time()
    bag = parse()
    cpu = time.process_time() - started

    assert bag.import_errors == {} and len(bag.dags) == 51
    assert cpu < 1.0, f"parsing took {cpu:.2f} s of CPU"
