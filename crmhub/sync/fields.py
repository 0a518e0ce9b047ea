"""Who owns each field of a target, and which conflict policy decides it.

The fields of a target are the keys of its mapping's ``reverse:`` section (``Email``,
``RAGIONE_SOCIALE``). ``targets.<name>.fields`` in crmhub.yaml configures them by target
field name, or by canonical path for every target field made from that path or below it
(``emails`` governs ``Email: emails[primary].value``); the most specific key wins, and a
field nobody configures is owned by the hub with the ``owner_wins`` policy.

What an owner means is data (``OWNER_KINDS``): the hub writes a hub-owned field whenever
the golden value changes; a target-owned field only when it creates the record; a field
owned by a connection (its system of record) carries that system's value, not the
golden one, and is written like a hub-owned field.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from crmhub.config.models import ConflictPolicy, FieldOwner, TargetConfig, TargetField
from crmhub.config.source import SourceMap
from crmhub.errors import ConfigProblem
from crmhub.mapping.paths import parse_path
from crmhub.mapping.spec import MappingSpec, ValueRule


@dataclass(frozen=True, slots=True)
class OwnerKind:
    """What owning a field means for the hub's writes and for ``owner_wins``."""

    hub_side: bool  # the owner is the hub or a system of record feeding it
    writes_updates: bool  # False: written only when the hub creates the record


OWNER_KINDS: dict[str, OwnerKind] = {
    FieldOwner.HUB: OwnerKind(hub_side=True, writes_updates=True),
    FieldOwner.TARGET: OwnerKind(hub_side=False, writes_updates=False),
}
SYSTEM_OF_RECORD = OwnerKind(hub_side=True, writes_updates=True)
DEFAULT_FIELD = TargetField()


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How the hub treats one field of a target.

    ``value_from`` names the connection whose source record gives the value (a system of
    record); None means the golden record gives it.
    """

    name: str
    owner: str
    policy: ConflictPolicy
    kind: OwnerKind
    value_from: str | None = None


def reverse_paths(spec: MappingSpec) -> dict[str, tuple[str, ...]]:
    """Target field -> the canonical paths its reverse rule reads (selectors dropped)."""
    paths: dict[str, tuple[str, ...]] = {}
    for name, raw_rule in spec.reverse.items():
        rule = ValueRule.model_validate(raw_rule)
        paths[name] = tuple(
            ".".join(segment.name for segment in parse_path(path)) for path in rule.source_fields()
        )
    return paths


def _specificity(key: str, field: str, paths: tuple[str, ...]) -> tuple[int, int] | None:
    """How precisely ``key`` names ``field``: by name beats by path, a longer path beats a
    shorter one; None when it does not name it at all."""
    if key == field:
        return (2, len(key))
    if any(path == key or path.startswith(key + ".") for path in paths):
        return (1, len(key))
    return None


def _governing_key(field: str, paths: tuple[str, ...], keys: list[str]) -> str | None:
    scored = [(score, key) for key in keys if (score := _specificity(key, field, paths))]
    return max(scored)[1] if scored else None


def _rule(field: str, key: str | None, config: TargetConfig, connection: str) -> FieldRule:
    spec = config.fields[key] if key is not None else DEFAULT_FIELD
    owner = str(spec.owner)
    if owner == connection:  # the target's own connection is the target
        owner = FieldOwner.TARGET.value
    kind = OWNER_KINDS.get(owner)
    if kind is not None:
        return FieldRule(field, owner, spec.conflict, kind)
    return FieldRule(field, owner, spec.conflict, SYSTEM_OF_RECORD, value_from=owner)


def field_rules(
    target: str,
    config: TargetConfig,
    spec: MappingSpec,
    connections: Mapping[str, object],
    source: SourceMap,
) -> tuple[dict[str, FieldRule], list[ConfigProblem]]:
    """The rule of every target field, and the problems of ``targets.<target>.fields``."""
    paths = reverse_paths(spec)
    keys = list(config.fields)
    rules = {
        field: _rule(field, _governing_key(field, field_paths, keys), config, config.connection)
        for field, field_paths in paths.items()
    }
    problems = _unused_key_problems(target, keys, paths, source)
    problems += _owner_problems(target, config, connections, source)
    return rules, problems


def _unused_key_problems(
    target: str, keys: list[str], paths: dict[str, tuple[str, ...]], source: SourceMap
) -> list[ConfigProblem]:
    problems = []
    for key in keys:
        if any(_specificity(key, field, p) for field, p in paths.items()):
            continue
        names = sorted(paths) + sorted({p for ps in paths.values() for p in ps})
        close = difflib.get_close_matches(key, names, n=1)
        problems.append(
            source.problem(
                ("targets", target, "fields", key),
                f"{key!r} is neither a field of the target's reverse mapping nor a canonical path "
                "one of them reads",
                hint=f"did you mean {close[0]!r}?"
                if close
                else f"target fields: {', '.join(sorted(paths)) or 'none'}",
                at_key=True,
            )
        )
    return problems


def _owner_problems(
    target: str, config: TargetConfig, connections: Mapping[str, object], source: SourceMap
) -> list[ConfigProblem]:
    problems = []
    for key, spec in config.fields.items():
        owner = str(spec.owner)
        if owner in OWNER_KINDS or owner in connections:
            continue
        close = difflib.get_close_matches(owner, list(connections), n=1)
        problems.append(
            source.problem(
                ("targets", target, "fields", key, "owner"),
                f"owner {owner!r} is neither 'hub', 'target' nor a connection of the project",
                hint=f"did you mean {close[0]!r}?"
                if close
                else f"connections: {', '.join(sorted(connections)) or 'none'}",
            )
        )
    return problems
