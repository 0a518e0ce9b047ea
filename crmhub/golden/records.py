"""Reading and writing golden record rows and their cross-references (xref), in bulk.

Invariant kept by every writer in this package: an xref row never points at a golden record
that redirects to another; a redirected record keeps the data it had when it was merged away.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmhub.golden.chunks import chunked
from crmhub.golden.errors import GoldenRecordNotFound
from crmhub.store.schema import golden_records, xref


@dataclass(slots=True)
class GoldenRow:
    """A golden_records row."""

    id: str
    party_kind: str | None
    data: dict[str, Any]
    lineage: dict[str, Any]
    version: int
    redirect_to: str | None
    retired_at: datetime | None
    created_at: datetime
    inputs_hash: str | None = None  # what ``data`` was computed from (crmhub.golden.inputs)


@dataclass(frozen=True, slots=True)
class Link:
    """An xref row: a source record belongs to a golden record since ``linked_at``, by ``via``."""

    source_record_id: int
    golden_id: str
    linked_at: datetime
    via: str

    def as_json(self) -> dict[str, Any]:
        """The link as event data (to restore it exactly on undo)."""
        return {
            "source_record_id": self.source_record_id,
            "linked_at": self.linked_at.isoformat(),
            "via": self.via,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], golden_id: str) -> Link:
        """The link described by :meth:`as_json` data, pointing at ``golden_id``."""
        return cls(
            int(data["source_record_id"]),
            golden_id,
            datetime.fromisoformat(data["linked_at"]),
            str(data["via"]),
        )


_G = golden_records.c
_X = xref.c


def load_golden_rows(
    conn: Connection, ids: Iterable[str], *, for_update: bool = False
) -> dict[str, GoldenRow]:
    """The golden records with ``ids`` (absent ids are missing from the answer).

    ``for_update`` locks the rows on PostgreSQL (in id order, so two writers cannot deadlock);
    SQLite's write transaction already excludes other writers.
    """
    found: dict[str, GoldenRow] = {}
    for chunk in chunked(sorted(set(ids))):
        query = (
            sa.select(
                _G.id,
                _G.party_kind,
                _G.data,
                _G.lineage,
                _G.version,
                _G.redirect_to,
                _G.retired_at,
                _G.created_at,
                _G.inputs_hash,
            )
            .where(_G.id.in_(chunk))
            .order_by(_G.id)
        )
        if for_update:
            query = query.with_for_update()
        for row in conn.execute(query):
            found[row.id] = GoldenRow(*row)
    return found


@dataclass(frozen=True, slots=True)
class GoldenStamp:
    """A golden record's row without its content: what is checked before the content is read."""

    created_at: datetime
    redirect_to: str | None
    inputs_hash: str | None


def lock_golden_stamps(conn: Connection, ids: Iterable[str]) -> dict[str, GoldenStamp]:
    """Lock the golden records with ``ids`` (on PostgreSQL; in id order, so two writers cannot
    deadlock) and return their stamps, without loading their content; absent ids are missing."""
    found: dict[str, GoldenStamp] = {}
    for chunk in chunked(sorted(set(ids))):
        query = (
            sa.select(_G.id, _G.created_at, _G.redirect_to, _G.inputs_hash)
            .where(_G.id.in_(chunk))
            .order_by(_G.id)
            .with_for_update()
        )
        found.update((gid, GoldenStamp(*stamp)) for gid, *stamp in conn.execute(query))
    return found


def write_inputs_hashes(conn: Connection, hashes: Mapping[str, str]) -> None:
    """Store the inputs hash of golden records whose content was checked and found unchanged
    (their version and ``updated_at`` stay: nothing a reader sees changed)."""
    if hashes:
        conn.execute(
            sa.update(golden_records)
            .where(_G.id == sa.bindparam("b_id"))
            .values(inputs_hash=sa.bindparam("b_inputs")),
            [{"b_id": gid, "b_inputs": digest} for gid, digest in hashes.items()],
        )


def load_members(conn: Connection, golden_ids: Iterable[str]) -> dict[str, list[Link]]:
    """golden id -> its xref links (every golden id asked for is in the answer)."""
    members: dict[str, list[Link]] = {gid: [] for gid in golden_ids}
    for chunk in chunked(sorted(members)):
        rows = conn.execute(
            sa.select(_X.source_record_id, _X.golden_id, _X.linked_at, _X.via).where(
                _X.golden_id.in_(chunk)
            )
        )
        for row in rows:
            members[row.golden_id].append(Link(*row))
    return members


def load_member_ids(conn: Connection, golden_ids: Iterable[str]) -> dict[str, list[int]]:
    """golden id -> the ids of its source records (every golden id asked for is in the answer)."""
    members: dict[str, list[int]] = {gid: [] for gid in golden_ids}
    for chunk in chunked(sorted(members)):
        query = sa.select(_X.source_record_id, _X.golden_id).where(_X.golden_id.in_(chunk))
        for sid, gid in conn.execute(query):
            members[gid].append(sid)
    return members


def load_links(conn: Connection, source_ids: Iterable[int]) -> dict[int, Link]:
    """source record id -> its xref link, for the ones that have one."""
    found: dict[int, Link] = {}
    for chunk in chunked(sorted(set(source_ids))):
        rows = conn.execute(
            sa.select(_X.source_record_id, _X.golden_id, _X.linked_at, _X.via).where(
                _X.source_record_id.in_(chunk)
            )
        )
        for row in rows:
            found[row.source_record_id] = Link(*row)
    return found


def placeholder(golden_id: str, now: datetime) -> GoldenRow:
    """A new golden record before its first refresh: no content, version 0."""
    return GoldenRow(golden_id, None, {}, {}, 0, None, None, now)


def insert_placeholders(conn: Connection, ids: Sequence[str], now: datetime) -> None:
    """New golden rows with empty content (version 0), filled in by the refresh that follows;
    they must exist before xref rows can point at them."""
    insert_rows(conn, [placeholder(gid, now) for gid in ids], now)


def insert_rows(conn: Connection, rows: Collection[GoldenRow], now: datetime) -> None:
    """Insert new golden records as they are (one executemany)."""
    if rows:
        conn.execute(
            sa.insert(golden_records),
            [
                {
                    "id": r.id,
                    "party_kind": r.party_kind,
                    "data": r.data,
                    "lineage": r.lineage,
                    "version": r.version,
                    "redirect_to": r.redirect_to,
                    "retired_at": r.retired_at,
                    "created_at": r.created_at,
                    "updated_at": now,
                    "inputs_hash": r.inputs_hash,
                }
                for r in rows
            ],
        )


def write_links(conn: Connection, links: Collection[Link], existing: Collection[int]) -> None:
    """Point each link's source record at its golden record: update the ones in ``existing``
    (source ids already linked somewhere), insert the others."""
    updates = [link for link in links if link.source_record_id in existing]
    inserts = [link for link in links if link.source_record_id not in existing]
    if updates:
        conn.execute(
            sa.update(xref)
            .where(_X.source_record_id == sa.bindparam("b_source"))
            .values(
                golden_id=sa.bindparam("b_golden"),
                linked_at=sa.bindparam("b_at"),
                via=sa.bindparam("b_via"),
            ),
            [
                {
                    "b_source": k.source_record_id,
                    "b_golden": k.golden_id,
                    "b_at": k.linked_at,
                    "b_via": k.via,
                }
                for k in updates
            ],
        )
    if inserts:
        conn.execute(
            sa.insert(xref),
            [
                {
                    "source_record_id": k.source_record_id,
                    "golden_id": k.golden_id,
                    "linked_at": k.linked_at,
                    "via": k.via,
                }
                for k in inserts
            ],
        )


def write_contents(conn: Connection, rows: Collection[GoldenRow], now: datetime) -> None:
    """Store the content, version, redirect and retirement of ``rows`` (one executemany)."""
    if rows:
        conn.execute(
            sa.update(golden_records)
            .where(_G.id == sa.bindparam("b_id"))
            .values(
                party_kind=sa.bindparam("b_kind"),
                data=sa.bindparam("b_data"),
                lineage=sa.bindparam("b_lineage"),
                version=sa.bindparam("b_version"),
                redirect_to=sa.bindparam("b_redirect"),
                retired_at=sa.bindparam("b_retired"),
                inputs_hash=sa.bindparam("b_inputs"),
                updated_at=now,
            ),
            [
                {
                    "b_id": r.id,
                    "b_kind": r.party_kind,
                    "b_data": r.data,
                    "b_lineage": r.lineage,
                    "b_version": r.version,
                    "b_redirect": r.redirect_to,
                    "b_retired": r.retired_at,
                    "b_inputs": r.inputs_hash,
                }
                for r in rows
            ],
        )


def set_redirects(
    conn: Connection, redirects: dict[str, str | None], now: datetime, *, bump_version: bool = True
) -> None:
    """Point each golden record at its survivor (None: no redirect) and bump its version
    (unless a refresh of the record follows, which bumps it once for the whole change)."""
    if redirects:
        version = _G.version + 1 if bump_version else _G.version
        conn.execute(
            sa.update(golden_records)
            .where(_G.id == sa.bindparam("b_id"))
            # a record's inputs hash holds only while nothing but a refresh changes the row
            .values(
                redirect_to=sa.bindparam("b_to"), version=version, inputs_hash=None, updated_at=now
            ),
            [{"b_id": gid, "b_to": target} for gid, target in redirects.items()],
        )


MAX_REDIRECTS = 100  # a longer chain means a cycle: a bug, not data


def current_row(conn: Connection, golden_id: str) -> GoldenRow:
    """The golden record ``golden_id`` stands for now: itself, or where its redirects lead.

    Raises :class:`GoldenRecordNotFound` when no golden record has that id.
    """
    seen = [golden_id]
    while True:
        row = load_golden_rows(conn, [seen[-1]]).get(seen[-1])
        if row is None:
            raise GoldenRecordNotFound(
                f"no golden record {seen[-1]!r}"
                + (f" (reached from {golden_id!r} through redirects)" if len(seen) > 1 else ""),
                hint="golden ids are 26-character ULIDs; look one up from a source key with "
                "golden_id_of_source()",
            )
        if row.redirect_to is None:
            return row
        if row.redirect_to in seen or len(seen) > MAX_REDIRECTS:
            raise GoldenRecordNotFound(
                f"golden record {golden_id!r} redirects in a loop: {' -> '.join(seen)}",
                hint="this is a bug in crmhub; report it with the events of these records",
            )
        seen.append(row.redirect_to)


def lock_current(conn: Connection, golden_ids: Sequence[str]) -> list[GoldenRow]:
    """The records ``golden_ids`` stand for now (redirects followed), locked in id order so
    that two operations on the same records wait for each other instead of deadlocking.
    Returned in the order of ``golden_ids``."""
    for _attempt in range(MAX_REDIRECTS):
        current = [current_row(conn, gid).id for gid in golden_ids]
        locked = load_golden_rows(conn, current, for_update=True)
        if all(locked[gid].redirect_to is None for gid in current):
            return [locked[gid] for gid in current]
        # A concurrent merge redirected one of them between the look-up and the lock: again.
    raise GoldenRecordNotFound(
        f"golden records {list(golden_ids)} keep being merged away while being locked",
        hint="this is a bug in crmhub; report it with the events of these records",
    )
