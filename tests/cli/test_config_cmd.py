"""`crmhub config validate` and `crmhub config schema` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Invoke

PROJECT = """\
project: demo
connections:
  erp:
    type: catalog
    config:
      directory: exports
      page_size: 50
      auth: {user: crm, client_secret: "${ERP_SECRET}"}
"""
ENV = {"ERP_SECRET": "s3cr3t-value"}


def write(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "crmhub.yaml").write_text(text, encoding="utf-8")
    return root


def test_a_valid_project_passes(cli: Invoke, tmp_path: Path) -> None:
    result = cli("--project", str(write(tmp_path, PROJECT)), "config", "validate", env=ENV)
    assert result.exit_code == 0, result.output
    assert "is valid: project 'demo', 1 connection(s)" in result.stdout


@pytest.mark.parametrize(
    ("broken", "expected_line", "expected_text", "expected_hint"),
    [
        (
            "project: demo\nconnections:\n  erp: {type: catalog\n",
            4,
            "crmhub.yaml:4:1: YAML syntax error",
            "indentation",
        ),
        (
            PROJECT.replace("page_size: 50", "page_sise: 50"),
            7,
            "connections.erp.config.page_sise: unknown key 'page_sise'",
            "did you mean 'page_size'?",
        ),
        (
            PROJECT.replace("page_size: 50", "page_size: abc"),
            7,
            (
                "connections.erp.config.page_size: Input should be a valid integer, unable to parse string as "
                'an integer (got "abc")'
            ),
            None,
        ),
        (
            PROJECT.replace("type: catalog", "type: katalog"),
            4,
            "connections.erp.type: no connector of type 'katalog' is installed",
            "installed types:",
        ),
        (
            PROJECT.replace('"${ERP_SECRET}"', "hunter2-literal"),
            8,
            "connections.erp.config.auth.client_secret: a secret is written here as a literal value",
            "${ERP_AUTH_CLIENT_SECRET}",
        ),
        (
            PROJECT.replace("ERP_SECRET", "UNSET_SECRET"),
            8,
            "connections.erp.config.auth.client_secret: environment variable UNSET_SECRET is not set",
            "export UNSET_SECRET=",
        ),
    ],
)
def test_a_broken_file_names_line_and_key_and_exits_2(
    cli: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    broken: str,
    expected_line: int,
    expected_text: str,
    expected_hint: str | None,
) -> None:
    monkeypatch.chdir(write(tmp_path, broken))
    result = cli("config", "validate", "--resolve", env=ENV)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"error: crmhub.yaml:{expected_line}")
    assert expected_text in lines[0]
    if expected_hint:
        assert lines[1].strip().startswith("hint:") and expected_hint in lines[1]
    assert lines[-1] == "1 problem in crmhub.yaml"
    assert "hunter2-literal" not in result.output and "s3cr3t-value" not in result.output


def test_every_problem_is_listed(cli: Invoke, tmp_path: Path) -> None:
    text = PROJECT.replace("page_size: 50", "page_size: abc").replace(
        "type: catalog", "type: catalog\n    shedule: x"
    )
    result = cli("--project", str(write(tmp_path, text)), "config", "validate", env=ENV)
    assert result.exit_code == 2
    assert result.stderr.count("error: ") == 2
    assert "did you mean 'schedule'?" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("2 problems in ")


def test_no_resolve_skips_the_environment(cli: Invoke, tmp_path: Path) -> None:
    result = cli("--project", str(write(tmp_path, PROJECT)), "config", "validate", "--no-resolve")
    assert result.exit_code == 0, result.output
    assert "not resolved" in result.stdout


def test_project_from_environment_variable(cli: Invoke, tmp_path: Path) -> None:
    env = {**ENV, "CRMHUB_PROJECT": str(write(tmp_path, PROJECT))}
    assert cli("config", "validate", env=env).exit_code == 0


def test_no_project_here(cli: Invoke, tmp_path: Path) -> None:
    result = cli("--project", str(tmp_path), "config", "validate")
    assert result.exit_code == 2
    assert f"error: no crmhub.yaml in {tmp_path}" in result.stderr
    assert "hint: run `crmhub init" in result.stderr


def test_schema_to_stdout_and_to_a_file(cli: Invoke, tmp_path: Path) -> None:
    result = cli("config", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "catalog" in schema["$defs"]["ConnectionConfig"]["properties"]["type"]["enum"]
    target = tmp_path / "crmhub.schema.json"
    result = cli("config", "schema", "-o", str(target))
    assert result.exit_code == 0 and json.loads(target.read_text()) == schema
    assert "yaml-language-server" in result.stdout
