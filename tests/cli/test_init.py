"""`crmhub init` gives a working project: init -> config validate -> db upgrade -> status."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from crmhub.store.migrate import head_revision

from .conftest import Invoke

EXPECTED_FILES = {
    "crmhub.yaml",
    "crmhub.schema.json",
    ".gitignore",
    "README.md",
    "data/customers.csv",
    "mappings/legacy_crm_customers.yaml",
}


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_init_writes_the_demo_project(cli: Invoke, tmp_path: Path) -> None:
    root = tmp_path / "acme crm"
    result = cli("init", str(root))
    assert result.exit_code == 0, result.output
    assert files_under(root) == EXPECTED_FILES
    config_text = (root / "crmhub.yaml").read_text()
    assert config_text.startswith("# yaml-language-server: $schema=crmhub.schema.json\n")
    assert yaml.safe_load(config_text)["project"] == "acme-crm"
    schema = json.loads((root / "crmhub.schema.json").read_text())
    assert "file" in schema["$defs"]["ConnectionConfig"]["properties"]["type"]["enum"]
    assert "*.db" in (root / ".gitignore").read_text().splitlines()


def test_the_sample_is_a_messy_italian_export() -> None:
    from crmhub.cli.init_cmd import template_root

    text = (template_root() / "data" / "customers.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines(), delimiter=";"))
    assert 18 <= len(rows) <= 25
    assert {r["TIPO"] for r in rows} == {"P", "A"}  # people and companies
    tax_codes = [r["CODICE_FISCALE"].upper() for r in rows if r["CODICE_FISCALE"]]
    assert len(tax_codes) > len(set(tax_codes))  # some customers appear twice
    assert any("/" in r["DATA_NASCITA"] for r in rows)  # Italian dates, day first


def test_init_refuses_to_overwrite_unless_forced(cli: Invoke, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path)).exit_code == 0
    (tmp_path / "crmhub.yaml").write_text("project: mine\n")
    (tmp_path / "crmhub.db").write_text("keep me")
    result = cli("init", str(tmp_path))
    assert result.exit_code == 2
    assert "already holds a project" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "crmhub.yaml").read_text() == "project: mine\n"
    result = cli("init", str(tmp_path), "--force", "--name", "fresh")
    assert result.exit_code == 0
    assert 'project: "fresh"' in (tmp_path / "crmhub.yaml").read_text()
    assert (tmp_path / "crmhub.db").read_text() == "keep me"


def test_init_upgrade_status_end_to_end(cli: Invoke, tmp_path: Path, store_url: str) -> None:
    root = tmp_path / "demo"
    assert cli("init", str(root)).exit_code == 0
    project, db = ("--project", str(root)), ("--database-url", store_url)
    result = cli(*project, "config", "validate")
    assert result.exit_code == 0, result.output
    result = cli(*project, "connectors", "check", "legacy_crm")
    assert result.exit_code == 0, result.output
    assert "semicolon-separated" in result.stdout
    result = cli(*project, *db, "db", "upgrade")
    assert result.exit_code == 0, result.output
    result = cli(*project, *db, "status")
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in result.stdout
    assert (
        "legacy_crm" in result.stdout
        and "never" in result.stdout
        and "no runs yet" in result.stdout
    )


def test_the_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed `crmhub` executable, in its own process, on the default SQLite store."""
    script = Path(sys.executable).with_name("crmhub")
    env = {
        k: v for k, v in os.environ.items() if k not in ("CRMHUB_PROJECT", "CRMHUB_DATABASE_URL")
    }
    env["COLUMNS"] = "200"

    def crmhub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert crmhub("init", "demo", cwd=tmp_path).returncode == 0
    root = tmp_path / "demo"
    for args in (("config", "validate"), ("db", "upgrade"), ("status",)):
        done = crmhub(*args, cwd=root)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert (root / "crmhub.db").is_file()
    assert "legacy_crm" in done.stdout
    lines = (
        (root / "crmhub.yaml").read_text().replace("max_parallel: 1", "max_paralel: 1").splitlines()
    )
    (root / "crmhub.yaml").write_text("\n".join(lines) + "\n")
    line = next(i for i, text in enumerate(lines, start=1) if "max_paralel" in text)
    broken = crmhub("config", "validate", cwd=root)
    assert broken.returncode == 2
    assert broken.stderr.splitlines() == [
        f"error: crmhub.yaml:{line}: connections.legacy_crm.max_paralel: unknown key 'max_paralel'",
        "  hint: did you mean 'max_parallel'?",
        "1 problem in crmhub.yaml",
    ]
