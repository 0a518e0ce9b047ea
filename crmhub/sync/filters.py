"""A target's filter (``targets.<name>.filter``) as one predicate over golden records.

The language is small and typed (``crmhub.config.models.TargetFilter``); every condition
given must hold::

    filter:
      kind: organization                 # person | organization
      has_source: [erp, shop]            # a live source record from one of these connections
      consent: {channel: email, purpose: marketing, status: opt_in}   # one or a list: all hold
      has: [emails]                      # canonical fields that must not be empty

Each condition is built by one entry of ``CONDITIONS`` (a table, not a chain of ifs); a
condition left out of the configuration costs nothing per record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from crmhub.config.models import ConsentFilter, TargetFilter
from crmhub.mapping.paths import parse_path, read_path
from crmhub.sync.golden import GoldenView
from crmhub.sync.values import is_empty

Predicate = Callable[[GoldenView], bool]
ANY_CHANNEL = "any"


@lru_cache(maxsize=65_536)
def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def consent_status(consents: Sequence[dict[str, Any]], channel: str, purpose: str) -> str | None:
    """The standing decision for ``channel`` and ``purpose`` among a canonical record's consent
    events: the latest one, an ``any``-channel event counting for every channel (as
    ``canonical.Party.consent_status`` decides it, on the stored dicts)."""
    events = [
        e
        for e in consents
        if e.get("purpose") == purpose and e.get("channel") in (channel, ANY_CHANNEL)
    ]
    if not events:
        return None
    return str(max(events, key=lambda e: _instant(str(e["captured_at"])))["status"])


def _kind(config: TargetFilter) -> Predicate | None:
    if config.kind is None:
        return None
    wanted = config.kind
    return lambda golden: golden.kind == wanted


def _has_source(config: TargetFilter) -> Predicate | None:
    if not config.has_source:
        return None
    wanted = frozenset(config.has_source)
    return lambda golden: not wanted.isdisjoint(golden.sources)


def _consent(config: TargetFilter) -> Predicate | None:
    if not config.consent:
        return None
    tests: list[ConsentFilter] = list(config.consent)

    def holds(golden: GoldenView) -> bool:
        consents = golden.data.get("consents") or []
        return all(consent_status(consents, t.channel, t.purpose) == t.status for t in tests)

    return holds


def _has(config: TargetFilter) -> Predicate | None:
    if not config.has:
        return None
    paths = [parse_path(path) for path in config.has]
    return lambda golden: all(not is_empty(read_path(golden.data, p)) for p in paths)


CONDITIONS: tuple[Callable[[TargetFilter], Predicate | None], ...] = (
    _kind,
    _has_source,
    _consent,
    _has,
)


def compile_filter(config: TargetFilter) -> Predicate:
    """One predicate: True when a golden record passes every condition of ``config``."""
    predicates = [p for build in CONDITIONS if (p := build(config)) is not None]
    if not predicates:
        return lambda golden: True
    if len(predicates) == 1:
        return predicates[0]
    return lambda golden: all(p(golden) for p in predicates)


def needs_sources(config: TargetFilter) -> bool:
    """True when the filter looks at the golden records' source connections."""
    return bool(config.has_source)
