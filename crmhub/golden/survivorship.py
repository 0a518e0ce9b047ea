"""From source records to a golden record's data and lineage: a pure function.

:func:`survive` takes the live source records of one golden record, the policy and the
steward overrides in force, and returns the golden data (a canonical party dict, valid for
``canonical.party.Party``) and its lineage: for every field path a JSON object::

    "person.given_name": {"rule": "most_recent", "sources": [12, 40], "value_from": 40}
    "emails[0]":         {"rule": "most_frequent", "sources": [12, 40, 77], "value_from": 12}
    "person.birth_date": {"rule": "steward_override", "actor": "anna", "pinned_at": "...",
                          "reason": "...", "pinned_on": "01J...", "sources": [], "value_from": null}

``sources`` are the source record ids holding the chosen value (equal by the field's fold
key), ``value_from`` the one whose exact value was taken. List fields get one entry per element.

The golden record's ``kind`` is chosen like any field; the nested ``person`` or
``organization`` object follows it, and the other one's fields are not candidates. Multi-valued
fields keep every folded value, valid ones first; the first valid one is marked ``primary``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from crmhub.golden.consents import instant, surviving_consents
from crmhub.golden.fields import FIELDS, SUBTREES, FieldKind, FieldSpec, FoldKey, spec_for
from crmhub.golden.overrides import Override
from crmhub.golden.policy import FieldPolicy, SurvivorshipPolicy
from crmhub.golden.rules import (
    CONSENT_POLICY,
    NEEDS_SUPPORT,
    NO_SUPPORT,
    UNION,
    Candidate,
    RankContext,
    candidate,
    rank_key,
    support_of,
    tie_break,
    tie_order,
)
from crmhub.golden.sources import SourceView

NO_OVERRIDES: Mapping[str, Override] = MappingProxyType({})
_FIELD_ORDER = {path: i for i, path in enumerate(FIELDS)}
# Only catalogued paths are source-only (spec_for keeps an unknown one).
_SOURCE_ONLY = frozenset(
    path for path, spec in FIELDS.items() if spec.kind is FieldKind.SOURCE_ONLY
)


@dataclass(frozen=True, slots=True)
class GoldenContent:
    """A golden record's computed content: its party kind, data and lineage."""

    kind: str
    data: dict[str, Any]
    lineage: dict[str, dict[str, Any]]


def survive(
    sources: Iterable[SourceView],
    policy: SurvivorshipPolicy,
    overrides: Mapping[str, Override] = NO_OVERRIDES,
) -> GoldenContent | None:
    """The golden content of ``sources`` (tombstones ignored), or None when none is live."""
    live = sorted((s for s in sources if s.live), key=lambda s: s.id)
    if not live:
        return None
    scalars, lists = _gather(live)
    out = _Content()
    ranking = _Ranking(live, policy)
    kind = _choose(out, "kind", scalars.pop("kind", []), ranking, overrides.get("kind"))
    subtree = SUBTREES.get(str(kind))
    if subtree is not None:
        out.data[subtree] = {}
    pinned = {p for p in overrides if p != "kind"} if overrides else set()
    for path in _in_field_order(scalars.keys() | {p for p in pinned if _is_scalar(p)}):
        head, dot, _leaf = path.partition(".")
        if dot and head != subtree:
            continue  # the other kind's nested object: not part of this golden record
        _choose(out, path, scalars.get(path, []), ranking, overrides.get(path))
    if "display_name" not in overrides and "display_name" not in policy.field_rules:
        _derive_display_name(out, subtree)
    for path in _in_field_order(lists.keys() | {p for p in pinned if not _is_scalar(p)}):
        override = overrides.get(path)
        if override is not None:
            out.put_pinned_list(path, override)
        else:
            spec = spec_for(path, [])
            _LIST_SURVIVORSHIP[spec.kind](out, spec, lists[path], ranking)
    return GoldenContent(str(kind), out.data, out.lineage)


_NAME_FIELDS = {
    "person": ("person.given_name", "person.middle_names", "person.family_name"),
    "organization": ("organization.trade_name", "organization.legal_name"),
}


def _derive_display_name(out: _Content, subtree: str | None) -> None:
    """Make the display name agree with the names that survived, as a canonical record derives
    it: otherwise "most recent" could pick a source's misspelt display name while the given
    name came from a more trusted source. Left as chosen when no name field survived, or when
    the configuration or a steward sets display_name on its own."""
    names = [p for p in _NAME_FIELDS.get(subtree or "", ()) if out.value(p)]
    if subtree == "organization":
        names = names[:1]  # the trade name, else the legal name
    if not names:
        return
    sources = sorted({s for p in names for s in out.lineage[p].get("sources", [])})
    lineage = {
        "rule": "derived",
        "sources": sources,
        "value_from": out.lineage[names[0]].get("value_from"),
    }
    out.put("display_name", " ".join(str(out.value(p)) for p in names), lineage)


class _Content:
    """The data and lineage under construction."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.lineage: dict[str, dict[str, Any]] = {}

    def put(self, path: str, value: Any, lineage: dict[str, Any]) -> None:
        self.lineage[path] = lineage
        if value is None:  # a steward pinned "no value": the lineage says so, the data has none
            return
        head, dot, leaf = path.partition(".")
        if dot:
            self.data.setdefault(head, {})[leaf] = value
        else:
            self.data[path] = value

    def value(self, path: str) -> Any:
        head, dot, leaf = path.partition(".")
        return self.data.get(head, {}).get(leaf) if dot else self.data.get(path)

    def put_list(self, path: str, entries: list[Any], lineages: list[dict[str, Any]]) -> None:
        self.data[path] = entries
        for i, lineage in enumerate(lineages):
            self.lineage[f"{path}[{i}]"] = lineage

    def put_pinned_list(self, path: str, override: Override) -> None:
        entries = list(override.value)
        self.put_list(path, entries, [override.lineage() for _ in entries])


def _in_field_order(paths: set[str]) -> tuple[str, ...]:
    return _sorted_paths(frozenset(paths))


@lru_cache(maxsize=1024)  # golden records of one schema share a handful of field sets
def _sorted_paths(paths: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(paths, key=lambda p: (_FIELD_ORDER.get(p, len(_FIELD_ORDER)), p)))


def _is_scalar(path: str) -> bool:
    spec = FIELDS.get(path)
    return spec is None or spec.kind is FieldKind.SCALAR


# A source value before it is ranked: (value, source, position in the source's list).
Raw = tuple[Any, SourceView, int]


def _gather(live: list[SourceView]) -> tuple[dict[str, list[Raw]], dict[str, list[Raw]]]:
    """Every source value: single values by field path, list entries by list path (source-only
    fields left out)."""
    scalars: dict[str, list[Raw]] = {}
    lists: dict[str, list[Raw]] = {}
    for source in live:
        assert source.canonical is not None  # live
        for key, value in source.canonical.items():
            if key in _SOURCE_ONLY:
                continue
            if key in SUBTREES and isinstance(value, dict):
                for leaf, leaf_value in value.items():
                    scalars.setdefault(_nested_path(key, leaf), []).append((leaf_value, source, 0))
            elif isinstance(value, list):
                bucket = lists.setdefault(key, [])
                for order, entry in enumerate(value):
                    bucket.append((entry, source, order))
            else:
                scalars.setdefault(key, []).append((value, source, 0))
    return scalars, lists


@lru_cache(maxsize=1024)
def _nested_path(subtree: str, leaf: str) -> str:
    return f"{subtree}.{leaf}"


def _candidates(raws: list[Raw], fold: FoldKey | None) -> list[Candidate]:
    """Candidates with their fold keys (``fold`` None: values are not compared)."""
    if fold is None:
        return [candidate(value, "", source, order) for value, source, order in raws]
    return [candidate(value, fold(value), source, order) for value, source, order in raws]


class _Ranking:
    """Rank contexts for the fields of one golden record (tie orders computed once each)."""

    def __init__(self, live: list[SourceView], policy: SurvivorshipPolicy) -> None:
        self.live = live
        self.policy = policy
        self._ties: dict[int, dict[int, int]] = {}

    def context(self, field: FieldPolicy, candidates: list[Candidate]) -> RankContext:
        support = support_of(candidates) if field.rule in NEEDS_SUPPORT else NO_SUPPORT
        tie = self._ties.get(id(field.priority))
        if tie is None:
            tie = self._ties[id(field.priority)] = tie_order(self.live, field.priority)
        return RankContext(field.priority, support, tie)


def _choose(
    out: _Content,
    path: str,
    raws: list[Raw],
    ranking: _Ranking,
    override: Override | None,
) -> Any:
    """Put the surviving value of a single-valued field; returns it (None if there is none)."""
    if override is not None:
        out.put(path, override.value, override.lineage())
        return override.value
    if not raws:
        return None
    field = ranking.policy.for_field(path)
    if len(raws) == 1:  # nothing to compare: the common case of a record seen by one system
        value, source, _order = raws[0]
        out.put(path, value, _single(field.rule_name, source))
        return value
    candidates = _candidates(raws, spec_for(path, raws[0][0]).fold)
    ctx = ranking.context(field, candidates)
    rule = field.rule
    winner = min(candidates, key=lambda c: rank_key(c, rule, ctx))
    fold = winner.fold
    holders = sorted({c.source.id for c in candidates if c.fold == fold})
    out.put(path, winner.value, _lineage(field.rule_name, holders, winner))
    return winner.value


def _lineage(rule: str, sources: list[int], winner: Candidate) -> dict[str, Any]:
    return {"rule": rule, "sources": sources, "value_from": winner.source.id}


def _single(rule: str, source: SourceView) -> dict[str, Any]:
    """The lineage of a value only one source has."""
    return {"rule": rule, "sources": [source.id], "value_from": source.id}


def _by_fold(candidates: list[Candidate]) -> dict[str, list[Candidate]]:
    groups: dict[str, list[Candidate]] = {}
    for c in candidates:
        groups.setdefault(c.fold, []).append(c)
    return groups


def _as_listed(value: Any, primary: bool) -> Any:
    """A multi-valued entry with the golden record's own primary flag."""
    entry = dict(value)
    entry.pop("primary", None)
    if primary:
        entry["primary"] = True
    return entry


def _union(out: _Content, spec: FieldSpec, raws: list[Raw], ranking: _Ranking) -> None:
    """Every distinct value, ranked by the field's rule; the first valid one is primary."""
    field = ranking.policy.for_field(spec.path)
    if len(raws) == 1:
        value, source, _order = raws[0]
        valid = value.get("valid", True) is not False
        out.put_list(spec.path, [_as_listed(value, valid)], [_single(field.rule_name, source)])
        return
    candidates = _candidates(raws, spec.fold)
    ctx = ranking.context(field, candidates)
    rule = field.rule
    ranked = []
    for fold, members in _by_fold(candidates).items():
        if len(members) == 1:  # the common case: a value only one source holds
            ranked.append((rank_key(members[0], rule, ctx), fold, members[0], members))
            continue
        key, best_at = min((rank_key(c, rule, ctx), i) for i, c in enumerate(members))
        ranked.append((key, fold, members[best_at], members))
    ranked.sort(key=lambda r: (r[0], r[1]))
    entries, lineages = [], []
    primary_given = False
    for _key, _fold, best, members in ranked:
        primary = best.valid and not primary_given
        primary_given = primary_given or primary
        entries.append(_as_listed(best.value, primary))
        holders = [best.source.id] if len(members) == 1 else sorted({m.source.id for m in members})
        lineages.append(_lineage(field.rule_name, holders, best))
    out.put_list(spec.path, entries, lineages)


def _history(out: _Content, spec: FieldSpec, raws: list[Raw], ranking: _Ranking) -> None:
    """Every distinct entry once (the copy of the source first by the tie-break), newest first."""
    if len(raws) == 1:
        value, source, _order = raws[0]
        out.put_list(spec.path, [value], [_single(UNION, source)])
        return
    candidates = _candidates(raws, spec.fold)
    ctx = ranking.context(ranking.policy.for_field(spec.path), candidates)
    kept = []
    for fold, members in _by_fold(candidates).items():
        best = min(members, key=lambda c: ctx.tie[c.source.id])
        when = (
            best.value.get(spec.time_key)
            if spec.time_key and isinstance(best.value, dict)
            else None
        )
        kept.append((-instant(str(when)) if when else float("inf"), fold, best, members))
    kept.sort(key=lambda k: (k[0], k[1]))
    out.put_list(
        spec.path,
        [best.value for _t, _f, best, _m in kept],
        [
            _lineage(UNION, sorted({m.source.id for m in members}), best)
            for _t, _f, best, members in kept
        ],
    )


def _consents(out: _Content, spec: FieldSpec, raws: list[Raw], ranking: _Ranking) -> None:
    """The consent policy (see ``crmhub.golden.consents``)."""
    if len(raws) == 1:
        value, source, _order = raws[0]
        out.put_list(spec.path, [value], [_single(CONSENT_POLICY, source)])
        return
    candidates = _candidates(raws, None)
    ctx = ranking.context(ranking.policy.for_field(spec.path), candidates)
    kept = surviving_consents(candidates, lambda c: tie_break(c, ctx))
    out.put_list(
        spec.path,
        [winner.value for winner, _ in kept],
        [_lineage(CONSENT_POLICY, holders, winner) for winner, holders in kept],
    )


_LIST_SURVIVORSHIP = {
    FieldKind.UNION: _union,
    FieldKind.HISTORY: _history,
    FieldKind.CONSENTS: _consents,
}
