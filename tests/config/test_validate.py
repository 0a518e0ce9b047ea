"""A broken crmhub.yaml is reported problem by problem, each with its file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmhub.config.project import load_project
from crmhub.errors import ConfigInvalid, ConfigProblem

from .conftest import write_project

VALID = """\
project: demo
connections:
  erp:
    type: catalog
    config:
      directory: exports
      page_size: 50
      auth:
        user: crm
        client_secret: ${ERP_SECRET}
    schedule: "*/30 * * * *"
    max_parallel: 2
    streams:
      customers:
        mapping: mappings/erp_customers.yaml
targets:
  erp_back:
    connection: erp
    stream: customers
    fields:
      email: {owner: hub, conflict: newest_wins}
survivorship:
  source_priority: [erp]
  fields:
    email: {rule: validated_first}
"""
MAPPING = {"mappings/erp_customers.yaml": "version: 1\n"}


def problems_of(
    tmp_path: Path, text: str, files: dict[str, str] | None = None
) -> list[ConfigProblem]:
    write_project(tmp_path, text, files=MAPPING if files is None else files)
    with pytest.raises(ConfigInvalid) as caught:
        load_project(tmp_path)
    return caught.value.problems


def only(problems: list[ConfigProblem]) -> ConfigProblem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_a_valid_project_loads(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, VALID, files=MAPPING))
    erp = project.connection("erp")
    assert erp.type == "catalog" and erp.max_parallel == 2
    assert erp.config["auth"]["client_secret"] == "${ERP_SECRET}"  # resolved only when built
    assert (
        project.mapping_path("erp", "customers")
        == tmp_path.resolve() / "mappings/erp_customers.yaml"
    )
    assert project.config.matching.thresholds.upper > project.config.matching.thresholds.lower


def test_wrong_type_names_line_key_and_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the file is then named relative to the current directory
    problem = only(problems_of(tmp_path, VALID.replace("page_size: 50", "page_size: abc")))
    assert problem.line == 7
    assert problem.path == "connections.erp.config.page_size"
    assert str(problem).startswith(
        "crmhub.yaml:7: connections.erp.config.page_size: Input should be a valid integer"
    )
    assert str(problem).endswith('(got "abc")')


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    problem = only(
        problems_of(tmp_path, VALID.replace("    max_parallel: 2", "    max_paralel: 2"))
    )
    assert (problem.line, problem.path) == (12, "connections.erp.max_paralel")
    assert problem.message == "unknown key 'max_paralel'"
    assert problem.hint == "did you mean 'max_parallel'?"


def test_unknown_key_inside_connector_settings_suggests_too(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, VALID.replace("page_size: 50", "pagesize: 50")))
    assert (problem.line, problem.path) == (7, "connections.erp.config.pagesize")
    assert problem.hint == "did you mean 'page_size'?"


def test_unknown_key_without_a_close_one_lists_the_valid_keys(tmp_path: Path) -> None:
    problem = only(
        problems_of(tmp_path, VALID.replace("project: demo", "project: demo\nfrobnicate: 1"))
    )
    assert problem.line == 2
    assert "valid keys here: version, project, database_url, connections" in (problem.hint or "")


def test_unknown_connector_type_lists_installed_types(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, VALID.replace("type: catalog", "type: catalogue")))
    assert (problem.line, problem.path) == (4, "connections.erp.type")
    assert "no connector of type 'catalogue' is installed" in problem.message
    assert "did you mean 'catalog'?" in (problem.hint or "")
    assert "installed types:" in (problem.hint or "") and "catalog" in (problem.hint or "")


def test_a_plugin_that_fails_to_import_is_named(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, VALID.replace("type: catalog", "type: broken")))
    assert problem.line == 4
    assert "'broken'" in problem.message and "failed to import" in problem.message


def test_literal_secret_in_a_secretstr_field_is_refused_without_echoing_it(tmp_path: Path) -> None:
    text = VALID.replace("client_secret: ${ERP_SECRET}", "client_secret: s3cr3t-value")
    problem = only(problems_of(tmp_path, text))
    assert (problem.line, problem.path) == (10, "connections.erp.config.auth.client_secret")
    assert "literal" in problem.message
    assert "${ERP_AUTH_CLIENT_SECRET}" in (problem.hint or "")
    assert "s3cr3t" not in str(problem) + (problem.hint or "")


def test_literal_secret_under_a_secret_key_name_is_refused(tmp_path: Path) -> None:
    # `api_password` is a SecretStr of the connector; `token` is unknown to it but named like a secret
    text = VALID.replace("page_size: 50", "page_size: 50\n      api_password: hunter22")
    problem = only(problems_of(tmp_path, text))
    assert (problem.line, problem.path) == (8, "connections.erp.config.api_password")
    text = VALID.replace("page_size: 50", "page_size: 50\n      token: abcd1234")
    found = problems_of(tmp_path, text)
    assert {p.path for p in found} == {"connections.erp.config.token"}
    assert any("literal" in p.message for p in found) and any(
        "unknown key" in p.message for p in found
    )
    assert all("abcd1234" not in str(p) for p in found)


def test_a_database_url_with_a_literal_password_is_refused(tmp_path: Path) -> None:
    text = VALID.replace(
        "project: demo", "project: demo\ndatabase_url: postgresql://crm:pw123@db/crm"
    )
    problem = only(problems_of(tmp_path, text))
    assert (problem.line, problem.path) == (2, "database_url")
    assert "${" in (problem.hint or "") and "pw123" not in str(problem)


def test_references_in_urls_and_secrets_are_accepted(tmp_path: Path) -> None:
    text = VALID.replace(
        "project: demo", "project: demo\ndatabase_url: postgresql://crm:${PG_PASS}@db/crm"
    )
    text = text.replace(
        "page_size: 50", "page_size: ${PAGE_SIZE}\n      api_password: ${airflow:erp.password}"
    )
    project = load_project(write_project(tmp_path, text, files=MAPPING))
    assert project.config.database_url == "postgresql://crm:${PG_PASS}@db/crm"


def test_malformed_references_are_reported(tmp_path: Path) -> None:
    text = VALID.replace("${ERP_SECRET}", "${vault:erp}").replace(
        "directory: exports", "directory: ${EXPORTS"
    )
    found = problems_of(tmp_path, text)
    assert {(p.line, p.path) for p in found} == {
        (6, "connections.erp.config.directory"),
        (10, "connections.erp.config.auth.client_secret"),
    }
    assert any("not a reference crmhub understands" in p.message for p in found)
    assert any("without its closing" in p.message for p in found)


def test_missing_required_key_is_located_at_its_parent(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, VALID.replace("      directory: exports\n", "")))
    assert (problem.line, problem.path) == (5, "connections.erp.config.directory")
    assert problem.message == "missing required key 'directory'"


def test_missing_mapping_file(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, VALID, files={}))
    assert (problem.line, problem.path) == (15, "connections.erp.streams.customers.mapping")
    assert "'mappings/erp_customers.yaml' not found" in problem.message


def test_names_that_refer_to_undeclared_connections(tmp_path: Path) -> None:
    text = VALID.replace("connection: erp", "connection: epr").replace("[erp]", "[erp, shop]")
    found = problems_of(tmp_path, text)
    assert [(p.line, p.path, p.hint) for p in found] == [
        (18, "targets.erp_back.connection", "did you mean 'erp'?"),
        (23, "survivorship.source_priority[1]", "declared connections: erp"),
    ]


def test_thresholds_schedule_and_names_are_checked(tmp_path: Path) -> None:
    text = (
        VALID.replace('"*/30 * * * *"', '"*/30 * * *"').replace(
            "  erp:\n    type", "  ERP-1:\n    type"
        )
        + "matching:\n  thresholds: {upper: 0.6, lower: 0.8}\n  blocking: [email, emial]\n"
    )
    found = problems_of(tmp_path, text)
    by_path = {p.path: p for p in found}
    assert by_path["connections.ERP-1"].line == 3
    assert "not a valid name" in by_path["connections.ERP-1"].message
    assert "a cron expression has 5 fields" in by_path["connections.ERP-1.schedule"].message
    assert by_path["matching.thresholds"].line == 27
    assert "upper (0.6) must be greater than lower (0.8)" in by_path["matching.thresholds"].message
    assert by_path["matching.blocking[1]"].hint == "did you mean 'email'?"


def test_every_problem_is_collected_in_file_order(tmp_path: Path) -> None:
    text = (
        VALID.replace("page_size: 50", "page_size: many")
        .replace("max_parallel: 2", "max_parallel: 0")
        .replace("type: catalog", "type: catalog")
        + "extra_section: {}\n"
    )
    found = problems_of(tmp_path, text)
    assert [p.line for p in found] == sorted(p.line or 0 for p in found)
    assert {p.path for p in found} == {
        "connections.erp.config.page_size",
        "connections.erp.max_parallel",
        "extra_section",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "the top level must be a mapping"),
    ],
)
def test_a_file_without_a_mapping_at_the_top(tmp_path: Path, text: str, message: str) -> None:
    assert message in only(problems_of(tmp_path, text)).message
