"""A stream's configuration checked against the live database: what to select, order and write.

``read_plan`` and ``write_plan`` look at the real columns (``SELECT * ... WHERE 1=0``, which
resolves names exactly as every later query will), resolve every configured name to a real
column, and fail with a ``ConfigError`` naming the stream and the column when one is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.builtin.sql.config import SoftDelete, StreamConfig, WriteTarget
from connectors.builtin.sql.database import Database
from connectors.builtin.sql.identifiers import resolve_column, resolve_columns
from connectors.builtin.sql.values import Column, cursor_kind
from connectors.sdk import ConfigError
from connectors.sdk.incremental import CursorKind

QUERY_ALIAS = "crmhub_src"


def flag_token(value: Any) -> str:
    """A soft-delete flag in a form that compares across types: 1, '1', True, Decimal('1.0')."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return str(int(number)) if number == number.to_integral_value() else str(number)
    return str(value).strip().casefold()


@dataclass(frozen=True, slots=True)
class SoftDeleteRule:
    """Rows whose column ``index`` holds one of ``tokens`` are tombstones."""

    index: int
    tokens: frozenset[str]

    def is_deleted(self, row: Sequence[Any]) -> bool:
        value = row[self.index]
        return value is not None and flag_token(value) in self.tokens


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """How to read one stream. Names in ``*_sql`` fields are quoted; the others are real names.

    ``columns`` are the selected columns in select order; ``key_indexes`` and ``cursor_index``
    point into them.
    """

    stream: str
    label: str
    select_sql: str
    where_sql: str | None
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    key_sql: tuple[str, ...]
    key_indexes: tuple[int, ...]
    nullable_key_sql: tuple[str, ...]
    cursor: str | None
    cursor_sql: str | None
    cursor_index: int | None
    cursor_kind: CursorKind | None
    cursor_nullable: bool
    soft_delete: SoftDeleteRule | None


@dataclass(frozen=True, slots=True)
class WritePlan:
    """How to write one stream: the target table (quoted), its columns, the upsert key."""

    stream: str
    label: str
    table_sql: str
    columns: dict[str, Column]
    key: tuple[str, ...]
    id_column: str


def _source(db: Database, config: StreamConfig) -> tuple[str, str]:
    """(FROM clause target, words for messages) of a readable stream."""
    if config.query is not None:
        return f"({config.query}) {db.quote(QUERY_ALIAS)}", "query"
    assert config.table is not None
    name = f"{config.db_schema}.{config.table}" if config.db_schema else config.table
    return db.quote.table(config.table, config.db_schema), f"table {name}"


def _unique_names(columns: Sequence[Column], stream: str, label: str) -> list[str]:
    names = [c.name for c in columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(
            f"stream {stream!r}: {label} returns column(s) {', '.join(repeated)} more than once",
            hint="give each selected column its own alias (AS ...)",
        )
    return names


def _cursor_kind(column: Column, stream: str) -> CursorKind:
    kind = cursor_kind(column)
    if kind is None:
        raise ConfigError(
            f"stream {stream!r}: cursor column {column.name!r} is of type "
            f"{column.python_type.__name__}, which cannot order an incremental read",
            hint="use an updated-at date/time column, an increasing integer, or no cursor",
        )
    return kind


def _soft_delete(
    rule: SoftDelete | None, names: Sequence[str], stream: str
) -> tuple[str | None, frozenset[str]]:
    if rule is None:
        return None, frozenset()
    column = resolve_column(rule.column, names, stream=stream, role="soft_delete")
    return column, frozenset(flag_token(v) for v in rule.deleted_values)


def read_plan(db: Database, stream: str, config: StreamConfig) -> ReadPlan:
    """Check a readable stream's configuration against the database and plan its reads."""
    source, label = _source(db, config)
    available = db.columns_of(source, stream=stream, label=label, table=config.table)
    names = _unique_names(available, stream, label)
    key = resolve_columns(config.key, names, stream=stream, role="key")
    cursor = (
        resolve_column(config.cursor, names, stream=stream, role="cursor")
        if config.cursor
        else None
    )
    deleted_column, deleted_tokens = _soft_delete(config.soft_delete, names, stream)
    chosen = (
        resolve_columns(config.columns, names, stream=stream, role="columns")
        if config.columns
        else list(names)
    )
    for needed in (*key, cursor, deleted_column):
        if needed is not None and needed not in chosen:
            chosen.append(needed)
    by_name = {c.name: c for c in available}
    columns = tuple(by_name[n] for n in chosen)
    index = {n: i for i, n in enumerate(chosen)}
    quote = db.quote
    return ReadPlan(
        stream=stream,
        label=label,
        select_sql=f"SELECT {', '.join(quote(n) for n in chosen)} FROM {source}",
        where_sql=f"({config.where})" if config.where else None,
        columns=columns,
        key=tuple(key),
        key_sql=tuple(quote(k) for k in key),
        key_indexes=tuple(index[k] for k in key),
        nullable_key_sql=tuple(quote(k) for k in key if by_name[k].nullable),
        cursor=cursor,
        cursor_sql=quote(cursor) if cursor else None,
        cursor_index=index[cursor] if cursor else None,
        cursor_kind=_cursor_kind(by_name[cursor], stream) if cursor else None,
        cursor_nullable=bool(cursor and by_name[cursor].nullable),
        soft_delete=(
            SoftDeleteRule(index[deleted_column], deleted_tokens) if deleted_column else None
        ),
    )


def write_plan(db: Database, stream: str, target: WriteTarget) -> WritePlan:
    """Check a stream's write target against the database."""
    table_sql = db.quote.table(target.table, target.db_schema)
    name = f"{target.db_schema}.{target.table}" if target.db_schema else target.table
    label = f"table {name}"
    available = db.columns_of(table_sql, stream=stream, label=label, table=target.table)
    names = [c.name for c in available]
    id_column = resolve_column(target.id_column, names, stream=stream, role="write.id_column")
    key = resolve_columns(target.upsert_key, names, stream=stream, role="write.key")
    return WritePlan(
        stream=stream,
        label=label,
        table_sql=table_sql,
        columns={c.name: c for c in available},
        key=tuple(key),
        id_column=id_column,
    )
