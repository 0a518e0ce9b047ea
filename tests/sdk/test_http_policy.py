"""The error policy table, Retry-After parsing, vendor messages and URL redaction."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from connectors.sdk.http import (
    DEFAULT_POLICY,
    Action,
    ErrorPolicy,
    ErrorRule,
    JsonErrorCode,
    JsonErrorMessage,
    parse_retry_after,
    redact_url,
    vendor_message,
)


def answer(status: int, body: object = None, text: str | None = None) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text)
    return httpx.Response(status, json=body) if body is not None else httpx.Response(status)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (401, Action.REAUTH),
        (408, Action.RETRY),
        (425, Action.RETRY),
        (429, Action.THROTTLE),
        (500, Action.RETRY),
        (502, Action.RETRY),
        (503, Action.RETRY),
        (504, Action.RETRY),
        (400, Action.FAIL),
        (403, Action.FAIL),
        (404, Action.FAIL),
        (422, Action.FAIL),
        (409, Action.FAIL),
        (302, Action.FAIL),
        (308, Action.FAIL),
        (501, Action.FAIL),
    ],
)
def test_default_policy_table(status: int, action: Action) -> None:
    rule = DEFAULT_POLICY.resolve(answer(status))
    assert rule is not None and rule.action is action


@pytest.mark.parametrize("status", [200, 201, 204, 304])
def test_successes_resolve_to_no_rule(status: int) -> None:
    assert DEFAULT_POLICY.resolve(answer(status)) is None


def action_of(policy: ErrorPolicy, response: httpx.Response) -> Action | None:
    rule = policy.resolve(response)
    return rule.action if rule else None


def test_connector_rows_win_over_the_defaults_only_where_they_match() -> None:
    policy = DEFAULT_POLICY.extend(
        ErrorRule(403, Action.THROTTLE, "SF limit", when=JsonErrorCode("REQUEST_LIMIT_EXCEEDED")),
        ErrorRule(400, Action.THROTTLE, "HubSpot rate limits", when=JsonErrorCode("RATE_LIMITS")),
        ErrorRule(200, Action.THROTTLE, "Shopify throttled", when=JsonErrorMessage("Throttled")),
    )
    limit = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    no_access = [{"message": "insufficient access", "errorCode": "INSUFFICIENT_ACCESS"}]
    hubspot = {
        "status": "error",
        "message": "limit",
        "category": "RATE_LIMITS",
        "correlationId": "x",
    }
    assert action_of(policy, answer(403, limit)) is Action.THROTTLE
    assert action_of(policy, answer(403, no_access)) is Action.FAIL
    assert action_of(policy, answer(400, hubspot)) is Action.THROTTLE
    assert action_of(policy, answer(200, {"errors": [{"message": "Throttled"}]})) is Action.THROTTLE
    assert action_of(policy, answer(200, {"data": {"note": "Throttled is just a word"}})) is None
    assert action_of(DEFAULT_POLICY, answer(403, limit)) is Action.FAIL


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    now = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Fri, 20 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Fri, 20 Nov 2026 11:00:00 GMT", now=now) == 0.0  # in the past: now
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            answer(
                400, [{"message": "Bad field", "errorCode": "INVALID_FIELD", "fields": ["Emial"]}]
            ),
            "INVALID_FIELD: Bad field (field ['Emial'])",
        ),
        (
            answer(
                400,
                {
                    "type": "https://mailchimp.com/developer/",
                    "title": "Invalid Resource",
                    "status": 400,
                    "detail": "Your merge fields were invalid.",
                    "errors": [{"field": "email_address", "message": "looks fake"}],
                },
            ),
            "Your merge fields were invalid.; looks fake (field email_address)",
        ),
        (
            answer(
                401,
                {"error": "invalid_client", "error_description": "client authentication failed"},
            ),
            "invalid_client: client authentication failed",
        ),
        (
            answer(400, {"errors": [{"message": "Field 'x' doesn't exist on type 'Customer'"}]}),
            "Field 'x' doesn't exist on type 'Customer'",
        ),
        (answer(502, text="<html>Bad Gateway</html>"), "<html>Bad Gateway</html>"),
        (answer(500), ""),
    ],
)
def test_vendor_message_reads_each_vendor_shape(response: httpx.Response, expected: str) -> None:
    assert vendor_message(response) == expected


def test_redact_url_masks_credentials_and_keeps_the_rest() -> None:
    url = (
        "https://user:pw@api.example.com/v1/contacts?page=2&api_key=abc&hapikey=xyz&access_token=t"
    )
    shown = redact_url(url, extra=["hapikey"])
    assert "abc" not in shown and "xyz" not in shown and "pw" not in shown and "=t" not in shown
    assert shown.startswith("https://api.example.com/v1/contacts?page=2&api_key=")
