"""The database side of the deployment, run for real: postgres/init-databases.sh on the
PostgreSQL test server, and the backup and restore commands docs/operations.md gives, word for
word, for PostgreSQL and for SQLite."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from crmhub.cli import output
from crmhub.cli.main import app
from crmhub.store import create_store_engine, upgrade
from crmhub.store.migrate import require_current
from tests.conftest import PostgresTestDatabase
from tests.docker.compose import DOCKER_DIR
from tests.docker.markdown import fenced_block

INIT_SCRIPT = DOCKER_DIR / "postgres" / "init-databases.sh"
GUIDE = DOCKER_DIR.parent / "docs" / "operations.md"
IN_POSTGRES = "docker compose exec -T postgres "
PASSWORD = "pa'ss\"word with spaces"  # reaches psql as a variable, never inside the SQL


@dataclass(frozen=True)
class Deployment:
    """The two databases and roles the init script made on the test server, unique names."""

    admin: URL
    airflow_role: str
    airflow_db: str
    hub_role: str
    hub_db: str

    def url(self, role: str, database: str) -> str:
        url = self.admin.set(username=role, password=PASSWORD, database=database)
        return url.render_as_string(hide_password=False)

    def environment(self, **extra: str) -> dict[str, str]:
        """What the postgres container gives the script, pointed at the test server."""
        env = {
            "PATH": os.environ["PATH"],
            "PGHOST": self.admin.host or "127.0.0.1",
            "PGPORT": str(self.admin.port or 5432),
            "PGPASSWORD": self.admin.password or "",
            "POSTGRES_USER": self.admin.username or "postgres",
            "POSTGRES_DB": self.admin.database or "postgres",
            "AIRFLOW_DB_USER": self.airflow_role,
            "AIRFLOW_DB_NAME": self.airflow_db,
            "CRMHUB_DB_USER": self.hub_role,
            "CRMHUB_DB_NAME": self.hub_db,
            "AIRFLOW_DB_PASSWORD": PASSWORD,
            "CRMHUB_DB_PASSWORD": PASSWORD,
        }
        return {**env, **extra}


def run_init_script(deployment: Deployment, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INIT_SCRIPT)],
        check=False,
        env=deployment.environment(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def deployment(postgres_test_database: PostgresTestDatabase) -> Iterator[Deployment]:
    tag = uuid.uuid4().hex[:8]
    made = Deployment(
        admin=postgres_test_database.url,
        airflow_role=f"e_airflow_{tag}",
        airflow_db=f"e_airflow_db_{tag}",
        hub_role=f"e_crmhub_{tag}",
        hub_db=f"e_crmhub_db_{tag}",
    )
    yield made
    admin = create_store_engine(made.admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for database in (made.airflow_db, made.hub_db):
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (made.airflow_role, made.hub_role):
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    admin.dispose()


def _scalar(url: str | URL, sql: str, **params: object) -> object:
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_init_script_makes_two_databases_each_owned_by_its_role(deployment: Deployment) -> None:
    for _ in range(2):  # a rerun (a server prepared by hand twice) changes nothing
        done = run_init_script(deployment)
        assert done.returncode == 0, done.stderr
    owner = "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :db"
    assert _scalar(deployment.admin, owner, db=deployment.airflow_db) == deployment.airflow_role
    assert _scalar(deployment.admin, owner, db=deployment.hub_db) == deployment.hub_role
    can_connect = "SELECT has_database_privilege(:role, :db, 'CONNECT')"
    assert _scalar(deployment.admin, can_connect, role=deployment.hub_role, db=deployment.hub_db)
    assert not _scalar(
        deployment.admin, can_connect, role=deployment.airflow_role, db=deployment.hub_db
    )


@pytest.mark.postgres
def test_init_script_stops_without_a_password_and_creates_nothing(deployment: Deployment) -> None:
    done = run_init_script(deployment, CRMHUB_DB_PASSWORD="")
    assert done.returncode != 0
    assert "set CRMHUB_DB_PASSWORD" in done.stderr
    exists = "SELECT count(*) FROM pg_database WHERE datname IN (:a, :b)"
    assert _scalar(deployment.admin, exists, a=deployment.airflow_db, b=deployment.hub_db) == 0


@pytest.mark.postgres
def test_each_role_can_build_its_schema(deployment: Deployment) -> None:
    assert run_init_script(deployment).returncode == 0
    hub = deployment.url(deployment.hub_role, deployment.hub_db)
    upgrade(hub)  # what crmhub-migrate does, as the hub's own role
    engine = create_store_engine(hub)
    try:
        require_current(engine)
    finally:
        engine.dispose()
    airflow = deployment.url(deployment.airflow_role, deployment.airflow_db)
    engine = create_store_engine(airflow)  # airflow db migrate needs to create tables
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE migration_probe (id integer PRIMARY KEY)")
    finally:
        engine.dispose()


def _crmhub(*args: str) -> None:
    output.out.cache_clear()
    output.err.cache_clear()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _demo_store(root: Path, url: str | None) -> None:
    """A demo project synced and matched into the store at ``url`` (its own SQLite file)."""
    _crmhub("init", str(root))
    location = ["--project", str(root), *(["--database-url", url] if url else [])]
    for command in (["db", "upgrade"], ["sync", "--all"], ["match"]):
        _crmhub(*location, *command)


def _row_counts(url: str) -> dict[str, int]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar() for t in tables}
    finally:
        engine.dispose()


def _guide_step(line: str, deployment: Deployment) -> str | None:
    """A line of the guide as the test runs it: in-container commands against the test server;
    stopping and starting services is a no-op here, nothing else is expected."""
    if line.startswith(("docker compose stop ", "docker compose start ")):
        return None
    if line == "docker compose run --rm crmhub-migrate":
        return "MIGRATE"
    assert line.startswith(IN_POSTGRES), f"operations.md: a step the test cannot run: {line}"
    command = line.removeprefix(IN_POSTGRES)
    names = {
        "-U postgres": f"-U {deployment.admin.username}",
        "--dbname=crmhub": f"--dbname={deployment.hub_db}",
        "--role=crmhub": f"--role={deployment.hub_role}",
    }
    for written, actual in names.items():
        if written in command:
            command = command.replace(written, actual)
        else:
            assert written == "--role=crmhub", f"operations.md: expected {written} in {line}"
    return command


def _run_guide_block(marker: str, deployment: Deployment, cwd: Path) -> None:
    lines = fenced_block(GUIDE, marker)
    assert lines, f"docs/operations.md has no block after {marker}"
    hub = deployment.url(deployment.hub_role, deployment.hub_db)
    for line in lines:
        step = _guide_step(line, deployment)
        if step == "MIGRATE":
            upgrade(hub)
        elif step is not None:
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", step],
                check=False,
                cwd=cwd,
                env=deployment.environment(),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, f"{step}\n{done.stderr}"


@pytest.mark.postgres
def test_postgres_backup_and_restore_as_the_guide_says(
    deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CRMHUB_PROJECT", "CRMHUB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert run_init_script(deployment).returncode == 0
    hub = deployment.url(deployment.hub_role, deployment.hub_db)
    _demo_store(tmp_path / "demo", hub)
    before = _row_counts(hub)
    assert before["source_records"] == 20 and before["golden_records"] > 0

    _run_guide_block("<!-- test:pg-backup -->", deployment, tmp_path)
    engine = create_store_engine(hub)
    with engine.begin() as conn:  # lose the store after the backup (events refuse TRUNCATE)
        conn.exec_driver_sql("DROP TABLE " + ", ".join(f'"{t}"' for t in before) + " CASCADE")
    engine.dispose()
    assert _row_counts(hub) == {}

    _run_guide_block("<!-- test:pg-restore -->", deployment, tmp_path)
    assert _row_counts(hub) == before
    owners = "SELECT array_agg(DISTINCT tableowner) FROM pg_tables WHERE schemaname = 'public'"
    assert _scalar(hub, owners) == [deployment.hub_role]  # so later migrations can alter them


def test_sqlite_backup_as_the_guide_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CRMHUB_PROJECT", "CRMHUB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "demo"
    _demo_store(root, None)
    store = f"sqlite:///{root / 'crmhub.db'}"
    before = _row_counts(store)
    assert before["source_records"] == 20

    lines = fenced_block(GUIDE, "<!-- test:sqlite-backup -->")
    assert lines and all(line.startswith("sqlite3 crmhub.db ") for line in lines)
    for line in lines:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", line], check=False, cwd=root, timeout=60
        )
        assert done.returncode == 0, line

    # restore as the guide says: remove the store and its WAL files, copy the backup back
    for suffix in ("", "-wal", "-shm"):
        (root / f"crmhub.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(root / "crmhub-backup.db", root / "crmhub.db")
    _crmhub("--project", str(root), "db", "upgrade")
    assert _row_counts(store) == before
    assert _scalar(store, "PRAGMA integrity_check") == "ok"
