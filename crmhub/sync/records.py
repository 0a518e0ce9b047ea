"""``target_records``: what the hub knows of one golden record in one target.

* ``external_id`` - the target's id for the record (Salesforce's Id, the ERP row's key);
* ``base_hub`` / ``base_target`` - per field, the hub's and the target's value at the last
  sync: the base of the three-way diff (which side changed since?);
* ``written`` - per field, the latest value the hub wrote and when (the write ledger's
  per-field digest, kept in the same transaction as each ledger entry);
* ``removed_at`` - when the hub deleted the record from the target.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from crmhub.store.schema import target_records
from crmhub.sync.batching import in_chunks
from crmhub.sync.golden import IdRange
from crmhub.sync.reads import TargetRead

_T = target_records.c


@lru_cache(maxsize=65_536)
def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(slots=True)
class TargetRecord:
    """One ``target_records`` row (``stored`` is False for one not saved yet)."""

    golden_id: str
    external_id: str | None = None
    base_hub: dict[str, Any] = field(default_factory=dict)
    base_target: dict[str, Any] = field(default_factory=dict)
    written: dict[str, list[Any]] = field(default_factory=dict)
    removed_at: datetime | None = None
    stored: bool = False
    dirty: bool = False

    @property
    def last_written_at(self) -> datetime | None:
        """When the hub last wrote any field of the record."""
        times = [_instant(at) for _, at in self.written.values()]
        return max(times) if times else None

    def known_values(self, read: TargetRead | None) -> dict[str, Any]:
        """What the target holds, field by field: the value of the last read or of the hub's
        last write, whichever is newer."""
        values = dict(read.raw) if read is not None and not read.deleted else {}
        read_at = read.read_at if read is not None else None
        for name, (value, at) in self.written.items():
            if read_at is None or _instant(at) > read_at:
                values[name] = value
        return values

    def holds_record(self, read: TargetRead | None) -> bool:
        """Whether the target holds the record: per its last read, unless the hub wrote it
        (or deleted it) since."""
        written_at = self.last_written_at
        if read is not None and (written_at is None or read.read_at >= written_at):
            return not read.deleted
        return bool(self.written) and self.removed_at is None

    def move_base(self, name: str, hub: Any, target: Any) -> None:
        """Record both sides' values of field ``name`` as those of the last sync."""
        self.base_hub[name] = hub
        self.base_target[name] = target
        self.dirty = True

    def note_written(self, values: dict[str, Any], at: datetime) -> None:
        """The hub wrote ``values`` at ``at``: both sides now hold them."""
        stamp = at.isoformat()
        for name, value in values.items():
            self.written[name] = [value, stamp]
            self.move_base(name, value, value)
        self.removed_at = None

    def note_deleted(self, at: datetime) -> None:
        """The hub deleted the record from the target."""
        self.written, self.base_hub, self.base_target = {}, {}, {}
        self.removed_at = at
        self.dirty = True


_STATE = (_T.golden_id, _T.external_id, _T.base_hub, _T.base_target, _T.written, _T.removed_at)


def _record(row: Any) -> TargetRecord:
    gid, external_id, base_hub, base_target, written, removed_at = row
    return TargetRecord(
        gid, external_id, dict(base_hub), dict(base_target), dict(written), removed_at, stored=True
    )


def load_target_records(
    conn: Connection, target: str, golden_ids: Collection[str]
) -> dict[str, TargetRecord]:
    """The stored rows of ``target`` for ``golden_ids`` (absent ids are missing)."""
    found: dict[str, TargetRecord] = {}
    for chunk in in_chunks(golden_ids):
        rows = conn.execute(sa.select(*_STATE).where(_T.target == target, _T.golden_id.in_(chunk)))
        found.update((row[0], _record(row)) for row in rows)
    return found


def load_target_records_in(conn: Connection, target: str, ids: IdRange) -> dict[str, TargetRecord]:
    """The stored rows of ``target`` for the golden ids in ``ids``."""
    rows = conn.execute(sa.select(*_STATE).where(_T.target == target, ids.covers(_T.golden_id)))
    return {row[0]: _record(row) for row in rows}


def save_target_records(
    conn: Connection, target: str, records: Iterable[TargetRecord], now: datetime
) -> int:
    """Insert or update the ``dirty`` records; returns how many were written."""
    rows = [
        {
            "target": target,
            "golden_id": r.golden_id,
            "external_id": r.external_id,
            "base_hub": r.base_hub,
            "base_target": r.base_target,
            "written": r.written,
            "removed_at": r.removed_at,
            "updated_at": now,
        }
        for r in records
        if r.dirty
    ]
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(target_records)
    columns = ("external_id", "base_hub", "base_target", "written", "removed_at", "updated_at")
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["target", "golden_id"],
            set_={name: insert.excluded[name] for name in columns},
        ),
        rows,
    )
    return len(rows)
