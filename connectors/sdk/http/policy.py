"""The error policy: what to do with each HTTP answer and each transport failure.

The policy is data: an ordered table of rules. The first rule whose status (and body predicate,
when the rule has one) matches a response decides the action; an answer below 400 that no rule
matches is a success, one at 400 or above that no rule matches fails. A connector puts its own
rows in front of the defaults::

    policy = DEFAULT_POLICY.extend(
        ErrorRule(403, Action.THROTTLE, "Salesforce API request limit reached",
                  when=JsonErrorCode("REQUEST_LIMIT_EXCEEDED")),
        ErrorRule(200, Action.THROTTLE, "Shopify throttled", when=JsonErrorMessage("Throttled")),
    )
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from connectors.sdk.http.vendor_errors import error_codes, error_items, json_body


class Action(str, enum.Enum):
    """What the client does with an answer."""

    RETRY = "retry"  # a transient failure: back off exponentially; counts against max_attempts
    THROTTLE = (
        "throttle"  # the system asks us to slow down: wait, retry; counts against max_throttles
    )
    REAUTH = "reauth"  # the credentials expired: re-authenticate once and retry at once
    FAIL = "fail"  # the request is wrong or forbidden: raise now, with the vendor's message
    IGNORE = "ignore"  # hand the answer back to the caller as it is


BodyPredicate = Callable[[httpx.Response], bool]


@dataclass(frozen=True, slots=True)
class JsonErrorCode:
    """Matches a JSON body carrying ``code`` as an errorCode / code / category / error value."""

    code: str

    def __call__(self, response: httpx.Response) -> bool:
        if self.code.encode() not in response.content:  # cheap test before parsing
            return False
        return any(self.code in error_codes(item) for item in error_items(json_body(response)))


@dataclass(frozen=True, slots=True)
class JsonErrorMessage:
    """Matches a JSON body with an error object whose ``message`` is exactly ``message``."""

    message: str

    def __call__(self, response: httpx.Response) -> bool:
        if self.message.encode() not in response.content:
            return False
        return any(item.get("message") == self.message for item in error_items(json_body(response)))


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row of the policy: answers with ``status`` (None: any status) for which ``when`` (if
    given) holds get ``action``. ``description`` and ``hint`` end up in error messages and logs."""

    status: int | None
    action: Action
    description: str
    when: BodyPredicate | None = None
    hint: str | None = None

    def matches(self, response: httpx.Response) -> bool:
        """True when this rule applies to ``response``."""
        if self.status is not None and self.status != response.status_code:
            return False
        return self.when is None or self.when(response)


@dataclass(frozen=True, slots=True)
class TransportRule:
    """What to do when no answer came back: the request failed with ``exception``.

    ``safe_to_repeat`` says the request surely never reached the server (connect failures), so
    even a non-idempotent request may be sent again; otherwise only idempotent ones are retried.
    """

    exception: type[Exception]
    action: Action
    description: str
    safe_to_repeat: bool = False
    hint: str | None = None


UNMATCHED_FAILURE = ErrorRule(None, Action.FAIL, "unexpected answer")

_REDIRECTED = "the API moved: set the base URL to the Location header of this answer"

# fmt: off
DEFAULT_RULES: tuple[ErrorRule, ...] = (
    ErrorRule(401, Action.REAUTH,   "credentials expired or refused",
              hint="check the credentials in the connection's configuration"),
    ErrorRule(408, Action.RETRY,    "request timeout"),
    ErrorRule(425, Action.RETRY,    "too early"),
    ErrorRule(429, Action.THROTTLE, "rate limited"),
    ErrorRule(500, Action.RETRY,    "server error"),
    ErrorRule(502, Action.RETRY,    "bad gateway"),
    ErrorRule(503, Action.RETRY,    "service unavailable"),
    ErrorRule(504, Action.RETRY,    "gateway timeout"),
    ErrorRule(400, Action.FAIL,     "bad request", hint="the request does not fit the API"),
    ErrorRule(403, Action.FAIL,     "forbidden",
              hint="the credentials lack a permission or scope this request needs"),
    ErrorRule(404, Action.FAIL,     "not found", hint="check the object id and the API version"),
    ErrorRule(422, Action.FAIL,     "unprocessable", hint="a field value was refused"),
    ErrorRule(301, Action.FAIL,     "moved permanently", hint=_REDIRECTED),
    ErrorRule(302, Action.FAIL,     "redirected", hint=_REDIRECTED),
    ErrorRule(307, Action.FAIL,     "redirected", hint=_REDIRECTED),
    ErrorRule(308, Action.FAIL,     "moved permanently", hint=_REDIRECTED),
)

DEFAULT_TRANSPORT_RULES: tuple[TransportRule, ...] = (
    TransportRule(httpx.UnsupportedProtocol, Action.FAIL, "unsupported URL scheme",
                  hint="the base URL must start with http:// or https://"),
    TransportRule(httpx.ConnectTimeout, Action.RETRY, "connection timed out", safe_to_repeat=True),
    TransportRule(httpx.ConnectError, Action.RETRY, "could not connect", safe_to_repeat=True),
    TransportRule(httpx.PoolTimeout, Action.RETRY, "no free pooled connection", safe_to_repeat=True),
    TransportRule(httpx.ReadTimeout, Action.RETRY, "no answer within the read timeout"),
    TransportRule(httpx.WriteTimeout, Action.RETRY, "sending the request timed out"),
    TransportRule(httpx.RemoteProtocolError, Action.RETRY, "the server dropped the connection"),
    TransportRule(httpx.NetworkError, Action.RETRY, "network error"),
    TransportRule(httpx.TransportError, Action.FAIL, "transport error"),
)
# fmt: on


class ErrorPolicy:
    """An ordered table of ``ErrorRule`` rows (first match wins) plus the transport rules."""

    def __init__(
        self,
        rules: Iterable[ErrorRule],
        transport_rules: Iterable[TransportRule] = DEFAULT_TRANSPORT_RULES,
    ) -> None:
        self.rules: tuple[ErrorRule, ...] = tuple(rules)
        self.transport_rules: tuple[TransportRule, ...] = tuple(transport_rules)
        self._by_status: dict[int, tuple[ErrorRule, ...]] = {}

    def extend(self, *rules: ErrorRule) -> ErrorPolicy:
        """A new policy with ``rules`` placed before this one's, so they win where both match."""
        return ErrorPolicy((*rules, *self.rules), self.transport_rules)

    def _candidates(self, status: int) -> tuple[ErrorRule, ...]:
        found = self._by_status.get(status)
        if found is None:
            found = tuple(r for r in self.rules if r.status is None or r.status == status)
            self._by_status[status] = found  # a benign race: every thread computes the same tuple
        return found

    def resolve(self, response: httpx.Response) -> ErrorRule | None:
        """The rule deciding ``response``; None means a plain success."""
        for rule in self._candidates(response.status_code):
            if rule.matches(response):
                return rule
        return UNMATCHED_FAILURE if response.status_code >= 400 else None

    def resolve_transport(self, error: Exception) -> TransportRule | None:
        """The rule for a request that got no answer because of ``error`` (None: not ours)."""
        return next((r for r in self.transport_rules if isinstance(error, r.exception)), None)


DEFAULT_POLICY = ErrorPolicy(DEFAULT_RULES)
