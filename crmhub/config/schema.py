"""The JSON Schema of ``crmhub.yaml``, for editors (yaml-language-server) and ``crmhub config schema``.

Beyond the pydantic models, each installed connector's own settings schema is attached to
``connections.*.config`` for connections of its ``type``, so an editor completes those keys too.
"""

from __future__ import annotations

from typing import Any

from connectors.sdk import registry
from connectors.sdk.errors import ConfigError
from crmhub.config.models import ProjectConfig

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
REFERENCE_PATTERN = r"\$\{[^}]+\}"


def project_schema(*, with_connectors: bool = True) -> dict[str, Any]:
    """The JSON Schema of a project file (with every installed connector's settings)."""
    schema = ProjectConfig.model_json_schema()
    schema = {"$schema": JSON_SCHEMA_DIALECT, "title": "crmhub project (crmhub.yaml)", **schema}
    if with_connectors:
        _attach_connectors(schema)
    return schema


def _attach_connectors(schema: dict[str, Any]) -> None:
    connection = schema["$defs"]["ConnectionConfig"]
    branches = []
    kinds = []
    for kind in registry.available():
        try:
            model = registry.load(kind).config_model
        except ConfigError:
            continue  # a broken plugin: `crmhub connectors list` reports it
        kinds.append(kind)
        settings = model.model_json_schema(ref_template="#/$defs/" + kind + "__{model}")
        for name, definition in settings.pop("$defs", {}).items():
            schema["$defs"][f"{kind}__{name}"] = definition
        _allow_references(settings)
        branches.append(
            {
                "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
                "then": {"properties": {"config": settings}},
            }
        )
    if kinds:
        connection["properties"]["type"]["enum"] = kinds
    if branches:
        connection["allOf"] = branches


def _allow_references(settings: dict[str, Any]) -> None:
    """Let every non-string setting also be a ``${...}`` reference (resolved at run time)."""
    for prop in settings.get("properties", {}).values():
        if prop.get("type") != "string" and "$ref" not in prop:
            original = dict(prop)
            prop.clear()
            prop.update({"anyOf": [original, {"type": "string", "pattern": REFERENCE_PATTERN}]})
            for keep in ("title", "description", "default"):
                if keep in original:
                    prop[keep] = original.pop(keep)
