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
from crmhub.sync.reads import ReadLink
from crmhub.sync.records import TargetRecord
from crmhub.sync.targets import Target

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


def _adopt_external_id(record: TargetRecord, link: ReadLink) -> None:
    read = link.read
    if read is not None and not read.deleted and record.external_id != read.key:
        record.external_id = read.key
        record.dirty = True


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
        return Decision(gid, "unlinked", record, problem=problem)
    try:
        desired = desired_values(target, golden, systems)
    except RecordMappingError as exc:
        return Decision(gid, "rejected", record, problem=f"reverse mapping: {exc}")
    if not holds:
        if not target.config.create_missing:
            return Decision(gid, "not_created", record)
        return Decision(gid, "create", record, create(target.fields, desired))
    target_changed_at = read.changed_at if read is not None else None
    change = update(
        target.fields,
        desired,
        record.known_values(read),
        record,
        golden.updated_at,
        target_changed_at,
    )
    return Decision(gid, "update" if change.operation else "in_sync", record, change)
