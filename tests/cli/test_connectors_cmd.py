"""`crmhub connectors list/spec/check/discover/new`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmhub.cli.connectors_cmd import setting_rows

from .conftest import Invoke

PROJECT = """\
project: demo
connections:
  erp:
    type: catalog
    config:
      directory: exports
      auth: {user: crm, client_secret: "${ERP_SECRET}"}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "customers.json").write_text("[]")
    (tmp_path / "exports" / "orders.json").write_text("[]")
    (tmp_path / "crmhub.yaml").write_text(PROJECT)
    return tmp_path


def test_list_shows_kinds_descriptions_and_broken_plugins(cli: Invoke) -> None:
    result = cli("connectors", "list")
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line
        for line in result.stdout.splitlines()
        if line.count("│") > 2
    }
    assert (
        "JSON files in a folder" in rows["catalog"]
        and "crmhub_test_plugin:CatalogConnector" in rows["catalog"]
    )
    assert "cannot be loaded" in rows["broken"]
    assert {"file", "sql"} <= set(rows)


def test_spec_as_table_and_json(cli: Invoke) -> None:
    result = cli("connectors", "spec", "catalog")
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line
        for line in result.stdout.splitlines()
        if line.count("│") > 4
    }
    assert "yes" in rows["directory"] and "string" in rows["directory"]
    assert "100" in rows["page_size"]
    assert "secret" in rows["auth.client_secret"] and "secret" in rows["api_password"]
    assert "secret" not in rows["auth.user"]
    schema = json.loads(cli("connectors", "spec", "catalog", "--json").stdout)
    assert schema["required"] == ["directory"]


def test_setting_rows_flatten_nested_blocks() -> None:
    schema = {
        "properties": {
            "auth": {"anyOf": [{"$ref": "#/$defs/Auth"}, {"type": "null"}]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "mode": {"enum": ["a", "b"], "default": "a"},
            "streams": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Auth"}},
        },
        "required": ["tags"],
        "$defs": {
            "Auth": {
                "properties": {"key": {"type": "string", "format": "password", "writeOnly": True}},
                "required": ["key"],
            }
        },
    }
    assert [(r.key, r.type, r.required, r.default, r.secret) for r in setting_rows(schema)] == [
        ("auth", "Auth", False, "", False),
        ("auth.key", "string", True, "", True),
        ("tags", "list of string", True, "", False),
        ("mode", '"a" | "b"', False, '"a"', False),
        ("streams", "mapping of Auth", False, "", False),
        ("streams.<name>.key", "string", True, "", True),
    ]


def test_spec_of_an_unknown_kind(cli: Invoke) -> None:
    result = cli("connectors", "spec", "catalgo")
    assert result.exit_code == 2
    assert "error: no connector of type 'catalgo' is installed" in result.stderr
    assert "hint: did you mean 'catalog'?" in result.stderr


def test_check_and_discover(cli: Invoke, project: Path) -> None:
    env = {"ERP_SECRET": "x"}
    result = cli("--project", str(project), "connectors", "check", "erp", env=env)
    assert result.exit_code == 0, result.output
    assert "connection 'erp': 2 stream file(s)" in result.stdout
    result = cli("--project", str(project), "connectors", "discover", "erp", env=env)
    assert result.exit_code == 0, result.output
    assert (
        "customers" in result.stdout and "orders" in result.stdout and "full reads" in result.stdout
    )
    streams = json.loads(
        cli("--project", str(project), "connectors", "discover", "erp", "--json", env=env).stdout
    )
    assert [(s["name"], s["key"]) for s in streams] == [("customers", ["id"]), ("orders", ["id"])]


def test_check_that_fails_exits_1(cli: Invoke, project: Path) -> None:
    (project / "exports" / "customers.json").unlink()
    (project / "exports" / "orders.json").unlink()
    (project / "exports").rmdir()
    result = cli("--project", str(project), "connectors", "check", "erp", env={"ERP_SECRET": "x"})
    assert result.exit_code == 1
    assert "error: connection 'erp': folder" in result.stderr and "does not exist" in result.stderr


def test_check_unknown_connection_or_missing_secret_exits_2(cli: Invoke, project: Path) -> None:
    result = cli("--project", str(project), "connectors", "check", "ERP", env={"ERP_SECRET": "x"})
    assert result.exit_code == 2
    assert "has no connection 'ERP'" in result.stderr and "did you mean 'erp'?" in result.stderr
    result = cli("--project", str(project), "connectors", "check", "erp")
    assert result.exit_code == 2
    assert (
        "crmhub.yaml:7: connections.erp.config.auth.client_secret: environment variable ERP_SECRET "
        "is not set" in result.stderr
    )


def test_new_scaffolds_a_plugin(cli: Invoke, tmp_path: Path) -> None:
    pytest.importorskip(
        "connectors.sdk.scaffold", reason="the scaffold is written by another engineer"
    )
    result = cli("connectors", "new", "acme_erp", "--dest", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "plugin 'acme_erp' created in" in result.stdout
    assert any(tmp_path.iterdir())
