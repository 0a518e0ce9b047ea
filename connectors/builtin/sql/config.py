"""The configuration of a ``type: sql`` connection, validated before anything touches a database.

A connection is either built from parts (``driver``, ``server``, ``port``, ``database``, ``user``,
``password``) or given whole as ``connection_string``; no DSN in ``/etc/odbc.ini`` is needed.
Each stream reads a ``table`` (optionally narrowed by ``columns`` and a static ``where``) or a
``query`` (wrapped as a subquery), and may name a ``write`` target that the hub upserts into.

Identifiers here are names, never SQL: the connector quotes them with the driver's quote
character and checks them against the real columns. ``where`` and ``query`` are SQL written by
whoever owns the configuration; they may not contain a statement separator.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.sdk import ConnectorConfig

Scalar = str | int | float | bool

DialectName = Literal["auto", "mariadb", "mysql", "postgresql", "generic"]


class _Strict(BaseModel):
    """Nested config blocks: unknown keys are errors, as in ``ConnectorConfig``."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_identifier(name: str) -> str:
    if not name or not name.strip():
        raise ValueError("an identifier may not be empty")
    if "\x00" in name:
        raise ValueError(f"identifier {name!r} contains a NUL character")
    return name


def _statement_separator_at(sql: str) -> int | None:
    """Index of a ``;`` outside quotes in ``sql`` (None when there is none)."""
    quote: str | None = None
    for index, char in enumerate(sql):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif char == ";":
            return index
    return None


def _check_single_statement(sql: str, what: str) -> str:
    text = sql.strip().rstrip(";").rstrip()
    if not text:
        raise ValueError(f"{what} may not be empty")
    at = _statement_separator_at(text)
    if at is not None:
        raise ValueError(
            f"{what} contains a ';' at character {at + 1}: only one statement is allowed "
            "(put values in the database, not in the configuration)"
        )
    return text


class SoftDelete(_Strict):
    """Rows whose ``column`` holds one of ``deleted_values`` are read as tombstones."""

    column: str
    deleted_values: list[Scalar] = Field(min_length=1)

    _names = field_validator("column")(_check_identifier)


class WriteTarget(_Strict):
    """Where the hub upserts a stream's records.

    ``id_column`` receives the hub's stable id (the record's ``__key__``); ``key`` lists the
    columns that identify a row for the upsert (default: ``[id_column]``) and must be a primary
    key or unique constraint of ``table``.
    """

    table: str
    db_schema: str | None = Field(default=None, alias="schema")
    id_column: str
    key: list[str] = Field(default_factory=list)

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )

    @field_validator("table", "db_schema", "id_column")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        return None if value is None else _check_identifier(value)

    @field_validator("key")
    @classmethod
    def _identifiers(cls, value: list[str]) -> list[str]:
        return [_check_identifier(v) for v in value]

    @property
    def upsert_key(self) -> list[str]:
        """The columns an upsert matches on."""
        return self.key or [self.id_column]


class StreamConfig(_Strict):
    """One stream: a ``table`` or a ``query`` to read, a ``write`` target, or both."""

    table: str | None = None
    db_schema: str | None = Field(default=None, alias="schema")
    query: str | None = None
    key: list[str] = Field(default_factory=list)
    cursor: str | None = None
    columns: list[str] | None = None
    where: str | None = None
    soft_delete: SoftDelete | None = None
    write: WriteTarget | None = None

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )

    @field_validator("table", "db_schema", "cursor")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        return None if value is None else _check_identifier(value)

    @field_validator("key")
    @classmethod
    def _key(cls, value: list[str]) -> list[str]:
        return [_check_identifier(v) for v in value]

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_check_identifier(v) for v in value]

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = _check_single_statement(value, "query")
        first_word = text.lstrip("( \t\r\n").split(None, 1)[0].upper()
        if first_word not in {"SELECT", "WITH"}:
            raise ValueError(f"query must start with SELECT or WITH, not {first_word!r}")
        return text

    @field_validator("where")
    @classmethod
    def _where(cls, value: str | None) -> str | None:
        return None if value is None else _check_single_statement(value, "where")

    @model_validator(mode="after")
    def _shape(self) -> StreamConfig:
        if self.table and self.query:
            raise ValueError("give either 'table' or 'query', not both")
        if self.query and (self.db_schema or self.columns):
            raise ValueError("'schema' and 'columns' apply to a 'table' stream, not to a 'query'")
        if not (self.table or self.query):
            if self.write is None:
                raise ValueError("a stream needs a 'table' or 'query' to read, or a 'write' target")
            if self.key or self.cursor or self.where or self.soft_delete or self.columns:
                raise ValueError(
                    "a write-only stream (no 'table'/'query') takes only 'write'; "
                    "its key is write.key"
                )
            return self
        if not self.key:
            raise ValueError("a stream that is read needs 'key': the column(s) identifying a row")
        return self

    @property
    def readable(self) -> bool:
        """True when the stream has a table or query to read."""
        return bool(self.table or self.query)


class SqlConfig(ConnectorConfig):
    """The ``type: sql`` connection: an ERP or any database reached through unixODBC."""

    driver: str | None = Field(
        default=None,
        description='ODBC driver name as `odbcinst -q -d` lists it ("MariaDB Unicode")',
    )
    server: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = None
    user: str | None = None
    password: SecretStr | None = None
    connection_string: SecretStr | None = Field(
        default=None, description="a full ODBC connection string, instead of the parts above"
    )
    options: dict[str, str] = Field(
        default_factory=dict, description="extra ODBC connection attributes (KEY=value)"
    )
    dialect: DialectName = "auto"
    login_timeout_seconds: int = Field(default=15, ge=1)
    query_timeout_seconds: int = Field(default=300, ge=0, description="0: no limit")
    lookback_seconds: int = Field(
        default=300,
        ge=0,
        description="re-read this far before the saved cursor (for an integer cursor: units)",
    )
    batch_size: int = Field(default=5000, ge=1, le=1_000_000)
    write_batch_size: int = Field(default=500, ge=1, le=100_000)
    streams: dict[str, StreamConfig] = Field(min_length=1)

    @field_validator("options")
    @classmethod
    def _option_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not name.replace("_", "").isalnum():
                raise ValueError(f"ODBC option name {name!r} may hold only letters, digits and '_'")
        return value

    @model_validator(mode="after")
    def _connection(self) -> SqlConfig:
        if self.connection_string is not None:
            if self.driver or self.server:
                raise ValueError("give either 'connection_string' or driver/server/..., not both")
            return self
        missing = [name for name in ("driver", "server", "database") if not getattr(self, name)]
        if missing:
            raise ValueError(
                f"missing {', '.join(missing)}: give driver, server and database "
                "(plus port, user, password), or a whole 'connection_string'"
            )
        return self
