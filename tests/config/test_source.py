"""Reading YAML with line numbers: every key and value can be located, syntax errors too."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmhub.config.source import load_yaml_file, parse_yaml
from crmhub.errors import ConfigInvalid

TEXT = """\
project: demo
connections:
  erp:
    type: sql
    config:
      port: 5432
      tables:
        - customers
        - orders
"""


def test_values_and_keys_are_located() -> None:
    doc = parse_yaml(TEXT, "crmhub.yaml")
    assert doc.data["connections"]["erp"]["config"]["tables"] == ["customers", "orders"]
    assert doc.source.line(("connections", "erp", "type")) == 4
    assert doc.source.line(("connections", "erp", "config", "port")) == 6
    assert doc.source.line(("connections", "erp", "config", "tables", 1)) == 9
    assert doc.source.line(("connections", "erp"), at_key=True) == 3


def test_a_missing_key_is_located_at_its_parent() -> None:
    doc = parse_yaml(TEXT, "crmhub.yaml")
    assert doc.source.line(("connections", "erp", "schedule"), at_key=True) == 3
    assert doc.source.line(("connections", "erp", "config", "host")) == 5


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_yaml("project: demo\nconnections:\n  erp: [1, 2\n  other: 3\n", "crmhub.yaml")
    problem = caught.value.problems[0]
    assert problem.file == "crmhub.yaml"
    assert problem.line == 4 and problem.column is not None
    assert "YAML syntax error" in problem.message
    assert str(problem).startswith(f"crmhub.yaml:4:{problem.column}: ")


def test_tab_indentation_gets_its_own_hint() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_yaml("project: demo\nconnections:\n\terp: {}\n", "crmhub.yaml")
    assert caught.value.problems[0].line == 3
    assert "tabs" in (caught.value.problems[0].hint or "")


def test_duplicate_keys_are_errors_not_silently_overwritten() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        parse_yaml("project: a\nmatching: {}\nproject: b\n", "crmhub.yaml")
    problem = caught.value.problems[0]
    assert (problem.line, problem.path) == (3, "project")
    assert "first written on line 1" in problem.message


def test_merge_keys_are_applied() -> None:
    doc = parse_yaml("base: &b {port: 1, host: h}\nother:\n  <<: *b\n  port: 2\n", "x.yaml")
    assert doc.data["other"] == {"port": 2, "host": "h"}


def test_an_empty_document_has_no_data() -> None:
    assert parse_yaml("# only a comment\n", "x.yaml").data is None


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigInvalid, match="file not found"):
        load_yaml_file(tmp_path / "nope.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("project: città\n".encode("latin-1"))
    with pytest.raises(ConfigInvalid) as caught:
        load_yaml_file(latin, display="latin.yaml")
    assert caught.value.problems[0].file == "latin.yaml"
    assert "UTF-8" in (caught.value.problems[0].hint or "")
