"""A steward's merge and unmerge of golden records; both can be undone (``crmhub.golden.undo``).

``merge(engine, a, b, ...)``: the record with more source records survives (then the older
one, then the smaller id) and keeps its id; the other redirects to it. Merging the same
records again is refused (they already are one).

``unmerge(engine, golden_id, source_record_ids, ...)``: the named source records are taken
out; of the two parts, the one with more source records keeps the id (on a tie, the part not
named), the other gets a new id. Both are recomputed from their sources.

Both record the steward's decision in ``steward_decisions`` (merge: "same" between the
survivor's first source record and each merged one; unmerge: "different" between each named
record and each remaining one) so that matcher reruns keep to it; pass
``record_decision=False`` to leave the matcher free. Each returns the id of its main event,
the handle for ``undo``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from crmhub.golden.decisions import DIFFERENT, SAME, record_decisions
from crmhub.golden.errors import MergeRefused, UnmergeRefused
from crmhub.golden.events import (
    CREATED,
    MERGED,
    REDIRECTED,
    RESTORED,
    UNMERGED,
    EventDraft,
    new_change_id,
    write_event,
    write_events,
)
from crmhub.golden.ids import new_golden_id
from crmhub.golden.policy import PolicyLike, SurvivorshipPolicy, as_policy
from crmhub.golden.records import (
    GoldenRow,
    Link,
    insert_placeholders,
    load_links,
    load_members,
    lock_current,
    set_redirects,
    write_links,
)
from crmhub.golden.refresh import refresh
from crmhub.store.engine import write_transaction
from crmhub.store.types import utc_now

VIA_MERGE = "merge"
VIA_UNMERGE = "unmerge"


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The survivor's id, the merged-away id (now a redirect) and the merge event's id."""

    survivor: str
    merged: str
    event_id: int


@dataclass(frozen=True, slots=True)
class UnmergeResult:
    """The id that stayed, the new id of the part that left, and the unmerge event's id."""

    kept: str
    split: str
    event_id: int


def merge(
    engine: Engine,
    a: str,
    b: str,
    actor: str,
    why: str | None = None,
    *,
    policy: PolicyLike = None,
    record_decision: bool = True,
) -> MergeResult:
    """Merge golden records ``a`` and ``b`` (ids that redirect are followed)."""
    compiled = as_policy(policy)
    with write_transaction(engine) as conn:
        now = utc_now()
        first, second = lock_current(conn, [a, b])
        if first.id == second.id:
            raise MergeRefused(
                f"golden records {a!r} and {b!r} are already one record ({first.id})",
                hint="nothing to merge",
            )
        _check_same_kind(first, second)
        members = load_members(conn, [first.id, second.id])
        survivor, loser = sorted(
            (first, second), key=lambda r: (-len(members[r.id]), r.created_at, r.id)
        )
        moved = sorted(members[loser.id], key=lambda k: k.source_record_id)
        decisions: list[dict[str, Any]] = []
        if record_decision and members[survivor.id] and moved:
            anchor = min(k.source_record_id for k in members[survivor.id])
            pairs = [(anchor, k.source_record_id) for k in moved]
            decisions = record_decisions(conn, pairs, SAME, actor, why, now)
        write_links(
            conn,
            [Link(k.source_record_id, survivor.id, now, VIA_MERGE) for k in moved],
            {k.source_record_id for k in moved},
        )
        set_redirects(conn, {loser.id: survivor.id}, now)
        payload = {
            "op": "merge",
            "survivor": survivor.id,
            "merged": loser.id,
            "moved": [k.as_json() for k in moved],
            "decisions": decisions,
        }
        event_id = finish_merge(conn, compiled, survivor.id, loser.id, payload, actor, why, now)
    return MergeResult(survivor.id, loser.id, event_id)


def finish_merge(
    conn: Connection,
    policy: SurvivorshipPolicy,
    survivor: str,
    loser: str,
    payload: dict[str, Any],
    actor: str,
    why: str | None,
    now: datetime,
) -> int:
    """Recompute the survivor of a merge (links and redirect already written) and record the
    merge event (its id is returned) and the loser's redirect event."""
    change = new_change_id()
    note = EventDraft(MERGED, survivor, {**payload, "change": change, "why": why})
    drafts = refresh(conn, [survivor], policy, now, {survivor: note})
    event_id = write_event(conn, drafts[survivor], actor, now)
    redirect = {"change": change, "why": why, "redirect_to": survivor, "event": event_id}
    if "undoes" in payload:
        redirect["undoes"] = payload["undoes"]
    write_events(conn, [EventDraft(REDIRECTED, loser, redirect)], actor, now)
    return event_id


def _check_same_kind(first: GoldenRow, second: GoldenRow) -> None:
    if first.party_kind and second.party_kind and first.party_kind != second.party_kind:
        raise MergeRefused(
            f"golden record {first.id} is a {first.party_kind} and {second.id} an "
            f"{second.party_kind}: a golden record is one or the other",
            hint="link them as related parties instead (a person works for an organization)",
        )


def unmerge(
    engine: Engine,
    golden_id: str,
    source_record_ids: Collection[int],
    actor: str,
    why: str | None = None,
    *,
    policy: PolicyLike = None,
    record_decision: bool = True,
) -> UnmergeResult:
    """Take ``source_record_ids`` out of golden record ``golden_id`` (a redirect is followed)."""
    compiled = as_policy(policy)
    named = {int(s) for s in source_record_ids}
    with write_transaction(engine) as conn:
        now = utc_now()
        (row,) = lock_current(conn, [golden_id])
        links = {k.source_record_id: k for k in load_members(conn, [row.id])[row.id]}
        _check_unmerge(conn, row.id, named, links)
        rest = set(links) - named
        leaving = named if len(rest) >= len(named) else rest
        moved = [links[s] for s in sorted(leaving)]
        decisions: list[dict[str, Any]] = []
        if record_decision:
            pairs = [(x, y) for x in sorted(named) for y in sorted(rest)]
            decisions = record_decisions(conn, pairs, DIFFERENT, actor, why, now)
        split = new_golden_id()
        insert_placeholders(conn, [split], now)
        write_links(
            conn, [Link(k.source_record_id, split, now, VIA_UNMERGE) for k in moved], set(leaving)
        )
        payload = {
            "op": "unmerge",
            "kept": row.id,
            "split": split,
            "named": sorted(named),
            "moved": [k.as_json() for k in moved],
            "decisions": decisions,
        }
        event_id = finish_unmerge(conn, compiled, row.id, split, payload, actor, why, now)
    return UnmergeResult(row.id, split, event_id)


def finish_unmerge(
    conn: Connection,
    policy: SurvivorshipPolicy,
    kept: str,
    split: str,
    payload: dict[str, Any],
    actor: str,
    why: str | None,
    now: datetime,
) -> int:
    """Recompute both parts of an unmerge (links already written) and record the unmerge
    event (its id is returned) and the event of the part under ``split``: created, or
    restored when an undo brings a merged-away record back."""
    change = new_change_id()
    split_payload: dict[str, Any] = {
        "change": change,
        "why": why,
        "split_from": kept,
        "sources": [m["source_record_id"] for m in payload["moved"]],
    }
    if "undoes" in payload:
        split_payload["undoes"] = payload["undoes"]
    notes = {
        kept: EventDraft(UNMERGED, kept, {**payload, "change": change, "why": why}),
        split: EventDraft(RESTORED if "undoes" in payload else CREATED, split, split_payload),
    }
    drafts = refresh(conn, [kept, split], policy, now, notes)
    event_id = write_event(conn, drafts[kept], actor, now)
    drafts[split].data["event"] = event_id
    write_events(conn, [drafts[split]], actor, now)
    return event_id


def _check_unmerge(
    conn: Connection, golden_id: str, named: set[int], links: dict[int, Link]
) -> None:
    if not named:
        raise UnmergeRefused(
            f"no source record named to take out of golden record {golden_id}",
            hint="pass the ids of the source records to separate",
        )
    strangers = sorted(named - links.keys())
    if strangers:
        elsewhere = load_links(conn, strangers)
        where = ", ".join(
            f"{s} (in {elsewhere[s].golden_id})" if s in elsewhere else f"{s} (in no golden record)"
            for s in strangers[:5]
        )
        raise UnmergeRefused(
            f"source record(s) {where} are not in golden record {golden_id}",
            hint=f"its source records are {sorted(links)[:20]}",
        )
    if named == links.keys():
        raise UnmergeRefused(
            f"unmerging every source record of golden record {golden_id} would leave nothing",
            hint="name only the source records that do not belong with the others",
        )
