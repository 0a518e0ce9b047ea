"""Fixtures for the workbench tests: an app on a fresh, seeded store (SQLite and PostgreSQL),
users of each role, a clock the tests can move, and logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from crmhub.web import PasswordHashing, Role, WebSettings, create_app
from crmhub.web.users import create_user

from .seed import T0, Seeded, seed_store

SECRET = SecretStr("test-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
PASSWORD = "correct horse battery"
# Cheap argon2 for tests (the real costs are the defaults of PasswordHashing).
FAST_HASHING = PasswordHashing(time_cost=1, memory_cost_kib=8, parallelism=1)
USERS = {"ada": Role.ADMIN, "sam": Role.STEWARD, "vic": Role.VIEWER}
CSRF_IN_PAGE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class Clock:
    """A clock the test sets and moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move the time forward."""
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    """Time stands at a week after the seeded data until a test moves it."""
    return Clock(T0 + timedelta(days=7))


def make_settings(clock: Clock, **overrides: object) -> WebSettings:
    """Test settings: cheap hashing, the test clock."""
    values: dict[str, object] = {
        "database_url": "sqlite://",
        "secret_key": SECRET,
        "password_hashing": FAST_HASHING,
        "clock": clock,
        "page_size": 50,
    }
    values.update(overrides)
    return WebSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def seeded(store_engine: Engine) -> Seeded:
    """The store with the seed data (tests/web/seed.py)."""
    return seed_store(store_engine)


@pytest.fixture
def app(store_engine: Engine, seeded: Seeded, clock: Clock) -> FastAPI:
    """The workbench on the seeded store, with users ada (admin), sam (steward), vic (viewer)."""
    created = create_app(make_settings(clock), engine=store_engine)
    ctx = created.state.crmhub
    for name, role in USERS.items():
        create_user(
            ctx.engine,
            ctx.passwords,
            name=name,
            password=PASSWORD,
            role=role,
            actor="test",
            now=clock(),
        )
    return created


def csrf_of(page_html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_IN_PAGE.search(page_html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    """Log ``client`` in through the login form; fails the test if that does not work."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


ClientFor = Callable[[str], TestClient]


@pytest.fixture
def client_for(app: FastAPI) -> ClientFor:
    """A new client logged in as the named user."""

    def make(name: str) -> TestClient:
        return log_in(TestClient(app), name)

    return make


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    """A client that never logged in."""
    return TestClient(app)


def page_csrf(client: TestClient, path: str = "/queue") -> str:
    """The CSRF token a logged-in client's pages carry."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
