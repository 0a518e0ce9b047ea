"""Finding the project, choosing the database URL, and building a connection's connector."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk import ConnectorConfig
from crmhub.config.connections import build_connector, with_paths_from
from crmhub.config.project import database_url, default_database_url, load_project, project_dir
from crmhub.errors import ConfigInvalid, ProjectNotFound, UnknownConnection

from .conftest import write_project

PROJECT = """\
project: demo
connections:
  erp:
    type: catalog
    config:
      directory: exports
      page_size: ${PAGE_SIZE}
      auth: {user: crm, client_secret: "${ERP_SECRET}"}
"""


def test_project_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert project_dir(None, {}) == tmp_path
    assert project_dir(None, {"CRMHUB_PROJECT": "/srv/crm"}) == Path("/srv/crm")
    assert project_dir(Path("/opt/p"), {"CRMHUB_PROJECT": "/srv/crm"}) == Path("/opt/p")
    assert project_dir(Path("/opt/p/crmhub.yaml"), {}) == Path("/opt/p")


def test_project_not_found_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFound, match="no crmhub.yaml in") as caught:
        load_project(tmp_path)
    assert "crmhub init" in (caught.value.hint or "")
    (tmp_path / "crmhub.yml").write_text("project: x\n")
    with pytest.raises(ProjectNotFound) as caught:
        load_project(tmp_path)
    assert caught.value.hint == "rename crmhub.yml to crmhub.yaml"
    with pytest.raises(ProjectNotFound, match="does not exist"):
        load_project(tmp_path / "missing")


def test_database_url_precedence(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, "project: demo\ndatabase_url: postgresql://crm:${PG_PASS}@db/crm\n"
    )
    loads: list[int] = []

    def project():  # type: ignore[no-untyped-def]
        loads.append(1)
        return load_project(root)

    env = {"CRMHUB_DATABASE_URL": "sqlite:////env.db", "PG_PASS": "pw"}
    assert (
        database_url(option="sqlite:////opt.db", root=root, project=project, environ=env)
        == "sqlite:////opt.db"
    )
    assert database_url(option=None, root=root, project=project, environ=env) == "sqlite:////env.db"
    assert loads == []  # the project file is not even read when the URL is given
    assert database_url(option=None, root=root, project=project, environ={"PG_PASS": "pw"}) == (
        "postgresql://crm:pw@db/crm"
    )
    write_project(root, "project: demo\n")
    assert (
        database_url(option=None, root=root, project=project, environ={})
        == (f"sqlite:///{root.resolve()}/crmhub.db")
        == default_database_url(root)
    )


def test_relative_sqlite_url_in_the_file_is_relative_to_the_project(tmp_path: Path) -> None:
    root = write_project(tmp_path, "project: demo\ndatabase_url: sqlite:///store/hub.db\n")
    url = database_url(option=None, root=root, project=lambda: load_project(root), environ={})
    assert url == f"sqlite:///{root.resolve()}/store/hub.db"


def test_database_url_reference_must_resolve(tmp_path: Path) -> None:
    root = write_project(tmp_path, "project: demo\ndatabase_url: ${CRM_DB_URL}\n")
    with pytest.raises(ConfigInvalid) as caught:
        database_url(option=None, root=root, project=lambda: load_project(root), environ={})
    assert str(caught.value.problems[0]).endswith(
        "crmhub.yaml:2: database_url: environment variable CRM_DB_URL is not set"
    )


def test_build_connector_resolves_secrets_and_project_paths(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, PROJECT, files={"exports/customers.json": "[]"}))
    connector = build_connector(project, "erp", {"PAGE_SIZE": "25", "ERP_SECRET": "s3cr3t"})
    assert connector.config.page_size == 25
    assert connector.config.auth.client_secret.get_secret_value() == "s3cr3t"
    assert connector.config.directory == tmp_path.resolve() / "exports"
    assert connector.check().ok
    assert [s.name for s in connector.discover()] == ["customers"]


def test_build_connector_reports_missing_variables_with_line(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, PROJECT))
    with pytest.raises(ConfigInvalid) as caught:
        build_connector(project, "erp", {})
    assert [(p.line, p.path, p.message) for p in caught.value.problems] == [
        (7, "connections.erp.config.page_size", "environment variable PAGE_SIZE is not set"),
        (
            8,
            "connections.erp.config.auth.client_secret",
            "environment variable ERP_SECRET is not set",
        ),
    ]


def test_a_resolved_value_the_connector_refuses_is_not_echoed(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, PROJECT))
    with pytest.raises(ConfigInvalid) as caught:
        build_connector(project, "erp", {"PAGE_SIZE": "secret-ish", "ERP_SECRET": "x"})
    problem = caught.value.problems[0]
    assert (problem.line, problem.path) == (7, "connections.erp.config.page_size")
    assert "valid integer" in problem.message and "secret-ish" not in str(problem)


def test_unknown_connection_suggests_the_closest(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, PROJECT))
    with pytest.raises(UnknownConnection) as caught:
        build_connector(project, "epr", {})
    assert caught.value.hint == "did you mean 'erp'?"


class _FolderConfig(ConnectorConfig):
    base_dir: str | None = None
    archive: Path | None = None
    name: str = "x"


def test_paths_and_base_dir_are_taken_from_the_project(tmp_path: Path) -> None:
    assert with_paths_from(tmp_path, _FolderConfig, {"archive": "old", "name": "rel"}) == {
        "archive": str(tmp_path / "old"),
        "name": "rel",
        "base_dir": str(tmp_path),
    }
    assert with_paths_from(tmp_path, _FolderConfig, {"base_dir": "in", "archive": "/abs"}) == {
        "base_dir": str(tmp_path / "in"),
        "archive": "/abs",
    }
    assert (
        with_paths_from(tmp_path, _FolderConfig, {"archive": "${ARCHIVE}"})["archive"]
        == "${ARCHIVE}"
    )
