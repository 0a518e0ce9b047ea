"""The demo's ERP: a database on the local MariaDB or PostgreSQL server, reached through the
same unixODBC drivers the ``sql`` connector uses.

It holds ``clienti`` (the ERP's customer master, read by the hub) and ``clienti_hub`` (the
import table the hub upserts golden records into, keyed by the hub's stable id). The database
is named after the demo folder, so two demos on one server do not meet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyodbc

from crmhub.demo.world import ERP_COLUMNS
from crmhub.errors import UsageError

ErpKind = Literal["mariadb", "postgresql"]

_TEXT_COLUMNS = (
    "codice VARCHAR(12) NOT NULL PRIMARY KEY, tipo CHAR(1) NOT NULL, "
    "ragione_sociale VARCHAR(120), nome VARCHAR(60), cognome VARCHAR(60), "
    "codice_fiscale VARCHAR(16), partita_iva VARCHAR(13), email VARCHAR(120), "
    "telefono VARCHAR(30), indirizzo VARCHAR(120), cap VARCHAR(5), citta VARCHAR(60), "
    "provincia VARCHAR(2), consenso_marketing CHAR(1)"
)
_HUB_COLUMNS = (
    "crmhub_id VARCHAR(40) NOT NULL PRIMARY KEY, tipo CHAR(1) NOT NULL, "
    "ragione_sociale VARCHAR(120), nome VARCHAR(60), cognome VARCHAR(60), "
    "email VARCHAR(120), telefono VARCHAR(30), indirizzo VARCHAR(120), cap VARCHAR(5), "
    "citta VARCHAR(60), provincia VARCHAR(2)"
)


@dataclass(frozen=True)
class Server:
    """How to reach one kind of local database server as its administrator."""

    kind: ErpKind
    driver: str
    host: str
    port: int
    user: str
    admin_database: str
    stamp_column: str  # the change stamp the hub reads incrementally
    quote: str

    def dsn(self, database: str) -> str:
        extra = "CONN_TIMEOUT=5;" if self.kind == "mariadb" else ""
        return (
            f"DRIVER={{{self.driver}}};SERVER={self.host};PORT={self.port};"
            f"DATABASE={database};UID={self.user};PWD={{}};{extra}"
        )


SERVERS: dict[ErpKind, Server] = {
    "mariadb": Server(
        "mariadb", "MariaDB Unicode", "127.0.0.1", 3306, "root", "mysql",
        "aggiornato TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) "
        "ON UPDATE CURRENT_TIMESTAMP(6)", "`",
    ),
    "postgresql": Server(
        "postgresql", "PostgreSQL Unicode", "127.0.0.1", 5432, "postgres", "postgres",
        "aggiornato TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP", '"',
    ),
}  # fmt: skip


def database_name(demo_dir: Path) -> str:
    """``crmhub_demo_<10 hex>``, from the demo folder's absolute path."""
    digest = hashlib.sha256(str(demo_dir.resolve()).encode()).hexdigest()[:10]
    return f"crmhub_demo_{digest}"


def unreachable_reason(server: Server) -> str | None:
    """Why the server cannot be used (driver missing, server down), or None when it can."""
    if server.driver not in pyodbc.drivers():
        return f"the ODBC driver {server.driver!r} is not installed"
    try:
        pyodbc.connect(server.dsn(server.admin_database), timeout=3, autocommit=True).close()
    except pyodbc.Error as exc:
        return f"{server.kind} at {server.host}:{server.port} is not reachable ({exc.args[-1]})"
    return None


def pick_server(wanted: str) -> Server | None:
    """The server for ``--erp`` (``auto``: the first reachable, None when none is)."""
    if wanted == "none":
        return None
    if wanted != "auto":
        server = SERVERS[wanted]  # type: ignore[index]
        reason = unreachable_reason(server)
        if reason:
            raise UsageError(
                f"cannot build the demo ERP: {reason}",
                hint="start the server, or pass --erp auto (any reachable server, else none)",
            )
        return server
    return next((s for s in SERVERS.values() if unreachable_reason(s) is None), None)


@contextmanager
def _admin(server: Server) -> Iterator[pyodbc.Connection]:
    with closing(pyodbc.connect(server.dsn(server.admin_database), autocommit=True)) as conn:
        yield conn


def drop_database(server: Server, name: str) -> None:
    """Drop the demo database ``name`` if it exists."""
    q = server.quote
    with _admin(server) as conn:
        if server.kind == "postgresql":
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?", name
            )
        conn.execute(f"DROP DATABASE IF EXISTS {q}{name}{q}")


def database_exists(server: Server, name: str) -> bool:
    """True when the server holds a database called ``name``."""
    sql = (
        "SELECT 1 FROM pg_database WHERE datname = ?"
        if server.kind == "postgresql"
        else "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?"
    )
    with _admin(server) as conn:
        return conn.execute(sql, name).fetchone() is not None


def create_erp(server: Server, name: str, rows: Sequence[dict[str, Any]]) -> None:
    """A new database ``name`` with ``clienti`` holding ``rows`` and an empty ``clienti_hub``."""
    with _admin(server) as conn:
        conn.execute(f"CREATE DATABASE {server.quote}{name}{server.quote}")
    with closing(pyodbc.connect(server.dsn(name), autocommit=False)) as conn:
        conn.execute(f"CREATE TABLE clienti ({_TEXT_COLUMNS}, {server.stamp_column})")
        conn.execute(f"CREATE TABLE clienti_hub ({_HUB_COLUMNS}, {server.stamp_column})")
        marks = ", ".join("?" * len(ERP_COLUMNS))
        insert = f"INSERT INTO clienti ({', '.join(ERP_COLUMNS)}) VALUES ({marks})"
        for row in rows:
            conn.execute(insert, [row[c] for c in ERP_COLUMNS])
        conn.commit()


def read_table(server: Server, name: str, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` (``clienti`` or ``clienti_hub``) in the demo database."""
    if table not in ("clienti", "clienti_hub"):
        raise ValueError(f"the demo ERP has no table {table!r}")
    with closing(pyodbc.connect(server.dsn(name), autocommit=True)) as conn:
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY 1")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def connection_config(server: Server, name: str) -> dict[str, Any]:
    """The ``type: sql`` connection of the demo project (no password: the local root/trust
    account; a real ERP takes ``password: ${ERP_PASSWORD}``)."""
    return {
        "type": "sql",
        "description": f"The ERP's customer master ({server.kind} database {name})",
        "config": {
            "driver": server.driver,
            "server": server.host,
            "port": server.port,
            "database": name,
            "user": server.user,
            "password": "",
            "login_timeout_seconds": 5,
            "lookback_seconds": 5,
            "streams": {
                "clienti": {"table": "clienti", "key": ["codice"], "cursor": "aggiornato"},
                "clienti_hub": {"write": {"table": "clienti_hub", "id_column": "crmhub_id"}},
            },
        },
        "streams": {"clienti": {"mapping": "mappings/erp_clienti.yaml"}},
    }
