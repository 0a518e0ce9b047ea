"""The audit trail of golden records: one event per change, appended to ``events``.

Every event has ``subject_type`` "golden" and the golden id as ``subject_id``. The kinds:

``golden.created``          a new golden record (data: its sources, and ``changes`` = all fields)
``golden.updated``          its content changed (sources changed, were linked or deleted)
``golden.merged``           it took over the source records of others
``golden.unmerged``         source records were taken out of it
``golden.redirected``       it was merged into another (``redirect_to``); its id now forwards
``golden.restored``         a retired or redirected record is in use again
``golden.retired``          no live source record is left; its last data is kept
``golden.override_set``     a steward pinned a field's value
``golden.override_cleared`` a steward removed a pin

Each data payload says why (``why``, ``run_id``), what moved (source record ids with where they
came from or went to) and ``changes``: per changed field path, the value before and after.
Events written by one operation share a ``change`` id. Merges and unmerges done through
``crmhub.golden.merge`` also carry the links they moved, which is what undoing them needs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmhub.golden.fields import SUBTREES
from crmhub.store.schema import events

SUBJECT_TYPE = "golden"
CREATED = "golden.created"
UPDATED = "golden.updated"
MERGED = "golden.merged"
UNMERGED = "golden.unmerged"
REDIRECTED = "golden.redirected"
RESTORED = "golden.restored"
RETIRED = "golden.retired"
OVERRIDE_SET = "golden.override_set"
OVERRIDE_CLEARED = "golden.override_cleared"

EVENT_KINDS: tuple[str, ...] = (
    CREATED,
    UPDATED,
    MERGED,
    UNMERGED,
    REDIRECTED,
    RESTORED,
    RETIRED,
    OVERRIDE_SET,
    OVERRIDE_CLEARED,
)


@dataclass(slots=True)
class EventDraft:
    """An event about to be written: its kind, golden id and payload."""

    kind: str
    golden_id: str
    data: dict[str, Any] = field(default_factory=dict)


def new_change_id() -> str:
    """An id shared by the events of one operation."""
    return uuid.uuid4().hex


def write_events(conn: Connection, drafts: Sequence[EventDraft], actor: str, at: datetime) -> None:
    """Append ``drafts`` to the events table (one executemany)."""
    if drafts:
        conn.execute(
            sa.insert(events),
            [
                {
                    "at": at,
                    "actor": actor,
                    "kind": d.kind,
                    "subject_type": SUBJECT_TYPE,
                    "subject_id": d.golden_id,
                    "data": d.data,
                }
                for d in drafts
            ],
        )


def write_event(conn: Connection, draft: EventDraft, actor: str, at: datetime) -> int:
    """Append one event and return its id (the handle to undo it by)."""
    result = conn.execute(
        sa.insert(events)
        .values(
            at=at,
            actor=actor,
            kind=draft.kind,
            subject_type=SUBJECT_TYPE,
            subject_id=draft.golden_id,
            data=draft.data,
        )
        .returning(events.c.id)
    )
    return int(result.scalar_one())


def content_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per changed field path ("person.given_name", "emails"): ``{"before": ..., "after": ...}``.
    The nested person/organization objects are compared field by field."""
    changes: dict[str, dict[str, Any]] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if key in SUBTREES and isinstance(old or {}, dict) and isinstance(new or {}, dict):
            old, new = old or {}, new or {}
            for leaf in old.keys() | new.keys():
                if old.get(leaf) != new.get(leaf):
                    changes[f"{key}.{leaf}"] = {"before": old.get(leaf), "after": new.get(leaf)}
        elif old != new:
            changes[key] = {"before": old, "after": new}
    return dict(sorted(changes.items()))


def changed_lineage(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per lineage key whose entry changed, the new entry (None: the key is gone)."""
    return {
        key: after.get(key)
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }
