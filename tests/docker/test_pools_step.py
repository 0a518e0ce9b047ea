"""The deployment creates the connections' Airflow pools before anything is scheduled: a
one-shot service runs ``crmhub airflow pools`` after ``airflow-init`` has migrated the metadata
database, with the scheduler's Airflow settings and the project, and the scheduler waits for it
(Airflow never schedules a task whose pool does not exist)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.docker.compose import (
    CELERY_FILE,
    COMPOSE_FILE,
    depends_on,
    environment,
    load_project,
    mounts,
)
from tests.docker.entrypoint import crmhub_arguments, invocation

VARIANTS = {"local": (COMPOSE_FILE,), "celery": (COMPOSE_FILE, CELERY_FILE)}
POOLS = ["airflow", "pools"]


@pytest.fixture(params=sorted(VARIANTS))
def services(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    return load_project(*VARIANTS[request.param])["services"]


def _pools_step(services: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    found = [
        (name, service)
        for name, service in services.items()
        if (crmhub_arguments(service) or [])[:2] == POOLS
    ]
    assert len(found) == 1, f"one service should run `crmhub airflow pools`: {found}"
    return found[0]


def _schedulers(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in services.items()
        if invocation(service) == invocation({"command": "scheduler"})
    }


def test_one_shot_step_applies_the_pools(services: dict[str, dict[str, Any]]) -> None:
    name, service = _pools_step(services)
    assert crmhub_arguments(service) == POOLS, "--dry-run or --json would leave Airflow as is"
    assert str(service.get("restart")) == "no", f"{name} must run once and exit"
    # Through the image's entrypoint, which registers an arbitrary AIRFLOW_UID (Airflow refuses
    # to run as a user without a name) and waits for the metadata database.
    assert "entrypoint" not in service and invocation(service).program == "bash"


def test_pools_are_made_after_airflow_migrates(services: dict[str, dict[str, Any]]) -> None:
    name, service = _pools_step(services)
    needs = depends_on(service)
    assert needs.get("airflow-init") == "service_completed_successfully", name
    assert needs.get("postgres") == "service_healthy", name
    assert environment(services["airflow-init"]).get("_AIRFLOW_DB_MIGRATE") == "true"


def test_the_scheduler_starts_only_once_the_pools_exist(
    services: dict[str, dict[str, Any]],
) -> None:
    name, _ = _pools_step(services)
    schedulers = _schedulers(services)
    assert set(schedulers) == {"airflow-scheduler"}
    for scheduler, service in schedulers.items():
        assert depends_on(service).get(name) == "service_completed_successfully", scheduler


def test_pools_step_writes_to_the_schedulers_airflow(services: dict[str, dict[str, Any]]) -> None:
    """The same metadata database and Airflow settings as the scheduler (the local client
    writes the pools through Airflow's ORM), and the same project, mounted."""
    name, service = _pools_step(services)
    env = environment(service)
    scheduler = environment(services["airflow-scheduler"])
    airflow_settings = {k: v for k, v in scheduler.items() if k.startswith("AIRFLOW__")}
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in airflow_settings
    assert {k: env.get(k) for k in airflow_settings} == airflow_settings, name
    assert env["CRMHUB_PROJECT"] == scheduler["CRMHUB_PROJECT"]
    project = {m.target: m.source for m in mounts(service)}
    scheduler_project = {m.target: m.source for m in mounts(services["airflow-scheduler"])}
    assert project[env["CRMHUB_PROJECT"]] == scheduler_project[env["CRMHUB_PROJECT"]]


def test_the_dispatch_reads_a_crmhub_script_and_refuses_a_compound_one() -> None:
    def bash(script: str) -> dict[str, Any]:
        return {"command": ["bash", "-c", script]}

    assert crmhub_arguments(bash("exec crmhub airflow pools --dry-run")) == [*POOLS, "--dry-run"]
    assert crmhub_arguments(bash("crmhub db upgrade")) == ["db", "upgrade"]
    assert crmhub_arguments(bash("airflow pools list")) is None
    assert crmhub_arguments({"command": "scheduler"}) is None
    assert crmhub_arguments({"entrypoint": ["crmhub"], "command": ["status"]}) == ["status"]
    for script in ("crmhub airflow pools; crmhub db upgrade", "crmhub airflow pools $$EXTRA"):
        with pytest.raises(ValueError, match="one plain crmhub command"):
            crmhub_arguments(bash(script))
