"""Fixtures for the sync tests: projects with real targets, and golden records in the store.

``erp_target``   (module) a fresh MariaDB database holding ``clienti_hub``, the ERP table the
                 hub both reads (stream ``clienti``) and upserts into; ``erp`` empties it per
                 test. Reached through unixODBC with the real ``sql`` connector. Without the
                 driver or the server the tests skip saying why; with CI=true they fail.
``fake``         a fake Salesforce on loopback (``connectors.testing.fake_salesforce``).
``goldens``      golden records written straight into the test's store (``store_engine``,
                 SQLite and PostgreSQL), as the golden stage leaves them.
``project_for``  writes crmhub.yaml and the mapping files into ``tmp_path`` and loads it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyodbc
import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from canonical import Party
from connectors.testing.fake_salesforce import FakeSalesforce
from crmhub.config.project import Project, load_project
from crmhub.store.schema import golden_records, source_records, xref
from tests.conftest import running_in_ci

ERP_MAPPING = """\
version: 1
kind: {const: organization}
defaults: {country: IT}
fields:
  organization.legal_name: ragione_sociale
  emails:
    - {raw: email}
  phones:
    - {raw: telefono}
reverse:
  ragione_sociale: organization.legal_name
  email: emails[primary].value
  telefono: phones[primary].value
  attivo: {const: S}
"""

SALESFORCE_MAPPING = """\
version: 1
kind: {const: person}
defaults: {country: IT}
fields:
  person.given_name: FirstName
  person.family_name: LastName
  emails:
    - {raw: Email}
  phones:
    - {raw: Phone}
reverse:
  FirstName: person.given_name
  LastName: person.family_name
  Email: emails[primary].value
  Phone: phones[primary].value
"""

CLIENTI_HUB = {
    "mariadb": """
        CREATE TABLE clienti_hub (
            crmhub_id        VARCHAR(40)   NOT NULL,
            ragione_sociale  VARCHAR(80)   NOT NULL,
            email            VARCHAR(120)  NULL,
            telefono         VARCHAR(30)   NULL,
            fido             DECIMAL(12,2) NULL,
            attivo           CHAR(1)       NOT NULL DEFAULT 'S',
            aggiornato       TIMESTAMP(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
                                           ON UPDATE CURRENT_TIMESTAMP(6),
            PRIMARY KEY (crmhub_id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
}
MARIADB_DRIVER = "MariaDB Unicode"




def _unavailable(reason: str) -> None:
    if running_in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


class ErpTarget:
    """A fresh MariaDB database with the ``clienti_hub`` table, for one test module."""

    def __init__(self) -> None:
        self.host = os.environ.get("CRMHUB_TEST_MARIADB_HOST", "127.0.0.1")
        self.port = int(os.environ.get("CRMHUB_TEST_MARIADB_PORT", "3306"))
        self.user = os.environ.get("CRMHUB_TEST_MARIADB_USER", "root")
        if MARIADB_DRIVER not in pyodbc.drivers():
            _unavailable(f"ODBC driver {MARIADB_DRIVER!r} is not installed ({pyodbc.drivers()})")
        try:
            self._admin = pyodbc.connect(self._dsn("test"), timeout=5, autocommit=True)
        except pyodbc.Error as exc:
            _unavailable(f"MariaDB at {self.host}:{self.port} is not reachable: {exc.args[-1]}")
        self.name = f"crmhub_sync_{uuid.uuid4().hex[:10]}"
        self._admin.cursor().execute(f"CREATE DATABASE `{self.name}`")
        self.connection = pyodbc.connect(self._dsn(self.name), timeout=5, autocommit=True)
        self.execute(CLIENTI_HUB["mariadb"])

    def _dsn(self, database: str) -> str:
        return (
            f"DRIVER={{{MARIADB_DRIVER}}};SERVER={self.host};PORT={self.port};"
            f"DATABASE={database};UID={self.user};PWD={{}};CONN_TIMEOUT=5"
        )

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        cursor = self.connection.cursor()
        cursor.execute(sql, list(params))
        return cursor.rowcount

    def rows(self) -> dict[str, dict[str, Any]]:
        """Every row of ``clienti_hub`` by crmhub_id."""
        cursor = self.connection.cursor()
        cursor.execute("SELECT * FROM clienti_hub ORDER BY crmhub_id")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}

    def connection_config(self) -> dict[str, Any]:
        """The ``type: sql`` connection of a project, reading and writing ``clienti_hub``."""
        return {
            "type": "sql",
            "config": {
                "driver": MARIADB_DRIVER,
                "server": self.host,
                "port": self.port,
                "database": self.name,
                "user": self.user,
                "password": "",
                "login_timeout_seconds": 5,
                "streams": {
                    "clienti": {
                        "table": "clienti_hub",
                        "key": ["crmhub_id"],
                        "write": {"table": "clienti_hub", "id_column": "crmhub_id"},
                    }
                },
            },
            "streams": {"clienti": {"mapping": "mappings/erp_clienti.yaml"}},
        }

    def close(self) -> None:
        self.connection.close()
        self._admin.cursor().execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        self._admin.close()


@pytest.fixture(scope="module")
def erp_target() -> Iterator[ErpTarget]:
    database = ErpTarget()
    yield database
    database.close()


@pytest.fixture
def erp(erp_target: ErpTarget) -> ErpTarget:
    """The module's ERP database, ``clienti_hub`` emptied."""
    erp_target.execute("DELETE FROM clienti_hub")
    return erp_target


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    with FakeSalesforce() as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


def salesforce_connection(fake: FakeSalesforce) -> dict[str, Any]:
    """A ``type: salesforce`` connection on ``fake`` (token in $SF_TOKEN), fast backoffs."""
    return {
        "type": "salesforce",
        "config": {
            "instance_url": fake.url,
            "auth": {"method": "access_token", "access_token": "${SF_TOKEN}"},
            "objects": {"Contact": {}},
            "lookback_seconds": 0,
            "backoff_seconds": 0.001,
            "backoff_max_seconds": 0.01,
            "max_retries": 3,
            "max_wait_seconds": 2.0,
        },
        "streams": {"Contact": {"mapping": "mappings/sf_contact.yaml"}},
    }


MAPPING_FILES = {
    "mappings/erp_clienti.yaml": ERP_MAPPING,
    "mappings/sf_contact.yaml": SALESFORCE_MAPPING,
}


@pytest.fixture
def project_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``project_for(connections, targets)``: a loaded project in ``tmp_path``."""

    root = tmp_path / "project"

    def write(connections: dict[str, Any], targets: dict[str, Any], token: str = "") -> Project:
        monkeypatch.setenv("SF_TOKEN", token)
        for name, text in MAPPING_FILES.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        document = {"project": "synctest", "connections": connections, "targets": targets}
        (root / "crmhub.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
        return load_project(root)

    write.root = root  # type: ignore[attr-defined]
    return write


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as a canonical record, exactly as the store keeps one."""
    party = Party.from_source(data, default_country="IT")
    return party.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def company(name: str, email: str | None = None, phone: str | None = None) -> dict[str, Any]:
    """A canonical organization."""
    data: dict[str, Any] = {"organization": {"legal_name": name}}
    if email:
        data["emails"] = [email]
    if phone:
        data["phones"] = [phone]
    return canonical(data)


def person(given: str, family: str, email: str | None = None, **extra: Any) -> dict[str, Any]:
    """A canonical person."""
    data: dict[str, Any] = {"person": {"given_name": given, "family_name": family}, **extra}
    if email:
        data["emails"] = [email]
    return canonical(data)


class Goldens:
    """Golden records (and the source records they come from) written straight into a store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._clock = datetime.now(UTC) - timedelta(days=1)

    def tick(self) -> datetime:
        """A strictly later instant than the previous one."""
        self._clock += timedelta(seconds=1)
        return max(self._clock, datetime.now(UTC))

    def add(self, data: dict[str, Any], *, sources: tuple[str, ...] = ("erp",)) -> str:
        """A live golden record with ``data``, linked to one source record per connection."""
        gid = uuid.uuid4().hex
        now = self.tick()
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(golden_records).values(
                    id=gid,
                    party_kind=data.get("kind"),
                    data=data,
                    lineage={},
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            for connection in sources:
                self._link(conn, gid, connection, data, now)
        return gid

    def link(self, gid: str, connection: str, data: dict[str, Any]) -> None:
        """Link a source record of ``connection`` holding ``data`` to golden record ``gid``."""
        with self.engine.begin() as conn:
            self._link(conn, gid, connection, data, self.tick())

    def _link(self, conn: Any, gid: str, connection: str, data: dict[str, Any], now: Any) -> None:
        sid = conn.execute(
            sa.insert(source_records)
            .values(
                connection=connection,
                stream="customers",
                source_key=f"{connection}-{gid}",
                raw={},
                raw_hash="0" * 32,
                canonical=data,
                content_hash="0" * 32,
                party_kind=data.get("kind"),
                deleted=False,
                created_at=now,
                updated_at=now,
            )
            .returning(source_records.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(xref).values(source_record_id=sid, golden_id=gid, via="test", linked_at=now)
        )

    def change(self, gid: str, data: dict[str, Any]) -> None:
        """A new version of golden record ``gid``."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(golden_records)
                .where(golden_records.c.id == gid)
                .values(data=data, version=golden_records.c.version + 1, updated_at=self.tick())
            )

    def retire(self, gid: str) -> None:
        """No live source record is left for ``gid``."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(golden_records)
                .where(golden_records.c.id == gid)
                .values(retired_at=self.tick(), updated_at=self.tick())
            )


@pytest.fixture
def goldens(store_engine: Engine) -> Goldens:
    return Goldens(store_engine)


def ingest(project: Project, engine: Engine, connection: str, stream: str) -> Any:
    """Read ``stream`` of ``connection`` into the store as ``crmhub sync`` does (echo filter
    included); its counts."""
    from crmhub.ingest.sync import sync_connection

    return sync_connection(project, engine, connection, streams=[stream]).streams[stream]


def stored_raw(engine: Engine, connection: str, stream: str) -> dict[str, dict[str, Any]]:
    """The raw records stored for a stream, by key."""
    s = source_records.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(s.source_key, s.raw).where(s.connection == connection, s.stream == stream)
        )
        return {key: raw for key, raw in rows}
