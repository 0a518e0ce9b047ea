"""Checking a parsed ``crmhub.yaml`` as a whole, collecting every problem before reporting.

Order of checks: the shape (pydantic models), each connection against its connector (type,
settings, secrets written as literals, mapping files), the database URL, malformed ``${...}``
references, and names that refer to other sections (targets and survivorship name connections).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crmhub.config.connections import check_connection
from crmhub.config.diagnostics import validation_problems
from crmhub.config.models import ProjectConfig
from crmhub.config.secret_fields import is_secret_key, url_password_problem
from crmhub.config.secrets import reference_problems, resolve
from crmhub.config.source import KeyPath, SourceMap, YamlDocument
from crmhub.errors import ConfigInvalid, ConfigProblem


def check_project(document: YamlDocument, root: Path) -> ProjectConfig:
    """The validated project configuration, or ``ConfigInvalid`` listing every problem found."""
    data, source = document.data, document.source
    if data is None:
        raise ConfigInvalid(
            [
                source.problem(
                    (),
                    "the file is empty",
                    hint="start from `crmhub init DIR`, or add `project: NAME`",
                )
            ]
        )
    if not isinstance(data, dict):
        raise ConfigInvalid(
            [
                source.problem(
                    (), "the top level must be a mapping of keys (project:, connections:, ...)"
                )
            ]
        )
    config: ProjectConfig | None = None
    problems: list[ConfigProblem] = []
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        problems += validation_problems(
            exc, ProjectConfig, source, show_input=lambda loc: not any(map(is_secret_key, loc))
        )
    connections = data.get("connections")
    if isinstance(connections, dict):
        for name, raw in connections.items():
            if isinstance(raw, dict):
                problems += check_connection(str(name), raw, source, root)
    url_problem = url_password_problem(data.get("database_url"), ("database_url",), source)
    if url_problem:
        problems.append(url_problem)
    problems += reference_problems(data, (), source)
    if config is not None:
        problems += cross_reference_problems(config, source)
    if problems:
        raise ConfigInvalid(_in_file_order(problems))
    assert config is not None
    return config


def cross_reference_problems(config: ProjectConfig, source: SourceMap) -> list[ConfigProblem]:
    """Connection names used by targets and survivorship that the project does not declare."""
    declared = sorted(config.connections)
    uses: list[tuple[KeyPath, str]] = [
        (("targets", target, "connection"), spec.connection)
        for target, spec in config.targets.items()
    ]
    uses += [
        (("survivorship", "source_priority", i), name)
        for i, name in enumerate(config.survivorship.source_priority)
    ]
    uses += [
        (("survivorship", "fields", field, "sources", i), name)
        for field, rule in config.survivorship.fields.items()
        for i, name in enumerate(rule.sources)
    ]
    return [
        source.problem(
            path,
            f"no connection named {name!r}",
            hint=_suggest(name, declared, "declared connections"),
        )
        for path, name in uses
        if name not in config.connections
    ]


def _suggest(name: str, choices: list[str], what: str) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"{what}: {', '.join(choices)}" if choices else f"there are no {what} yet"


def _in_file_order(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line is None, p.line or 0))


def unresolved_reference_problems(
    config: ProjectConfig, source: SourceMap, environ: Mapping[str, str]
) -> list[ConfigProblem]:
    """Every ``${...}`` reference that cannot be resolved in ``environ`` (values are discarded)."""
    problems: list[ConfigProblem] = []
    targets: list[tuple[KeyPath, Any]] = [(("database_url",), config.database_url)]
    targets += [
        (("connections", name, "config"), conn.config) for name, conn in config.connections.items()
    ]
    for path, value in targets:
        try:
            resolve(value, path=path, source=source, environ=environ)
        except ConfigInvalid as exc:
            problems += exc.problems
    return problems
