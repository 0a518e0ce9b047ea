"""Authentication strategies against a fake token endpoint and fake protected API."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.sdk import AuthError
from connectors.sdk.http import (
    ApiKey,
    BasicAuth,
    BearerToken,
    HttpClient,
    OAuth2ClientCredentials,
    RetrySettings,
)
from connectors.testing import FakeServer, TokenIssuer, add_token_endpoint

FAST = RetrySettings(max_attempts=3, backoff_initial=0.02)


@pytest.fixture
def server() -> Iterator[tuple[FakeServer, TokenIssuer]]:
    fake = FakeServer("oauth")
    issuer = TokenIssuer(lifetime=3600)
    add_token_endpoint(fake, issuer, client_id="hub", client_secret="s3cret")
    fake.add_route("GET", r"/api/me", lambda r: issuer.refuse(r) or {"me": "hub"})
    fake.add_route("GET", r"/echo", lambda r: {"headers": r.headers, "query": r.query})
    with fake:
        yield fake, issuer
    assert not fake.errors, fake.errors


def oauth(fake: FakeServer, secret: str = "s3cret", **kwargs: Any) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(fake.url + "/oauth/token", "hub", SecretStr(secret), **kwargs)


def test_client_credentials_token_is_fetched_once_and_reused(
    server: tuple[FakeServer, TokenIssuer],
) -> None:
    fake, _ = server
    auth = oauth(fake)
    with HttpClient(fake.url, auth=auth, retry=FAST) as client:
        for _ in range(3):
            assert client.get("/api/me").json() == {"me": "hub"}
    assert len(fake.requests_to("POST", "/oauth/token")) == 1
    token_request = fake.requests_to("POST", "/oauth/token")[0]
    assert (
        token_request.headers["authorization"]
        == "Basic " + base64.b64encode(b"hub:s3cret").decode()
    )


def test_credentials_can_travel_in_the_form_body(server: tuple[FakeServer, TokenIssuer]) -> None:
    fake, _ = server
    with HttpClient(fake.url, auth=oauth(fake, credentials_in="body"), retry=FAST) as client:
        assert client.get("/api/me").status_code == 200
    assert b"client_secret=s3cret" in fake.requests_to("POST", "/oauth/token")[0].body


def test_token_is_renewed_ahead_of_its_expiry(server: tuple[FakeServer, TokenIssuer]) -> None:
    fake, issuer = server
    issuer.lifetime = 1.0  # the endpoint now hands out one-second tokens
    auth = oauth(
        fake, refresh_margin=0.6
    )  # renew half-way (the margin is capped at half the lifetime)
    with HttpClient(fake.url, auth=auth, retry=FAST) as client:
        client.get("/api/me")
        time.sleep(0.6)
        client.get("/api/me")  # renewed before use: never sent an expired token
    assert auth.fetches == 2
    assert [r.status for r in fake.requests_to("GET", "/api/me")] == [200, 200]


def test_a_revoked_token_is_replaced_once_after_401(server: tuple[FakeServer, TokenIssuer]) -> None:
    fake, issuer = server
    auth = oauth(fake)
    with HttpClient(fake.url, auth=auth, retry=FAST) as client:
        client.get("/api/me")
        issuer.revoke_all()
        assert client.get("/api/me").json() == {"me": "hub"}
    assert [r.status for r in fake.requests_to("GET", "/api/me")] == [200, 401, 200]
    assert auth.fetches == 2


def test_refused_client_credentials_raise_auth_error_with_the_oauth_message(
    server: tuple[FakeServer, TokenIssuer],
) -> None:
    fake, _ = server
    refused = pytest.raises(AuthError, match="refused client 'hub'.*client authentication failed")
    with HttpClient(fake.url, auth=oauth(fake, secret="wrong"), retry=FAST) as client, refused:
        client.get("/api/me")
    assert fake.requests_to("GET", "/api/me") == []  # no API call without a token


def test_static_strategies_stamp_requests(server: tuple[FakeServer, TokenIssuer]) -> None:
    fake, _ = server
    cases = [
        (BearerToken(SecretStr("tok")), "authorization", "Bearer tok"),
        (
            BasicAuth("anystring", "key-us10"),
            "authorization",
            "Basic " + base64.b64encode(b"anystring:key-us10").decode(),
        ),
        (ApiKey("shpat_1", name="X-Shopify-Access-Token"), "x-shopify-access-token", "shpat_1"),
    ]
    for auth, header, expected in cases:
        with HttpClient(fake.url, auth=auth) as client:
            assert client.get("/echo").json()["headers"][header] == expected
    with HttpClient(fake.url, auth=ApiKey("k1", name="api_key", location="query")) as client:
        assert client.get("/echo", params={"a": "1"}).json()["query"] == {
            "a": ["1"],
            "api_key": ["k1"],
        }


def test_secrets_do_not_show_in_reprs() -> None:
    auth = OAuth2ClientCredentials("https://idp.example.com/token", "hub", "s3cret")
    assert "s3cret" not in repr(vars(auth))
