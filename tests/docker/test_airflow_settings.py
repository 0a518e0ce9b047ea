"""The Airflow side of the compose files, checked against the installed apache-airflow: every
``AIRFLOW__SECTION__KEY`` is a real, current option, every command and healthcheck a real CLI
command, and the health URLs are ones Airflow serves. A typo here would otherwise surface
only on a production host, as a setting silently ignored."""

from __future__ import annotations

import importlib.util
import re
import shlex
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import running_in_ci
from tests.docker.compose import CELERY_FILE, COMPOSE_FILE, DOCKER_DIR, environment, load_project
from tests.docker.entrypoint import crmhub_arguments, invocation

CELERY_PROVIDER = "airflow.providers.celery"
OPERATIONS = DOCKER_DIR.parent / "docs" / "operations.md"
_OPTION = re.compile(r"\bAIRFLOW__[A-Z0-9_]+__[A-Z0-9_]+\b")
# the guide's Airflow commands, run in a container: "docker compose exec SERVICE airflow ..."
_GUIDE_AIRFLOW = re.compile(r"docker compose exec [a-z-]+ airflow (?P<args>[^`\n]+)")
_SUFFIXES = ("_CMD", "_SECRET")  # Airflow reads sensitive options from a command or a secret


def _project() -> dict[str, Any]:
    """Both variants at once: the Celery override holds every service compose.yaml has."""
    return load_project(COMPOSE_FILE, CELERY_FILE)


def _airflow_services(project: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Services running the image's Airflow entrypoint (crmhub's own set ``entrypoint``)."""
    services = (project or _project())["services"]
    return {name: s for name, s in services.items() if "build" in s and "entrypoint" not in s}


def _option_problems(keys: set[str]) -> list[str]:
    """What is wrong with each ``AIRFLOW__SECTION__KEY`` name, per the installed Airflow."""
    from airflow.configuration import conf

    known = conf.configuration_description
    deprecated = {(old[0], old[1]): new for new, old in conf.deprecated_options.items()}
    problems = []
    for name in sorted(keys):
        parts = name.removeprefix("AIRFLOW__").split("__")
        if len(parts) != 2:
            problems.append(f"{name}: not AIRFLOW__SECTION__KEY")
            continue
        section, key = parts[0].lower(), parts[1].lower()
        if (section, key) in deprecated:
            new_section, new_key = deprecated[(section, key)]
            problems.append(f"{name}: deprecated, write AIRFLOW__{new_section}__{new_key}".upper())
            continue
        base = next(
            (key.removesuffix(s.lower()) for s in _SUFFIXES if key.endswith(s.lower())), key
        )
        options = known.get(section, {}).get("options", {})
        if key not in options and base not in options:
            problems.append(f"{name}: Airflow {_installed_version()} has no [{section}] {key}")
    return problems


def _installed_version() -> str:
    import airflow

    return airflow.__version__


def test_every_airflow_option_the_compose_files_set_exists() -> None:
    keys = {
        key
        for service in _project()["services"].values()
        for key in environment(service)
        if key.startswith("AIRFLOW__")
    }
    assert len(keys) >= 12
    assert _option_problems(keys) == []


def test_every_airflow_option_the_guide_names_exists() -> None:
    keys = set(_OPTION.findall(OPERATIONS.read_text(encoding="utf-8")))
    assert len(keys) >= 4
    assert _option_problems(keys) == []


def test_the_option_check_catches_typos_and_old_names() -> None:
    problems = _option_problems(
        {"AIRFLOW__CORE__EXECUTER", "AIRFLOW__WEBSERVER__BASE_URL", "AIRFLOW__CORE_EXECUTOR"}
    )
    assert problems == [
        "AIRFLOW__CORE_EXECUTOR: not AIRFLOW__SECTION__KEY",
        "AIRFLOW__CORE__EXECUTER: Airflow " + _installed_version() + " has no [core] executer",
        "AIRFLOW__WEBSERVER__BASE_URL: DEPRECATED, WRITE AIRFLOW__API__BASE_URL",
    ]
    assert _option_problems({"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD"}) == []


def _parse_airflow(arguments: list[str]) -> None:
    """Parse ``airflow ARGUMENTS`` with the installed CLI (nothing runs); fail on an error."""
    from airflow.cli.cli_parser import get_parser

    if arguments[0] == "celery" and importlib.util.find_spec(CELERY_PROVIDER) is None:
        message = (
            f"`airflow {' '.join(arguments)}` comes from apache-airflow-providers-celery, "
            "which is not installed (the airflow extra should pin it)"
        )
        if running_in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        get_parser().parse_args(arguments)
    except SystemExit as exc:
        pytest.fail(f"`airflow {' '.join(arguments)}` is not a valid command ({exc})")


def _commands() -> list[tuple[str, list[str]]]:
    found = []
    for name, service in _airflow_services().items():
        run = invocation(service)
        if run.program == "airflow":  # the rest (bash, python) is checked where it runs crmhub
            found.append((name, run.arguments))
        test = (service.get("healthcheck") or {}).get("test") or []
        shell = test[1] if test[:1] == ["CMD-SHELL"] else ""
        if shell.startswith("airflow "):
            words = shlex.split(shell.replace("$${HOSTNAME}", "host"))[1:]
            found.append((f"{name} healthcheck", words))
    for match in _GUIDE_AIRFLOW.finditer(OPERATIONS.read_text(encoding="utf-8")):
        found.append((f"operations.md: {match['args']}", shlex.split(match["args"])))
    return found


@pytest.mark.parametrize(("where", "arguments"), _commands(), ids=[c[0] for c in _commands()])
def test_airflow_commands_are_real_cli_commands(where: str, arguments: list[str]) -> None:
    _parse_airflow(arguments)


def test_the_image_entrypoint_runs_only_airflow_or_crmhub_commands() -> None:
    """A ``bash``/``python`` command skips the Airflow CLI check: it must be a crmhub one."""
    for name, service in _airflow_services().items():
        run = invocation(service)
        assert run.program == "airflow" or crmhub_arguments(service) is not None, (name, run)


def test_a_bare_crmhub_command_would_reach_the_airflow_cli() -> None:
    """Why crmhub runs through ``bash -c`` in an Airflow service: the entrypoint prefixes
    ``airflow`` to anything but bash and python, and Airflow has no ``crmhub`` command."""
    run = invocation({"command": ["crmhub", "airflow", "pools"]})
    assert run == invocation({"command": "airflow crmhub airflow pools"})
    assert run.program == "airflow"
    with pytest.raises(pytest.fail.Exception, match="not a valid command"):
        _parse_airflow(run.arguments)


def test_health_urls_are_ones_airflow_serves() -> None:
    from airflow.api_fastapi.core_api.routes.public import public_router
    from airflow.configuration import conf

    services = _airflow_services()
    api_url = urlsplit(services["airflow-api-server"]["healthcheck"]["test"][-1])
    assert api_url.port == conf.getint("api", "port")
    assert api_url.path in {route.path for route in public_router.routes}

    scheduler_url = urlsplit(services["airflow-scheduler"]["healthcheck"]["test"][-1])
    assert scheduler_url.port == conf.getint("scheduler", "scheduler_health_check_server_port")
    assert scheduler_url.path == "/health"  # airflow.utils.scheduler_health.HealthServer


def test_tasks_reach_the_execution_api_on_the_api_server_service() -> None:
    services = _airflow_services()
    api_port = int(services["airflow-api-server"]["ports"][0].rsplit(":", 1)[1])
    for name, service in services.items():
        url = urlsplit(environment(service)["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert (url.hostname, url.port, url.path) == (
            "airflow-api-server",
            api_port,
            "/execution/",
        ), name


def test_executors_are_ones_airflow_knows() -> None:
    from airflow.executors.executor_constants import CORE_EXECUTOR_NAMES

    executors = {
        environment(service)["AIRFLOW__CORE__EXECUTOR"]
        for project in (load_project(COMPOSE_FILE), _project())
        for service in _airflow_services(project).values()
    }
    assert executors == {"LocalExecutor", "CeleryExecutor"}
    assert executors <= set(CORE_EXECUTOR_NAMES)


def test_celery_worker_healthcheck_names_the_providers_app() -> None:
    worker = _airflow_services()["airflow-worker"]
    words = shlex.split(worker["healthcheck"]["test"][1])
    app = words[words.index("--app") + 1]
    module, _, attribute = app.rpartition(".")
    assert module.startswith(CELERY_PROVIDER + ".") and attribute == "app"
    if importlib.util.find_spec(CELERY_PROVIDER) is not None:
        assert importlib.util.find_spec(module) is not None, f"no module {module}"
