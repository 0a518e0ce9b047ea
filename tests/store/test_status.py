"""store_status: the snapshot `crmhub status` shows."""

from __future__ import annotations

import sqlalchemy as sa

from crmhub.store import finish_run, head_revision, start_run, store_status, utc_now
from crmhub.store.schema import connection_state, quarantine, source_records
from crmhub.store.status import COUNTED_TABLES


def test_status_of_an_empty_store(store_engine):
    status = store_status(store_engine)
    assert status.up_to_date
    assert status.revision == head_revision()
    assert status.table_counts == {table.name: 0 for table in COUNTED_TABLES}
    assert (status.recent_runs, status.connections) == ([], [])


def test_status_of_a_store_never_migrated(store_factory):
    status = store_status(store_factory.new_engine(migrated=False))
    assert not status.up_to_date
    assert (status.revision, status.head) == (None, head_revision())
    assert status.table_counts == {}


def test_status_counts_rows_lists_recent_runs_and_connections(store_engine):
    first = start_run(store_engine, "sync", "shop")
    finish_run(store_engine, first, "failed", error="timeout")
    second = start_run(store_engine, "sync", "shop")
    erp = start_run(store_engine, "sync", "erp")
    match = start_run(store_engine, "match")
    with store_engine.begin() as conn:
        conn.execute(
            sa.insert(source_records),
            [
                {
                    "connection": "shop",
                    "stream": "customers",
                    "source_key": str(n),
                    "raw": {},
                    "raw_hash": "0" * 32,
                }
                for n in range(3)
            ],
        )
        conn.execute(
            sa.insert(quarantine).values(
                run_id=second,
                connection="shop",
                stream="customers",
                stage="validate",
                reason="bad e-mail",
                raw={"email": "x@"},
                position="customers.csv line 17",
            )
        )
        conn.execute(
            sa.insert(connection_state).values(
                connection="shop",
                stream="customers",
                state={"cursor": "2026-11-20"},
                run_id=second,
                updated_at=utc_now(),
            )
        )

    status = store_status(store_engine, recent=3)

    assert status.table_counts["source_records"] == 3
    assert status.table_counts["quarantine"] == 1
    assert [run.id for run in status.recent_runs] == [match, erp, second]
    assert status.recent_runs[0].connection is None
    by_name = {c.connection: c for c in status.connections}
    assert sorted(by_name) == ["erp", "shop"]
    assert by_name["shop"].stream_states == {"customers": {"cursor": "2026-11-20"}}
    assert by_name["shop"].last_run.id == second
    assert by_name["shop"].state_updated_at is not None
    assert (by_name["erp"].last_run.id, by_name["erp"].stream_states) == (erp, {})
