"""Writing a stream: batched upserts by key, one ``WriteResult`` per record, in input order.

For each batch the writer first reads the rows the batch's keys already have. A record whose
values the row already holds is ``unchanged`` and not written at all (so the ERP's own
updated-at stamp does not move and the write does not come back as a change). A record whose
row exists is an ``UPDATE`` of the fields it carries (the hub sends only what changed, and an
upsert would need every NOT NULL column); a new one is inserted by the dialect's upsert,
``INSERT ... ON DUPLICATE KEY UPDATE`` on MariaDB or ``INSERT ... ON CONFLICT DO UPDATE`` on
PostgreSQL, so a row another writer inserted meanwhile is updated, not duplicated (a plain
INSERT on other databases). Each batch's statements run as ``executemany`` calls in one
transaction; if the batch fails it is rolled back and its records are written one by one, so
a bad record fails alone, with the database's message.

Records are the hub's JSON values: a value for a binary column is base64 text; lists and
objects are stored as JSON text. A field that is not a column of the table fails its record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import pyodbc

from connectors.builtin.sql.database import Database
from connectors.builtin.sql.dialects import (
    Statement,
    UpsertStyle,
    insert_statement,
    update_statement,
    upsert_statement,
)
from connectors.builtin.sql.identifiers import close_matches
from connectors.builtin.sql.odbc import describe_error, is_retryable, scrub
from connectors.builtin.sql.plans import WritePlan
from connectors.builtin.sql.values import json_param, param_adapter, same_value
from connectors.sdk import WriteOutcome, WriteResult, join_key

KEY_FIELD = "__key__"
LOOKUP_CHUNK = 200


@dataclass(slots=True)
class _Pending:
    """A valid record on its way into the table."""

    index: int
    hub_key: str
    row: dict[str, Any]
    key_values: tuple[Any, ...]
    exists: bool = False


class InvalidRecord(ValueError):
    """A record the writer refuses before it reaches the database."""


def _key_token(value: Any) -> str:
    """A key value as text, for matching a record's key to the row read back."""
    return "" if value is None else str(value).rstrip()


class TableWriter:
    """Writes records into one planned table."""

    def __init__(self, db: Database, plan: WritePlan, *, batch_size: int) -> None:
        self.db = db
        self.plan = plan
        self.batch_size = batch_size
        as_text = db.dialect.datetime_params_as_text
        self._adapters = {
            name: adapter
            for name, column in plan.columns.items()
            if (adapter := param_adapter(column, as_text)) is not None
        }

    def write(self, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        """One result per record, in the order given, a batch at a time."""
        iterator = iter(records)
        while batch := list(islice(iterator, self.batch_size)):
            yield from self._write_batch(batch)

    # --- one batch --------------------------------------------------------------------------

    def _write_batch(self, batch: Sequence[Any]) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(batch)
        groups: dict[tuple[str, ...], list[_Pending]] = {}
        for index, record in enumerate(batch):
            try:
                pending = self._prepare(index, record)
            except InvalidRecord as exc:
                results[index] = self._failed(record, str(exc))
                continue
            groups.setdefault(tuple(pending.row), []).append(pending)
        for columns, group in groups.items():
            for pending, result in self._write_group(columns, group):
                results[pending.index] = result
        return [r for r in results if r is not None]

    def _prepare(self, index: int, record: Any) -> _Pending:
        plan = self.plan
        if not isinstance(record, dict):
            raise InvalidRecord(f"a record must be an object, not {type(record).__name__}")
        hub_key = record.get(KEY_FIELD)
        if hub_key is None or hub_key == "":
            raise InvalidRecord(f"record has no {KEY_FIELD!r} (the hub's stable id)")
        row: dict[str, Any] = {}
        for name, value in record.items():
            if name == KEY_FIELD:
                continue
            if name not in plan.columns:
                raise InvalidRecord(self._unknown_field(name))
            row[name] = value
        if plan.id_column in row and _key_token(row[plan.id_column]) != _key_token(hub_key):
            raise InvalidRecord(
                f"field {plan.id_column!r} ({row[plan.id_column]!r}) differs from {KEY_FIELD!r} "
                f"({hub_key!r}); it is the hub's id column"
            )
        row[plan.id_column] = str(hub_key)
        missing = [k for k in plan.key if k not in row]
        if missing:
            raise InvalidRecord(f"record lacks key column(s) {', '.join(missing)}")
        ordered = {name: row[name] for name in plan.columns if name in row}
        return _Pending(index, str(hub_key), ordered, tuple(row[k] for k in plan.key))

    def _unknown_field(self, name: str) -> str:
        suggestions = close_matches(name, list(self.plan.columns))
        tip = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        return f"field {name!r} is not a column of {self.plan.label}{tip}"

    def _write_group(
        self, columns: tuple[str, ...], group: list[_Pending]
    ) -> list[tuple[_Pending, WriteResult]]:
        done: list[tuple[_Pending, WriteResult]] = []
        existing = self._existing_rows(columns, group)
        changed: list[tuple[_Pending, WriteOutcome]] = []
        for pending in group:
            current = existing.get(tuple(_key_token(v) for v in pending.key_values))
            pending.exists = current is not None
            if current is None:
                changed.append((pending, WriteOutcome.CREATED))
            elif all(same_value(current[c], pending.row[c]) for c in columns):
                done.append((pending, self._ok(pending, WriteOutcome.UNCHANGED)))
            else:
                changed.append((pending, WriteOutcome.UPDATED))
        if changed:
            done.extend(self._apply(columns, changed))
        return done

    def _existing_rows(
        self, columns: Sequence[str], group: Sequence[_Pending]
    ) -> dict[tuple[str, ...], dict[str, Any]]:
        """The rows the group's keys already have, by key, holding ``columns``."""
        plan, quote = self.plan, self.db.quote
        key = plan.key
        select = ", ".join(quote(c) for c in (*key, *(c for c in columns if c not in key)))
        found: dict[tuple[str, ...], dict[str, Any]] = {}
        for start in range(0, len(group), LOOKUP_CHUNK):
            chunk = group[start : start + LOOKUP_CHUNK]
            if len(key) == 1:
                condition = f"{quote(key[0])} IN ({', '.join('?' for _ in chunk)})"
            else:
                one = "(" + " AND ".join(f"{quote(k)} = ?" for k in key) + ")"
                condition = " OR ".join(one for _ in chunk)
            params = [self._param(k, v) for p in chunk for k, v in zip(key, p.key_values)]
            cursor = self.db.run(
                f"SELECT {select} FROM {plan.table_sql} WHERE {condition}",
                params,
                context=f"stream {plan.stream!r}: reading the rows of {plan.label} to write",
            )
            names = [d[0] for d in cursor.description]
            with self.db.errors(f"stream {plan.stream!r}: reading {plan.label}"):
                for row in cursor.fetchall():
                    values = dict(zip(names, row))
                    found[tuple(_key_token(values[k]) for k in key)] = values
                cursor.close()
        return found

    # --- statements -------------------------------------------------------------------------

    def _param(self, column: str, value: Any) -> Any:
        value = json_param(value)
        adapter = self._adapters.get(column)
        return adapter(value) if adapter is not None and value is not None else value

    def _statement_for(self, columns: Sequence[str], pending: _Pending) -> Statement:
        plan, db = self.plan, self.db
        if pending.exists:
            return update_statement(db.quote, plan.table_sql, columns, plan.key)
        if db.dialect.upsert is UpsertStyle.UPDATE_THEN_INSERT:
            return insert_statement(db.quote, plan.table_sql, columns)
        return upsert_statement(db.dialect, db.quote, plan.table_sql, columns, plan.key)

    def _params(self, statement: Statement, pending: _Pending) -> list[Any]:
        return [self._param(c, pending.row[c]) for c in statement.params]

    def _apply(
        self, columns: Sequence[str], changed: list[tuple[_Pending, WriteOutcome]]
    ) -> list[tuple[_Pending, WriteResult]]:
        """Write ``changed`` in one transaction; one by one if that fails."""
        by_statement: dict[Statement, list[list[Any]]] = {}
        for pending, _ in changed:
            statement = self._statement_for(columns, pending)
            by_statement.setdefault(statement, []).append(self._params(statement, pending))
        try:
            with self.db.transaction():
                cursor = self.db.connection.cursor()
                cursor.fast_executemany = self.db.dialect.fast_executemany
                for statement, rows in by_statement.items():
                    cursor.executemany(statement.sql, rows)
                cursor.close()
        except pyodbc.Error:
            return [(p, self._write_one(columns, p, outcome)) for p, outcome in changed]
        return [(p, self._ok(p, outcome)) for p, outcome in changed]

    def _write_one(
        self, columns: Sequence[str], pending: _Pending, outcome: WriteOutcome
    ) -> WriteResult:
        statement = self._statement_for(columns, pending)
        cursor = self.db.connection.cursor()
        try:
            cursor.execute(statement.sql, self._params(statement, pending))
        except pyodbc.Error as exc:
            error = describe_error(exc)
            return WriteResult(
                pending.hub_key,
                WriteOutcome.FAILED,
                reason=scrub(f"{self.plan.label}: {error}", self.db.config),
                retryable=is_retryable(error, self.db.dialect.retryable_native_codes),
            )
        finally:
            cursor.close()
        return self._ok(pending, outcome)

    # --- results ----------------------------------------------------------------------------

    def _ok(self, pending: _Pending, outcome: WriteOutcome) -> WriteResult:
        return WriteResult(pending.hub_key, outcome, external_id=join_key(pending.key_values))

    @staticmethod
    def _failed(record: Any, reason: str) -> WriteResult:
        key = record.get(KEY_FIELD) if isinstance(record, dict) else None
        return WriteResult("" if key is None else str(key), WriteOutcome.FAILED, reason=reason)
