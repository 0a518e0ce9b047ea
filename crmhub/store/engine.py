"""Creating the store's SQLAlchemy engine for SQLite (embedded) or PostgreSQL (server).

SQLite runs in WAL mode with foreign keys on, and SQLAlchemy (not the sqlite3 module)
emits BEGIN, so reads inside a transaction are repeatable and DDL is transactional.
PostgreSQL goes through psycopg 3. Both are checked once on creation, so an unreachable
database fails here with a clear :class:`StoreUnavailable` rather than deep inside a run.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool

from crmhub.store.errors import StoreError, StoreUnavailable

SQLITE_BUSY_TIMEOUT_MS = 30_000


def dumps_json(value: Any) -> str:
    """JSON for the store's JSON columns: orjson (several times the stdlib's speed, which the
    ingest feels on every record); values it does not know (Decimal) are written as text."""
    return orjson.dumps(value, default=str).decode()
POSTGRES_CONNECT_TIMEOUT_S = 10

# What a user may write as the URL scheme -> the driver the store uses for it.
SUPPORTED_DRIVERS: dict[str, str] = {
    "sqlite": "sqlite+pysqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}

# Execution option read by the SQLite "begin" hook: the statement that begins a transaction.
# Set it through write_transaction() or immediate_writes().
SQLITE_BEGIN_OPTION = "crmhub_sqlite_begin"
_SQLITE_BEGIN_OPTION = SQLITE_BEGIN_OPTION  # old private name, still imported by crmhub.ingest


def normalise_store_url(url: str | URL) -> URL:
    """Parse ``url`` and point it at the driver the store uses (``postgresql://`` -> psycopg 3)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(
            f"store URL {url!r} cannot be parsed: {exc}",
            hint="write it as sqlite:///path/to/crmhub.db or postgresql://user@host:5432/dbname",
        ) from None
    driver = SUPPORTED_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise StoreError(
            f"store URL {masked_url(parsed)} uses {parsed.drivername!r}, "
            "which the store does not support",
            hint="use sqlite:///path/to/crmhub.db or postgresql://user@host:5432/dbname",
        )
    return parsed.set(drivername=driver)


def masked_url(url: str | URL) -> str:
    """The URL as text with its password replaced by ``***`` (safe for logs and errors)."""
    if isinstance(url, str):
        try:
            url = sa.make_url(url)
        except sa.exc.ArgumentError:
            return "<unparseable URL>"
    return url.render_as_string(hide_password=True)


def create_store_engine(url: str | URL, *, verify: bool = True, **engine_kwargs: Any) -> Engine:
    """Create the engine for the store at ``url`` and (unless ``verify`` is false) connect once.

    Raises :class:`StoreUnavailable` (URL shown with its password masked) when the
    database cannot be reached or opened. Extra keyword arguments go to
    :func:`sqlalchemy.create_engine`.
    """
    parsed = normalise_store_url(url)
    engine_kwargs.setdefault("json_serializer", dumps_json)
    engine_kwargs.setdefault("json_deserializer", orjson.loads)
    if parsed.get_backend_name() == "sqlite":
        engine = _create_sqlite_engine(parsed, engine_kwargs)
    else:
        engine = _create_postgres_engine(parsed, engine_kwargs)
    if verify:
        _verify_reachable(engine)
    return engine


def write_transaction(engine: Engine) -> AbstractContextManager[Connection]:
    """Like ``engine.begin()``, but for a transaction that reads and then writes.

    On SQLite it emits ``BEGIN IMMEDIATE``, taking the write lock up front: a deferred
    transaction that read first cannot upgrade to a write once another connection
    has committed, and fails at once with "database is locked" instead of waiting.
    On PostgreSQL it is a plain transaction.
    """
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "BEGIN IMMEDIATE"}).begin()


def immediate_writes(conn: Connection) -> Connection:
    """Make every transaction ``conn`` begins from now on a write transaction (see above).

    For a long-lived connection that runs many read-then-write transactions, e.g. one
    per ingest batch. Returns ``conn`` itself.
    """
    return conn.execution_options(**{SQLITE_BEGIN_OPTION: "BEGIN IMMEDIATE"})


def _sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _create_sqlite_engine(url: URL, engine_kwargs: dict[str, Any]) -> Engine:
    path = _sqlite_path(url)
    if path is None:
        # One shared connection, or every checkout would see its own empty database.
        engine_kwargs.setdefault("poolclass", StaticPool)
        engine_kwargs.setdefault("connect_args", {"check_same_thread": False})
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unavailable(url, f"cannot create directory {path.parent}: {exc}") from None
        url = url.set(database=str(path))
    engine = sa.create_engine(url, **engine_kwargs)
    use_wal = path is not None

    @sa.event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module; the "begin" hook below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if use_wal:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin_sqlite(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "BEGIN"))

    return engine


def _create_postgres_engine(url: URL, engine_kwargs: dict[str, Any]) -> Engine:
    connect_args = dict(engine_kwargs.pop("connect_args", {}))
    if "connect_timeout" not in url.query:
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
    if "application_name" not in url.query:
        connect_args.setdefault("application_name", "crmhub")
    engine_kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, connect_args=connect_args, **engine_kwargs)


def _verify_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise _unavailable(engine.url, str(exc.orig)) from None


def _unavailable(url: URL, reason: str) -> StoreUnavailable:
    if url.password:
        reason = reason.replace(str(url.password), "***")
    reason = " ".join(reason.split())
    if url.get_backend_name() == "sqlite":
        hint = "check that the directory exists (or can be created) and is writable by this user"
    else:
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        hint = (
            f"check that PostgreSQL is running and accepts connections at {where}, "
            "and that the user, password and database in the store URL are right"
        )
    return StoreUnavailable(
        f"cannot reach the store database at {masked_url(url)}: {reason}", hint=hint
    )
