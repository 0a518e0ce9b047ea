"""Creating the store engine: URLs, SQLite settings, and clear errors for unreachable stores."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store import (
    StoreError,
    StoreUnavailable,
    create_store_engine,
    immediate_writes,
    normalise_store_url,
    write_transaction,
)
from crmhub.store.engine import SQLITE_BUSY_TIMEOUT_MS
from crmhub.store.schema import locks


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u@db:5432/crm", "postgresql+psycopg"),
        ("postgres://u@db/crm", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db/crm", "postgresql+psycopg"),
        ("sqlite:///var/crmhub.db", "sqlite+pysqlite"),
    ],
)
def test_urls_are_pointed_at_the_store_drivers(given, driver):
    assert normalise_store_url(given).drivername == driver


def test_unsupported_database_is_refused_with_the_password_masked():
    with pytest.raises(StoreError, match="does not support") as caught:
        normalise_store_url("mysql://crm:hunter2@db/crm")
    assert "hunter2" not in str(caught.value)
    assert "crm:***@db" in str(caught.value)


def test_plain_url_without_driver_connects(store_url):
    plain = sa.make_url(store_url).set(drivername=sa.make_url(store_url).get_backend_name())
    engine = create_store_engine(plain)
    try:
        assert engine.url.drivername in {"sqlite+pysqlite", "postgresql+psycopg"}
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


@pytest.fixture
def unreachable_url(store_backend, tmp_path):
    """A store URL, with a password, that cannot be reached on the current backend."""
    if store_backend == "postgresql":
        return "postgresql://crmhub:s3cret-pw@127.0.0.1:1/crmhub"
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store's directory should be")
    return f"sqlite:///{blocker}/crmhub.db"


def test_unreachable_store_raises_store_unavailable_naming_it(store_backend, unreachable_url):
    with pytest.raises(StoreUnavailable) as caught:
        create_store_engine(unreachable_url)
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "hint:" in message
    if store_backend == "postgresql":
        assert "postgresql+psycopg://crmhub:***@127.0.0.1:1/crmhub" in message
        assert "accepts connections at 127.0.0.1:1" in message
    else:
        assert "not-a-directory" in message


def test_sqlite_store_is_a_wal_file_with_foreign_keys_in_a_created_directory(tmp_path):
    path = tmp_path / "deep" / "er" / "crmhub.db"
    engine = create_store_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert path.is_file()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_sqlite_reads_in_a_transaction_are_repeatable(store_engine):
    # SQLAlchemy, not the sqlite3 module, emits BEGIN: a SELECT opens the snapshot.
    count = sa.select(sa.func.count()).select_from(locks)
    with store_engine.connect() as reader:
        assert reader.execute(count).scalar_one() == 0
        with store_engine.begin() as writer:
            writer.execute(sa.insert(locks).values(name="x", owner="o", host="h", pid=1))
        assert reader.execute(count).scalar_one() == 0
    with store_engine.connect() as reader:
        assert reader.execute(count).scalar_one() == 1


@contextmanager
def _transaction_on_immediate_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn = immediate_writes(conn)
        with conn.begin():
            yield conn


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "begin_write",
    [write_transaction, _transaction_on_immediate_connection],
    ids=["write_transaction", "immediate_writes"],
)
def test_sqlite_write_transactions_that_read_first_are_serialised(store_engine, begin_write):
    # Two read-then-write transactions at once: with a deferred BEGIN the second would fail
    # with "database is locked"; write_transaction makes it wait and then see the first's row.
    seen: dict[str, int] = {}
    first_has_read = threading.Event()

    def claim(name: str, hold_s: float) -> None:
        with begin_write(store_engine) as conn:
            seen[name] = conn.execute(sa.select(sa.func.count()).select_from(locks)).scalar_one()
            first_has_read.set()
            time.sleep(hold_s)
            conn.execute(sa.insert(locks).values(name=name, owner=name, host="h", pid=1))

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(claim, "first", 0.3)
        assert first_has_read.wait(5)
        claim("second", 0)  # raises "database is locked" if not serialised
        first.result(timeout=30)

    assert seen == {"first": 0, "second": 1}
