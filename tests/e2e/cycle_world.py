"""A small messy world for the whole-cycle proofs: an ERP on MariaDB (through ODBC and the
real ``sql`` connector), a spreadsheet (CSV through the ``file`` connector) and the fake
Salesforce on loopback, holding overlapping customers written differently in each.

The ERP has its own customer table ``clienti`` (read; key ``codice``) and an import table
``clienti_hub`` the hub upserts the golden records into by ``crmhub_id`` (the ERP's import job
would pick them up). Salesforce Contacts are read and upserted by ``Crmhub_Id__c``.

``erp_database()`` makes the MariaDB database (once per module); ``new_world(erp, root)`` the
world of one test: the ERP emptied and seeded, the spreadsheet, a fake Salesforce seeded, and
``world.project(store_url, ...)`` writing crmhub.yaml and the mappings.
"""

from __future__ import annotations

import csv
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyodbc
import pytest
import sqlalchemy as sa
import typer
import yaml
from sqlalchemy.engine import Engine

from connectors.testing.fake_salesforce import FakeSalesforce
from crmhub.config.project import Project, load_project
from crmhub.cycle import CycleReport, run_cycle
from crmhub.store.schema import golden_records, source_records, xref
from tests.sync.conftest import MARIADB_DRIVER, running_in_ci
from tests.sync.conftest import salesforce_connection as sync_salesforce_connection

EXT = "Crmhub_Id__c"

# Who is where (E: ERP, S: spreadsheet, F: Salesforce):
#   Mario Rossi      E S F   Giulia Bianchi  E S      Luca Verdi      E
#   Anna Neri          S F   Niccolò Ricci   E   F    Paolo Esposito      F
#   Chiara Romano      S
ERP_ROWS = [
    ("C001", "Mario", "Rossi", "mario.rossi@esempio.it", "02 1234567"),
    ("C002", "Giulia", "Bianchi", "giulia.bianchi@esempio.it", "011 7654321"),
    ("C003", "Luca", "Verdi", "luca.verdi@esempio.it", "347 1112233"),
    ("C004", "Niccolò", "Ricci", "n.ricci@esempio.it", "06 5550001"),
]
SHEET_ROWS = [
    {
        "ID": "F-1",
        "NOMINATIVO": "ROSSI MARIO",
        "MAIL": "Mario.Rossi@Esempio.IT",
        "CELL": "+39 02 123 4567",
    },
    {
        "ID": "F-2",
        "NOMINATIVO": "bianchi giulia",
        "MAIL": "giulia.bianchi@esempio.it ",
        "CELL": "0117654321",
    },
    {"ID": "F-3", "NOMINATIVO": "NERI ANNA", "MAIL": "anna.neri@esempio.it", "CELL": "333-4445566"},
    {"ID": "F-4", "NOMINATIVO": "Romano Chiara", "MAIL": "chiara.romano@esempio.it", "CELL": ""},
]
SALESFORCE_CONTACTS = [
    {
        "FirstName": "Mario",
        "LastName": "Rossi",
        "Email": "MARIO.ROSSI@esempio.it",
        "Phone": "0039 02 1234567",
    },
    {
        "FirstName": "Anna",
        "LastName": "Neri",
        "Email": "anna.neri@esempio.it",
        "Phone": "02 8889990",
    },
    {
        "FirstName": "Niccolo",
        "LastName": "Ricci",
        "Email": "n.ricci@esempio.it",
        "Phone": "338 1212121",
    },
    {
        "FirstName": "Paolo",
        "LastName": "Esposito",
        "Email": "paolo.esposito@esempio.it",
        "Phone": "+39 081 2223344",
    },
]
PEOPLE = 7  # distinct customers in the world
NOT_IN_SALESFORCE = (("erp", "C002"), ("erp", "C003"), ("fiera", "F-4"))  # Giulia, Luca, Chiara

TABLES = (
    """
    CREATE TABLE clienti (
        codice      VARCHAR(10)  NOT NULL PRIMARY KEY,
        nome        VARCHAR(60)  NOT NULL,
        cognome     VARCHAR(60)  NOT NULL,
        email       VARCHAR(120) NULL,
        telefono    VARCHAR(30)  NULL,
        aggiornato  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
                                 ON UPDATE CURRENT_TIMESTAMP(6)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    """
    CREATE TABLE clienti_hub (
        crmhub_id   VARCHAR(40)  NOT NULL PRIMARY KEY,
        nome        VARCHAR(60)  NULL,
        cognome     VARCHAR(60)  NULL,
        email       VARCHAR(120) NULL,
        telefono    VARCHAR(30)  NULL,
        aggiornato  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
                                 ON UPDATE CURRENT_TIMESTAMP(6)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
)

ERP_MAPPING = """\
version: 1
kind: {const: person}
defaults: {country: IT}
fields:
  person.given_name: nome
  person.family_name: cognome
  emails:
    - {raw: email, primary: {const: true}}
  phones:
    - {raw: telefono}
source_updated_at: {from: aggiornato, transform: [{datetime: ["%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"]}]}
"""
ERP_IMPORT_MAPPING = (
    ERP_MAPPING
    + """\
reverse:
  nome: person.given_name
  cognome: person.family_name
  email: emails[primary].value
  telefono: phones[primary].value
"""
)
SHEET_MAPPING = """\
version: 1
kind: {const: person}
defaults: {country: IT}
fields:
  person.given_name: {from: NOMINATIVO, transform: [{split_name: {part: given, order: family_first}}, title]}
  person.family_name: {from: NOMINATIVO, transform: [{split_name: {part: family, order: family_first}}, title]}
  emails:
    - {raw: MAIL, primary: {const: true}}
  phones:
    - {raw: CELL}
"""
SALESFORCE_MAPPING = """\
version: 1
kind: {const: person}
defaults: {country: IT}
fields:
  person.given_name: FirstName
  person.family_name: LastName
  emails:
    - {raw: Email, primary: {const: true}}
  phones:
    - {raw: Phone}
source_updated_at: {from: SystemModstamp, transform: [{datetime: "%Y-%m-%dT%H:%M:%S.%f%z"}]}
reverse:
  FirstName: person.given_name
  LastName: person.family_name
  Email: emails[primary].value
  Phone: phones[primary].value
"""
MAPPINGS = {
    "mappings/erp_clienti.yaml": ERP_MAPPING,
    "mappings/erp_clienti_hub.yaml": ERP_IMPORT_MAPPING,
    "mappings/fiera.yaml": SHEET_MAPPING,
    "mappings/sf_contact.yaml": SALESFORCE_MAPPING,
}


def _unavailable(reason: str) -> None:
    """Skip, or fail under CI=true, where a missing server may not pass unnoticed."""
    if running_in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


class ErpDatabase:
    """A fresh MariaDB database with ``clienti`` and ``clienti_hub``, for one test module."""

    def __init__(self, host: str = "127.0.0.1", port: int = 3306, user: str = "root") -> None:
        self.host, self.port, self.user = host, port, user
        if MARIADB_DRIVER not in pyodbc.drivers():
            _unavailable(f"ODBC driver {MARIADB_DRIVER!r} is not installed ({pyodbc.drivers()})")
        try:
            self._admin = pyodbc.connect(self._dsn("test"), timeout=5, autocommit=True)
        except pyodbc.Error as exc:
            _unavailable(f"MariaDB at {host}:{port} is not reachable: {exc.args[-1]}")
        self.name = f"crmhub_cycle_{uuid.uuid4().hex[:10]}"
        self._admin.cursor().execute(f"CREATE DATABASE `{self.name}`")
        self.connection = pyodbc.connect(self._dsn(self.name), timeout=5, autocommit=True)
        for statement in TABLES:
            self.execute(statement)

    def _dsn(self, database: str) -> str:
        return (
            f"DRIVER={{{MARIADB_DRIVER}}};SERVER={self.host};PORT={self.port};"
            f"DATABASE={database};UID={self.user};PWD={{}};CONN_TIMEOUT=5"
        )

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        cursor = self.connection.cursor()
        cursor.execute(sql, list(params))
        return cursor.rowcount

    def rows(self, table: str = "clienti_hub") -> dict[str, dict[str, Any]]:
        """Every row of ``table`` by its first column."""
        cursor = self.connection.cursor()
        cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

    def reset(self) -> None:
        """Both tables emptied, ``clienti`` seeded with the world's ERP customers."""
        self.execute("DELETE FROM clienti_hub")
        self.execute("DELETE FROM clienti")
        for row in ERP_ROWS:
            self.execute(
                "INSERT INTO clienti (codice, nome, cognome, email, telefono) VALUES (?,?,?,?,?)",
                row,
            )

    def connection_config(self) -> dict[str, Any]:
        """The ``type: sql`` connection: ``clienti`` read, ``clienti_hub`` written."""
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
                    "clienti": {"table": "clienti", "key": ["codice"]},
                    "clienti_hub": {"write": {"table": "clienti_hub", "id_column": "crmhub_id"}},
                },
            },
            "streams": {"clienti": {"mapping": "mappings/erp_clienti.yaml"}},
        }

    def close(self) -> None:
        self.connection.close()
        self._admin.cursor().execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        self._admin.close()


def salesforce_connection(fake: FakeSalesforce, **config: Any) -> dict[str, Any]:
    """The sync tests' Salesforce connection on ``fake`` (token in $SF_TOKEN), fast backoffs,
    with ``config`` on top."""
    connection = sync_salesforce_connection(fake)
    connection["config"].update(config)
    return connection


class World:
    """The three systems of one test and the project that connects them."""

    def __init__(self, root: Path, erp: ErpDatabase, fake: FakeSalesforce) -> None:
        self.root = root
        self.erp = erp
        self.fake = fake
        self.sheet = root / "data" / "fiera.csv"
        with fake._lock:  # what the salespeople made is a minute old
            fake.org.now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
        self.sf_ids = fake.seed(
            "Contact", len(SALESFORCE_CONTACTS), make=lambda i: SALESFORCE_CONTACTS[i]
        )
        self.write_sheet(SHEET_ROWS)

    def sync_clock(self) -> None:
        """The org's clock to the real time: the ERP stamps rows with the real time, and
        survivorship's most_recent compares the two (the fake's clock moves only when told)."""
        with self.fake._lock:
            self.fake.org.now = max(self.fake.org.now, datetime.now(UTC).replace(microsecond=0))

    def salesperson_edits(self, contact_id: str, **changes: Any) -> None:
        """A salesperson changes a Contact in Salesforce, now."""
        self.sync_clock()
        self.fake.touch("Contact", [contact_id], changes=changes)

    def cycle(self, project: Project, engine: Engine, **options: Any) -> CycleReport:
        """One cycle, at the real time (see ``cycle``)."""
        self.sync_clock()
        return cycle(project, engine, **options)

    def add_visitors(self, n: int) -> None:
        """``n`` (up to 20) more people on the spreadsheet, each in no other system."""
        extra = [
            {
                "ID": f"V-{i}",
                "NOMINATIVO": f"{FAMILY[i * 7 % len(FAMILY)]} {GIVEN[i]}",
                "MAIL": f"ospite{i}@fiera.example",
                "CELL": f"3{i:02d} 55{i:05d}",
            }
            for i in range(n)
        ]
        self.write_sheet(SHEET_ROWS + extra)

    def write_sheet(self, rows: list[dict[str, str]]) -> None:
        """The spreadsheet export, semicolon-separated as Italian Excel writes it."""
        self.sheet.parent.mkdir(parents=True, exist_ok=True)
        with self.sheet.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
            writer.writeheader()
            writer.writerows(rows)

    def config(
        self,
        store_url: str,
        *,
        salesforce: dict[str, Any] | None = None,
        sf_target: dict[str, Any] | None = None,
        erp_target: dict[str, Any] | None = None,
        survivorship: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """crmhub.yaml as a dict: three connections, two targets (overrides merged in)."""
        return {
            "version": 1,
            "project": "cycle",
            "database_url": store_url,
            "connections": {
                "erp": self.erp.connection_config(),
                "fiera": {
                    "type": "file",
                    "config": {
                        "delimiter": ";",
                        "streams": {"visitatori": {"path": "data/fiera.csv", "key": ["ID"]}},
                    },
                    "streams": {"visitatori": {"mapping": "mappings/fiera.yaml"}},
                },
                "salesforce": salesforce_connection(self.fake, **(salesforce or {})),
            },
            "matching": {"thresholds": {"upper": 0.9, "lower": 0.6}},
            "survivorship": survivorship or {"default_rule": "most_recent"},
            "targets": {
                "erp_clienti": {
                    "connection": "erp",
                    "stream": "clienti_hub",
                    "mapping": "mappings/erp_clienti_hub.yaml",
                    "id_field": "crmhub_id",
                    **(erp_target or {}),
                },
                "sf_contacts": {
                    "connection": "salesforce",
                    "stream": "Contact",
                    "id_field": EXT,
                    "retry": {"backoff_seconds": 0, "backoff_max_seconds": 0},
                    **(sf_target or {}),
                },
            },
        }

    def project(self, store_url: str, **overrides: Any) -> Project:
        """Write the project (mappings and crmhub.yaml) and load it."""
        for name, text in MAPPINGS.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        document = self.config(store_url, **overrides)
        (self.root / "crmhub.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
        return load_project(self.root)

    def contacts(self) -> dict[str, dict[str, Any]]:
        """Salesforce Contacts by Id."""
        return {r["Id"]: r for r in self.fake.records("Contact")}

    def hub_contacts(self) -> dict[str, dict[str, Any]]:
        """Salesforce Contacts carrying a golden id, by golden id (each must carry its own)."""
        found: dict[str, dict[str, Any]] = {}
        for record in self.fake.records("Contact"):
            if record.get(EXT):
                assert record[EXT] not in found, f"two Contacts carry {record[EXT]}"
                found[record[EXT]] = record
        return found


GIVEN = [
    "Alessandro",
    "Beatrice",
    "Carlo",
    "Daniela",
    "Edoardo",
    "Federica",
    "Giacomo",
    "Ilaria",
    "Jacopo",
    "Lorenza",
    "Matteo",
    "Noemi",
    "Ottavio",
    "Patrizia",
    "Quirino",
    "Rebecca",
    "Stefano",
    "Teresa",
    "Ugo",
    "Valentina",
]
FAMILY = [
    "Barbieri",
    "Caruso",
    "Donati",
    "Fontana",
    "Galli",
    "Lombardi",
    "Marchetti",
    "Moretti",
    "Orlando",
    "Pellegrini",
    "Rinaldi",
    "Santoro",
    "Testa",
    "Vitale",
    "Zanetti",
    "Amato",
    "Benedetti",
    "Conte",
    "Greco",
    "Ferraro",
]


CLI_APP = """
import sys, typer
from crmhub.cli import run_cmd
from crmhub.cli.main import CrmhubGroup, main
app = typer.Typer(cls=CrmhubGroup, add_completion=False, pretty_exceptions_enable=False)
app.callback()(main)
app.command("run", epilog=run_cmd.EPILOG)(run_cmd.run)
app(prog_name="crmhub")
"""


def crmhub_command(*args: str) -> list[str]:
    """``crmhub ARGS`` as a separate process (with ``run`` wired as in crmhub/cli/main.py)."""
    return [sys.executable, "-c", CLI_APP, *args]


def cli_app() -> typer.Typer:
    """The root app (global options, error reporting) with ``crmhub run`` on it, in-process."""
    from crmhub.cli import run_cmd
    from crmhub.cli.main import CrmhubGroup, main

    app = typer.Typer(cls=CrmhubGroup, add_completion=False, pretty_exceptions_enable=False)
    app.callback()(main)
    app.command("run", epilog=run_cmd.EPILOG)(run_cmd.run)
    return app


def cycle(project: Project, engine: Engine, **options: Any) -> CycleReport:
    """One cycle; fails the test, naming the step, when a step did not succeed."""
    report = run_cycle(project, engine, **options)
    problems = [f"{s.kind} {s.name}: {s.status}: {s.error}" for s in report.failures()]
    assert report.ok, problems
    return report


@contextmanager
def erp_database() -> Iterator[ErpDatabase]:
    """A fresh MariaDB database for the world's ERP, dropped afterwards."""
    database = ErpDatabase()
    try:
        yield database
    finally:
        database.close()


@contextmanager
def new_world(erp: ErpDatabase, root: Path) -> Iterator[World]:
    """The world in ``root``: the ERP reset, a fake Salesforce serving (token in $SF_TOKEN)."""
    erp.reset()
    with FakeSalesforce() as fake:
        previous = os.environ.get("SF_TOKEN")
        os.environ["SF_TOKEN"] = fake.token
        try:
            yield World(root, erp, fake)
        finally:
            if previous is None:
                os.environ.pop("SF_TOKEN", None)
            else:
                os.environ["SF_TOKEN"] = previous
    assert not fake.server.errors, fake.server.errors[0]


# -- shared by the cycle tests (the fixtures are offered to tests/e2e by its conftest) ---------


@pytest.fixture(scope="module")
def erp_world() -> Iterator[ErpDatabase]:
    """One ERP database per test module, emptied by each world."""
    with erp_database() as database:
        yield database


@pytest.fixture
def world(erp_world: ErpDatabase, tmp_path: Path) -> Iterator[World]:
    with new_world(erp_world, tmp_path / "project") as made:
        yield made


def store_url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def golden_of(engine: Engine, connection: str, key: str) -> str:
    """The golden id the source record ``connection``/``key`` belongs to."""
    s, x = source_records.c, xref.c
    with engine.connect() as conn:
        return conn.execute(
            sa.select(x.golden_id)
            .join_from(xref, source_records, x.source_record_id == s.id)
            .where(s.connection == connection, s.source_key == key)
        ).scalar_one()


def live_goldens(engine: Engine) -> set[str]:
    g = golden_records.c
    with engine.connect() as conn:
        return set(conn.execute(sa.select(g.id).where(g.retired_at.is_(None))).scalars())
