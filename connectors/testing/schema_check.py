"""A small JSON Schema checker for the test kit: the structure of a stream's schema, and a record
against it. Uses ``jsonschema`` when installed; otherwise checks the subset connectors use
(type, properties, required, items, enum, additionalProperties)."""

from __future__ import annotations

import importlib
from typing import Any

try:  # optional: the full validator when the environment has it
    _jsonschema: Any = importlib.import_module("jsonschema")
except ImportError:  # pragma: no cover - depends on the environment
    _jsonschema = None

JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list, tuple),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def schema_problems(schema: Any, where: str = "schema") -> list[str]:
    """What is wrong with ``schema`` as a JSON Schema (empty when nothing is)."""
    if _jsonschema is not None:
        try:
            _jsonschema.validators.validator_for(schema).check_schema(schema)
        except _jsonschema.SchemaError as exc:
            return [f"{where}: {exc.message}"]
    return _structure_problems(schema, where)


def _structure_problems(schema: Any, where: str) -> list[str]:
    if not isinstance(schema, dict):
        return [f"{where} is a {type(schema).__name__}, not an object"]
    problems: list[str] = []
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else declared
    if declared is not None and (
        not isinstance(types, list) or not types or any(t not in JSON_TYPES for t in types)
    ):
        problems.append(f"{where}.type {declared!r} is not a JSON type or a list of them")
    properties = schema.get("properties")
    if properties is not None:
        if not isinstance(properties, dict):
            problems.append(f"{where}.properties is not an object")
        else:
            for name, sub in properties.items():
                problems += _structure_problems(sub, f"{where}.properties.{name}")
    required = schema.get("required")
    if required is not None and not (
        isinstance(required, list) and all(isinstance(r, str) for r in required)
    ):
        problems.append(f"{where}.required is not a list of property names")
    if "items" in schema:
        problems += _structure_problems(schema["items"], f"{where}.items")
    if "enum" in schema and not isinstance(schema["enum"], list):
        problems.append(f"{where}.enum is not a list")
    return problems


def instance_problems(schema: dict[str, Any], data: Any, where: str = "record") -> list[str]:
    """What in ``data`` does not fit ``schema`` (empty when it fits)."""
    if _jsonschema is not None:
        validator = _jsonschema.validators.validator_for(schema)(schema)
        return [
            f"{where}.{'.'.join(map(str, e.path))}: {e.message}"
            for e in validator.iter_errors(data)
        ]
    return _fit_problems(schema, data, where)


def _type_fits(declared: Any, data: Any) -> bool:
    types = [declared] if isinstance(declared, str) else list(declared)
    for name in types:
        if name in ("integer", "number") and isinstance(data, bool):
            continue
        if name == "integer" and isinstance(data, float) and data.is_integer():
            return True
        if isinstance(data, _PYTHON_TYPES[name]):
            return True
    return False


def _fit_problems(schema: dict[str, Any], data: Any, where: str) -> list[str]:
    declared = schema.get("type")
    if declared is not None and not _type_fits(declared, data):
        return [f"{where} is {data!r} ({type(data).__name__}), the schema says {declared!r}"]
    if "enum" in schema and data not in schema["enum"]:
        return [f"{where} is {data!r}, not one of {schema['enum']!r}"]
    problems: list[str] = []
    if isinstance(data, dict):
        properties = schema.get("properties", {})
        problems += [
            f"{where} lacks required {name!r}"
            for name in schema.get("required", [])
            if name not in data
        ]
        if schema.get("additionalProperties") is False:
            problems += [
                f"{where} has {name!r}, which the schema does not allow"
                for name in data
                if name not in properties
            ]
        for name, value in data.items():
            if name in properties:
                problems += _fit_problems(properties[name], value, f"{where}.{name}")
    elif isinstance(data, (list, tuple)) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(data):
            problems += _fit_problems(schema["items"], item, f"{where}[{index}]")
    return problems
