"""The crmhub side of the deployment: the commands the compose files and the operations guide
run are commands the installed crmhub accepts, and the workbench answers its healthcheck."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from crmhub.cli.main import app
from crmhub.store import upgrade
from crmhub.web import WebSettings, create_app
from tests.docker.compose import (
    CELERY_FILE,
    COMPOSE_FILE,
    DOCKER_DIR,
    environment,
    load_project,
    substitute,
)
from tests.docker.entrypoint import crmhub_arguments
from tests.docker.envfile import read_env_file

OPERATIONS = DOCKER_DIR.parent / "docs" / "operations.md"
# How the guide runs crmhub: in the workbench service (entrypoint crmhub) or in an Airflow one.
_IN_CONTAINER = re.compile(
    r"docker compose (?:run --rm crmhub-workbench|exec [a-z-]+ crmhub) (?P<args>[^`\n]+)"
)
_INLINE = re.compile(r"`crmhub (?P<args>[^`\n]+)`")


def _crmhub_services() -> dict[str, list[str]]:
    """Service -> its crmhub arguments, variables filled in from .env.example."""
    values = read_env_file(DOCKER_DIR / ".env.example")
    services = load_project(COMPOSE_FILE, CELERY_FILE)["services"]
    return {
        name: [substitute(word, values) for word in arguments]
        for name, service in services.items()
        if (arguments := crmhub_arguments(service)) is not None
    }


def _accepts(arguments: list[str]) -> tuple[bool, str]:
    """Whether ``crmhub ARGUMENTS`` parses; ``--help`` stops it before anything runs."""
    result = CliRunner().invoke(app, [*arguments, "--help"])
    return result.exit_code == 0, result.output


def _guide_commands() -> list[list[str]]:
    text = OPERATIONS.read_text(encoding="utf-8")
    commands = []
    for match in [*_IN_CONTAINER.finditer(text), *_INLINE.finditer(text)]:
        words = shlex.split(match["args"].split("#", 1)[0])
        if words == ["..."]:  # "any command", not a command
            continue
        # placeholders the reader fills in stay valid arguments
        commands.append([w if w != "REVISION" else "base" for w in words])
    return commands


def test_compose_runs_the_migrations_the_pools_and_the_workbench() -> None:
    commands = _crmhub_services()
    assert commands["crmhub-migrate"] == ["db", "upgrade"]
    assert commands["crmhub-workbench"][0] == "serve"
    assert commands["crmhub-pools"] == ["airflow", "pools"]


@pytest.mark.parametrize("service", sorted(_crmhub_services()))
def test_crmhub_services_run_real_commands(service: str) -> None:
    ok, output = _accepts(_crmhub_services()[service])
    assert ok, output


def test_the_guide_runs_only_real_commands() -> None:
    commands = _guide_commands()
    assert len(commands) >= 6
    refused = {" ".join(c): out for c in commands for ok, out in [_accepts(c)] if not ok}
    assert refused == {}


def test_the_argument_check_refuses_a_misspelt_option() -> None:
    assert _accepts(["serve", "--port", "8000"])[0]
    assert not _accepts(["serve", "--hostname", "0.0.0.0"])[0]


def test_workbench_answers_its_healthcheck(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    service = load_project(COMPOSE_FILE)["services"]["crmhub-workbench"]
    url = urlsplit(service["healthcheck"]["test"][-1])
    command = _crmhub_services()["crmhub-workbench"]
    assert url.port == int(command[command.index("--port") + 1])

    store = f"sqlite:///{tmp_path / 'crmhub.db'}"
    upgrade(store)
    settings = WebSettings(database_url=store, secret_key=SecretStr("s" * 48))
    with TestClient(create_app(settings)) as client:
        response = client.get(url.path)
    assert (response.status_code, response.text) == (200, "ok")


def test_workbench_and_airflow_share_the_project_and_store() -> None:
    services = load_project(COMPOSE_FILE)["services"]
    workbench = environment(services["crmhub-workbench"])
    api_server = environment(services["airflow-api-server"])
    for name in ("CRMHUB_PROJECT", "CRMHUB_DATABASE_URL", "CRMHUB_WEB_SECRET"):
        assert workbench[name] == api_server[name], name
