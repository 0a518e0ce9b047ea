"""Recomputing golden records from their sources and writing only what changed.

Every operation of this package first changes who belongs to which golden record (xref,
redirects), then calls :func:`refresh` for the live records it touched. ``refresh`` runs
survivorship, compares with what is stored, writes the rows that changed (one executemany)
and returns one event draft per record that changed, or that the operation says changed
(its ``notes``: the event kind and payload explaining the membership change).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from crmhub.golden.events import (
    CREATED,
    RESTORED,
    RETIRED,
    UPDATED,
    EventDraft,
    changed_lineage,
    content_changes,
)
from crmhub.golden.inputs import inputs_hash, policy_part
from crmhub.golden.overrides import Override, effective_overrides
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.records import (
    GoldenRow,
    GoldenStamp,
    insert_rows,
    load_golden_rows,
    load_member_ids,
    lock_golden_stamps,
    placeholder,
    write_contents,
    write_inputs_hashes,
)
from crmhub.golden.sources import load_source_stamps, load_sources
from crmhub.golden.survivorship import NO_OVERRIDES, GoldenContent, survive


def refresh(
    conn: Connection,
    golden_ids: Collection[str],
    policy: SurvivorshipPolicy,
    now: datetime,
    notes: Mapping[str, EventDraft] | None = None,
    *,
    members: Mapping[str, Collection[int]] | None = None,
    created: Collection[str] = (),
) -> dict[str, EventDraft]:
    """Recompute ``golden_ids`` (live records, not redirects) and store the changes.

    Returns golden id -> event draft for every record written; the caller writes the events.
    A record left without a live source is retired (its last data kept); one that has a
    live source again is restored.

    A record whose inputs (``crmhub.golden.inputs``) are those its content was computed from,
    and that has no note, is skipped without reading its sources' content.

    A caller that computes the new membership itself may refresh before writing it: it then
    gives ``members`` (golden id -> source record ids, for every id of ``golden_ids``) and
    the ``created`` ids, records not in the store yet, which are inserted with their content
    (each needs a note, so that it is written). Otherwise memberships are read from xref.
    """
    notes = notes or {}
    new = set(created)
    stamps = lock_golden_stamps(conn, [gid for gid in golden_ids if gid not in new])
    for gid, stamp in stamps.items():
        assert stamp.redirect_to is None, (
            f"golden record {gid} redirects; it has no content to refresh"
        )
    if members is None:
        members = load_member_ids(conn, golden_ids)
    overrides = effective_overrides(conn, golden_ids)
    policy_bytes = policy_part(policy)
    # recomputed whatever their inputs: new, noted, or with no hash stored (yet)
    forced = {
        gid
        for gid in golden_ids
        if gid in new or gid in notes or gid not in stamps or stamps[gid].inputs_hash is None
    }
    checked = _unchanged(conn, stamps, members, overrides, policy_bytes, set(golden_ids) - forced)
    todo = sorted(set(golden_ids) - checked)
    rows = load_golden_rows(conn, [gid for gid in todo if gid not in new])  # locked above
    rows.update((gid, placeholder(gid, now)) for gid in new)  # no concurrent writer in between
    sources = load_sources(conn, (sid for gid in todo for sid in members[gid]))
    written: list[GoldenRow] = []
    drafts: dict[str, EventDraft] = {}
    hash_only: dict[str, str] = {}  # the content came out the same: store the new hash only
    for gid in todo:
        row = rows[gid]
        linked = [sources[sid] for sid in members[gid] if sid in sources]
        pinned = overrides.get(gid, NO_OVERRIDES)
        digest = inputs_hash(policy_bytes, linked, pinned)
        draft = _update_row(row, survive(linked, policy, pinned), notes.get(gid), now)
        if draft is not None:
            row.inputs_hash = digest
            written.append(row)
            drafts[gid] = draft
        elif row.inputs_hash != digest:
            hash_only[gid] = digest
    insert_rows(conn, [row for row in written if row.id in new], now)
    write_contents(conn, [row for row in written if row.id not in new], now)
    write_inputs_hashes(conn, hash_only)
    return drafts


def _unchanged(
    conn: Connection,
    stamps: Mapping[str, GoldenStamp],
    members: Mapping[str, Collection[int]],
    overrides: Mapping[str, Mapping[str, Override]],
    policy_bytes: bytes,
    golden_ids: Collection[str],
) -> set[str]:
    """Those of ``golden_ids`` whose stored inputs hash is the hash of their inputs now (read
    from the source records' stamps, not their content)."""
    found = load_source_stamps(conn, (sid for gid in golden_ids for sid in members[gid]))
    return {
        gid
        for gid in golden_ids
        if stamps[gid].inputs_hash
        == inputs_hash(
            policy_bytes,
            (found[sid] for sid in members[gid] if sid in found),
            overrides.get(gid, NO_OVERRIDES),
        )
    }


def _update_row(
    row: GoldenRow, content: GoldenContent | None, note: EventDraft | None, now: datetime
) -> EventDraft | None:
    """Put ``content`` into ``row``; the event draft if anything changed, else None."""
    was_retired = row.retired_at is not None
    retired = content is None
    if content is None:  # retired: keep the last data and lineage
        kind, data, lineage = row.party_kind, row.data, row.lineage
    else:
        kind, data, lineage = content.kind, content.data, content.lineage
    same_data, same_lineage = row.data == data, row.lineage == lineage
    if (
        same_data
        and same_lineage
        and kind == row.party_kind
        and retired == was_retired
        and note is None
    ):
        return None
    changes = {} if same_data else content_changes(row.data, data)
    payload: dict[str, Any] = dict(note.data) if note is not None else {}
    payload["changes"] = changes
    if note is None or note.kind != CREATED:  # a new record's lineage is all in its row
        payload["lineage"] = {} if same_lineage else changed_lineage(row.lineage, lineage)
    if retired != was_retired:
        payload["retired" if retired else "restored"] = True
    row.party_kind, row.data, row.lineage = kind, data, lineage
    row.version += 1
    row.retired_at = (row.retired_at or now) if retired else None
    if note is not None:
        return EventDraft(note.kind, row.id, payload)
    event_kind = UPDATED if retired == was_retired else (RETIRED if retired else RESTORED)
    return EventDraft(event_kind, row.id, payload)
