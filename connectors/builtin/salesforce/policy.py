"""What the Salesforce session does with each answer and each network failure: data, not code.

The rows reuse the SDK's error-policy table (``connectors.sdk.http.policy``); Salesforce's own
rows go in front of the defaults. The transport rows name ``requests`` exceptions, because
simple-salesforce speaks ``requests``.
"""

from __future__ import annotations

import requests

from connectors.sdk.http.policy import (
    DEFAULT_RULES,
    Action,
    ErrorPolicy,
    ErrorRule,
    JsonErrorCode,
    TransportRule,
)

THROTTLED = ErrorRule(
    403,
    Action.THROTTLE,
    "Salesforce API request limit reached (REQUEST_LIMIT_EXCEEDED)",
    when=JsonErrorCode("REQUEST_LIMIT_EXCEEDED"),
    hint="the org's daily allowance or its 25 concurrent long requests are used up: "
    "run the sync later or lower its frequency",
)
SESSION_EXPIRED = ErrorRule(
    401,
    Action.REAUTH,
    "Salesforce session expired or invalid",
    hint="check the connection's credentials; an access_token cannot be renewed by crmhub",
)

API_RULES: tuple[ErrorRule, ...] = (THROTTLED, SESSION_EXPIRED, *DEFAULT_RULES)

# A failed SOAP login answers HTTP 500 with a fault naming the reason: not a server error to retry.
LOGIN_RULES: tuple[ErrorRule, ...] = (
    ErrorRule(500, Action.IGNORE, "login refused (SOAP fault)"),
    ErrorRule(400, Action.IGNORE, "login refused"),
    ErrorRule(401, Action.IGNORE, "login refused"),
    *DEFAULT_RULES,
)

TRANSPORT_RULES: tuple[TransportRule, ...] = (
    TransportRule(
        requests.exceptions.SSLError,
        Action.FAIL,
        "TLS handshake failed",
        hint="check instance_url and the system's CA certificates",
    ),
    TransportRule(
        requests.exceptions.ConnectTimeout,
        Action.RETRY,
        "connection timed out",
        safe_to_repeat=True,
    ),
    TransportRule(
        requests.exceptions.ReadTimeout, Action.RETRY, "no answer within the read timeout"
    ),
    TransportRule(requests.exceptions.ChunkedEncodingError, Action.RETRY, "the answer was cut off"),
    TransportRule(
        requests.exceptions.ConnectionError,
        Action.RETRY,
        "could not connect, or the connection dropped",
    ),
    TransportRule(
        requests.exceptions.RequestException,
        Action.FAIL,
        "the request could not be sent",
        hint="check instance_url",
    ),
)

API_POLICY = ErrorPolicy(API_RULES, TRANSPORT_RULES)
LOGIN_POLICY = ErrorPolicy(LOGIN_RULES, TRANSPORT_RULES)
