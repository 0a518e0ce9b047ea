"""One open database: the connection, its dialect and quoting, and statements run with clear errors.

Every statement the connector runs goes through ``Database.run`` or ``Database.errors`` so that a
driver error always becomes a ``ConnectorError`` that names the stream and the table or query:
SQL the database cannot make sense of (SQLSTATE class 42) is a ``ConfigError``, anything else
(timeouts, lost connections) is ``SourceUnavailable``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyodbc

from connectors.builtin.sql import dialects
from connectors.builtin.sql.config import SqlConfig
from connectors.builtin.sql.identifiers import Quoter, close_matches
from connectors.builtin.sql.odbc import DbError, connect, describe_error, scrub, target_label
from connectors.builtin.sql.values import Column, describe
from connectors.sdk import ConfigError, ConnectorError, SourceUnavailable

log = logging.getLogger(__name__)

_MISSING_TABLE_STATES = frozenset({"42S02", "42P01"})
_TABLE_LISTING_LIMIT = 5000


class Database:
    """An open connection (autocommit) with what the connector needs to know about it."""

    def __init__(self, config: SqlConfig) -> None:
        self.config = config
        self.connection = connect(config)
        try:
            self.product = str(self.connection.getinfo(pyodbc.SQL_DBMS_NAME))
            self.version = str(self.connection.getinfo(pyodbc.SQL_DBMS_VER))
            self.dialect = (
                dialects.detect(self.product)
                if config.dialect == "auto"
                else dialects.named(config.dialect)
            )
            self.quote = Quoter(str(self.connection.getinfo(pyodbc.SQL_IDENTIFIER_QUOTE_CHAR)))
            self._set_statement_timeout(config.query_timeout_seconds)
        except BaseException:
            self.connection.close()
            raise

    @property
    def label(self) -> str:
        """The target in words, for messages (never the password)."""
        return target_label(self.config)

    def _set_statement_timeout(self, seconds: int) -> None:
        if not seconds:
            return
        sql = self.dialect.session_timeout_sql
        if sql is not None:
            self.run(
                sql, [self.dialect.timeout_param(seconds)], context="setting the query timeout"
            )
            return
        try:  # generic drivers: the ODBC query-timeout attribute, where the driver has one
            self.connection.timeout = seconds
        except pyodbc.Error as exc:
            log.warning(
                "%s: the driver ignores the query timeout: %s", self.label, describe_error(exc)
            )

    def _translate(self, exc: pyodbc.Error, context: str) -> ConnectorError:
        error: DbError = describe_error(exc)
        message = scrub(f"{context}: {error}", self.config)
        if error.sqlstate.startswith("42"):
            return ConfigError(
                message, hint="check the names and SQL in the stream's configuration"
            )
        return SourceUnavailable(
            message,
            hint=f"{self.label}; query timeout {self.config.query_timeout_seconds}s "
            "(query_timeout_seconds)",
        )

    @contextmanager
    def errors(self, context: str) -> Iterator[None]:
        """Turn a driver error inside the block into a ``ConnectorError`` about ``context``."""
        try:
            yield
        except pyodbc.Error as exc:
            raise self._translate(exc, context) from None

    def run(self, sql: str, params: Sequence[Any] = (), *, context: str) -> pyodbc.Cursor:
        """Execute one statement with ``params`` bound (never formatted into the SQL)."""
        cursor = self.connection.cursor()
        with self.errors(context):
            cursor.execute(sql, list(params))
        return cursor

    def fetch_all(
        self, sql: str, params: Sequence[Any], *, context: str, chunk: int
    ) -> list[pyodbc.Row]:
        """The rows of a query the caller bounds (a page), fetched ``chunk`` rows at a time."""
        cursor = self.run(sql, params, context=context)
        rows: list[pyodbc.Row] = []
        with self.errors(context):
            while batch := cursor.fetchmany(chunk):
                rows.extend(batch)
            cursor.close()
        return rows

    def probe(self) -> None:
        """A trivial round trip: proves the connection works."""
        with self.errors(f"probing {self.label}"):
            cursor = self.connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()

    def columns_of(
        self, source: str, *, stream: str, label: str, table: str | None
    ) -> list[Column]:
        """The columns of ``source`` (a quoted table or a subquery), as the driver sees them."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(f"SELECT * FROM {source} WHERE 1=0")
        except pyodbc.Error as exc:
            error = describe_error(exc)
            if table is not None and error.sqlstate in _MISSING_TABLE_STATES:
                raise self._missing_table(stream, label, table, error) from None
            raise self._translate(
                exc, f"stream {stream!r}: reading the columns of {label}"
            ) from None
        columns = describe(cursor)
        cursor.close()
        return columns

    def _missing_table(self, stream: str, label: str, table: str, error: DbError) -> ConfigError:
        suggestions = close_matches(table, self._table_names())
        hint = (
            f"did you mean {', '.join(repr(s) for s in suggestions)}?"
            if suggestions
            else "check the table name and 'schema'"
        )
        return ConfigError(
            f"stream {stream!r}: {label} does not exist ({error.message})", hint=hint
        )

    def _table_names(self) -> list[str]:
        try:
            cursor = self.connection.cursor()
            names = []
            for row in cursor.tables(tableType="TABLE,VIEW"):
                names.append(row.table_name)
                if len(names) >= _TABLE_LISTING_LIMIT:
                    break
            cursor.close()
            return names
        except pyodbc.Error:
            return []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Statements inside run in one transaction: committed at the end, rolled back on error."""
        self.connection.autocommit = False
        try:
            yield
            self.connection.commit()
        except BaseException:
            self.connection.rollback()
            raise
        finally:
            self.connection.autocommit = True

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        try:
            self.connection.close()
        except pyodbc.Error:
            pass
