"""Shared fixtures: a fresh hub store on SQLite and on PostgreSQL for every test that asks.

Fixtures
--------
``store_backend``  "sqlite" or "postgresql"; every test using a store fixture runs on both.
                   To run a test on one backend only::

                       @pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)

``store_factory``  a :class:`StoreFactory` for the current backend: ``new_url()`` gives the
                   URL of a fresh empty store, ``new_engine()`` an engine on a fresh store
                   migrated to head (``migrated=False`` for an empty one). Everything it made
                   is disposed of and dropped after the test.
``store_url``      the URL (str) of a fresh, empty, not migrated store.
``store_engine``   an engine on a fresh store migrated to head.

PostgreSQL: the server named by ``CRMHUB_TEST_POSTGRES_URL`` (default: user root, then
postgres, on 127.0.0.1:5432, database ``test`` as the maintenance database). One database
is created per test session and dropped afterwards; each store is a fresh schema in it.
Without a reachable server the postgresql cases are skipped with the reason, unless
``CI`` is set (true/1/yes), where a missing server is a failure.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from crmhub.store import StoreUnavailable, create_store_engine, upgrade

POSTGRES_URL_ENV = "CRMHUB_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URLS = (
    "postgresql+psycopg://root@127.0.0.1:5432/test",
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
)
STORE_BACKENDS = ("sqlite", "postgresql")


def running_in_ci() -> bool:
    """True when the environment says we run in CI, where nothing may be skipped for lack of a server."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


class PostgresTestDatabase:
    """A database created for this test session; hands out one fresh schema per store."""

    def __init__(self, maintenance_url: str) -> None:
        self._maintenance = create_store_engine(maintenance_url, isolation_level="AUTOCOMMIT")
        self._name = f"crmhub_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url: URL = self._create_database()
        self._admin = create_store_engine(self.url, isolation_level="AUTOCOMMIT")
        self._counter = itertools.count(1)

    def _create_database(self) -> URL:
        base = self._maintenance.url
        try:
            with self._maintenance.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self._name}"')
        except sa.exc.ProgrammingError:
            # No CREATEDB privilege: use the given database itself, one schema per store.
            self._name = ""
            return base
        return base.set(database=self._name)

    def new_schema_url(self) -> URL:
        """Create an empty schema and return a URL whose search_path is that schema."""
        schema = f"store_{next(self._counter)}_{uuid.uuid4().hex[:8]}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        return self.url.update_query_dict({"options": f"-csearch_path={schema}"})

    def drop_schema(self, url: URL) -> None:
        """Drop the schema a URL from :meth:`new_schema_url` points at."""
        schema = str(url.query["options"]).removeprefix("-csearch_path=")
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self) -> None:
        """Drop the session database (closing any session still connected to it)."""
        self._admin.dispose()
        if self._name:
            with self._maintenance.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
        self._maintenance.dispose()


def _connect_postgres() -> PostgresTestDatabase:
    """The first reachable test server, or a skip (a failure in CI) saying why there is none."""
    configured = os.environ.get(POSTGRES_URL_ENV)
    candidates = [configured] if configured else list(DEFAULT_POSTGRES_URLS)
    reasons = []
    for url in candidates:
        try:
            return PostgresTestDatabase(url)
        except StoreUnavailable as exc:
            reasons.append(str(exc))
    message = (
        "PostgreSQL is not reachable: "
        + "; ".join(reasons)
        + f" (set {POSTGRES_URL_ENV} to a reachable server)"
    )
    if running_in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_test_database() -> Iterator[PostgresTestDatabase]:
    """The session's PostgreSQL test database (skips, or fails in CI, without a server)."""
    database = _connect_postgres()
    yield database
    database.close()


class StoreFactory:
    """Makes fresh stores of one backend for a test and cleans them all up afterwards."""

    def __init__(self, backend: str, tmp_path: Path, postgres: PostgresTestDatabase | None) -> None:
        self.backend = backend
        self._tmp_path = tmp_path
        self._postgres = postgres
        self._counter = itertools.count(1)
        self._engines: list[Engine] = []
        self._schema_urls: list[URL] = []

    def new_url(self) -> str:
        """The URL of a fresh, empty store (nothing migrated)."""
        if self._postgres is None:
            path = self._tmp_path / f"store-{next(self._counter)}" / "crmhub.db"
            return f"sqlite:///{path}"
        url = self._postgres.new_schema_url()
        self._schema_urls.append(url)
        return url.render_as_string(hide_password=False)

    def new_engine(self, *, migrated: bool = True, url: str | None = None) -> Engine:
        """An engine on a fresh store (or on ``url``), migrated to head unless told otherwise."""
        engine = create_store_engine(url or self.new_url())
        self._engines.append(engine)
        if migrated:
            upgrade(engine)
        return engine

    def close(self) -> None:
        """Dispose of every engine made here and drop the PostgreSQL schemas."""
        for engine in self._engines:
            engine.dispose()
        if self._postgres is not None:
            for url in self._schema_urls:
                self._postgres.drop_schema(url)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def store_backend(request: pytest.FixtureRequest) -> str:
    """The database the store under test runs on."""
    return request.param


@pytest.fixture
def store_factory(
    store_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[StoreFactory]:
    """Fresh stores on the current backend (see :class:`StoreFactory`)."""
    postgres = (
        request.getfixturevalue("postgres_test_database") if store_backend == "postgresql" else None
    )
    factory = StoreFactory(store_backend, tmp_path, postgres)
    yield factory
    factory.close()


@pytest.fixture
def store_url(store_factory: StoreFactory) -> str:
    """The URL of a fresh, empty store."""
    return store_factory.new_url()


@pytest.fixture
def store_engine(store_factory: StoreFactory, store_url: str) -> Engine:
    """An engine on the store at ``store_url``, migrated to head."""
    return store_factory.new_engine(url=store_url)
