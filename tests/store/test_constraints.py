"""The store's own guarantees: append-only events, unique keys, checks, foreign keys, types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmhub.store.schema import (
    blocking_keys,
    events,
    golden_records,
    match_pairs,
    outbox,
    runs,
    source_records,
    xref,
)
from crmhub.store.types import utc_now


def _add_source_record(conn: Connection, key: str, *, stream: str = "customers") -> int:
    return conn.execute(
        sa.insert(source_records)
        .values(
            connection="shop",
            stream=stream,
            source_key=key,
            raw={"id": key},
            raw_hash="0" * 32,
            canonical={"name": key},
            content_hash="1" * 32,
        )
        .returning(source_records.c.id)
    ).scalar_one()


def _add_event(conn: Connection) -> int:
    return conn.execute(
        sa.insert(events)
        .values(
            actor="steward:anna",
            kind="golden.merged",
            subject_type="golden",
            subject_id="G1",
            data={"from": ["G2"]},
        )
        .returning(events.c.id)
    ).scalar_one()


@pytest.mark.parametrize(
    "change",
    [
        sa.update(events).values(actor="someone else"),
        sa.delete(events),
    ],
    ids=["update", "delete"],
)
def test_events_refuse_update_and_delete(store_engine, change):
    with store_engine.begin() as conn:
        event_id = _add_event(conn)

    with pytest.raises(sa.exc.IntegrityError, match="append-only"), store_engine.begin() as conn:
        conn.execute(change)

    with store_engine.connect() as conn:
        row = conn.execute(sa.select(events).where(events.c.id == event_id)).one()
    assert row.actor == "steward:anna"


def test_events_still_accept_new_rows(store_engine):
    with store_engine.begin() as conn:
        first, second = _add_event(conn), _add_event(conn)
        assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one() == 2
    assert second > first


@pytest.mark.parametrize("store_backend", ["postgresql"], indirect=True)
def test_events_refuse_truncate_on_postgresql(store_engine):
    with store_engine.begin() as conn:
        _add_event(conn)
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), store_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE events")


def test_source_record_key_is_unique_per_connection_and_stream(store_engine):
    with store_engine.begin() as conn:
        _add_source_record(conn, "C-1")
        _add_source_record(conn, "C-1", stream="leads")  # same key, other stream: fine
    with pytest.raises(sa.exc.IntegrityError), store_engine.begin() as conn:
        _add_source_record(conn, "C-1")


def test_match_pair_is_unique_and_ordered(store_engine):
    with store_engine.begin() as conn:
        a, b = _add_source_record(conn, "A"), _add_source_record(conn, "B")
        pair = {"score": 9.5, "explanation": {"name": 4.0}, "status": "review"}
        conn.execute(sa.insert(match_pairs).values(a_id=a, b_id=b, **pair))

    for values in ({"a_id": a, "b_id": b}, {"a_id": b, "b_id": a}, {"a_id": a, "b_id": a}):
        with pytest.raises(sa.exc.IntegrityError), store_engine.begin() as conn:
            conn.execute(sa.insert(match_pairs).values(**values, **pair))


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (runs, {"kind": "nap", "status": "running", "host": "h", "pid": 1}),
        (runs, {"kind": "sync", "status": "sleeping", "host": "h", "pid": 1}),
        (outbox, {"target": "crm", "operation": "upsert", "payload": {}, "status": "lost"}),
    ],
    ids=["run-kind", "run-status", "outbox-status"],
)
def test_status_columns_refuse_unknown_values(store_engine, table, values):
    with pytest.raises(sa.exc.IntegrityError), store_engine.begin() as conn:
        conn.execute(sa.insert(table).values(**values))


def test_foreign_keys_are_enforced(store_engine):
    with pytest.raises(sa.exc.IntegrityError), store_engine.begin() as conn:
        conn.execute(
            sa.insert(xref).values(source_record_id=12345, golden_id="G-none", via="match")
        )


def test_deleting_a_source_record_removes_its_blocking_keys_and_xref(store_engine):
    with store_engine.begin() as conn:
        record = _add_source_record(conn, "A")
        conn.execute(sa.insert(golden_records).values(id="G1", data={}, lineage={}))
        conn.execute(sa.insert(xref).values(source_record_id=record, golden_id="G1", via="new"))
        conn.execute(
            sa.insert(blocking_keys).values(family="email", key="a@x.it", source_record_id=record)
        )
    with store_engine.begin() as conn:
        conn.execute(sa.delete(source_records).where(source_records.c.id == record))
    with store_engine.connect() as conn:
        for table in (xref, blocking_keys):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


def test_server_defaults_fill_flags_and_counters(store_engine):
    now = utc_now()
    with store_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO golden_records (id, data, lineage, created_at, updated_at) "
                "VALUES ('G1', '{}', '{}', :now, :now)"
            ).bindparams(sa.bindparam("now", type_=source_records.c.created_at.type)),
            {"now": now},
        )
        version = conn.execute(sa.select(golden_records.c.version)).scalar_one()
        record = _add_source_record(conn, "A")
        deleted = conn.execute(
            sa.select(source_records.c.deleted).where(source_records.c.id == record)
        ).scalar_one()
    assert (version, deleted) == (1, False)


def test_timestamps_come_back_tz_aware_in_utc(store_engine):
    rome = timezone(timedelta(hours=2))
    stamped = datetime(2026, 11, 20, 12, 30, 15, 123456, tzinfo=rome)
    with store_engine.begin() as conn:
        record = _add_source_record(conn, "A")
        conn.execute(
            sa.update(source_records)
            .where(source_records.c.id == record)
            .values(source_updated_at=stamped)
        )
        back = conn.execute(
            sa.select(source_records.c.source_updated_at, source_records.c.created_at)
        ).one()
    assert back.source_updated_at == stamped
    assert back.source_updated_at.utcoffset() == timedelta(0)
    assert back.source_updated_at.hour == 10
    assert back.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(store_engine):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), store_engine.begin() as conn:
        record = _add_source_record(conn, "A")
        conn.execute(
            sa.update(source_records)
            .where(source_records.c.id == record)
            .values(source_updated_at=datetime(2026, 1, 1))
        )


def test_json_columns_round_trip_nested_unicode_values(store_engine):
    document = {"name": "Zoë Ñúñez", "phones": ["+39 06 1234"], "address": {"city": "Roma"}}
    with store_engine.begin() as conn:
        record = _add_source_record(conn, "A")
        conn.execute(
            sa.update(source_records).where(source_records.c.id == record).values(raw=document)
        )
        assert conn.execute(sa.select(source_records.c.raw)).scalar_one() == document


def test_utc_now_is_tz_aware():
    assert utc_now().tzinfo is UTC
