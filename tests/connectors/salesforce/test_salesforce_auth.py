"""Sessions: logging in (SOAP password login, OAuth client credentials), logging in again once
after a 401, failing clearly when that is impossible, and never showing a secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectors.sdk import AuthError, Checkpoint, ReadItem, WriteOutcome
from connectors.testing.fake_salesforce import FakeSalesforce

from .conftest import ConnectorFactory, client_credentials_auth, password_auth, records_of

LOGINS: dict[str, Callable[[FakeSalesforce], dict[str, str]]] = {
    "password": password_auth,
    "client_credentials": client_credentials_auth,
}


def refused_calls(fake: FakeSalesforce) -> int:
    return sum(1 for r in fake.server.requests if r.status == 401)


@pytest.mark.parametrize("method", sorted(LOGINS))
def test_an_expired_session_mid_read_logs_in_again_once_and_loses_nothing(
    fake: FakeSalesforce, make_connector: ConnectorFactory, method: str
) -> None:
    ids = fake.seed("Contact", 12)
    connector = make_connector(auth=LOGINS[method](fake), page_size=5)
    items: list[ReadItem] = []
    for item in connector.read("Contact", None):
        items.append(item)
        if isinstance(item, Checkpoint) and len(items) == 6:
            fake.expire_sessions()

    assert [r.key for r in records_of(items)] == ids
    assert fake.sessions.logins == 2  # the first login, and one after the 401
    assert refused_calls(fake) == 1


@pytest.mark.parametrize("method", sorted(LOGINS))
def test_an_expired_session_mid_write_logs_in_again(
    fake: FakeSalesforce, make_connector: ConnectorFactory, method: str
) -> None:
    connector = make_connector(auth=LOGINS[method](fake))
    list(connector.write("Lead", [{"__key__": "a", "LastName": "A", "Company": "C"}]))
    fake.expire_sessions()

    results = list(
        connector.write(
            "Lead", [{"__key__": f"k{i}", "LastName": "L", "Company": "C"} for i in range(3)]
        )
    )

    assert {r.outcome for r in results} == {WriteOutcome.CREATED}
    assert fake.sessions.logins == 2 and refused_calls(fake) == 1


def test_a_login_that_yields_a_refused_session_is_not_retried_in_a_loop(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.seed("Contact", 3)
    connector = make_connector(auth=client_credentials_auth(fake))
    list(connector.read("Contact", None))
    fake.sessions.token_lifetime = 0  # every new session is born expired
    fake.expire_sessions()

    with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
        list(connector.read("Contact", None))
    assert fake.sessions.logins == 2  # exactly one new login for the refused call
    assert refused_calls(fake) == 2


def test_a_given_access_token_that_expires_fails_with_what_to_do(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.seed("Contact", 3)
    connector = make_connector()
    fake.expire_sessions()

    with pytest.raises(AuthError) as caught:
        list(connector.read("Contact", None))
    message = str(caught.value)
    assert "reading Contact" in message and "INVALID_SESSION_ID" in message
    assert "access_token" in message  # the hint says a given token cannot be renewed
    assert fake.token not in message
    assert fake.sessions.logins == 0


@pytest.mark.parametrize(
    ("auth", "secret"),
    [
        pytest.param({"method": "access_token", "access_token": "s3cret-token-value"},
                     "s3cret-token-value", id="access_token"),
        pytest.param({"method": "password", "username": "integration@crmhub.test",
                      "password": "s3cret-password", "security_token": "s3cretSecTok"},
                     "s3cret", id="password"),
        pytest.param({"method": "client_credentials", "client_id": "crmhub-fake-connected-app",
                      "client_secret": "s3cret-client-secret"},
                     "s3cret", id="client_credentials"),
    ],
)  # fmt: skip
def test_check_with_bad_credentials_says_so_without_the_secret(
    make_connector: ConnectorFactory, auth: dict[str, Any], secret: str
) -> None:
    result = make_connector(auth=auth).check()

    assert result.ok is False
    assert secret not in result.message
    assert any(
        word in result.message for word in ("INVALID_SESSION_ID", "INVALID_LOGIN", "invalid_client")
    )
    assert "hint:" in result.message


@pytest.mark.parametrize("method", sorted(LOGINS))
def test_check_logs_in_and_reports_the_allowance(
    fake: FakeSalesforce, make_connector: ConnectorFactory, method: str
) -> None:
    result = make_connector(auth=LOGINS[method](fake)).check()

    assert result.ok, result.message
    assert fake.url in result.message and "of 100000" in result.message
    assert fake.sessions.logins == 1


def test_logins_go_to_login_url_when_it_is_given(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    with FakeSalesforce() as login_server:
        connector = make_connector(auth=password_auth(login_server), login_url=login_server.url)
        result = connector.check()
    # The login server's sessions are unknown to the instance: refused after two logins there
    # (the first, and the one retry after the 401), none at the instance.
    assert (login_server.sessions.logins, fake.sessions.logins) == (2, 0)
    assert result.ok is False and "INVALID_SESSION_ID" in result.message
