"""A project's connections: checking their connector settings and building the connectors.

Checking happens when the file is validated, with ``${...}`` references still in place (a value
that is a reference is judged once it is resolved). Building resolves the references, validates
the settings against the connector's ``config_model`` and instantiates the connector.

Relative paths in a connector's settings (fields typed as ``Path``, and ``base_dir``) are taken
relative to the project directory, so a project works from any current directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from connectors.sdk import registry
from connectors.sdk.errors import ConfigError
from crmhub.config.diagnostics import unwrap_annotation, validation_problems
from crmhub.config.secret_fields import (
    is_secret_path,
    literal_secret_problems,
    secret_field_patterns,
)
from crmhub.config.secrets import has_reference, resolve
from crmhub.config.source import KeyPath, SourceMap
from crmhub.errors import ConfigInvalid, ConfigProblem

BASE_DIR_FIELD = "base_dir"

if TYPE_CHECKING:
    from connectors.sdk.contract import Connector
    from crmhub.config.project import Project


def connector_class(kind: str) -> type[Connector[Any]]:
    """The installed connector class for ``kind`` (a ``ConfigError`` naming the choices if none)."""
    return registry.load(kind)


def _value_at(data: Any, loc: KeyPath) -> Any:
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part if part in data else str(part))
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def with_paths_from(root: Path, model: type[BaseModel], settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with the project directory filled in where a connector takes paths.

    A field typed as ``Path`` with a relative value is made relative to ``root``; a ``base_dir``
    field (the folder a connector resolves its own relative paths against) defaults to ``root``.
    """
    result = dict(settings)
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key == BASE_DIR_FIELD and result.get(key) in (None, ""):
            result[key] = str(root)
            continue
        value = result.get(key)
        if not isinstance(value, str) or not value or has_reference(value):
            continue
        annotation = unwrap_annotation(info.annotation)
        if key == BASE_DIR_FIELD or (isinstance(annotation, type) and issubclass(annotation, Path)):
            path = Path(value).expanduser()
            result[key] = str(path if path.is_absolute() else root / path)
    return result


def check_connection(
    name: str, raw: dict[str, Any], source: SourceMap, root: Path
) -> list[ConfigProblem]:
    """Problems with one connection's ``type``, ``config`` and stream mapping files."""
    base: KeyPath = ("connections", name)
    problems = _mapping_file_problems(raw.get("streams"), base, source, root)
    kind, settings = raw.get("type"), raw.get("config", {})
    if not isinstance(kind, str) or not isinstance(settings, dict):
        return problems  # the shape check already reported it
    try:
        cls = connector_class(kind)
    except ConfigError as exc:
        hint = exc.hint or ""
        if kind not in registry.available() and "installed" not in hint:  # a typo
            hint = f"{hint} installed types: {', '.join(registry.available()) or 'none'}".lstrip()
        problems.append(source.problem((*base, "type"), exc.args[0], hint=hint))
        return problems
    model = cls.config_model
    patterns = secret_field_patterns(model)
    prefix = (*base, "config")
    problems += literal_secret_problems(settings, prefix, patterns, source)
    try:
        model.model_validate(with_paths_from(root, model, settings))
    except ValidationError as exc:
        problems += validation_problems(
            exc,
            model,
            source,
            prefix,
            show_input=lambda loc: not is_secret_path(loc, patterns),
            skip=lambda loc: has_reference(_value_at(settings, loc)),
        )
    return problems


def _mapping_file_problems(
    streams: Any, base: KeyPath, source: SourceMap, root: Path
) -> list[ConfigProblem]:
    if not isinstance(streams, dict):
        return []
    problems = []
    for stream, spec in streams.items():
        mapping = spec.get("mapping") if isinstance(spec, dict) else None
        if isinstance(mapping, str) and mapping and not (root / mapping).is_file():
            problems.append(
                source.problem(
                    (*base, "streams", stream, "mapping"),
                    f"mapping file {mapping!r} not found",
                    hint=f"paths are relative to the project directory {root}; create the file or fix the path",
                )
            )
    return problems


def build_connector(
    project: Project, name: str, environ: Mapping[str, str] | None = None
) -> Connector[Any]:
    """The connector for the project's connection ``name``, secrets resolved and settings checked.

    Raises ``UnknownConnection`` for a name the project does not declare and ``ConfigInvalid``
    (naming the file, line and key) for an unset variable or a setting the connector refuses.
    Resolved values are never quoted in those messages.
    """
    connection = project.connection(name)
    cls = connector_class(connection.type)
    model = cls.config_model
    patterns = secret_field_patterns(model)
    prefix: KeyPath = ("connections", name, "config")
    resolved = resolve(
        connection.config,
        path=prefix,
        source=project.source,
        environ=os.environ if environ is None else environ,
        is_secret=lambda path: is_secret_path(path[len(prefix) :], patterns),
    )
    try:
        settings = model.model_validate(with_paths_from(project.root, model, resolved))
    except ValidationError as exc:
        problems = validation_problems(
            exc,
            model,
            project.source,
            prefix,
            show_input=lambda loc: (
                not is_secret_path(loc, patterns)
                and not has_reference(_value_at(connection.config, loc))
            ),
        )
        raise ConfigInvalid(problems) from None
    return cls(settings)
