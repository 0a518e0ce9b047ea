"""The scaffold writes a plugin project whose own tests pass as generated."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from connectors.sdk.scaffold import ScaffoldError, plugin_names, scaffold_plugin


def test_a_scaffolded_plugin_passes_its_own_tests(tmp_path: Path) -> None:
    project = scaffold_plugin("acme_erp", tmp_path)
    assert project == tmp_path / "crmhub-connector-acme-erp"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert "13 passed" in summary and "skipped" not in summary and "failed" not in summary, summary


def test_the_generated_project_registers_its_entry_point(tmp_path: Path) -> None:
    project = scaffold_plugin("acme_erp", tmp_path)
    meta = tomllib.loads((project / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "crmhub-connector-acme-erp"
    target = meta["project"]["entry-points"]["crmhub.connectors"]["acme_erp"]
    assert target == "crmhub_connector_acme_erp.connector:AcmeErpConnector"
    module, attribute = target.split(":")
    probe = f"import {module} as m; print(m.{attribute}.kind)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "acme_erp", result.stderr
    assert "${ACME_ERP_API_KEY}" in (project / "README.md").read_text()


@pytest.mark.parametrize(
    "bad", ["AcmeErp", "acme-erp", "1acme", "acme__erp", "acme_", "", "class", "x" * 41]
)
def test_bad_names_are_refused_with_a_hint(bad: str) -> None:
    with pytest.raises(ScaffoldError) as caught:
        plugin_names(bad)
    assert repr(bad) in str(caught.value)


def test_the_name_of_an_installed_connector_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="already installed"):
        scaffold_plugin("file", tmp_path)  # the built-in file connector's entry point


def test_a_non_empty_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "crmhub-connector-acme" / "keep.txt").parent.mkdir()
    (tmp_path / "crmhub-connector-acme" / "keep.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="not empty"):
        scaffold_plugin("acme", tmp_path)


def test_spellings_of_a_name() -> None:
    names = plugin_names("hub_spot2")
    assert (names.dist_name, names.package, names.class_prefix, names.title) == (
        "crmhub-connector-hub-spot2",
        "crmhub_connector_hub_spot2",
        "HubSpot2",
        "Hub Spot2",
    )
