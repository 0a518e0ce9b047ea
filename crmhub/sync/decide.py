"""What one golden record needs in one target, from everything the plan loaded about it.

The outcome names what happened to the record (the plan report counts them):

``create``       the target lacks it: created with every desired value
``update``       some fields change (only those)
``in_sync``      nothing to write
``remove``       it left the target's scope (merged away, retired, filtered out): deactivated or
                 deleted as ``deletions`` says
``out_of_scope`` not for this target, and nothing to take out of it
``not_created``  the target lacks it and ``create_missing`` is false
``unlinked``     the target holds a matching record that does not carry the hub's id: writing
                 by the id would create a duplicate, so it is left alone (stamp the id first)
``rejected``     the reverse mapping fails on it (``problem`` says why)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crmhub.mapping.compiler import RecordMappingError
from crmhub.sync.desired import desired_values
from crmhub.sync.diff import Change, create, remove, update
from crmhub.sync.golden import GoldenView
from crmhub.sync.reads import ReadLink, TargetRead
from crmhub.sync.records import TargetRecord
from crmhub.sync.targets import Target
from crmhub.sync.values import is_empty, same_value

OUTCOMES: tuple[str, ...] = (
    "create",
    "update",
    "in_sync",
    "remove",
    "out_of_scope",
    "not_created",
    "unlinked",
    "rejected",
)


@dataclass(slots=True)
class Decision:
    """The outcome for one golden record, its change (if any) and its sync state."""

    golden_id: str
    outcome: str
    record: TargetRecord
    change: Change = field(default_factory=Change)
    problem: str | None = None
    unlinked_key: str | None = None  # outcome "unlinked": the target record's own key


def _adopt_external_id(record: TargetRecord, link: ReadLink) -> None:
    read = link.read
    if read is not None and not read.deleted and record.external_id != read.key:
        record.external_id = read.key
        record.dirty = True


def _round_trips(target: Target, name: str) -> bool:
    """Whether field ``name`` reaches the canonical record when read and comes back out of it
    when written: the stream's mapping reads it and its reverse rule reads canonical paths (a
    ``const`` says nothing about what the target holds)."""
    if name not in target.read_fields:
        return False
    rule = target.mapping.spec.reverse.get(name)
    return isinstance(rule, str) or (rule is not None and bool(rule.source_fields()))


def held_in_hub_terms(
    target: Target, read: TargetRead | None, held: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, Any]:
    """What the target holds, in the hub's terms, for the fields whose raw value differs from
    the desired one: the target's record as ingested (its canonical form) through the same
    reverse rules. Only where that record stands for the value held: the field was read (not
    written by the hub since, nor empty) and round-trips (see ``_round_trips``)."""
    if read is None or read.deleted or not read.canonical:
        return {}
    names = [
        name
        for name, value in desired.items()
        if not same_value(value, held.get(name))
        and not is_empty(held.get(name))
        and same_value(held.get(name), read.raw.get(name))
        and _round_trips(target, name)
    ]
    if not names:
        return {}  # the usual case: nothing differs, no second export
    try:
        exported = target.mapping.export(read.canonical)
    except RecordMappingError:
        return {}  # the raw values are compared as they are
    return {name: exported[name] for name in names if name in exported}


def decide(
    target: Target,
    golden: GoldenView,
    record: TargetRecord,
    link: ReadLink,
    systems: Mapping[tuple[str, str], dict[str, Any]],
) -> Decision:
    """The decision for ``golden`` in ``target`` (moves ``record``'s base where the diff says)."""
    gid, read = golden.id, link.read
    _adopt_external_id(record, link)
    holds = record.holds_record(read)
    if not golden.live or not target.accepts(golden):
        if not holds:
            return Decision(gid, "out_of_scope", record)
        change = remove(target.config.deletions, record.known_values(read))
        return Decision(gid, "remove" if change.operation else "out_of_scope", record, change)
    if not holds and link.unlinked is not None:
        problem = (
            f"target record {link.unlinked.key} is matched to it but does not carry its id"
            + (f" in {target.id_field}" if target.id_field else " (the target has no id_field)")
        )
        return Decision(gid, "unlinked", record, problem=problem, unlinked_key=link.unlinked.key)
    try:
        desired = desired_values(target, golden, systems)
    except RecordMappingError as exc:
        return Decision(gid, "rejected", record, problem=f"reverse mapping: {exc}")
    if not holds:
        if not target.config.create_missing:
            return Decision(gid, "not_created", record)
        return Decision(gid, "create", record, create(target.fields, desired))
    target_changed_at = read.changed_at if read is not None else None
    held = record.known_values(read)
    change = update(
        target.fields,
        desired,
        held,
        record,
        golden.updated_at,
        target_changed_at,
        held_in_hub_terms(target, read, held, desired),
    )
    return Decision(gid, "update" if change.operation else "in_sync", record, change)
