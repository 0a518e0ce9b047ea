"""The three-way diff of one record: the hub's desired values, what the target holds, and the
base (both sides' values at the last sync). Pure: it reads nothing and writes nothing.

Per field (``H`` desired, ``T`` held by the target, ``Hb``/``Tb`` the base). A target spells
values its own way (``+39 011 999 8877`` for the hub's ``+390119998877``), so ``T`` is also
seen in the hub's terms, ``N`` (the target's record as ingested, through the same reverse
rule: ``crmhub.sync.decide.held_in_hub_terms``; ``N`` is ``T`` where the hub cannot tell).
A value equal to ``T`` or to ``N`` is what the target holds, and the base keeps ``N``: a mere
reformatting on either side is no change, a real edit still is.

* ``H == T``: in sync; the base moves to (H, N).
* no base yet (first contact): the hub writes H, unless H is empty (the hub never clears
  what a target knows and it does not); the base then starts at (H, N).
* only the hub changed (``H != Hb``, ``T == Tb``): H is written.
* only the target changed: nothing is written; the change reaches the hub by the ingest.
* both changed: a conflict, decided by the field's policy (``crmhub.sync.policies``):
  ``hub`` writes H and moves the target's base to N (seen, overruled); ``target`` moves the
  base to (H, N) (seen, accepted); ``open`` changes nothing until a steward decides.

Target-owned fields take part only when the hub creates the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from crmhub.config.models import ConflictPolicy, DeletionMode, DeletionPolicy
from crmhub.sync.fields import FieldRule
from crmhub.sync.policies import HUB, TARGET, Sides, resolve
from crmhub.sync.records import TargetRecord
from crmhub.sync.values import is_empty, same_value

UPSERT, DEACTIVATE, DELETE = "upsert", "deactivate", "delete"
_NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ConflictCase:
    """A field both sides changed, and how its policy decided it."""

    field: str
    hub_value: Any
    target_value: Any
    policy: ConflictPolicy
    resolution: str


@dataclass(slots=True)
class Change:
    """What one record needs in its target: an operation with its fields (``operation`` None:
    nothing to write), plus the conflicts met on the way."""

    operation: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    conflicts: list[ConflictCase] = field(default_factory=list)


def create(rules: Mapping[str, FieldRule], desired: Mapping[str, Any]) -> Change:
    """The change creating the record: every desired field that has a value."""
    payload = {
        name: value for name, value in desired.items() if name in rules and not is_empty(value)
    }
    return Change(UPSERT, payload)


def _in_base(record: TargetRecord, name: str, hub: Any, target: Any) -> bool:
    return (
        name in record.base_hub
        and name in record.base_target
        and same_value(record.base_hub[name], hub)
        and same_value(record.base_target[name], target)
    )


def _same_held(value: Any, held: Any, seen: Any) -> bool:
    """``value`` is what the target holds, as it spells it (``held``) or in hub terms (``seen``)."""
    return same_value(value, held) or same_value(value, seen)


def update(
    rules: Mapping[str, FieldRule],
    desired: Mapping[str, Any],
    held: Mapping[str, Any],
    record: TargetRecord,
    hub_changed_at: datetime,
    target_changed_at: datetime | None,
    held_in_hub_terms: Mapping[str, Any] = _NOTHING,
) -> Change:
    """The change bringing an existing record to ``desired``; moves ``record``'s base where
    a field is decided without a write. ``held_in_hub_terms`` gives, for fields where the hub
    knows it, what the target holds as the hub would write it (``N`` in the module docs)."""
    change = Change()
    for name, rule in rules.items():
        if not rule.kind.writes_updates or name not in desired:
            continue
        hub, target = desired[name], held.get(name)
        seen = held_in_hub_terms.get(name, target)
        if _same_held(hub, target, seen):
            if not _in_base(record, name, hub, seen):
                record.move_base(name, hub, seen)
            continue
        if name not in record.base_hub or name not in record.base_target:
            if is_empty(hub):
                record.move_base(name, hub, seen)
            else:
                change.payload[name] = hub
            continue
        hub_changed = not same_value(hub, record.base_hub[name])
        target_changed = not _same_held(record.base_target[name], target, seen)
        if hub_changed and not target_changed:
            change.payload[name] = hub
        elif hub_changed and target_changed:
            sides = Sides(rule.kind.hub_side, hub_changed_at, target_changed_at)
            resolution = resolve(rule.policy, sides)
            change.conflicts.append(ConflictCase(name, hub, target, rule.policy, resolution))
            if resolution == HUB:
                change.payload[name] = hub
                record.move_base(name, record.base_hub[name], seen)
            elif resolution == TARGET:
                record.move_base(name, hub, seen)
    if change.payload:
        change.operation = UPSERT
    return change


def remove(policy: DeletionPolicy, held: Mapping[str, Any]) -> Change:
    """The change taking a record the target should no longer hold out of it."""
    if policy.mode is DeletionMode.DELETE:
        return Change(DELETE)
    if policy.mode is DeletionMode.DEACTIVATE:
        assert policy.field is not None  # the configuration checks it
        if not same_value(held.get(policy.field), policy.value):
            return Change(DEACTIVATE, {policy.field: policy.value})
    return Change()
