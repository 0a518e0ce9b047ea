"""The JSON Schema editors use: the project's models plus each installed connector's settings."""

from __future__ import annotations

import json

from crmhub.config.schema import project_schema


def test_schema_describes_the_project_and_each_connector() -> None:
    schema = project_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"project", "connections", "matching", "survivorship", "targets"} <= set(
        schema["properties"]
    )
    connection = schema["$defs"]["ConnectionConfig"]
    assert "catalog" in connection["properties"]["type"]["enum"]
    assert "broken" not in connection["properties"]["type"]["enum"]  # cannot be loaded: left out
    branch = next(
        b for b in connection["allOf"] if b["if"]["properties"]["type"]["const"] == "catalog"
    )
    settings = branch["then"]["properties"]["config"]
    assert settings["required"] == ["directory"]
    # an int setting may also be written as a ${...} reference
    page_size = settings["properties"]["page_size"]
    assert {"type": "string", "pattern": r"\$\{[^}]+\}"} in page_size["anyOf"]
    assert page_size["default"] == 100
    # nested definitions are kept apart per connector, and the references point at them
    assert "catalog__Auth" in schema["$defs"]
    assert "#/$defs/catalog__Auth" in json.dumps(settings)


def test_schema_without_connectors_is_the_models_alone() -> None:
    schema = project_schema(with_connectors=False)
    assert "allOf" not in schema["$defs"]["ConnectionConfig"]
    assert json.loads(json.dumps(schema)) == schema
