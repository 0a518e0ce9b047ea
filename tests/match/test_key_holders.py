"""Looking up who holds a blocking key: right answers, through the (family, key) index."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.match.matched_state import key_holders
from crmhub.store.engine import write_transaction
from crmhub.store.schema import blocking_keys

from .population import Population
from .stored_population import store_population


def _store_keys(engine: Engine, ids: list[int]) -> None:
    rows = []
    for n, sid in enumerate(ids):
        rows.append(
            {"family": "email", "key": f"user{n % 50}@example.com", "source_record_id": sid}
        )
        rows.append({"family": "phone", "key": f"39{n % 70:08d}", "source_record_id": sid})
        # the same value in another family must not answer for this one
        rows.append(
            {"family": "postcode", "key": f"user{n % 50}@example.com", "source_record_id": sid}
        )
    with write_transaction(engine) as conn:
        conn.execute(sa.insert(blocking_keys), rows)


def test_holders_of_keys_across_families(store_engine: Engine, population: Population) -> None:
    ids = sorted(store_population(store_engine, population).values())[:700]
    _store_keys(store_engine, ids)
    asked = ["email:user3@example.com", "phone:3900000005", "email:nobody@example.com"]
    with store_engine.connect() as conn:
        holders = key_holders(conn, asked)
    assert sorted(holders) == ["email:user3@example.com", "phone:3900000005"]
    assert holders["email:user3@example.com"] == [ids[n] for n in range(3, 700, 50)]
    assert holders["phone:3900000005"] == [ids[n] for n in range(5, 700, 70)]


def test_sqlite_answers_from_the_index_not_a_scan(
    store_engine: Engine, population: Population
) -> None:
    """A list of (family, key) tuples made SQLite scan the whole table for every chunk: over
    a minute for 10,000 new records against a 1M-record store."""
    if store_engine.dialect.name != "sqlite":
        return
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "blocking_keys" in statement:
            statements.append((statement, parameters))

    sa.event.listen(store_engine, "before_cursor_execute", record)
    with store_engine.connect() as conn:
        key_holders(conn, [f"email:u{n}@example.com" for n in range(1200)] + ["phone:39123"])
    sa.event.remove(store_engine, "before_cursor_execute", record)
    assert len(statements) == 4  # 3 chunks of e-mails, 1 of phones
    with store_engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "SEARCH blocking_keys" in details and "SCAN blocking_keys" not in details
