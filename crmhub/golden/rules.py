"""Survivorship rules: a table of rule name -> small ranking function, and the tie-break.

A rule ranks the *candidates* for a field (one per source value); the lowest rank key wins.
Every rank key has the same three parts, so the outcome never depends on the order in
which records were loaded:

1. validity: a valid value always beats an invalid one, whatever the rule (an invalid value
   is chosen only when no source has a valid one, and is then still kept and shown);
2. the rule's own key (from :data:`RULES`);
3. the tie-break, the same for every rule: source priority (the field's list, else the
   global ``source_priority``; connections not listed come after all listed ones, equal among
   themselves), then the most recent source (``source_updated_at``; unknown is oldest), then
   the source's (connection, stream, key) in alphabetical order.

Rule names are the values of ``crmhub.config.models.SurvivorshipRule``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from crmhub.golden.sources import SourceView

CONSENT_POLICY = "consent_policy"  # the lineage rule of a surviving consent event
UNION = "union"  # the lineage rule of history entries (orders, interactions, ...)

VERIFICATION_RANK: dict[str, int] = {"none": 0, "checksum": 1, "registry": 2}

# Keys that describe a value rather than carry it: not counted by most_complete.
_BOOKKEEPING = frozenset(
    {"raw", "valid", "invalid_reason", "primary", "verification", "verified_at", "match_key"}
)


class Candidate(NamedTuple):
    """One source's value for one field (a named tuple: survivorship makes one per source value,
    and a tuple is several times cheaper to build than a frozen dataclass).

    Attributes:
        fold: the field's fold key of the value (equal keys = the same value).
        order: the value's position in its source's list (0 for single values).
        primary: the source marked the value as its primary one.
        valid: False when the source's value failed validation.
        verification: 0 none, 1 checksum, 2 registry (identifiers; 0 for other values).
    """

    value: Any
    fold: str
    source: SourceView
    order: int
    primary: bool
    valid: bool
    verification: int


def candidate(value: Any, fold: str, source: SourceView, order: int = 0) -> Candidate:
    """A :class:`Candidate` with its flags read from the value."""
    if isinstance(value, dict):
        return Candidate(
            value,
            fold,
            source,
            order,
            bool(value.get("primary", False)),
            value.get("valid", True) is not False,
            VERIFICATION_RANK.get(str(value.get("verification", "none")), 0),
        )
    return Candidate(value, fold, source, order, False, True, 0)


class RankContext(NamedTuple):
    """What rules need beyond the candidate, for one field of one golden record (a named tuple,
    like :class:`Candidate`).

    Attributes:
        priority: connection -> rank under the field's source priority, 0 = most trusted.
        support: fold key -> number of distinct sources holding the value (only for the
            rules in :data:`NEEDS_SUPPORT`; empty otherwise).
        tie: source record id -> its place in the tie-break order (see :func:`tie_order`).
    """

    priority: Mapping[str, int]
    support: Mapping[str, int]
    tie: Mapping[int, int]

    def source_rank(self, connection: str) -> int:
        """The connection's place in the priority list; unlisted ones come after all listed."""
        return source_rank(self.priority, connection)


def source_rank(priority: Mapping[str, int], connection: str) -> int:
    """``connection``'s place in ``priority``; unlisted ones come after all listed, all equal."""
    return priority.get(connection, len(priority))


def tie_order(sources: Iterable[SourceView], priority: Mapping[str, int]) -> dict[int, int]:
    """Source record id -> place in the tie-break order: source priority, then the most recent
    source, then (connection, stream, key)."""
    ranked = sorted(
        sources, key=lambda s: (source_rank(priority, s.connection), -s.recency, *s.identity)
    )
    return {s.id: place for place, s in enumerate(ranked)}


RuleKey = Callable[[Candidate, RankContext], tuple[float, ...]]


def by_source_priority(c: Candidate, ctx: RankContext) -> tuple[float, ...]:
    """The most trusted connection wins."""
    return (ctx.source_rank(c.source.connection),)


def by_recency(c: Candidate, ctx: RankContext) -> tuple[float, ...]:
    """The source changed most recently wins."""
    return (-c.source.recency,)


def by_completeness(c: Candidate, ctx: RankContext) -> tuple[float, ...]:
    """The fullest value wins (see :func:`completeness`)."""
    return (-completeness(c.value),)


def by_frequency(c: Candidate, ctx: RankContext) -> tuple[float, ...]:
    """The value held by the most sources wins."""
    return (-ctx.support[c.fold],)


def by_verification(c: Candidate, ctx: RankContext) -> tuple[float, ...]:
    """Registry-verified beats checksum-verified beats unchecked."""
    return (-c.verification,)


RULES: dict[str, RuleKey] = {
    "source_priority": by_source_priority,
    "most_recent": by_recency,
    "most_complete": by_completeness,
    "most_frequent": by_frequency,
    "validated_first": by_verification,
}


# Rules whose key reads ``RankContext.support`` (computed only for them).
NEEDS_SUPPORT: frozenset[RuleKey] = frozenset({by_frequency})
NO_SUPPORT: Mapping[str, int] = MappingProxyType({})


def completeness(value: Any) -> int:
    """How much a value says: non-blank characters of text; filled keys of an object
    (bookkeeping such as ``raw`` or ``valid`` not counted); entries of a list; 1 otherwise."""
    if isinstance(value, str):
        return len(value) - sum(ch.isspace() for ch in value)
    if isinstance(value, dict):
        return sum(
            1
            for key, item in value.items()
            if key not in _BOOKKEEPING and item not in (None, "", [], {})
        )
    if isinstance(value, list):
        return len(value)
    return 0 if value is None else 1


def tie_break(c: Candidate, ctx: RankContext) -> tuple[int]:
    """The candidate's source's place in the tie-break order (see :func:`tie_order`)."""
    return (ctx.tie[c.source.id],)


def rank_key(c: Candidate, rule: RuleKey, ctx: RankContext) -> tuple[Any, ...]:
    """Validity, the rule's key, the source's own primary flag and order, then the tie-break."""
    return (not c.valid, *rule(c, ctx), not c.primary, c.order, ctx.tie[c.source.id])


def support_of(candidates: Iterable[Candidate]) -> dict[str, int]:
    """Fold key -> number of distinct source records holding that value."""
    holders: dict[str, set[int]] = {}
    for c in candidates:
        holders.setdefault(c.fold, set()).add(c.source.id)
    return {fold: len(ids) for fold, ids in holders.items()}
