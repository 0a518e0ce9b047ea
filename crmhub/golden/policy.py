"""The survivorship policy of a project, compiled from ``survivorship:`` in crmhub.yaml.

    survivorship:
      default_rule: most_recent
      source_priority: [erp, salesforce, shop]      # most trusted first
      fields:
        organization.vat_id: {rule: validated_first}
        person.birth_date: {rule: source_priority, sources: [erp]}
        emails: {rule: most_frequent}

Each field path gets a rule (its own, else ``default_rule``) and a source priority (its own
``sources``, else the global list). A steward's override beats every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from crmhub.config.models import SurvivorshipConfig
from crmhub.golden.errors import UnknownField
from crmhub.golden.fields import ruled_field_path
from crmhub.golden.rules import RULES, RuleKey


@dataclass(frozen=True, slots=True)
class FieldPolicy:
    """How one field survives: the rule's name and function, and the source priority."""

    rule_name: str
    rule: RuleKey
    priority: Mapping[str, int]


@lru_cache(maxsize=256)
def _priority(connections: tuple[str, ...]) -> Mapping[str, int]:
    """connection -> rank; one shared object per list, so rankings can be cached by it."""
    ranks: dict[str, int] = {}
    for connection in connections:
        ranks.setdefault(connection, len(ranks))
    return MappingProxyType(ranks)


def _rule(name: str, where: str) -> RuleKey:
    try:
        return RULES[name]
    except KeyError:
        raise UnknownField(
            f"{where}: unknown survivorship rule {name!r}",
            hint="use one of: " + ", ".join(sorted(RULES)),
        ) from None


@dataclass(frozen=True)
class SurvivorshipPolicy:
    """A compiled survivorship configuration; build it with :meth:`from_config`."""

    default_rule: str = "most_recent"
    source_priority: tuple[str, ...] = ()
    field_rules: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    _cache: dict[str, FieldPolicy] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        _rule(self.default_rule, "survivorship.default_rule")
        for path, (rule, _sources) in self.field_rules.items():
            _rule(rule, f"survivorship.fields.{path}")

    @classmethod
    def from_config(cls, config: SurvivorshipConfig | None) -> SurvivorshipPolicy:
        """Compile ``config`` (None: the defaults). Field aliases ("email") are resolved and an
        unknown field or a field that takes no rule raises :class:`UnknownField`."""
        if config is None:
            return cls()
        rules: dict[str, tuple[str, tuple[str, ...]]] = {}
        for path, spec in config.fields.items():
            try:
                resolved = ruled_field_path(path)
            except UnknownField as exc:
                raise UnknownField(f"survivorship.fields: {exc.message}", hint=exc.hint) from None
            rules[resolved] = (str(spec.rule), tuple(spec.sources))
        return cls(str(config.default_rule), tuple(config.source_priority), rules)

    def for_field(self, path: str) -> FieldPolicy:
        """The rule and source priority of the field at ``path``."""
        found = self._cache.get(path)
        if found is None:
            rule_name, sources = self.field_rules.get(path, (self.default_rule, ()))
            found = FieldPolicy(
                rule_name, RULES[rule_name], _priority(sources or self.source_priority)
            )
            self._cache[path] = found
        return found


PolicyLike = SurvivorshipPolicy | SurvivorshipConfig | None


def as_policy(policy: PolicyLike) -> SurvivorshipPolicy:
    """A :class:`SurvivorshipPolicy` from a policy, a config section or None (the defaults)."""
    if isinstance(policy, SurvivorshipPolicy):
        return policy
    return SurvivorshipPolicy.from_config(policy)
