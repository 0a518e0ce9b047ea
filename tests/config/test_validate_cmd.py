"""`crmhub config validate` checks how ``${...}`` references are written without needing the
secrets; ``--resolve`` also checks, where crmhub runs, that each one resolves."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from crmhub.cli import output
from crmhub.cli.main import app

from .conftest import write_project

PROJECT = """\
project: demo
database_url: postgresql://crm:${CRM_DB_PASSWORD}@db/crm
connections:
  erp:
    type: catalog
    config:
      directory: exports
      auth: {user: crm, client_secret: "${ERP_SECRET}"}
"""


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ERP_SECRET", "CRM_DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    output.out.cache_clear()
    output.err.cache_clear()


def validate(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """``crmhub config validate ARGS`` run in ``root``, so errors name ``crmhub.yaml`` alone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return CliRunner().invoke(app, ["config", "validate", *args], env=env)


def test_unset_secrets_do_not_fail_validation(tmp_path: Path) -> None:
    result = validate(write_project(tmp_path, PROJECT))
    assert result.exit_code == 0, result.output
    assert "is valid: project 'demo', 1 connection(s)" in result.stdout
    assert "not resolved (add --resolve" in result.stdout


def test_a_malformed_reference_fails_without_resolve(tmp_path: Path) -> None:
    result = validate(write_project(tmp_path, PROJECT.replace("${ERP_SECRET}", "${ERP SECRET}")))
    assert result.exit_code == 2, result.output
    assert "crmhub.yaml:8: connections.erp.config.auth.client_secret:" in result.stderr
    assert "${ERP SECRET} is not a reference crmhub understands" in result.stderr


def test_resolve_names_every_unset_variable_with_its_line(tmp_path: Path) -> None:
    result = validate(write_project(tmp_path, PROJECT), "--resolve")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: crmhub.yaml:2: database_url: environment variable CRM_DB_PASSWORD is not set",
        (
            "error: crmhub.yaml:8: connections.erp.config.auth.client_secret: "
            "environment variable ERP_SECRET is not set"
        ),
    ]
    assert "hint: export ERP_SECRET=... in the environment crmhub runs in" in result.stderr


def test_resolve_passes_when_every_reference_resolves(tmp_path: Path) -> None:
    env = {"ERP_SECRET": "s3cr3t-value", "CRM_DB_PASSWORD": "pw-value"}
    result = validate(write_project(tmp_path, PROJECT), "--resolve", env=env)
    assert result.exit_code == 0, result.output
    assert "every ${...} reference resolves here" in result.stdout
    assert "s3cr3t-value" not in result.output and "pw-value" not in result.output
