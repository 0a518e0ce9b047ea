"""The test ERP on a real server, reached through unixODBC like the connector reaches it.

``ErpDatabase`` creates a database ``crmhub_erp_<random>`` holding the schema of
``erp_<kind>.sql``, loads ``erp_data`` into it, and makes connectors configured for it.

Servers: MariaDB on 127.0.0.1:3306 as root, PostgreSQL on 127.0.0.1:5432 as root or postgres
(override with CRMHUB_TEST_MARIADB_HOST/PORT/USER and CRMHUB_TEST_POSTGRES_HOST/PORT/USER).
Without pyodbc's driver or a reachable server the tests skip, saying why; with CI=true they fail.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyodbc
import pytest

from connectors.builtin.sql import SqlConnector

from . import erp_data

HERE = Path(__file__).parent

BILLING_QUERY = """
    SELECT c.codice, c.ragione_sociale, c.partita_iva, i.indirizzo, i.cap, i.citta, i.provincia,
           GREATEST(c.data_ultima_modifica, i.data_ultima_modifica) AS data_ultima_modifica
    FROM anagrafica_clienti c
    JOIN indirizzi i ON i.codice_cliente = c.codice AND i.tipo_indirizzo = 'FA'
"""

ERP_STREAMS: dict[str, dict[str, Any]] = {
    "clienti": {
        "table": "anagrafica_clienti",
        "key": ["codice"],
        "cursor": "data_ultima_modifica",
        "soft_delete": {"column": "annullato", "deleted_values": ["S"]},
    },
    "indirizzi": {"table": "indirizzi", "key": ["id"], "cursor": "data_ultima_modifica"},
    "contatti": {
        "table": "contatti",
        "key": ["codice_cliente", "progressivo"],
        "cursor": "data_ultima_modifica",
    },
    "fatture": {
        "table": "fatture",
        "key": ["anno", "numero"],
        "cursor": "data_ultima_modifica",
        "where": "totale <> 0",
    },
    "scadenze": {
        "table": "scadenziario",
        "key": ["id"],
        "cursor": "data_ultima_modifica",
        "columns": ["anno", "numero", "data_scadenza", "importo", "pagato"],
    },
    "blocchi_credito": {"table": "blocchi_credito", "key": ["codice_cliente"]},
    "clienti_fatturazione": {
        "query": BILLING_QUERY,
        "key": ["codice"],
        "cursor": "data_ultima_modifica",
    },
    "clienti_crm": {"write": {"table": "clienti_crmhub", "id_column": "crmhub_id"}},
}


def running_in_ci() -> bool:
    """True when CI=true (or 1/yes): a missing server or driver is then a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@dataclass(frozen=True)
class ServerKind:
    """How to reach one kind of server for the tests."""

    name: str
    driver: str
    host: str
    port: int
    users: tuple[str, ...]
    admin_database: str

    @classmethod
    def from_env(cls, name: str, driver: str, port: int, users: Sequence[str]) -> ServerKind:
        prefix = f"CRMHUB_TEST_{'POSTGRES' if name == 'postgresql' else 'MARIADB'}_"
        user = os.environ.get(prefix + "USER")
        return cls(
            name=name,
            driver=driver,
            host=os.environ.get(prefix + "HOST", "127.0.0.1"),
            port=int(os.environ.get(prefix + "PORT", port)),
            users=(user,) if user else tuple(users),
            admin_database="test",
        )

    def connection_string(self, user: str, database: str, password: str = "") -> str:
        extra = ";BoolsAsChar=0" if self.name == "postgresql" else ";CONN_TIMEOUT=5"
        return (
            f"DRIVER={{{self.driver}}};SERVER={self.host};PORT={self.port};"
            f"DATABASE={database};UID={user};PWD={{{password}}}{extra}"
        )


SERVERS = {
    "mariadb": ServerKind.from_env("mariadb", "MariaDB Unicode", 3306, ["root"]),
    "postgresql": ServerKind.from_env(
        "postgresql", "PostgreSQL Unicode", 5432, ["root", "postgres"]
    ),
}


def _unavailable(reason: str) -> None:
    if running_in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def _admin_connection(server: ServerKind) -> tuple[pyodbc.Connection, str]:
    if server.driver not in pyodbc.drivers():
        _unavailable(
            f"ODBC driver {server.driver!r} is not installed (have: {pyodbc.drivers()}); "
            "run .ci/install-system-packages.sh"
        )
    reasons = []
    for user in server.users:
        try:
            cs = server.connection_string(user, server.admin_database)
            return pyodbc.connect(cs, timeout=5, autocommit=True), user
        except pyodbc.Error as exc:
            reasons.append(f"{user}: {exc.args[-1]}")
    _unavailable(f"{server.name} at {server.host}:{server.port} is not reachable: {reasons}")
    raise AssertionError("unreachable")


def _statements(script: str) -> list[str]:
    without_comments = re.sub(r"--[^\n]*", "", script)
    return [s.strip() for s in without_comments.split(";") if s.strip()]


class ErpDatabase:
    """A fresh database with the ERP schema, on one server, for one test module."""

    def __init__(self, server: ServerKind) -> None:
        self.server = server
        self.kind = server.name
        self._admin, self.user = _admin_connection(server)
        self.name = f"crmhub_erp_{uuid.uuid4().hex[:10]}"
        self.quote_char = "`" if self.kind == "mariadb" else '"'
        self._admin.cursor().execute(f"CREATE DATABASE {self.quote(self.name)}")
        self.connection = pyodbc.connect(
            server.connection_string(self.user, self.name), timeout=5, autocommit=True
        )
        for statement in _statements((HERE / f"erp_{self.kind}.sql").read_text("utf-8")):
            self.execute(statement)
        self._connectors: list[SqlConnector] = []

    def quote(self, name: str) -> str:
        q = self.quote_char
        return q + name.replace(q, q + q) + q

    # --- SQL on the test database -------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = self.connection.cursor()
        cursor.execute(sql, list(params))
        return cursor.rowcount

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        cursor.execute(sql, list(params))
        return [tuple(row) for row in cursor.fetchall()]

    def insert(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        sql = (
            f"INSERT INTO {self.quote(table)} ({', '.join(self.quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        self.connection.autocommit = False  # one commit, not one per row
        try:
            cursor = self.connection.cursor()
            cursor.executemany(sql, [[self.param(row[c]) for c in columns] for row in rows])
            self.connection.commit()
        finally:
            self.connection.autocommit = True

    def param(self, value: Any) -> Any:
        # MariaDB's driver drops the fraction of a bound datetime: send text (as the connector does)
        if self.kind == "mariadb" and hasattr(value, "microsecond"):
            return value.isoformat(sep=" ")
        return value

    def reset(self) -> None:
        """Empty every ERP table and load ``erp_data`` again."""
        if self.kind == "mariadb":  # TRUNCATE rebuilds each InnoDB table: DELETE is 10x faster
            for table in erp_data.TABLES:
                self.execute(f"DELETE FROM {self.quote(table)}")
        else:
            tables = ", ".join(self.quote(t) for t in erp_data.TABLES)
            self.execute(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE")
        for table, rows in erp_data.all_rows().items():
            self.insert(table, rows)

    # --- connectors ---------------------------------------------------------------------

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A ``type: sql`` configuration for this database, with the ERP streams."""
        config: dict[str, Any] = {
            "driver": self.server.driver,
            "server": self.server.host,
            "port": self.server.port,
            "database": self.name,
            "user": self.user,
            "password": "",
            "login_timeout_seconds": 5,
            "streams": ERP_STREAMS,
        }
        config.update(overrides)
        return config

    def connector(self, **overrides: Any) -> SqlConnector:
        """A connector on this database (closed after the test module)."""
        connector = SqlConnector.from_dict(self.config(**overrides))
        assert isinstance(connector, SqlConnector)
        self._connectors.append(connector)
        return connector

    def close(self) -> None:
        for connector in self._connectors:
            connector.close()
        self.connection.close()
        force = " WITH (FORCE)" if self.kind == "postgresql" else ""
        self._admin.cursor().execute(f"DROP DATABASE IF EXISTS {self.quote(self.name)}{force}")
        self._admin.close()
