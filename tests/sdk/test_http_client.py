"""HttpClient over real sockets against fake servers: retries, Retry-After, failures that must not
be retried, re-authentication, timeouts, vendor-specific rules."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from connectors.sdk import AuthError, SourceUnavailable
from connectors.sdk.http import (
    DEFAULT_POLICY,
    Action,
    ApiKey,
    BearerToken,
    ErrorRule,
    HttpAuthError,
    HttpClient,
    HttpRequestRejected,
    HttpUnavailable,
    IssuedToken,
    JsonErrorCode,
    JsonErrorMessage,
    RateLimited,
    RetrySettings,
    TokenAuth,
)
from connectors.testing import FakeRequest, FakeResponse, FakeServer, TokenIssuer, json_response

FAST = RetrySettings(max_attempts=4, backoff_initial=0.02, backoff_max=0.1, throttle_initial=0.02)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer("api")

    @fake.route("GET", r"/items/(?P<id>\d+)")
    def item(request: FakeRequest) -> dict[str, object]:
        return {"id": int(request.params["id"])}

    @fake.route("POST", r"/items")
    def create(request: FakeRequest) -> FakeResponse:
        return json_response({"created": request.json()}, 201)

    with fake:
        yield fake
    assert not fake.errors, fake.errors


def client_for(server: FakeServer, **kwargs: object) -> HttpClient:
    kwargs.setdefault("retry", FAST)
    return HttpClient(server.url, **kwargs)  # type: ignore[arg-type]


def test_503_is_retried_until_success(server: FakeServer) -> None:
    server.faults.fail_next(3, 503)
    with client_for(server) as client:
        response = client.get("/items/7")
    assert response.json() == {"id": 7}
    assert [r.status for r in server.requests] == [503, 503, 503, 200]


def test_persistent_503_gives_up_with_source_unavailable_naming_the_request(
    server: FakeServer,
) -> None:
    server.faults.fail_next(10, 503, body={"message": "maintenance window"})
    with client_for(server) as client, pytest.raises(HttpUnavailable) as caught:
        client.get("/items/7", params={"page": 2})
    error = caught.value
    assert isinstance(error, SourceUnavailable)
    assert len(server.requests) == FAST.max_attempts
    assert error.status == 503 and error.method == "GET"
    assert "/items/7?page=2" in str(error) and "maintenance window" in str(error)
    assert "gave up after 4 attempts" in str(error)


@pytest.mark.parametrize("retry_after", ["1", "http-date"])
def test_429_waits_as_long_as_retry_after_says(server: FakeServer, retry_after: str) -> None:
    if retry_after == "http-date":
        # HTTP dates have whole seconds and the date is made before the first request is sent
        # (up to a second later on a loaded machine): ask for 3 s, expect at least 1
        retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    server.faults.fail_next(1, 429, headers={"Retry-After": retry_after})
    with client_for(server) as client:
        started = time.monotonic()
        client.get("/items/1")
        waited = time.monotonic() - started
    first, second = server.requests
    assert (first.status, second.status) == (429, 200)
    # lower bound is the point; the upper one only allows for a loaded CI machine's scheduling
    assert 1.0 <= second.received - first.received < 5.0
    assert waited >= 1.0


def test_a_retry_after_beyond_the_allowed_wait_fails_at_once(server: FakeServer) -> None:
    server.faults.fail_next(1, 429, headers={"Retry-After": "3600"})
    with client_for(server) as client, pytest.raises(RateLimited, match="wait 3600s"):
        client.get("/items/1")
    assert len(server.requests) == 1


def test_throttles_have_their_own_budget(server: FakeServer) -> None:
    # More throttled answers than max_attempts: throttling is slowing down, not failing.
    server.faults.fail_next(FAST.max_attempts + 2, 429, headers={"Retry-After": "0"})
    with client_for(server) as client:
        assert client.get("/items/3").json() == {"id": 3}
    assert len(server.requests) == FAST.max_attempts + 3


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            [{"message": "Field Emial__c does not exist", "errorCode": "INVALID_FIELD"}],
            "INVALID_FIELD: Field Emial__c does not exist",
        ),
        (
            404,
            {
                "type": "about:blank",
                "title": "Resource Not Found",
                "detail": "The list 42 does not exist",
                "status": 404,
            },
            "The list 42 does not exist",
        ),
        (
            422,
            {
                "message": "validation failed",
                "errors": [{"field": "email", "message": "is invalid"}],
            },
            "is invalid (field email)",
        ),
    ],
)
def test_client_errors_are_not_retried_and_carry_the_vendor_message(
    server: FakeServer, status: int, body: object, expected: str
) -> None:
    server.faults.fail_next(1, status, body=body)
    with client_for(server) as client, pytest.raises(HttpRequestRejected) as caught:
        client.get("/items/9")
    assert len(server.requests) == 1
    assert caught.value.status == status
    assert expected in str(caught.value)
    assert f"GET {server.url}/items/9" in str(caught.value)


def test_an_expired_token_is_renewed_once_and_the_request_succeeds(server: FakeServer) -> None:
    issuer = TokenIssuer()
    server.add_route("GET", r"/secure", lambda r: issuer.refuse(r) or {"ok": True})
    auth = TokenAuth(lambda: IssuedToken(issuer.issue()))  # a login call, as Creditsafe's
    with client_for(server, auth=auth) as client:
        assert client.get("/secure").json() == {"ok": True}
        issuer.revoke_all()  # the vendor ends the session
        assert client.get("/secure").json() == {"ok": True}
    assert [r.status for r in server.requests] == [200, 401, 200]
    assert auth.fetches == 2


def test_a_second_401_after_reauthenticating_raises_auth_error(server: FakeServer) -> None:
    server.add_route(
        "GET",
        r"/secure",
        lambda r: json_response(
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}, 401
        ),
    )
    auth = TokenAuth(lambda: IssuedToken("always-refused"))
    with client_for(server, auth=auth) as client, pytest.raises(HttpAuthError) as caught:
        client.get("/secure")
    assert isinstance(caught.value, AuthError)
    assert len(server.requests) == 2 and auth.fetches == 2
    assert "INVALID_SESSION_ID: Session expired or invalid" in str(caught.value)


def test_a_static_token_refused_fails_without_a_retry(server: FakeServer) -> None:
    issuer = TokenIssuer()
    server.add_route("GET", r"/secure", lambda r: issuer.refuse(r) or {"ok": True})
    with (
        client_for(server, auth=BearerToken("wrong")) as client,
        pytest.raises(AuthError, match="401"),
    ):
        client.get("/secure")
    assert len(server.requests) == 1


def test_read_timeouts_are_retried_then_source_unavailable(server: FakeServer) -> None:
    server.faults.slow_next(10, 1.0)
    with client_for(server, read_timeout=0.2) as client, pytest.raises(SourceUnavailable) as caught:
        client.get("/items/5")
    assert len(server.requests) == FAST.max_attempts
    assert "no answer within the read timeout" in str(caught.value)


def test_a_read_timeout_then_an_answer_succeeds(server: FakeServer) -> None:
    server.faults.slow_next(1, 1.0)
    with client_for(server, read_timeout=0.2) as client:
        assert client.get("/items/5").json() == {"id": 5}


def test_a_post_whose_answer_was_lost_is_not_resent(server: FakeServer) -> None:
    server.faults.slow_next(1, 1.0)
    with (
        client_for(server, read_timeout=0.2) as client,
        pytest.raises(HttpUnavailable, match="not idempotent"),
    ):
        client.post("/items", json={"name": "x"})
    assert len(server.requests) == 1


def test_an_idempotent_post_is_resent_after_a_lost_answer(server: FakeServer) -> None:
    server.faults.slow_next(1, 1.0)
    with client_for(server, read_timeout=0.2) as client:
        response = client.post("/items", json={"name": "x"}, idempotent=True)
    assert response.status_code == 201 and len(server.requests) == 2


def test_connection_refused_is_retried_then_source_unavailable() -> None:
    probe = FakeServer("gone").start()
    url = probe.url
    probe.stop()  # nothing listens on that port any more
    with (
        HttpClient(url, retry=FAST) as client,
        pytest.raises(SourceUnavailable, match="could not connect"),
    ):
        client.get("/anything")


def test_salesforce_403_request_limit_is_throttling_not_a_failure(server: FakeServer) -> None:
    policy = DEFAULT_POLICY.extend(
        ErrorRule(
            403,
            Action.THROTTLE,
            "Salesforce request limit",
            when=JsonErrorCode("REQUEST_LIMIT_EXCEEDED"),
        )
    )
    server.faults.fail_next(
        2,
        403,
        body=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
    )
    server.faults.fail_next(
        1,
        403,
        path="/items/2",
        body=[{"message": "insufficient access rights", "errorCode": "INSUFFICIENT_ACCESS"}],
    )
    with client_for(server, policy=policy) as client:
        assert client.get("/items/1").json() == {"id": 1}
        with pytest.raises(HttpAuthError, match="INSUFFICIENT_ACCESS"):  # a plain 403 still fails
            client.get("/items/2")


def test_shopify_throttled_200_is_retried(server: FakeServer) -> None:
    policy = DEFAULT_POLICY.extend(
        ErrorRule(
            200, Action.THROTTLE, "Shopify GraphQL throttled", when=JsonErrorMessage("Throttled")
        )
    )
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    server.faults.fail_next(2, 200, body=throttled)
    with client_for(server, policy=policy) as client:
        assert client.get("/items/4").json() == {"id": 4}
    assert len(server.requests) == 3


def test_ignore_hands_the_answer_back(server: FakeServer) -> None:
    lookups = DEFAULT_POLICY.extend(ErrorRule(404, Action.IGNORE, "no such item: a normal answer"))
    with client_for(server) as client:
        assert client.get("/nothing-here", policy=lookups).status_code == 404


def test_an_api_key_in_the_query_never_shows_in_errors(server: FakeServer) -> None:
    server.faults.fail_next(1, 400, body={"message": "bad filter"})
    auth = ApiKey("s3cr3t-key", name="hapikey", location="query")
    with client_for(server, auth=auth) as client, pytest.raises(HttpRequestRejected) as caught:
        client.get("/items/1", params={"filter": "x"})
    assert server.requests[0].query["hapikey"] == ["s3cr3t-key"]  # it was sent...
    assert "s3cr3t-key" not in str(caught.value) and "hapikey=%2A%2A%2A" in str(
        caught.value
    )  # ...not shown


def test_total_time_bound_stops_retrying(server: FakeServer) -> None:
    server.faults.fail_next(50, 503, headers={"Retry-After": "0.3"})
    settings = RetrySettings(max_attempts=50, max_total=1.0)
    with client_for(server, retry=settings) as client, pytest.raises(HttpUnavailable):
        started = time.monotonic()
        client.get("/items/1")
    assert time.monotonic() - started < 1.3
    assert 2 <= len(server.requests) <= 4


def test_base_url_must_be_http() -> None:
    from connectors.sdk import ConfigError

    with pytest.raises(ConfigError, match="not an http"):
        HttpClient("api.example.com/v1")
