"""The ``sql`` connector: an ERP or any database over ODBC, read incrementally, upserted into."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from connectors.builtin.sql.config import SqlConfig, StreamConfig
from connectors.builtin.sql.database import Database
from connectors.builtin.sql.plans import ReadPlan, WritePlan, read_plan, write_plan
from connectors.builtin.sql.reader import StreamReader
from connectors.builtin.sql.values import json_schema
from connectors.builtin.sql.writer import TableWriter
from connectors.sdk import (
    CheckResult,
    ConfigError,
    Connector,
    ConnectorError,
    NotWritable,
    ReadItem,
    StreamSpec,
    UnknownStream,
    WriteResult,
)


class SqlConnector(Connector[SqlConfig]):
    """Reads tables and queries through unixODBC and upserts into tables.

    One connection is opened on first use and kept until ``close()``; stream plans (the
    configuration checked against the real columns) are made once per connector.
    """

    kind: ClassVar[str] = "sql"
    config_model: ClassVar[type[SqlConfig]] = SqlConfig
    description: ClassVar[str] = (
        "Relational databases and ERPs over ODBC (MariaDB, PostgreSQL, ...)"
    )

    def __init__(self, config: SqlConfig) -> None:
        super().__init__(config)
        self._db: Database | None = None
        self._read_plans: dict[str, ReadPlan] = {}
        self._write_plans: dict[str, WritePlan] = {}

    @property
    def db(self) -> Database:
        """The open database, connecting on first use."""
        if self._db is None:
            self._db = Database(self.config)
        return self._db

    # --- the contract -----------------------------------------------------------------------

    def check(self) -> CheckResult:
        """Connect and run ``SELECT 1``; a failure is ``ok=False`` naming server and database."""
        try:
            db = self.db
            db.probe()
        except ConnectorError as exc:
            self.close()
            return CheckResult(False, str(exc))
        return CheckResult(True, f"connected to {db.product} {db.version}: {db.label}")

    def discover(self) -> list[StreamSpec]:
        """A spec per configured stream, checked against the database's columns."""
        return [self._spec(name, stream) for name, stream in self.config.streams.items()]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        """The stream's rows changed since ``state``; see ``reader`` for the order and phases."""
        plan = self._read_plan(stream)
        reader = StreamReader(
            self.db,
            plan,
            page_size=self.config.batch_size,
            lookback_seconds=self.config.lookback_seconds,
        )
        yield from reader.read(state)

    def write(self, stream: str, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        """Upsert ``records`` (each with ``__key__``); one result per record, in order."""
        plan = self._write_plan(stream)
        writer = TableWriter(self.db, plan, batch_size=self.config.write_batch_size)
        yield from writer.write(records)

    def close(self) -> None:
        """Close the connection; the next use opens a new one."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._read_plans.clear()
        self._write_plans.clear()

    # --- plans ------------------------------------------------------------------------------

    def _stream_config(self, stream: str) -> StreamConfig:
        try:
            return self.config.streams[stream]
        except KeyError:
            names = list(self.config.streams)
            close = difflib.get_close_matches(stream, names, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"streams offered: {', '.join(names)}"
            )
            raise UnknownStream(f"connector 'sql' has no stream {stream!r}", hint=hint) from None

    def _read_plan(self, stream: str) -> ReadPlan:
        if stream not in self._read_plans:
            config = self._stream_config(stream)
            if not config.readable:
                raise ConfigError(
                    f"stream {stream!r} is write-only: it has no 'table' or 'query' to read",
                    hint="add a table or query to the stream to read it",
                )
            self._read_plans[stream] = read_plan(self.db, stream, config)
        return self._read_plans[stream]

    def _write_plan(self, stream: str) -> WritePlan:
        if stream not in self._write_plans:
            config = self._stream_config(stream)
            if config.write is None:
                raise NotWritable(
                    f"stream {stream!r} of connector 'sql' is not writable",
                    hint="give the stream a 'write' target: {table, id_column, key}",
                )
            self._write_plans[stream] = write_plan(self.db, stream, config.write)
        return self._write_plans[stream]

    def _spec(self, name: str, config: StreamConfig) -> StreamSpec:
        writable = config.write is not None
        if not config.readable:
            plan = self._write_plan(name)
            return StreamSpec(
                name=name,
                key=(plan.id_column,),
                json_schema=json_schema(list(plan.columns.values())),
                writable=True,
                description=f"write-only: {plan.label}",
                extras={"dialect": self.db.dialect.name, "write_key": list(plan.key)},
            )
        read = self._read_plan(name)
        extras: dict[str, Any] = {"dialect": self.db.dialect.name, "source": read.label}
        if read.cursor_kind:
            extras["cursor_kind"] = read.cursor_kind
        if writable:
            write = self._write_plan(name)
            extras.update(write_target=write.label, write_key=list(write.key))
        return StreamSpec(
            name=name,
            key=read.key,
            json_schema=json_schema(read.columns),
            cursor_field=read.cursor,
            writable=writable,
            deletes=read.soft_delete is not None or read.cursor is None,
            description=read.label,
            extras=extras,
        )
