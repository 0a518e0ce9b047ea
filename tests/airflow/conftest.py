"""Fixtures for the Airflow tests: a private AIRFLOW_HOME, its migrated metadata database, and a
fake-backed crmhub project (CSV files in, a fake Salesforce out) on a PostgreSQL hub store.

``AIRFLOW_HOME`` and the other ``AIRFLOW__*`` settings are put in the environment when this
module is imported, before anything imports Airflow, which reads them once.

``airflow_db``      (session) ``airflow db migrate`` run on a SQLite metadata database in the
                    private AIRFLOW_HOME; ``dag.test()`` and the pool tests need it.
``airflow``         a ``DagRunner``: parses the repository's ``dags/`` for the project named by
                    ``$CRMHUB_PROJECT`` (set by ``hub_project``), runs a DAG with
                    ``dag.test()``, reads task states, tries and asset events back.
``fake``            a fake Salesforce on loopback.
``hub_project``     ``hub_project(**options)`` writes the project, points $CRMHUB_PROJECT and
                    $CRMHUB_DATABASE_URL at it and at a fresh migrated PostgreSQL schema, and
                    puts its Salesforce token in ``AIRFLOW_CONN_SALESFORCE_API``.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
_HOME = Path(tempfile.mkdtemp(prefix="crmhub-airflow-home-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
AIRFLOW_ENV = {
    "AIRFLOW_HOME": str(_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
    # Short retries, so that a retried task runs again within the test.
    "CRMHUB_AIRFLOW_RETRY_DELAY_SECONDS": "1",
    "CRMHUB_AIRFLOW_MAX_RETRY_DELAY_SECONDS": "2",
}
# This folder cannot be a package (it would be imported as ``airflow``), so pytest puts tests/
# first on sys.path, where tests/canonical would shadow the real ``canonical`` package the tasks
# import; the repository goes first, as with ``python -m pytest`` from its root.
if str(REPO) not in sys.path[:1]:
    sys.path.insert(0, str(REPO))
if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != str(_HOME):
    # Airflow read its configuration already; these settings would be ignored.
    _IMPORTED_TOO_EARLY = "airflow was imported before tests/airflow/conftest.py"
else:
    _IMPORTED_TOO_EARLY = ""
    os.environ.update(AIRFLOW_ENV)

from connectors.testing.fake_salesforce import FakeSalesforce
from crmhub.cli.init_cmd import create_project
from crmhub.store import create_store_engine, upgrade
from tests.sync.conftest import SALESFORCE_MAPPING

SHOP_MAPPING = """\
version: 1
kind: {const: person}
defaults: {country: IT}
fields:
  person.given_name: nome
  person.family_name: cognome
  emails:
    - {raw: email}
"""

SHOP_CSV = """\
id,nome,cognome,email
S1,Ottavia,Quartieri,ottavia.quartieri@example.org
S2,Benedetto,Zanardelli,benedetto.zanardelli@example.org
"""

SF_CONN_ID = "salesforce_api"
EXT = "Crmhub_Id__c"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """AIRFLOW_HOME with a migrated metadata database (``airflow db migrate``, ~5 s CPU)."""
    if _IMPORTED_TOO_EARLY:
        pytest.fail(_IMPORTED_TOO_EARLY, pytrace=False)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env={**os.environ, **AIRFLOW_ENV},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"airflow db migrate: {time.perf_counter() - started:.1f} s")
    from airflow import settings

    if settings.Session is None:
        settings.configure_orm()
    return _HOME


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    with FakeSalesforce(batch_size=2) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


@dataclass
class HubProject:
    """A project written for one test, and its PostgreSQL store."""

    root: Path
    engine: Engine

    def count(self, table: str, where: str = "") -> int:
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()

    def clusters(self) -> set[frozenset[str]]:
        """The live golden records, each as the set of its source records' connection/key."""
        sql = (
            "SELECT x.golden_id, s.connection || '/' || s.source_key FROM xref x "
            "JOIN source_records s ON s.id = x.source_record_id "
            "JOIN golden_records g ON g.id = x.golden_id WHERE g.retired_at IS NULL"
        )
        groups: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for golden_id, key in conn.execute(sa.text(sql)):
                groups.setdefault(golden_id, set()).add(key)
        return {frozenset(keys) for keys in groups.values()}

    def runs(self, kind: str) -> list[tuple[str, str | None, dict[str, Any]]]:
        """(status, connection, counts) of the runs of ``kind``, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT status, connection, counts FROM runs WHERE kind = :k ORDER BY id"),
                {"k": kind},
            )
            return [(status, connection, counts or {}) for status, connection, counts in rows]


def _salesforce(fake: FakeSalesforce, **extra: Any) -> dict[str, Any]:
    return {
        "type": "salesforce",
        "config": {
            "instance_url": fake.url,
            # The token lives in an Airflow connection: AIRFLOW_CONN_SALESFORCE_API.
            "auth": {
                "method": "access_token",
                "access_token": "${airflow:salesforce_api.password}",
            },
            "objects": {"Contact": {}},
            "lookback_seconds": 0,
            "backoff_seconds": 0.001,
            "backoff_max_seconds": 0.01,
            "max_retries": 3,
            "max_wait_seconds": 2.0,
            **extra,
        },
        "max_parallel": 2,
        "streams": {"Contact": {"mapping": "mappings/sf_contact.yaml"}},
    }


@pytest.fixture
def hub_project(
    tmp_path: Path,
    fake: FakeSalesforce,
    postgres_test_database: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    """``hub_project(salesforce={...}, target={...})``: the demo project plus a shop CSV and the
    fake Salesforce (read as a source, written as target ``sf_contacts``)."""
    made: list[Any] = []

    def write(salesforce: dict[str, Any] | None = None, target: dict[str, Any] | None = None):
        root = tmp_path / "project"
        create_project(root, project_name="airflowtest")
        (root / "mappings" / "sf_contact.yaml").write_text(SALESFORCE_MAPPING, encoding="utf-8")
        (root / "mappings" / "shop.yaml").write_text(SHOP_MAPPING, encoding="utf-8")
        (root / "data" / "shop.csv").write_text(SHOP_CSV, encoding="utf-8")
        document = yaml.safe_load((root / "crmhub.yaml").read_text(encoding="utf-8"))
        document["connections"]["shop"] = {
            "type": "file",
            "config": {"streams": {"customers": {"path": "data/shop.csv", "key": ["id"]}}},
            "schedule": "*/30 * * * *",
            "streams": {"customers": {"mapping": "mappings/shop.yaml"}},
        }
        document["connections"]["salesforce"] = _salesforce(fake, **(salesforce or {}))
        document["targets"] = {
            "sf_contacts": {
                "connection": "salesforce",
                "stream": "Contact",
                "id_field": EXT,
                "filter": {"kind": "person"},
                **(target or {}),
            }
        }
        (root / "crmhub.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
        url = postgres_test_database.new_schema_url()
        made.append(url)
        rendered = url.render_as_string(hide_password=False)
        engine = create_store_engine(rendered)
        upgrade(engine)
        monkeypatch.setenv("CRMHUB_PROJECT", str(root))
        monkeypatch.setenv("CRMHUB_DATABASE_URL", rendered)
        monkeypatch.setenv(
            "AIRFLOW_CONN_" + SF_CONN_ID.upper(),
            json.dumps({"conn_type": "salesforce", "password": fake.token}),
        )
        project = HubProject(root, engine)
        made.append(project)
        return project

    def without_airflow(connections: list[str]) -> HubProject:
        """The same project's jobs run directly (as the command line runs them) on a store of
        their own: what the Airflow runs must agree with."""
        from crmhub.config.project import load_project
        from crmhub.ingest.sync import sync_connection
        from crmhub.match.job import run_match

        url = postgres_test_database.new_schema_url()
        made.append(url)
        engine = create_store_engine(url.render_as_string(hide_password=False))
        upgrade(engine)
        reference = HubProject(Path(os.environ["CRMHUB_PROJECT"]), engine)
        made.append(reference)
        project = load_project(reference.root)
        for name in connections:
            sync_connection(project, engine, name)
        run_match(project, engine)
        return reference

    write.without_airflow = without_airflow  # type: ignore[attr-defined]

    yield write
    for item in made:
        if isinstance(item, HubProject):
            item.engine.dispose()
        else:
            postgres_test_database.drop_schema(item)


class DagRunner:
    """Runs the generated DAGs with ``dag.test()`` and reads back what Airflow recorded."""

    def bag(self) -> Any:
        """The repository's dags/ folder parsed now, for the current $CRMHUB_PROJECT."""
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(DAGS))
        assert not bag.import_errors, bag.import_errors
        return bag

    def run(self, dag_id: str) -> Any:
        """Parse dags/ and run ``dag_id`` once; the finished DagRun."""
        started = time.perf_counter()
        dag_run = self.bag().dags[dag_id].test()
        print(f"{dag_id}: {dag_run.state} in {time.perf_counter() - started:.1f} s")
        return dag_run

    def states(self, dag_run: Any) -> dict[str, str]:
        """``{task_id: state}`` (a mapped task as ``task_id[i]``)."""
        return {
            ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
            for ti in self._instances(dag_run)
        }

    def tries(self, dag_run: Any, task_id: str) -> int:
        """How many times ``task_id`` ran in ``dag_run``."""
        (ti,) = [t for t in self._instances(dag_run) if t.task_id == task_id]
        return ti.try_number

    def asset_events(self, uri: str) -> list[dict[str, Any]]:
        """The extras of the events Airflow recorded for the asset ``uri``, oldest first."""
        from airflow import settings
        from airflow.models.asset import AssetEvent, AssetModel

        session = settings.Session()
        try:
            rows = session.execute(
                sa.select(AssetEvent.extra)
                .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                .where(AssetModel.uri == uri)
                .order_by(AssetEvent.id)
            )
            return [extra for (extra,) in rows]
        finally:
            session.close()

    def _instances(self, dag_run: Any) -> list[Any]:
        from airflow import settings

        session = settings.Session()
        try:
            return list(dag_run.get_task_instances(session=session))
        finally:
            session.close()


@pytest.fixture
def airflow(airflow_db: Path) -> DagRunner:
    """Runs DAGs on the session's migrated metadata database."""
    return DagRunner()
