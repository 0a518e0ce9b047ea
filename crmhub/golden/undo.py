"""Undoing a merge or an unmerge made by ``crmhub.golden.merge``, by its event id.

Undoing a merge brings the merged-away id back: its source records return to it with their
old links (``linked_at``, ``via``), its redirect is cleared, and both records are recomputed.
Undoing an unmerge puts the part that left back and makes its id redirect to the record it
left (ids are never deleted: a target system may know them). The stewards' decisions the
operation recorded are put back as they were ("unsure" where there was none).

With the sources and overrides unchanged in between, an undo restores the golden records
exactly: ids, data, lineage and xref (``version`` and timestamps move on). The undo is
itself a merge or unmerge event, so it can be undone in turn. An undo is refused when a
later change stands in the way (the source records are no longer where the event left
them): undo the later changes first, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.golden.decisions import restore_decisions
from crmhub.golden.errors import UndoRefused
from crmhub.golden.events import MERGED, SUBJECT_TYPE, UNMERGED
from crmhub.golden.merge import finish_merge, finish_unmerge
from crmhub.golden.policy import PolicyLike, SurvivorshipPolicy, as_policy
from crmhub.golden.records import (
    GoldenRow,
    Link,
    load_golden_rows,
    load_members,
    set_redirects,
    write_links,
)
from crmhub.store.engine import write_transaction
from crmhub.store.schema import events, source_records
from crmhub.store.types import utc_now

UNDOABLE_OPS = frozenset({"merge", "unmerge", "undo"})


@dataclass(frozen=True, slots=True)
class UndoResult:
    """The event undone and the event that records the undo (undo that one to redo)."""

    undone_event_id: int
    event_id: int


def undo(
    engine: Engine, event_id: int, actor: str, why: str | None = None, *, policy: PolicyLike = None
) -> UndoResult:
    """Undo the merge or unmerge recorded by event ``event_id``."""
    compiled = as_policy(policy)
    with write_transaction(engine) as conn:
        kind, data = _undoable_event(conn, event_id)
        if kind == MERGED:
            new_event = _undo_merge(conn, compiled, event_id, data, actor, why)
        else:
            new_event = _undo_unmerge(conn, compiled, event_id, data, actor, why)
    return UndoResult(event_id, new_event)


def _undoable_event(conn: Connection, event_id: int) -> tuple[str, dict[str, Any]]:
    t = events.c
    row = conn.execute(sa.select(t.kind, t.subject_type, t.data).where(t.id == event_id)).first()
    if row is None:
        raise UndoRefused(
            f"there is no event #{event_id}", hint="take the id from the merge or unmerge result"
        )
    data = row.data or {}
    if (
        row.subject_type != SUBJECT_TYPE
        or row.kind not in (MERGED, UNMERGED)
        or data.get("op") not in UNDOABLE_OPS
    ):
        raise UndoRefused(
            f"event #{event_id} ({row.kind}) cannot be undone: only merges and unmerges made "
            "by a steward (merge(), unmerge()) or undos of them can",
            hint="to reverse what the matcher did, unmerge or merge the records yourself",
        )
    return row.kind, data


def _existing_sources(conn: Connection, ids: list[int]) -> set[int]:
    """The ones of ``ids`` still in the store (a purged source record takes its link with it)."""
    t = source_records.c
    return {sid for (sid,) in conn.execute(sa.select(t.id).where(t.id.in_(ids)))} if ids else set()


def _links_back(conn: Connection, recorded: list[dict[str, Any]], golden_id: str) -> list[Link]:
    links = [Link.from_json(entry, golden_id) for entry in recorded]
    present = _existing_sources(conn, [k.source_record_id for k in links])
    return [k for k in links if k.source_record_id in present]


def _lock(conn: Connection, *golden_ids: str) -> dict[str, GoldenRow]:
    """Lock the records (in id order); every one of them must exist."""
    rows = load_golden_rows(conn, golden_ids, for_update=True)
    for gid in golden_ids:
        if gid not in rows:
            raise UndoRefused(f"golden record {gid} does not exist", hint="check the event id")
    return rows


def _require_live(rows: dict[str, GoldenRow], *golden_ids: str) -> None:
    for gid in golden_ids:
        if rows[gid].redirect_to is not None:
            raise UndoRefused(
                f"golden record {gid} is no longer in use (it redirects to {rows[gid].redirect_to})",
                hint="undo the later changes first, newest first",
            )


def _undo_merge(
    conn: Connection,
    policy: SurvivorshipPolicy,
    event_id: int,
    data: dict[str, Any],
    actor: str,
    why: str | None,
) -> int:
    survivor, merged = str(data["survivor"]), str(data["merged"])
    rows = _lock(conn, survivor, merged)
    _require_live(rows, survivor)
    if rows[merged].redirect_to != survivor:
        raise UndoRefused(
            f"golden record {merged} no longer redirects to {survivor}: the merge of event "
            f"#{event_id} was already undone or overtaken",
            hint="look at the events of both records to see what happened since",
        )
    back = _links_back(conn, data["moved"], merged)
    current = {k.source_record_id: k for k in load_members(conn, [survivor])[survivor]}
    _require_held(survivor, [k.source_record_id for k in back], current.keys())
    now = utc_now()
    decisions = restore_decisions(conn, data.get("decisions", []), actor, why, now)
    set_redirects(conn, {merged: None}, now, bump_version=False)  # the refresh bumps it
    write_links(conn, back, {k.source_record_id for k in back})
    payload = {
        "op": "undo",
        "undoes": event_id,
        "kept": survivor,
        "split": merged,
        "moved": [current[k.source_record_id].as_json() for k in back],
        "decisions": decisions,
    }
    return finish_unmerge(conn, policy, survivor, merged, payload, actor, why, now)


def _undo_unmerge(
    conn: Connection,
    policy: SurvivorshipPolicy,
    event_id: int,
    data: dict[str, Any],
    actor: str,
    why: str | None,
) -> int:
    kept, split = str(data["kept"]), str(data["split"])
    _require_live(_lock(conn, kept, split), kept, split)
    back = _links_back(conn, data["moved"], kept)
    current = {k.source_record_id: k for k in load_members(conn, [split])[split]}
    _require_held(split, [k.source_record_id for k in back], current.keys())
    extra = sorted(current.keys() - {k.source_record_id for k in back})
    if extra:
        raise UndoRefused(
            f"golden record {split} has gained source record(s) {extra[:5]} since event #{event_id}",
            hint=f"unmerge them from {split} first, or merge {split} into {kept} instead",
        )
    now = utc_now()
    decisions = restore_decisions(conn, data.get("decisions", []), actor, why, now)
    write_links(conn, back, {k.source_record_id for k in back})
    set_redirects(conn, {split: kept}, now)
    payload = {
        "op": "undo",
        "undoes": event_id,
        "survivor": kept,
        "merged": split,
        "moved": [current[k.source_record_id].as_json() for k in back],
        "decisions": decisions,
    }
    return finish_merge(conn, policy, kept, split, payload, actor, why, now)


def _require_held(golden_id: str, wanted: list[int], held: Any) -> None:
    missing = sorted(set(wanted) - set(held))
    if missing:
        raise UndoRefused(
            f"source record(s) {missing[:5]} are no longer in golden record {golden_id}",
            hint="a later change moved them: undo the later changes first, newest first",
        )
