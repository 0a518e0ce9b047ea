"""Fixtures: a fake Salesforce on loopback (real sockets) and connectors configured against it.

``fake``            a started ``FakeSalesforce``; after the test, no fake handler may have failed.
``make_connector``  builds a ``SalesforceConnector`` on ``fake`` with fast retry and poll
                    settings (``fast_config``), closed after the test; keyword arguments
                    override settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.builtin.salesforce import SalesforceConnector
from connectors.sdk import Checkpoint, ReadItem, SourceRecord
from connectors.testing.fake_salesforce import FakeSalesforce

ConnectorFactory = Callable[..., SalesforceConnector]


def fast_config(fake: FakeSalesforce, **overrides: Any) -> dict[str, Any]:
    """A configuration for ``fake`` whose backoffs and polls take milliseconds, not seconds."""
    return {
        "instance_url": fake.url,
        "auth": {"method": "access_token", "access_token": fake.token},
        "lookback_seconds": 0,
        "backoff_seconds": 0.001,
        "backoff_max_seconds": 0.01,
        "bulk_poll_seconds": 0.001,
        "bulk_poll_max_seconds": 0.01,
        "max_wait_seconds": 10.0,
        **overrides,
    }


def password_auth(fake: FakeSalesforce) -> dict[str, str]:
    """The ``auth`` block of the fake's integration user (SOAP login)."""
    sessions = fake.sessions
    return {
        "method": "password",
        "username": sessions.username,
        "password": sessions.password,
        "security_token": sessions.security_token,
    }


def client_credentials_auth(fake: FakeSalesforce) -> dict[str, str]:
    """The ``auth`` block of the fake's connected app (OAuth client credentials)."""
    return {
        "method": "client_credentials",
        "client_id": fake.sessions.client_id,
        "client_secret": fake.sessions.client_secret,
    }


def records_of(items: list[ReadItem]) -> list[SourceRecord]:
    """The records among read items."""
    return [i for i in items if isinstance(i, SourceRecord)]


def last_state(items: list[ReadItem]) -> dict[str, Any]:
    """The state of the last checkpoint among read items."""
    checkpoints = [i for i in items if isinstance(i, Checkpoint)]
    assert checkpoints, "the read yielded no checkpoint"
    return checkpoints[-1].state


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    with FakeSalesforce() as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


@pytest.fixture
def make_connector(fake: FakeSalesforce) -> Iterator[ConnectorFactory]:
    built: list[SalesforceConnector] = []

    def make(**overrides: Any) -> SalesforceConnector:
        connector = SalesforceConnector.from_dict(fast_config(fake, **overrides))
        assert isinstance(connector, SalesforceConnector)
        built.append(connector)
        return connector

    yield make
    for connector in built:
        connector.close()
