"""The store side of an ingest: look up what is stored, write what changed, in one transaction
with the state that covers it.

One ``StreamWriter`` serves one stream of one connection during one run, on one database
connection held for the whole read (its temporary table of keys seen feeds the deletion sweep of
whole-snapshot streams).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from crmhub.store.engine import dumps_json
from crmhub.store.schema import connection_state, quarantine, source_records
from crmhub.store.types import utc_now

_SEEN = sa.Table(
    "crmhub_seen_keys",
    sa.MetaData(),
    sa.Column("k", sa.String(512), primary_key=True),
    prefixes=["TEMPORARY"],
)
_LOOKUP_CHUNK = 900  # bound parameters per IN (...) list
_INSERTED = (  # the columns a new source record is written with
    "connection", "stream", "source_key", "raw", "raw_hash", "canonical", "content_hash",
    "party_kind", "display_name", "source_updated_at", "deleted", "first_run_id",
    "last_changed_run_id", "created_at", "updated_at",
)
_PER_ROW = (  # those of them that differ from row to row, as ``_insert_prepared`` makes them
    "source_key", "raw", "raw_hash", "canonical", "content_hash", "party_kind", "display_name",
    "source_updated_at",
)


def _bind(column: str, dialect: Dialect) -> Callable[[Any], Any]:
    """The function SQLAlchemy applies to ``column``'s values on the way to ``dialect``."""
    processor = source_records.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else _unchanged


def _unchanged(value: Any) -> Any:
    return value


@dataclass(slots=True)
class Stored:
    """What the store holds for a key: enough to decide if a new read changes anything."""

    id: int
    raw_hash: str
    content_hash: str | None
    deleted: bool
    last_changed_run_id: int | None = None


@dataclass(slots=True)
class NewVersion:
    """A record mapped and validated, ready to store."""

    key: str
    raw: dict[str, Any]
    raw_hash: str
    canonical: dict[str, Any]
    content_hash: str
    party_kind: str
    display_name: str | None
    source_updated_at: datetime | None
    # ``canonical`` as the store's JSON text, when a worker already serialised it
    canonical_json: str | None = None


@dataclass(slots=True)
class Rejected:
    """A record (or a part of one) that goes to quarantine."""

    key: str | None
    raw: dict[str, Any]
    stage: str
    reason: str
    position: str | None


@dataclass(slots=True)
class WritePlan:
    """Everything one transaction writes for one batch."""

    inserts: list[NewVersion]
    updates: list[tuple[Stored, NewVersion]]
    raw_only: list[tuple[Stored, NewVersion]]  # raw changed, canonical content did not
    deletes: list[tuple[Stored, str]]
    rejected: list[Rejected]
    seen_keys: list[str]
    state: dict[str, Any] | None = None
    # Our own writes read back: stored as the target now holds them, without counting as a
    # change (last_changed_run_id stays), so matching and golden records never see them.
    echoes: list[tuple[Stored, NewVersion]] = field(default_factory=list)
    echo_deletes: list[tuple[Stored, str]] = field(default_factory=list)


class StreamWriter:
    def __init__(self, conn: Connection, connection: str, stream: str, run_id: int) -> None:
        self.conn = conn
        self.connection = connection
        self.stream = stream
        self.run_id = run_id
        self._dialect = conn.dialect.name
        self._seen_ready = False
        self._has_open_quarantine = self._count_open_quarantine() > 0
        self._build_statements()

    def _build_statements(self) -> None:
        """The statements run per batch, built once (why: ``crmhub.ingest.mapper.tune_gc``)."""
        t, q = source_records.c, quarantine.c
        self._lookup_statement = sa.select(
            t.source_key, t.id, t.raw_hash, t.content_hash, t.deleted, t.last_changed_run_id
        ).where(
            t.connection == self.connection,
            t.stream == self.stream,
            t.source_key.in_(sa.bindparam("keys", expanding=True)),
        )
        by_ids = sa.update(source_records).where(t.id.in_(sa.bindparam("ids", expanding=True)))
        self._mark_deleted_quietly = by_ids.values(deleted=True, updated_at=sa.bindparam("now"))
        self._mark_deleted_as_change = self._mark_deleted_quietly.values(
            last_changed_run_id=self.run_id
        )
        self._resolve_open_quarantine = (
            sa.update(quarantine)
            .where(
                q.connection == self.connection,
                q.stream == self.stream,
                q.resolved_at.is_(None),
                q.source_key.in_(sa.bindparam("keys", expanding=True)),
            )
            .values(resolved_at=sa.bindparam("now"), resolved_run_id=self.run_id)
        )

    # -- reading ---------------------------------------------------------------------------

    def load_state(self) -> dict[str, Any] | None:
        row = self.conn.execute(
            sa.select(connection_state.c.state).where(
                connection_state.c.connection == self.connection,
                connection_state.c.stream == self.stream,
            )
        ).first()
        self.conn.rollback()
        return row[0] if row else None

    def lookup(self, keys: Sequence[str]) -> dict[str, Stored]:
        """What is stored for ``keys`` (absent keys are simply missing from the answer)."""
        found: dict[str, Stored] = {}
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            for key, rid, rhash, chash, deleted, changed_run in self.conn.execute(
                self._lookup_statement, {"keys": chunk}
            ):
                found[key] = Stored(rid, rhash, chash, bool(deleted), changed_run)
        return found

    # -- writing ---------------------------------------------------------------------------

    def apply(self, plan: WritePlan, *, sweep_guard: float | None = None) -> int:
        """Write ``plan`` in the current transaction; returns the number of records swept
        (only when ``sweep_guard`` is given, i.e. at the end of a complete snapshot)."""
        now = utc_now()
        self._insert(plan.inserts, now)
        self._update(plan.updates, now, content_changed=True)
        self._update(plan.raw_only, now, content_changed=False)
        self._update(plan.echoes, now, content_changed=True, as_change=False)
        self._mark_deleted([stored.id for stored, _ in plan.deletes], now)
        self._mark_deleted([stored.id for stored, _ in plan.echo_deletes], now, as_change=False)
        if self._has_open_quarantine:  # earlier rejections of what is now stored are resolved...
            self._resolve_quarantine([v.key for v in plan.inserts] + [v.key for _, v in plan.updates]
                                     + [v.key for _, v in plan.raw_only + plan.echoes], now)
        self._quarantine(plan.rejected, now)  # ...but not this batch's (a duplicate row's, say)
        self._remember_seen(plan.seen_keys)
        swept = self._sweep(now, sweep_guard) if sweep_guard is not None else 0
        if plan.state is not None:
            self._save_state(plan.state, now)
        return swept

    def _insert(self, versions: list[NewVersion], now: datetime) -> None:
        if not versions:
            return
        if self._dialect == "sqlite":
            self._insert_prepared(versions, now)
        else:
            self._insert_generic(versions, now)

    def _insert_generic(self, versions: list[NewVersion], now: datetime) -> None:
        self.conn.execute(
            sa.insert(source_records),
            [
                {
                    "connection": self.connection, "stream": self.stream, "source_key": v.key,
                    "raw": v.raw, "raw_hash": v.raw_hash, "canonical": v.canonical,
                    "content_hash": v.content_hash, "party_kind": v.party_kind,
                    "display_name": v.display_name, "source_updated_at": v.source_updated_at,
                    "deleted": False, "first_run_id": self.run_id,
                    "last_changed_run_id": self.run_id, "created_at": now, "updated_at": now,
                }
                for v in versions
            ],
        )

    def _insert_prepared(self, versions: list[NewVersion], now: datetime) -> None:
        """``_insert`` as one prepared statement over plain tuples (SQLite).

        The generic path's per-row parameter handling cost the main process about as much as
        SQLite's own work. Here each value goes through its column's own bind processor, so
        the stored text is exactly what the generic path stores, and the run's constants are
        converted once per batch; a worker's ``canonical_json`` is that same text already.
        """
        dialect = self.conn.dialect
        compiled = sa.insert(source_records).compile(dialect=dialect, column_keys=list(_INSERTED))
        order = compiled.positiontup or []
        process = {name: _bind(name, dialect) for name in _INSERTED}
        constant = {
            "connection": self.connection, "stream": self.stream, "deleted": False,
            "first_run_id": self.run_id, "last_changed_run_id": self.run_id,
            "created_at": now, "updated_at": now,
        }
        fixed = tuple(process[name](value) for name, value in constant.items())
        raw, canonical, updated = process["raw"], process["canonical"], process["source_updated_at"]
        # a worker's JSON text is only the column's text if the engine serialises as workers do
        same_json = getattr(dialect, "_json_serializer", None) is dumps_json
        # each row is first made in the order of _PER_ROW then ``constant``, then put in the
        # statement's order by one C call (a per-column loop cost as much as SQLite's work)
        made = (*_PER_ROW, *constant)
        in_order = operator.itemgetter(*(made.index(name) for name in order))
        rows = []
        for v in versions:
            text = v.canonical_json if same_json and v.canonical_json is not None else canonical(v.canonical)
            rows.append(in_order((
                v.key, raw(v.raw), v.raw_hash, text, v.content_hash, v.party_kind, v.display_name,
                updated(v.source_updated_at), *fixed,
            )))
        self.conn.exec_driver_sql(str(compiled), rows)

    def _update(
        self, pairs: list[tuple[Stored, NewVersion]], now: datetime, *, content_changed: bool,
        as_change: bool = True,
    ) -> None:
        if not pairs:
            return
        t = source_records.c
        values: dict[str, Any] = {
            "raw": sa.bindparam("b_raw"), "raw_hash": sa.bindparam("b_raw_hash"),
            "source_updated_at": sa.bindparam("b_updated"), "updated_at": now,
        }
        if content_changed:
            values |= {
                "canonical": sa.bindparam("b_canonical"), "content_hash": sa.bindparam("b_content_hash"),
                "party_kind": sa.bindparam("b_kind"), "display_name": sa.bindparam("b_name"),
                "deleted": False,
            }
            if as_change:
                values["last_changed_run_id"] = self.run_id
        statement = sa.update(source_records).where(t.id == sa.bindparam("b_id")).values(**values)
        self.conn.execute(
            statement,
            [
                {
                    "b_id": stored.id, "b_raw": v.raw, "b_raw_hash": v.raw_hash,
                    "b_updated": v.source_updated_at, "b_canonical": v.canonical,
                    "b_content_hash": v.content_hash, "b_kind": v.party_kind, "b_name": v.display_name,
                }
                for stored, v in pairs
            ],
        )

    def _mark_deleted(self, ids: list[int], now: datetime, *, as_change: bool = True) -> None:
        statement = self._mark_deleted_as_change if as_change else self._mark_deleted_quietly
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            self.conn.execute(statement, {"ids": ids[start : start + _LOOKUP_CHUNK], "now": now})

    def _quarantine(self, rejected: list[Rejected], now: datetime) -> None:
        if not rejected:
            return
        keyed = [r.key for r in rejected if r.key is not None]
        if keyed:  # one open entry per record: a newer rejection supersedes the older one
            self._resolve_quarantine(keyed, now)
        self.conn.execute(
            sa.insert(quarantine),
            [
                {
                    "run_id": self.run_id, "connection": self.connection, "stream": self.stream,
                    "source_key": r.key, "position": r.position, "stage": r.stage,
                    "reason": r.reason, "raw": r.raw, "created_at": now,
                }
                for r in rejected
            ],
        )
        self._has_open_quarantine = True

    def _resolve_quarantine(self, keys: list[str], now: datetime) -> None:
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            self.conn.execute(
                self._resolve_open_quarantine, {"keys": keys[start : start + _LOOKUP_CHUNK], "now": now}
            )

    def _count_open_quarantine(self) -> int:
        q = quarantine.c
        count = self.conn.execute(
            sa.select(sa.func.count()).select_from(quarantine).where(
                q.connection == self.connection, q.stream == self.stream, q.resolved_at.is_(None)
            )
        ).scalar_one()
        self.conn.rollback()
        return int(count)

    def _remember_seen(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if not keys:
            return
        if not self._seen_ready:
            _SEEN.create(self.conn, checkfirst=False)
            self._seen_ready = True
        if self._dialect == "sqlite":  # every key of a stream passes here: skip the per-row bookkeeping
            insert = sqlite.insert(_SEEN).on_conflict_do_nothing().compile(dialect=self.conn.dialect)
            self.conn.exec_driver_sql(str(insert), [(k,) for k in keys])
            return
        self.conn.execute(postgresql.insert(_SEEN).on_conflict_do_nothing(), [{"k": k} for k in keys])

    def _sweep(self, now: datetime, guard: float) -> int:
        """Tombstone every live stored record of the stream that this read did not deliver."""
        t = source_records.c
        live = sa.and_(t.connection == self.connection, t.stream == self.stream, t.deleted.is_(False))
        if self._seen_ready:
            missing = sa.and_(live, ~sa.exists().where(_SEEN.c.k == t.source_key))
        else:
            missing = live
        doomed = self.conn.execute(sa.select(sa.func.count()).where(missing)).scalar_one()
        total = self.conn.execute(sa.select(sa.func.count()).where(live)).scalar_one()
        if doomed > 10 and total and doomed / total > guard:
            raise MassDeletionRefused(self.connection, self.stream, doomed, total, guard)
        if doomed:
            self.conn.execute(
                sa.update(source_records).where(missing)
                .values(deleted=True, last_changed_run_id=self.run_id, updated_at=now)
            )
        return int(doomed)

    def _save_state(self, state: dict[str, Any], now: datetime) -> None:
        values = {"connection": self.connection, "stream": self.stream, "state": state,
                  "run_id": self.run_id, "updated_at": now}
        insert = sqlite.insert(connection_state) if self._dialect == "sqlite" else postgresql.insert(connection_state)
        self.conn.execute(
            insert.values(**values).on_conflict_do_update(
                index_elements=["connection", "stream"],
                set_={"state": state, "run_id": self.run_id, "updated_at": now},
            )
        )

    def close(self) -> None:
        if self._seen_ready:
            self.conn.rollback()
            _SEEN.drop(self.conn, checkfirst=True)
            self.conn.commit()


class MassDeletionRefused(RuntimeError):
    """A snapshot that would delete most of a stream at once: more likely a truncated export."""

    def __init__(self, connection: str, stream: str, doomed: int, total: int, guard: float) -> None:
        super().__init__(
            f"{connection}/{stream}: this read would mark {doomed} of {total} stored records deleted "
            f"({doomed / total:.0%}, above the {guard:.0%} safety limit); nothing was deleted"
        )
        self.hint = (
            "check that the source file or table is complete; if the deletions are real, rerun with "
            "--allow-mass-delete"
        )
