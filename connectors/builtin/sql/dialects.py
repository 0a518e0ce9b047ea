"""What differs between database products, as data: one ``Dialect`` per product.

The connector finds the product from the driver (``SQL_DBMS_NAME``) unless the configuration
names it. Everything else in the package writes portable SQL and asks the dialect only for the
pieces that have no portable form: the row limit, the upsert statement, the session timeout.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.sdk import ConfigError


class UpsertStyle(enum.Enum):
    ON_DUPLICATE_KEY = "on_duplicate_key"  # MariaDB / MySQL
    ON_CONFLICT = "on_conflict"  # PostgreSQL
    UPDATE_THEN_INSERT = "update_then_insert"  # anything else: UPDATE if found, else INSERT


@dataclass(frozen=True, slots=True)
class Dialect:
    """One database product's SQL and driver quirks.

    ``limit_clause`` takes the page size (an int from the validated configuration, not data).
    ``session_timeout_sql`` sets the statement timeout for the session with one parameter made
    by ``timeout_param`` from seconds. ``datetime_params_as_text``: the driver loses fractions of
    a second when it binds a datetime, so datetimes travel as ISO text the server converts.
    ``fast_executemany``: the driver takes parameter arrays correctly.
    ``retryable_native_codes``: vendor error numbers worth retrying (deadlock, lock wait).
    """

    name: str
    limit_clause: str
    upsert: UpsertStyle
    session_timeout_sql: str | None = None
    timeout_unit_ms: bool = False
    timeout_as_text: bool = False
    datetime_params_as_text: bool = False
    fast_executemany: bool = False
    retryable_native_codes: frozenset[int] = frozenset()

    def timeout_param(self, seconds: int) -> int | str:
        """The parameter for ``session_timeout_sql``."""
        value = seconds * 1000 if self.timeout_unit_ms else seconds
        return str(value) if self.timeout_as_text else value


MARIADB = Dialect(
    name="mariadb",
    limit_clause="LIMIT {n}",
    upsert=UpsertStyle.ON_DUPLICATE_KEY,
    session_timeout_sql="SET SESSION max_statement_time = ?",
    datetime_params_as_text=True,
    # MariaDB Connector/ODBC 3.1 answers parameter arrays with MemoryError or drops failed rows.
    fast_executemany=False,
    # 1205 lock wait timeout, 1213 deadlock, 1969 max_statement_time, 2006/2013 connection lost
    retryable_native_codes=frozenset({1205, 1213, 1969, 2006, 2013}),
)

MYSQL = Dialect(
    name="mysql",
    limit_clause="LIMIT {n}",
    upsert=UpsertStyle.ON_DUPLICATE_KEY,
    session_timeout_sql="SET SESSION max_execution_time = ?",
    timeout_unit_ms=True,
    datetime_params_as_text=True,
    retryable_native_codes=frozenset({1205, 1213, 3024, 2006, 2013}),
)

POSTGRESQL = Dialect(
    name="postgresql",
    limit_clause="LIMIT {n}",
    upsert=UpsertStyle.ON_CONFLICT,
    session_timeout_sql="SELECT set_config('statement_timeout', ?, false)",
    timeout_unit_ms=True,
    timeout_as_text=True,
    # psqlodbc 13 with parameter arrays drops the fraction of datetimes and rejects a NULL
    # after a binary value (HY090): plain executemany is correct and nearly as fast.
    fast_executemany=False,
)

GENERIC = Dialect(
    name="generic",
    limit_clause="FETCH FIRST {n} ROWS ONLY",
    upsert=UpsertStyle.UPDATE_THEN_INSERT,
)

DIALECTS: dict[str, Dialect] = {d.name: d for d in (MARIADB, MYSQL, POSTGRESQL, GENERIC)}


def detect(dbms_name: str) -> Dialect:
    """The dialect for a product name as the driver reports it ("MariaDB", "PostgreSQL")."""
    lowered = dbms_name.lower()
    for name, dialect in DIALECTS.items():
        if name in lowered:
            return dialect
    return GENERIC


def named(name: str) -> Dialect:
    """The dialect called ``name`` (from the configuration)."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ConfigError(
            f"unknown SQL dialect {name!r}", hint=f"one of: auto, {', '.join(DIALECTS)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Statement:
    """A write statement and the column whose value goes into each ``?``, in order."""

    sql: str
    params: tuple[str, ...]


Quote = Callable[[str], str]


def insert_statement(quote: Quote, table: str, columns: Sequence[str]) -> Statement:
    """``INSERT INTO table (columns) VALUES (?, ...)``; ``table`` already quoted."""
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    return Statement(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(columns))


def update_statement(
    quote: Quote, table: str, columns: Sequence[str], key: Sequence[str]
) -> Statement:
    """``UPDATE table SET non-key columns WHERE key columns``; ``table`` already quoted."""
    updated = [c for c in columns if c not in key] or list(key[:1])
    assignments = ", ".join(f"{quote(c)} = ?" for c in updated)
    condition = " AND ".join(f"{quote(k)} = ?" for k in key)
    return Statement(f"UPDATE {table} SET {assignments} WHERE {condition}", (*updated, *key))


def upsert_statement(
    dialect: Dialect, quote: Quote, table: str, columns: Sequence[str], key: Sequence[str]
) -> Statement:
    """One upsert statement for ``dialect``; ``table`` already quoted.

    Not for ``UPDATE_THEN_INSERT``: that style runs ``update_statement`` and ``insert_statement``.
    """
    insert = insert_statement(quote, table, columns)
    updated = [quote(c) for c in columns if c not in key]
    if dialect.upsert is UpsertStyle.ON_DUPLICATE_KEY:
        first_key = quote(key[0])
        assignments = ", ".join(f"{c} = VALUES({c})" for c in updated or [first_key])
        return Statement(f"{insert.sql} ON DUPLICATE KEY UPDATE {assignments}", insert.params)
    if dialect.upsert is UpsertStyle.ON_CONFLICT:
        target = ", ".join(quote(k) for k in key)
        action = (
            "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
            if updated
            else "DO NOTHING"
        )
        return Statement(f"{insert.sql} ON CONFLICT ({target}) {action}", insert.params)
    raise ValueError(f"dialect {dialect.name} has no single-statement upsert")
