"""A target of the project, resolved and checked: its mapping, the rule of each of its fields,
and what its connection's ingest reads from the same stream.

Every mistake is reported as a ``ConfigInvalid`` naming crmhub.yaml's line and key (or the
mapping file's), all of them at once, before anything is planned or written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from crmhub.config.connections import connector_class
from crmhub.config.models import DeletionMode, TargetConfig
from crmhub.config.project import Project
from crmhub.errors import ConfigInvalid, ConfigProblem
from crmhub.mapping.compiler import CompiledMapping
from crmhub.mapping.loader import load_mapping
from crmhub.mapping.spec import ItemRule, MappingSpec, ValueRule
from crmhub.sync.errors import UnknownTarget
from crmhub.sync.fields import FieldRule, field_rules
from crmhub.sync.filters import Predicate, compile_filter


@dataclass(frozen=True)
class Target:
    """A target ready to plan and publish.

    ``fields`` has a rule for every field of the reverse mapping; ``read_fields`` are the
    fields the ingest of the same stream maps (what an echo check must compare);
    ``stream_is_read`` tells whether the hub also reads the stream (so it knows what the
    target holds from reads, not only from its own writes).
    """

    name: str
    config: TargetConfig
    mapping: CompiledMapping
    fields: dict[str, FieldRule]
    read_fields: frozenset[str]
    stream_is_read: bool

    @property
    def connection(self) -> str:
        """The connection written through."""
        return self.config.connection

    @property
    def stream(self) -> str:
        """The connector's stream written to."""
        return self.config.stream

    @property
    def id_field(self) -> str | None:
        """The target field holding the hub's stable id, when configured."""
        return self.config.id_field

    @cached_property
    def accepts(self) -> Predicate:
        """The target's filter as a predicate over golden records."""
        return compile_filter(self.config.filter)

    @cached_property
    def owner_systems(self) -> frozenset[str]:
        """Connections that are the system of record of some field."""
        return frozenset(r.value_from for r in self.fields.values() if r.value_from)


def _unknown_target(project: Project, name: str) -> UnknownTarget:
    declared = sorted(project.config.targets)
    close = difflib.get_close_matches(name, declared, n=1)
    hint = (
        f"did you mean {close[0]!r}?"
        if close
        else f"targets in {project.file.name}: {', '.join(declared) or 'none'}"
    )
    return UnknownTarget(f"{project.file.name} has no target {name!r}", hint=hint)


def _display(project: Project, path: Path) -> str:
    return str(path.relative_to(project.root)) if path.is_relative_to(project.root) else str(path)


def _stream_mapping_path(project: Project, config: TargetConfig) -> Path | None:
    stream = project.connection(config.connection).streams.get(config.stream)
    return project.root / stream.mapping if stream is not None else None


def _mapping_path(project: Project, name: str, config: TargetConfig) -> Path:
    if config.mapping:
        return project.root / config.mapping
    path = _stream_mapping_path(project, config)
    if path is None:
        raise ConfigInvalid(
            [
                project.source.problem(
                    ("targets", name, "stream"),
                    f"connection {config.connection!r} reads no stream {config.stream!r}, so the "
                    "target has no mapping to write with",
                    hint="give the target a `mapping:` file with a `reverse:` section",
                )
            ]
        )
    return path


def mapping_read_fields(spec: MappingSpec) -> frozenset[str]:
    """The source fields a mapping reads to make canonical content (``source_updated_at``
    left out: a target stamps it on every write, ours included)."""
    rules: list[ValueRule] = [spec.kind]
    conditions = []
    for rule in spec.fields.values():
        items: list[ItemRule] = rule if isinstance(rule, list) else []
        rules.extend(item_rule for item in items for item_rule in item.value_rules().values())
        conditions.extend(item.when for item in items if item.when is not None)
        if isinstance(rule, ValueRule):
            rules.append(rule)
    conditions.extend(r.when for r in rules if r.when is not None)
    fields = {name for r in rules for name in r.source_fields()}
    return frozenset(fields | {c.field for c in conditions})


def _structure_problems(
    project: Project, name: str, config: TargetConfig, mapping: CompiledMapping, display: str
) -> list[ConfigProblem]:
    problems = []
    if not mapping.spec.reverse:
        problems.append(
            project.source.problem(
                ("targets", name),
                f"mapping {display} has no `reverse:` section, so nothing can be written",
                hint="add `reverse:` with the target's fields (see docs/mappings.md)",
                at_key=True,
            )
        )
    if config.id_field and config.id_field in mapping.spec.reverse:
        problems.append(
            project.source.problem(
                ("targets", name, "id_field"),
                f"{config.id_field!r} is also a field of {display}'s `reverse:` section",
                hint="leave it out of `reverse:`: the hub writes its stable id there itself",
            )
        )
    if config.deletions.mode is DeletionMode.DELETE:
        kind = project.connection(config.connection).type
        if not callable(getattr(connector_class(kind), "delete", None)):
            problems.append(
                project.source.problem(
                    ("targets", name, "deletions"),
                    f"connector {kind!r} cannot delete records",
                    hint="use `deletions: {mode: deactivate, field: ..., value: ...}` or ignore",
                )
            )
    return problems


def load_target(project: Project, name: str) -> Target:
    """The project's target ``name``, checked; ``UnknownTarget`` or ``ConfigInvalid``."""
    config = project.config.targets.get(name)
    if config is None:
        raise _unknown_target(project, name)
    path = _mapping_path(project, name, config)
    display = _display(project, path)
    mapping = load_mapping(path, display=display)
    connections = project.config.connections
    rules, problems = field_rules(name, config, mapping.spec, connections, project.source)
    problems += _structure_problems(project, name, config, mapping, display)
    if problems:
        raise ConfigInvalid(problems)
    stream = connections[config.connection].streams.get(config.stream)
    stream_is_read = stream is not None and stream.enabled
    read_fields: frozenset[str] = frozenset()
    if stream_is_read:
        stream_path = _stream_mapping_path(project, config)
        assert stream_path is not None
        spec = mapping.spec if stream_path == path else load_mapping(stream_path).spec
        read_fields = mapping_read_fields(spec)
    return Target(name, config, mapping, rules, read_fields, stream_is_read)


def targets_of_stream(project: Project, connection: str, stream: str) -> list[Target]:
    """Every enabled target that writes to ``stream`` of ``connection``."""
    return [
        load_target(project, name)
        for name, config in project.config.targets.items()
        if config.enabled and config.connection == connection and config.stream == stream
    ]
