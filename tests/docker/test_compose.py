"""The compose files hold together without a Docker engine: every service, volume, network,
variable and env file they name exists, and every long-running service has a healthcheck."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.docker.compose import (
    CELERY_FILE,
    COMPOSE_FILE,
    DOCKER_DIR,
    depends_on,
    environment,
    load_project,
    load_yaml,
    mounts,
    strings,
    substitute,
    variable_refs,
)
from tests.docker.envfile import read_env_file

ENV_EXAMPLE = DOCKER_DIR / ".env.example"
INIT_SCRIPT = DOCKER_DIR / "postgres" / "init-databases.sh"
VARIANTS = {"local": (COMPOSE_FILE,), "celery": (COMPOSE_FILE, CELERY_FILE)}
EXECUTORS = {"local": "LocalExecutor", "celery": "CeleryExecutor"}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def project(variant: str) -> dict[str, Any]:
    return load_project(*VARIANTS[variant])


def _services(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return project["services"]


def _is_one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no"


def test_each_file_is_a_compose_mapping_of_services() -> None:
    for path in (COMPOSE_FILE, CELERY_FILE):
        document = load_yaml(path)
        assert isinstance(document.get("services"), dict) and document["services"], path.name
        unknown = set(document) - {"services", "volumes", "networks", "secrets", "configs", "name"}
        assert all(key.startswith("x-") for key in unknown), f"{path.name}: {sorted(unknown)}"


def test_the_deployment_runs_every_component(project: dict[str, Any], variant: str) -> None:
    expected = {
        "postgres",
        "airflow-init",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "crmhub-migrate",
        "crmhub-pools",
        "crmhub-workbench",
    }
    if variant == "celery":
        expected |= {"redis", "airflow-worker", "flower"}
    assert set(_services(project)) == expected


def test_depends_on_names_services_that_can_meet_the_condition(project: dict[str, Any]) -> None:
    services = _services(project)
    for name, service in services.items():
        for target, condition in depends_on(service).items():
            assert target in services, f"{name} depends on unknown service {target!r}"
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), f"{name} waits for {target}'s health"
            elif condition == "service_completed_successfully":
                assert _is_one_shot(services[target]), f"{target} never completes (restarts)"
            else:
                assert condition == "service_started", f"{name}: unknown condition {condition!r}"


def test_volumes_and_networks_are_declared_and_bind_sources_exist(
    project: dict[str, Any],
) -> None:
    declared_volumes = set(project.get("volumes") or {})
    declared_networks = set(project.get("networks") or {}) | {"default"}
    used = set()
    for name, service in _services(project).items():
        for mount in mounts(service):
            if mount.kind == "volume":
                assert mount.source in declared_volumes, f"{name}: volume {mount.source!r}"
                used.add(mount.source)
            elif "$" not in mount.source:  # a variable's default is checked against .env.example
                assert (DOCKER_DIR / mount.source).exists(), f"{name}: no {mount.source} in repo"
        networks = service.get("networks") or []
        for network in networks if isinstance(networks, list) else list(networks):
            assert network in declared_networks, f"{name}: network {network!r} is not declared"
    assert used == declared_volumes, f"declared but unused volumes: {declared_volumes - used}"


def test_every_variable_is_documented_in_env_example() -> None:
    documented = read_env_file(ENV_EXAMPLE)
    referenced = {
        ref.name
        for path in (COMPOSE_FILE, CELERY_FILE)
        for text in strings(load_yaml(path))
        for ref in variable_refs(text)
    }
    assert referenced - set(documented) == set(), "add these to docker/.env.example"
    assert set(documented) - referenced == set(), "docker/.env.example lists unused variables"


def test_env_example_defaults_agree_with_the_compose_defaults() -> None:
    """A value .env.example fills in is the one the compose file falls back to."""
    documented = read_env_file(ENV_EXAMPLE)
    for path in (COMPOSE_FILE, CELERY_FILE):
        for text in strings(load_yaml(path)):
            for ref in variable_refs(text):
                if ref.has_default:
                    without = substitute(text, {})
                    assert substitute(text, documented) == without, (path.name, ref.name, text)


def test_secrets_have_no_default_and_no_example_value() -> None:
    """Required variables (``${VAR:?...}``) stay empty in .env.example: no shared passwords."""
    documented = read_env_file(ENV_EXAMPLE)
    required = {
        ref.name
        for path in (COMPOSE_FILE, CELERY_FILE)
        for text in strings(load_yaml(path))
        for ref in variable_refs(text)
        if ref.required
    }
    assert {"POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "CRMHUB_WEB_SECRET"} <= required
    assert {name: documented[name] for name in required if documented[name]} == {}


def test_env_files_exist_or_have_an_example(project: dict[str, Any]) -> None:
    for name, service in _services(project).items():
        for entry in service.get("env_file") or []:
            path, required = (
                (entry, True)
                if isinstance(entry, str)
                else (
                    entry["path"],
                    entry.get("required", True),
                )
            )
            if required:
                assert (DOCKER_DIR / path).is_file(), f"{name}: env_file {path} is missing"
            else:
                example = DOCKER_DIR / f"{path}.example"
                assert example.is_file(), f"{name}: optional {path} has no {example.name}"
                assert read_env_file(example), f"{example.name} defines nothing"


def test_long_running_services_have_a_healthcheck(project: dict[str, Any]) -> None:
    for name, service in _services(project).items():
        if _is_one_shot(service):
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_every_service_runs_the_built_image_or_a_pinned_one(project: dict[str, Any]) -> None:
    for name, service in _services(project).items():
        build = service.get("build")
        if build:
            context = (DOCKER_DIR / build["context"]).resolve()
            assert (context / build["dockerfile"]).is_file(), f"{name}: no Dockerfile"
        else:
            image = service.get("image", "")
            assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image!r}"


def test_celery_override_changes_only_services_compose_yaml_defines() -> None:
    """A misspelt service in the override would become a new, half-defined service."""
    base = set(load_yaml(COMPOSE_FILE)["services"])
    for name, service in load_yaml(CELERY_FILE)["services"].items():
        defines = {"image", "build", "extends"} & set(service)
        assert name in base or defines, f"compose.celery.yaml: {name!r} is not in compose.yaml"


def test_every_airflow_component_uses_the_variant_executor(
    project: dict[str, Any], variant: str
) -> None:
    for name, service in _services(project).items():
        env = environment(service)
        if any(key.startswith("AIRFLOW__") for key in env):
            assert env.get("AIRFLOW__CORE__EXECUTOR") == EXECUTORS[variant], name


def test_postgres_gets_every_variable_its_init_script_requires(project: dict[str, Any]) -> None:
    postgres = _services(project)["postgres"]
    script = INIT_SCRIPT.read_text(encoding="utf-8")
    required = {ref.name for ref in variable_refs(script) if ref.required}
    assert required == {"AIRFLOW_DB_PASSWORD", "CRMHUB_DB_PASSWORD"}
    assert required <= set(environment(postgres))
    mounted = {m.source: m.target for m in mounts(postgres)}
    assert mounted[f"./{INIT_SCRIPT.relative_to(DOCKER_DIR)}"].startswith(
        "/docker-entrypoint-initdb.d/"
    )


def test_hub_store_url_is_the_same_everywhere(project: dict[str, Any]) -> None:
    urls = {
        name: environment(service)["CRMHUB_DATABASE_URL"]
        for name, service in _services(project).items()
        if "CRMHUB_DATABASE_URL" in environment(service)
    }
    assert {"crmhub-migrate", "crmhub-workbench", "airflow-scheduler"} <= set(urls)
    assert len(set(urls.values())) == 1, urls


def test_dag_folder_and_project_are_mounted_where_airflow_and_crmhub_look(
    project: dict[str, Any],
) -> None:
    for name, service in _services(project).items():
        env = environment(service)
        targets = {m.target for m in mounts(service)}
        if "CRMHUB_PROJECT" in env:
            assert env["CRMHUB_PROJECT"] in targets, f"{name}: project not mounted"
        if name.startswith("airflow-") and name != "airflow-init":
            assert "/opt/airflow/dags" in targets, f"{name}: DAG folder not mounted"


def test_dags_mount_source_is_the_repositorys_dag_folder() -> None:
    service = load_project(COMPOSE_FILE)["services"]["airflow-scheduler"]
    source = {m.target: m.source for m in mounts(service)}["/opt/airflow/dags"]
    assert (DOCKER_DIR / source).resolve() == Path(DOCKER_DIR.parent / "dags").resolve()
